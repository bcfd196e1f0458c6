"""The WSGI application the servers run (csmlsite/wsgi.py, programme/caching/front.py):
static files and current stored pages are answered before Django's request handling
starts; everything else, and every page the front cannot vouch for, reaches Django."""

import time
from io import BytesIO

import pytest
from django.core.cache import cache
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, connection
from django.test.utils import CaptureQueriesContext

from csmlsite.wsgi import application


def call(path, query="", **headers):
    """One request to the WSGI application, as gunicorn makes it."""
    environ = {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "testserver",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "testserver",
        "HTTP_ACCEPT_ENCODING": "gzip",
        "wsgi.url_scheme": "http",
        "wsgi.input": BytesIO(),
        "wsgi.errors": BytesIO(),
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    environ.update(
        {"HTTP_" + name.upper().replace("-", "_"): value for name, value in headers.items()}
    )
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"] = int(status.split()[0])
        answer["headers"] = dict(response_headers)

    # As Django's test client does: the test's connection (and its transaction) must
    # outlive the request, which would otherwise close it when it ends.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        chunks = application(environ, start_response)
        try:
            answer["body"] = b"".join(chunks)
        finally:
            if hasattr(chunks, "close"):
                chunks.close()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
    return answer


@pytest.fixture
def django_requests():
    """How many requests reached Django's handler (its request_started signal)."""
    seen = []

    def count(**kwargs):
        seen.append(1)

    request_started.connect(count)
    yield seen
    request_started.disconnect(count)


@pytest.fixture
def committed_site(process_feed, committed_retitle):
    """The committed test database, with this process's version feed on."""
    return committed_retitle


def queries_during(function):
    with CaptureQueriesContext(connection) as queries:
        result = function()
    return result, len(queries)


@pytest.mark.django_db
def test_a_static_file_is_answered_before_django_starts(django_requests):
    entries = len(cache._cache)  # the tests' per-process store
    response, queries = queries_during(
        lambda: call("/static/programme/site.css", **{"Accept-Encoding": "identity"})
    )

    assert response["status"] == 200
    assert b"{" in response["body"]
    assert response["headers"]["X-Content-Type-Options"] == "nosniff"
    assert queries == 0
    assert django_requests == []
    assert len(cache._cache) == entries


@pytest.mark.django_db
def test_an_unknown_static_file_is_djangos_404(django_requests):
    response = call("/static/programme/no-such-file.css")

    assert response["status"] == 404
    assert len(django_requests) == 1


def test_a_warm_page_is_answered_before_django_starts_without_a_query(
    committed_site, django_requests
):
    first = call("/2025/schedule/")
    assert first["status"] == 200
    assert len(django_requests) == 1  # rendered by Django, and stored

    again, queries = queries_during(lambda: call("/2025/schedule/"))
    not_modified = call("/2025/schedule/", **{"If-None-Match": first["headers"]["ETag"]})

    assert len(django_requests) == 1
    assert queries == 0
    assert again == first  # the same status, headers and bytes
    assert not_modified["status"] == 304
    assert not_modified["body"] == b""


def test_an_edit_is_served_by_the_front_as_soon_as_the_feed_hears_of_it(
    committed_site, django_requests
):
    def talk_page():
        return call("/2025/talks/A1-1/", **{"Accept-Encoding": "identity"})["body"].decode()

    talk_page()
    talk_page()
    assert len(django_requests) == 1  # the second was the front's

    committed_site("A1-1", "A title the front has not stored")
    started = time.monotonic()
    while "A title the front has not stored" not in talk_page():
        assert time.monotonic() - started < 1, "the edit was not served within a second"
        time.sleep(0.01)


@pytest.mark.django_db
def test_without_a_trusted_copy_of_the_versions_django_answers(django_requests):
    # The tests' default: no feed, as when its listener is lost or PostgreSQL restarts.
    call("/2025/schedule/")

    again, queries = queries_during(lambda: call("/2025/schedule/"))

    assert again["status"] == 200
    assert len(django_requests) == 2  # the front did not vouch for it
    assert queries == 1  # PageCache asked the database, and served the stored page
