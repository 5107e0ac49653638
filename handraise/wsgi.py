"""WSGI entry point for gunicorn (``handraise serve`` starts it)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "handraise.settings")
application = get_wsgi_application()
