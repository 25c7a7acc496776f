"""Move the notices about lost referrals from "Help you organise" to "Referrals and organisation work".

Only the notices orgs/lost_referrals.py wrote, found by their keys; members' choices are not copied,
because "Help you organise" was chosen for the help in circles. The reverse moves every notice of the new category to the old one.
"""

from django.db import migrations
from django.db.models import Q

KEYS = ("referral-given-away-", "referral-merged-away-", "referrals-left-behind-")


def _lost_referral_notices(apps, category):
    Notification = apps.get_model("notifications", "Notification")
    matching = Q()
    for prefix in KEYS:
        matching |= Q(key__startswith=prefix)
    return Notification.objects.filter(matching, category=category, circle__isnull=True)


def forwards(apps, schema_editor):
    _lost_referral_notices(apps, "help_changed").update(category="organisation_work")


def backwards(apps, schema_editor):
    # Every notice in the new category goes back (a change of role too, which had no place before it).
    Notification = apps.get_model("notifications", "Notification")
    Notification.objects.filter(category="organisation_work").update(category="help_changed")


class Migration(migrations.Migration):
    dependencies = [("notifications", "0014_delivery_held_by_from_last_error")]

    operations = [migrations.RunPython(forwards, backwards)]
