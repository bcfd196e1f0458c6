from pathlib import Path

import pytest
from django.db import connection

from programme.importers import import_programme_files

# The `browser` and `site` fixtures of the browser tests.
pytest_plugins = ["tests.browser"]

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
YEARS = (2022, 2024, 2025)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Load the three real programme books once for the whole run.

    Tests run in transactions that are rolled back, so every test sees exactly the
    fixtures' data and may change it freely.
    """
    with django_db_blocker.unblock():
        import_programme_files(sorted(FIXTURES.glob("csml*.yaml")))
    yield
    # A browser test that failed mid-page can leave the live server answering a last
    # request; its connection would stop the test database from being dropped.
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("staff", "staff@example.org", "pw")
    client.force_login(user)
    return client


@pytest.fixture(autouse=True, scope="session")
def no_version_feed():
    """Pages ask the database for the data version: a test's changes are rolled back,
    never committed, so PostgreSQL never announces them (programme/caching/feed.py;
    tests/test_version_feed.py turns it on)."""
    from django.conf import settings

    settings.VERSION_FEED = False


@pytest.fixture
def process_feed(settings, django_db_blocker):
    """This process's version feed on for one test, live, and off after it."""
    from programme.caching import feed

    settings.VERSION_FEED = True
    with django_db_blocker.unblock():
        assert feed._feed.wait_until_live(5)
    yield feed._feed
    feed.restart()


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the default language: a request to /en/ (or an override an
    error cut short) leaves English active in the thread, and URLs, labels and pages
    would follow it into the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def empty_caches():
    """Each test starts with no cached pages and no kept programmes: a rolled-back test
    may have kept either under a data version that the next test reaches again with
    other data."""
    from django.core.cache import cache

    from programme.caching import programmes

    cache.clear()
    programmes.forget_all()
