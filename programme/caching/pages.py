"""Public pages: the page store (a middleware) and the views' side of it (mixins).

The design is described in programme/caching/__init__.py; this module is its request
path. Django's own pieces are used where they fit: `get_conditional_response` answers
If-None-Match (weak comparison, as RFC 9110 asks for GET), If-Modified-Since and the
If-Match preconditions, and `patch_vary_headers` the Vary header. Kept here only what
Django's cache middleware cannot do: it keys on the URL alone and validates nothing, while
a stored page here is served only while the data version it was built from is current
(one query), and answers from the store come before every other middleware.
"""

import gzip
import hashlib
import logging
from functools import lru_cache
from typing import NamedTuple
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, QueryDict
from django.utils.cache import get_conditional_response, patch_vary_headers
from django.utils.http import http_date
from django.utils.translation import get_language

from programme.caching import versions
from programme.caching.deploy import deploy_id

logger = logging.getLogger(__name__)

STORE_SECONDS = 24 * 3600
# Larger pages are served but not stored (the biggest, a year's abstracts as JSON, is
# ~0.5 MB; the programme book is never a page, programme.caching.books).
MAX_STORED_BYTES = 2 * 1024 * 1024


class PageCache:
    """The first middleware: answers a request for a stored page of the current data
    version without resolving the URL, running other middleware or rendering (the WSGI
    front, front.py, answers most of them before Django starts); keeps the pages that
    views mark as storable (`page_stamp`, set by CachedPageMixin) with every header the
    rest of the stack added (security headers, ETag, Vary, Content-Encoding).

    When the database cannot say whether a stored page is current (PostgreSQL restarting,
    a failover), the page is served as it is: during the conference the last schedule we
    served is worth more to an attendee than an error page. Its headers still say
    "revalidate", so the first request after the database is back gets the current page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        key = page_key(request.META, request.path_info)
        page = stored_page(key, current_by_database)
        if page is not None:
            return page.answer(request)
        response = self.get_response(request)
        stamp = getattr(response, "page_stamp", None)
        if (
            stamp is not None
            and response.status_code == 200
            and not response.cookies
            and len(response.content) <= MAX_STORED_BYTES
        ):
            store_set(key, StoredPage.of(response, stamp))
        return response


class StoredPage(NamedTuple):
    """A page as the store keeps it: plain values, which unpickle in a tenth of the time
    an HttpResponse takes (it is unpickled on every warm hit)."""

    scope: int | None
    version: int
    last_modified: int  # seconds since the epoch
    status: str  # "200 OK"
    headers: list[tuple[str, str]]  # every header the stack added (no cookies: not stored)
    content: bytes

    @classmethod
    def of(cls, response, stamp: versions.Stamp):
        return cls(
            stamp.scope,
            stamp.version,
            int(stamp.changed_at.timestamp()),
            f"{response.status_code} {response.reason_phrase}",
            list(response.items()),
            response.content,
        )

    def answer(self, request):
        """This page as the answer to `request`: itself, or the 304 (or 412) its ETag and
        date give a conditional request, by Django's rules."""
        response = HttpResponse(self.content, status=int(self.status[:3]), headers=self.headers)
        return get_conditional_response(
            request, etag=response["ETag"], last_modified=self.last_modified, response=response
        )


CONDITIONS = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_MATCH",
    "HTTP_IF_UNMODIFIED_SINCE",
)


def stored_page(key: str, is_current) -> StoredPage | None:
    """The page stored under `key` while `is_current(scope, version)` says it is current.
    The one lookup of the store, for PageCache and the WSGI front (front.py)."""
    page = store_get(key)
    if page is None or not is_current(page.scope, page.version):
        return None
    return page


def current_by_database(scope, version) -> bool:
    """PageCache's test: the version now, from the feed or the database. When the
    database cannot say (PostgreSQL restarting, a failover), the page is served as it is."""
    try:
        return versions.current_version(scope) == version
    except DatabaseError as error:
        logger.warning("Database unavailable, serving a stored page: %s", error)
        return True


# The store is a shortcut, never a dependency: with Redis down (restarting, out of
# memory, unreachable) pages are rendered and served as if nothing had been stored.
def store_get(key: str):
    try:
        return cache.get(key)
    except Exception as error:  # the backend's own errors: redis.ConnectionError and kin
        logger.warning("Page store unavailable, rendering: %s", error)
        return None


def store_set(key: str, entry):
    try:
        cache.set(key, entry, STORE_SECONDS)
    except Exception as error:
        logger.warning("Page store unavailable, not storing: %s", error)


def page_key(meta, path_info: str) -> str:
    """From the WSGI environ alone, so that the front finds what PageCache stored: what
    decides the scheme (calendars and frab files carry absolute links), the host, the
    path (Django's decoded `path_info`), the query's parameters in sorted order,
    and the encoding, under the deploy id: a new release never reads what an old one
    stored.

    The Host header as sent, not `get_host()`: a page is stored only after Django has
    validated the host of the request that rendered it, so an unknown host never finds
    an entry, and the lookup saves the validation (a fifth of a warm hit). Likewise the
    scheme: a request Django would redirect to https is never stored."""
    proxy = settings.SECURE_PROXY_SSL_HEADER  # (environ key, value meaning https) or None
    query = meta.get("QUERY_STRING", "")
    if query:  # parsed as Django parses it: written otherwise, the same values share a key
        parsed = QueryDict(query.encode("iso-8859-1"))
        query = urlencode(sorted(parsed.lists()), doseq=True)
    raw = "|".join(
        (
            meta.get("wsgi.url_scheme", ""),
            meta.get(proxy[0], "") if proxy else "",
            meta.get("HTTP_HOST") or meta.get("SERVER_NAME", ""),
            path_info,
            query,
            "gzip" if _accepts_gzip(meta.get("HTTP_ACCEPT_ENCODING", "")) else "identity",
        )
    )
    digest = hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()
    return f"page:{deploy_id()}:{digest}"


