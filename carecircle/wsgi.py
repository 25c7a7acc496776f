"""WSGI entry point, for serving plain HTTP through a WSGI server."""

from __future__ import annotations

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carecircle.settings")

from django.core.wsgi import get_wsgi_application

from carecircle.lib.startup import refuse_unsafe_configuration

application = get_wsgi_application()
refuse_unsafe_configuration()
