"""The page store (programme/caching/): per-year versions, canonical keys, a bounded store,
the deploy id, and conditional requests as HTTP has them."""

import gzip

import pytest
from django.core.cache import cache
from django.db.models import Count, Q
from django.test import override_settings

from programme.caching import deploy
from programme.caching.store import BoundedLocMemCache
from programme.models import Person, Talk

pytestmark = pytest.mark.django_db


def edit_a_2025_talk(title="A title nobody has seen before"):
    talk = Talk.objects.get(conference__year=2025, code="A1-1")
    talk.title = title
    talk.save()


def stored_entries() -> int:
    return len(cache._cache)  # the per-process store of the tests (locmem)


def test_an_edit_to_2025_leaves_2024s_stored_pages_and_etags(client, django_assert_num_queries):
    old_2024 = client.get("/2024/schedule/")
    old_2025 = client.get("/2025/schedule/")

    edit_a_2025_talk()

    with django_assert_num_queries(1):  # the version check: served from the store
        again_2024 = client.get("/2024/schedule/", headers={"if-none-match": old_2024["ETag"]})
    new_2025 = client.get("/2025/schedule/", headers={"if-none-match": old_2025["ETag"]})
    assert again_2024.status_code == 304
    assert new_2025.status_code == 200
    assert "A title nobody has seen before" in new_2025.content.decode()


def test_an_edit_to_a_person_reaches_every_year_they_appear_in_and_no_other(client):
    person = (
        Person.objects.annotate(
            in_2024=Count("talkspeaker", filter=Q(talkspeaker__talk__conference__year=2024)),
            in_2025=Count("talkspeaker", filter=Q(talkspeaker__talk__conference__year=2025)),
        )
        .filter(in_2024__gt=0, in_2025__gt=0)
        .exclude(talkspeaker__talk__conference__year=2022)
        .exclude(sessionchair__session__conference__year=2022)
        .exclude(itemhost__item__conference__year=2022)
        .exclude(committeemembership__conference__year=2022)
        .first()
    )
    assert person is not None, "the fixtures have a speaker of 2024 and 2025 absent from 2022"
    etags = {year: client.get(f"/en/{year}/speakers/")["ETag"] for year in (2022, 2024, 2025)}

    person.name_en = "Someone Renamed"
    person.save()

    for year in (2024, 2025):
        page = client.get(f"/en/{year}/speakers/", headers={"if-none-match": etags[year]})
        assert page.status_code == 200
        assert "Someone Renamed" in page.content.decode()
    untouched = client.get("/en/2022/speakers/", headers={"if-none-match": etags[2022]})
    assert untouched.status_code == 304


def test_unknown_query_parameters_redirect_to_the_page_and_are_never_stored(
    client, django_assert_num_queries
):
    client.get("/2025/schedule/")
    entries = stored_entries()

    for n in range(50):
        with django_assert_num_queries(0):  # a redirect costs no read and no render
            response = client.get(f"/2025/schedule/?x={n}")
        assert response.status_code == 301
        assert response["Location"] == "/2025/schedule/"
    assert stored_entries() == entries
    utm = client.get("/search/?q=扩散&utm_source=wechat", follow=True)
    assert utm.redirect_chain == [("/search/?q=%E6%89%A9%E6%95%A3", 301)]


def test_parameters_a_page_reads_are_stored_once_whatever_their_order(
    client, django_assert_num_queries
):
    client.get("/search/?q=扩散&year=2025")
    with django_assert_num_queries(1):
        client.get("/search/?year=2025&q=%E6%89%A9%E6%95%A3")
    entries = stored_entries()

    repeated = client.get("/search/?q=扩散&q=other")  # not canonical: the last one counts
    spaced = client.get("/search/?q=++%E6%89%A9%E6%95%A3++")

    assert repeated["Location"] == "/search/?q=other"
    assert spaced["Location"] == "/search/?q=%E6%89%A9%E6%95%A3"
    assert stored_entries() == entries


@pytest.mark.parametrize("path", ["/000000002025/schedule.json", "/02025/", "/en/0002024/"])
def test_a_year_with_leading_zeros_is_not_found(client, path):
    assert client.get(path).status_code == 404


