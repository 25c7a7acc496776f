"""Referral search on SQLite: build the case-insensitive indexes of 0013 again.

Adding `referrer_language` (0017) made SQLite rebuild the referral table (Django copies the rows
into a new table for a column it can't simply add), and the copy has only the indexes Django knows
of: the four `COLLATE NOCASE` indexes 0013 made by hand were gone, and search read every referral
of the organisation again. `tests/orgs/test_referral_list.py` migrates a real file and checks
SQLite's plan, so a later rebuild is caught; a migration that rebuilds `orgs_referral` must be
followed by one like this. Going back leaves them: 0013 going back drops them.
"""

from __future__ import annotations

import importlib

from django.db import migrations

first_build = importlib.import_module("carecircle.orgs.migrations.0013_referral_search_prefix")


class Migration(migrations.Migration):
    dependencies = [("orgs", "0019_fill_staff_figures")]

    operations = [migrations.RunPython(first_build.forwards, migrations.RunPython.noop)]
