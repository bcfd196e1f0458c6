"""The embedded PostgreSQL used when DATABASE_URL is unset.

This module is the only place that knows about `pgserver`: it starts a private
PostgreSQL 16 under the project's git-ignored `.pgdata/` folder (reused on the next
start) and returns a Django DATABASES entry for it. Set DATABASE_URL to use a real
server instead; nothing else changes.
"""

import warnings
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

DATA_DIR = Path(__file__).resolve().parent.parent / ".pgdata"
DATABASE_NAME = "csml"


def database_settings() -> dict:
    """Start the embedded server if it is not running; return its connection settings."""
    with warnings.catch_warnings():
        # platformdirs warns when XDG_RUNTIME_DIR is unset (root shells, CI): harmless here.
        warnings.simplefilter("ignore")
        import pgserver

        # "stop": the server stops when the last process using it exits, so nothing
        # outlives `make run` or `make test`.
        server = pgserver.get_server(DATA_DIR, cleanup_mode="stop")
    # DATABASE_NAME is a constant of this module, not input: formatting it in is safe.
    exists = server.psql(f"SELECT 1 FROM pg_database WHERE datname = '{DATABASE_NAME}';")  # noqa: S608
    if "(1 row)" not in exists:
        server.psql(f"CREATE DATABASE {DATABASE_NAME};")
    # pgserver listens on a Unix socket; its URI names the socket's directory.
    socket_dir = parse_qs(urlsplit(server.get_uri()).query)["host"][0]
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": DATABASE_NAME,
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": socket_dir,
        "PORT": "",
    }