def test_a_calendar_fetched_over_http_is_not_served_to_https_clients(client):
    http = client.get("/2025/schedule.ics")
    https = client.get("/2025/schedule.ics", secure=True)

    assert b"http://testserver/2025/" in http.content
    assert b"https://testserver/2025/" in https.content
    assert b"http://testserver/" not in https.content


@pytest.mark.parametrize(
    ("accept_encoding", "gzipped"),
    [
        ("gzip", True),
        ("gzip, deflate, br", True),
        ("br;q=1.0, gzip;q=0.8", True),
        ("*", True),
        ("gzip;q=0", False),
        ("gzip; q=0.000", False),
        ("*;q=0.5, gzip;q=0", False),
        ("identity", False),
        ("deflate, *;q=0", False),
        ("", False),
    ],
)
def test_gzip_only_to_clients_that_accept_it(client, accept_encoding, gzipped):
    # Twice: the first renders, the second comes from the store.
    for _ in range(2):
        response = client.get("/2025/talks/A1-1/", headers={"accept-encoding": accept_encoding})
        assert (response.get("Content-Encoding") == "gzip") is gzipped
    body = gzip.decompress(response.content) if gzipped else response.content
    assert "</html>" in body.decode()


def test_etags_are_weak_and_compared_weakly(client):
    etag = client.get("/2025/schedule/")["ETag"]
    assert etag.startswith('W/"')
    strong_form = etag.removeprefix("W/")

    for header in (etag, strong_form, f'"other", {strong_form}'):
        for _ in range(2):  # rendered, then from the store
            response = client.get("/2025/schedule/", headers={"if-none-match": header})
            assert response.status_code == 304, header


def test_a_new_deploy_retires_every_stored_page_and_etag(client, monkeypatch):
    before = client.get("/2025/schedule/")
    client.get("/2025/schedule/")  # stored

    monkeypatch.setenv("DEPLOY_ID", "release-2")
    deploy.deploy_id.cache_clear()
    try:
        after = client.get("/2025/schedule/", headers={"if-none-match": before["ETag"]})
    finally:
        monkeypatch.delenv("DEPLOY_ID")
        deploy.deploy_id.cache_clear()

    assert after.status_code == 200
    assert after["ETag"].startswith('W/"release-2-')


def test_the_code_fingerprint_is_the_same_for_any_checkout_of_a_release():
    """No mtimes or absolute paths: two servers of one release agree."""
    first = deploy.code_fingerprint()
    (deploy.ROOT / "templates").touch()
    assert deploy.code_fingerprint() == first


def test_the_per_process_store_is_bounded_in_bytes():
    store = BoundedLocMemCache("test-bounded", {"OPTIONS": {"MAX_BYTES": 100_000}})
    store.clear()

    for n in range(200):
        store.set(f"page-{n}", b"x" * 5_000)
        store.get("page-0")  # in use: kept however old
    store.set("huge", b"x" * 20_000)  # over an eighth of the budget: not kept

    assert store.used_bytes <= 100_000
    assert store.get("page-0") is not None
    assert store.get("page-199") is not None
    assert store.get("page-1") is None
    assert store.get("huge") is None
    store.clear()
    assert store.used_bytes == 0


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "programme.caching.store.BoundedLocMemCache",
            "LOCATION": "test-flood",
            "OPTIONS": {"MAX_BYTES": 300_000},
        }
    }
)
def test_a_flood_of_distinct_searches_stays_within_the_store_budget(client):
    for n in range(150):
        assert client.get("/search/", {"q": f"扩散 {n}"}).status_code == 200

    assert 0 < cache.used_bytes <= 300_000
    cache.clear()


@override_settings(
    CACHES={
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:9/0",  # nothing listens there: Redis is down
        }
    }
)
def test_pages_are_served_while_the_shared_store_is_down(client, caplog):
    first = client.get("/2025/schedule/")
    second = client.get("/2025/schedule/")

    assert first.status_code == second.status_code == 200
    assert second.content == first.content
    assert "Page store unavailable" in caplog.text
