"""Each app process learns of committed changes from PostgreSQL (LISTEN/NOTIFY) and
serves stored pages without a query (programme/caching/feed.py)."""

import time

import pytest
from django.db import connection

from programme.caching import feed
from programme.models import Conference


def wait_for(condition, timeout):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True


@pytest.fixture
def live_feed(django_db_blocker):
    """A feed of its own, on the committed test database."""
    with django_db_blocker.unblock():
        versions = feed.VersionFeed(heartbeat=0.5)
        assert versions.wait_until_live(5)
        yield versions
        versions.stop()


def test_a_committed_change_reaches_the_feed_at_once_and_only_for_its_year(
    live_feed, committed_retitle, django_db_blocker
):
    with django_db_blocker.unblock():
        year = dict(Conference.objects.values_list("year", "pk"))
    before = {y: live_feed.version(year[y]) for y in (2024, 2025)}

    committed_retitle("A1-1", "A title announced by PostgreSQL")
    started = time.monotonic()

    assert wait_for(lambda: live_feed.version(year[2025]) != before[2025], timeout=1)
    assert time.monotonic() - started < 1
    assert live_feed.version(year[2024]) == before[2024]


def test_a_lost_listener_sends_pages_back_to_the_database_until_it_is_back(
    live_feed, django_db_blocker
):
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = %s AND datname = current_database()",
            [feed.APPLICATION_NAME],
        )
        assert cursor.fetchone() is not None, "the feed's connection was found"

    assert wait_for(lambda: live_feed.version(None) is feed.UNKNOWN, timeout=2)
    assert wait_for(lambda: live_feed.version(None) is not feed.UNKNOWN, timeout=5)


@pytest.mark.django_db
def test_a_stored_page_is_served_without_a_query(client, process_feed, django_assert_num_queries):
    first = client.get("/2025/schedule/")
    with django_assert_num_queries(0):
        again = client.get("/2025/schedule/")
        headers = {"if-none-match": first["ETag"]}
        not_modified = client.get("/2025/schedule/", headers=headers)

    assert again.content == first.content
    assert not_modified.status_code == 304


def test_a_year_page_on_a_miss_reads_its_conference_only_after_a_change(
    process_feed, client, django_db_blocker
):
    """The conference of a year is read once per version (programmes.py keeps it) while
    the feed vouches for the version; unpublishing the year is a change like any other."""
    from django.core.cache import cache
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with django_db_blocker.unblock():
        assert client.get("/2025/talks/A1-1/").status_code == 200
        cache.clear()  # the page store: the next request renders again
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/2025/talks/A1-1/").status_code == 200
        # Only the speakers' talks in other years, read per request; not the conference.
        assert len(queries) == 1
        assert "data_version" not in queries.captured_queries[0]["sql"]

        conference = Conference.objects.get(year=2025)
        try:
            Conference.objects.filter(pk=conference.pk).update(published=False)
            assert wait_for(lambda: client.get("/2025/talks/A1-1/").status_code == 404, 1)
        finally:
            Conference.objects.filter(pk=conference.pk).update(published=True)


@pytest.mark.django_db
def test_pages_across_years_take_their_stamp_from_the_feed(process_feed, client):
    from django.core.cache import cache
    from django.test.utils import CaptureQueriesContext

    first = client.get("/people/liu-yong/")
    cache.clear()  # the page store: the next request renders again
    with CaptureQueriesContext(connection) as queries:
        again = client.get("/people/liu-yong/")

    assert again.status_code == 200
    assert again["Last-Modified"] == first["Last-Modified"]
    assert not [q for q in queries.captured_queries if "programme_dataversion" in q["sql"]]