class CachedPageMixin:
    """For views whose output depends only on the URL (path and `cache_query_params`),
    the language and the data of one scope (`get_stamp()`).

    The view answers conditional requests with 304 before rendering, serves gzip to
    clients that accept it, and marks its response as storable by PageCache. A query
    with parameters the page does not read, or written otherwise than the page writes it
    (`normalise_param`), is redirected (301) to the canonical URL before anything is read:
    made-up query strings cost a redirect, never a render or a stored copy.
    """

    cache_query_params: tuple[str, ...] = ()
    preview = False  # a staff preview of a draft: never cached, never shared

    def get_stamp(self) -> versions.Stamp:
        return versions.overall()

    def normalise_param(self, name: str, value: str) -> str:
        """The canonical form of a query parameter's value (idempotent); views that read
        parameters say how they write them."""
        return value

    def dispatch(self, request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return super().dispatch(request, *args, **kwargs)
        canonical = self.canonical_query(request)
        if canonical is not None:
            return HttpResponsePermanentRedirect(request.path + canonical)
        stamp = self.get_stamp()
        if self.preview:
            response = super().dispatch(request, *args, **kwargs)
            response["Cache-Control"] = "private, no-store"
            return response
        self.stamp = stamp
        gzip_ok = accepts_gzip(request)
        etag = page_etag(stamp, gzip_ok)
        last_modified = int(stamp.changed_at.timestamp())
        response = get_conditional_response(request, etag=etag, last_modified=last_modified)
        if response is None:
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
            if response.status_code != 200:
                return response
            if gzip_ok:
                response.content = compress(response.content)
                response["Content-Encoding"] = "gzip"
            response.page_stamp = stamp
        patch_vary_headers(response, ("Accept-Encoding",))
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last_modified)
        # Browsers and apps revalidate each time; a 304 costs one query.
        response["Cache-Control"] = "public, max-age=0, must-revalidate"
        return response

    def canonical_query(self, request) -> str | None:
        """None if the query is canonical: only parameters the page reads, each once, in
        their canonical form (in any order: the store's key sorts them). Else the
        canonical query string to redirect to ("" for none, "?..." otherwise)."""
        given = [(name, value) for name, values in request.GET.lists() for value in values]
        if not given:
            return None
        canonical = [
            (name, self.normalise_param(name, request.GET[name]))
            for name in self.cache_query_params
            if name in request.GET
        ]
        if sorted(given) == sorted(canonical):
            return None
        return "?" + urlencode(canonical) if canonical else ""


class YearMixin:
    """A view of one published year: `self.conference` (with its `stamp`), or 404 for a
    draft or unknown year. Staff see a draft year on the real pages (`self.preview`)."""

    preview = False

    def find_conference(self):
        year = self.kwargs["year"]
        conference = versions.conference_with_stamp(year)
        if conference is None and self.request.user.is_staff:
            # Only reached for a year that is not published, so public requests never
            # look at the session.
            conference = versions.conference_with_stamp(year, drafts=True)
            self.preview = conference is not None
        if conference is None:
            raise Http404(f"CSML {year} is not on this site.")
        self.conference = conference
        return conference

    def get_context_data(self, **kwargs):
        return super().get_context_data(conference=self.conference, preview=self.preview, **kwargs)


class YearPageMixin(YearMixin, CachedPageMixin):
    """A cached page of one year: its scope is the year."""

    def get_stamp(self) -> versions.Stamp:
        return self.find_conference().stamp


def page_etag(stamp: versions.Stamp, gzip_ok: bool) -> str:
    # Weak: the same page in another encoding is the same page (RFC 9110 8.8.1). Each
    # encoding still has its own tag, as proxies that store both need.
    encoding = "-gz" if gzip_ok else ""
    return f'W/"{deploy_id()}-{stamp.version}-{get_language()}{encoding}"'


def accepts_gzip(request) -> bool:
    return _accepts_gzip(request.META.get("HTTP_ACCEPT_ENCODING", ""))


@lru_cache(maxsize=256)  # browsers send a handful of distinct values
def _accepts_gzip(accept_encoding: str) -> bool:
    """Accept-Encoding as RFC 9110 12.5.3 reads it: gzip unless its weight, or the
    weight of `*` when gzip is not named, is 0."""
    weights = {}
    for part in accept_encoding.lower().split(","):
        coding, _, parameters = part.partition(";")
        weight = 1.0
        name, _, value = parameters.strip().partition("=")
        if name.strip() == "q":
            try:
                weight = float(value)
            except ValueError:
                weight = 0.0
        weights[coding.strip()] = weight
    for coding in ("gzip", "x-gzip", "*"):
        if coding in weights:
            return weights[coding] > 0
    return False


def compress(content: bytes) -> bytes:
    """Level 4, not 6: measured on 2025's pages (bench/RESULTS.md), 6 makes a page 2-3 %
    smaller (schedule.ics 96 against 99 KB) and takes two to three times as long, which a
    page rendered on a miss pays in full (21 against 6 ms for schedule.ics).
    mtime=0: the same page always compresses to the same bytes."""
    return gzip.compress(content, compresslevel=4, mtime=0)
