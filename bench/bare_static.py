"""A bare whitenoise WSGI app over the bench's collected static files: the reference
rate a static file can reach on this gunicorn, for bench_load's "through the site" row.

Run by bench_load.py as `gunicorn bare_static:application` with STATIC_ROOT set.
"""

import os

from whitenoise import WhiteNoise


def not_found(environ, start_response):
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found"]


application = WhiteNoise(not_found, root=os.environ["STATIC_ROOT"], prefix="static/")
