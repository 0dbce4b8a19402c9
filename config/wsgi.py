"""WSGI entry point for gunicorn (run with --preload so the model loads once, before forking)."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

if settings.MATCH_WARM_ON_START:
    from matching.warmup import warm

    warm()
