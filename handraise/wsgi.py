"""WSGI entry point (``handraise serve`` runs it with waitress; any WSGI server can)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "handraise.settings")
application = get_wsgi_application()
