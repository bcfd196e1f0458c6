from pathlib import Path

import pytest
from django.db import connection

from programme.importers import import_programme_files

# The `browser` and `site` fixtures of the browser tests.
pytest_plugins = ["tests.browser"]

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
YEARS = (2022, 2024, 2025)
# The URL names of a year's HTML pages (programme/urls.py).
YEAR_HTML_PAGES = (
    "conference-home",
    "schedule",
    "abstracts",
    "speakers",
    "organisation",
    "contacts",
    "changes",
)


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
def committed_retitle(django_db_blocker):
    """A function that retitles a 2025 talk in a committed transaction (the tests' own
    are rolled back, and PostgreSQL announces committed changes only); the titles are
    put back afterwards. The test runs with database access unblocked."""
    from programme.models import Talk

    undo = []

    def retitle(code, title):
        talk = Talk.objects.get(conference__year=2025, code=code)
        undo.append((talk, talk.title))
        talk.title = title
        talk.save()

    with django_db_blocker.unblock():
        try:
            yield retitle
        finally:
            for talk, title in reversed(undo):
                talk.title = title
                talk.save()


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
