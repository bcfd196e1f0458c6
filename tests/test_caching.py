"""Pages cost a constant number of queries, are cached per data version, and revalidate."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.urls import reverse

from programme.caching import programmes
from programme.models import Session, Talk
from tests.factories import one_talk_year

pytestmark = pytest.mark.django_db


# (page name, expected queries on a cache miss). Each reads the data version joined with
# its conference, then the page's own reads; see programme/queries.py.
YEAR_PAGE_QUERIES = [
    ("conference-home", 6),
    ("schedule", 5),
    ("abstracts", 5),
    ("speakers", 5),
    ("organisation", 3),
    ("contacts", 3),
]


@pytest.mark.parametrize(("page", "queries"), YEAR_PAGE_QUERIES)
def test_year_page_queries_do_not_grow_with_talks(client, django_assert_num_queries, page, queries):
    tiny = one_talk_year()

    for year in (tiny.year, 2022, 2025):
        with django_assert_num_queries(queries):
            assert client.get(reverse(f"programme:{page}", args=[year])).status_code == 200


@pytest.mark.parametrize("year", [2031, 2024, 2025])
def test_detail_page_queries_do_not_grow(client, django_assert_num_queries, year):
    if year == 2031:
        one_talk_year()
    session = Session.objects.filter(conference__year=year).order_by("code").first()
    session_url, talk_url = session.get_absolute_url(), session.talks.first().get_absolute_url()

    # The first page of the year reads its programme (four queries, programme.caching.programmes)
    # after the data version; later pages of the same version only read what is theirs.
    with django_assert_num_queries(5):
        assert client.get(session_url).status_code == 200
    with django_assert_num_queries(2):  # + the speakers' other talks
        assert client.get(talk_url).status_code == 200
    with django_assert_num_queries(1):
        assert client.get(reverse("programme:schedule-ics", args=[year])).status_code == 200
    cache.clear()
    programmes.forget_all()
    with django_assert_num_queries(6):
        assert client.get(talk_url).status_code == 200


def test_person_archive_and_search_queries_are_constant(client, django_assert_num_queries):
    with django_assert_num_queries(3):  # version, person, appearances
        assert client.get("/people/zhang-lin-feng/").status_code == 200
    with django_assert_num_queries(2):
        client.get(reverse("programme:archive"))
    for query in ("扩散", "a"):
        # version, years and counts, the page of talks, their speakers, sessions, people
        with django_assert_num_queries(6):
            client.get(reverse("programme:search"), {"q": query})


def test_warm_page_costs_one_query(client, django_assert_num_queries):
    url = reverse("programme:schedule", args=[2025])
    first = client.get(url)

    with django_assert_num_queries(1):
        second = client.get(url)

    assert second.content == first.content


def test_conditional_request_is_answered_304_without_rendering(client, django_assert_num_queries):
    url = reverse("programme:schedule", args=[2025])
    etag = client.get(url)["ETag"]

    with django_assert_num_queries(1):
        response = client.get(url, headers={"if-none-match": etag})

    assert response.status_code == 304
    assert response.content == b""


def test_if_modified_since_gives_304(client):
    url = reverse("programme:abstracts", args=[2024])
    last_modified = client.get(url)["Last-Modified"]

    response = client.get(url, headers={"if-modified-since": last_modified})

    assert response.status_code == 304


def test_a_change_by_staff_retires_cached_pages_and_etags(client):
    url = reverse("programme:schedule", args=[2025])
    before = client.get(url)
    talk = Talk.objects.get(conference__year=2025, code="A1-1")
    talk.title = "A title nobody has seen before"
    talk.save()

    after = client.get(url, headers={"if-none-match": before["ETag"]})

    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert "A title nobody has seen before" in after.content.decode()


def test_a_change_reaches_pages_read_from_a_kept_programme(client):
    """The session page keeps 2025's programme; an edit must still reach the talk page."""
    client.get(reverse("programme:session-detail", args=[2025, "A1"]))
    talk = Talk.objects.get(conference__year=2025, code="A1-1")
    talk.title = "A title nobody has seen before"
    talk.save()

    response = client.get(talk.get_absolute_url())

    assert "A title nobody has seen before" in response.content.decode()


def test_pages_are_cached_per_language(client):
    zh = client.get("/2025/schedule/")
    en = client.get("/en/2025/schedule/")

    assert zh["ETag"] != en["ETag"]
    assert '<html lang="zh-hans">' in client.get("/2025/schedule/").content.decode()


def test_pages_are_served_gzipped_to_clients_that_accept_it(client):
    import gzip

    plain = client.get("/2025/schedule/")
    zipped = client.get("/2025/schedule/", headers={"accept-encoding": "gzip, br"})
    again = client.get(
        "/2025/schedule/", headers={"accept-encoding": "gzip", "if-none-match": zipped["ETag"]}
    )

    assert zipped["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.content) == plain.content
    assert len(zipped.content) < len(plain.content) / 4
    assert zipped["ETag"] != plain["ETag"]
    assert "Accept-Encoding" in zipped["Vary"]
    assert again.status_code == 304


def test_cached_downloads_keep_their_file_name(client):
    first = client.get("/2025/talks/A1-1.ics")
    second = client.get("/2025/talks/A1-1.ics")

    assert first["Content-Disposition"] == second["Content-Disposition"]
    assert second["Content-Disposition"] == 'attachment; filename="A1-1.ics"'


def break_the_version_read():
    """A real database error on every request's first query, the one PostgreSQL gives
    while it restarts ("the database system is starting up", SQLSTATE 57P03, an
    OperationalError): the version table is replaced by a view raising it, inside the
    test's transaction, which is rolled back after the test."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE programme_dataversion RENAME TO programme_dataversion_gone")
        cursor.execute(
            "CREATE FUNCTION restarting() RETURNS SETOF programme_dataversion_gone AS $$ "
            "BEGIN RAISE EXCEPTION 'the database system is starting up' "
            "USING ERRCODE = '57P03'; END $$ LANGUAGE plpgsql"
        )
        cursor.execute("CREATE VIEW programme_dataversion AS SELECT * FROM restarting()")


def test_stored_pages_are_served_while_the_database_cannot_answer(client):
    url = reverse("programme:schedule", args=[2025])
    before = client.get(url)
    break_the_version_read()

    during = client.get(url)

    assert during.status_code == 200
    assert during.content == before.content
    assert during["ETag"] == before["ETag"]


def test_a_page_not_stored_asks_to_retry_while_the_database_cannot_answer(client):
    break_the_version_read()

    response = client.get(reverse("programme:schedule", args=[2025]))

    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert response["Cache-Control"] == "no-store"
    assert "请几秒钟后再试" in response.content.decode()
