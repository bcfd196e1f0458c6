"""WSGI entry point (gunicorn csmlsite.wsgi): Django behind the front that answers static
files and current stored pages first (programme/caching/front.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "csmlsite.settings")

django_application = get_wsgi_application()

from programme.caching import front  # noqa: E402  (needs the settings configured above)

application = front.wrap(django_application)
