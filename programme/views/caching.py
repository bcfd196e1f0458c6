"""Public pages: revalidated with ETag / Last-Modified, cached per data version.

Every public view reads the data version first (one query, joined with its conference
on year pages). A conditional request whose ETag or date still matches is answered 304
before anything is rendered. Rendered pages are kept by programme.middleware.PageCache
and served again while the data version is the same; a change to any programme table
bumps the version (a database trigger), which retires every cached page at once.
"""

import gzip
import hashlib
from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpResponseNotModified
from django.utils.cache import patch_vary_headers
from django.utils.http import http_date, parse_http_date_safe, quote_etag
from django.utils.translation import get_language

from programme import queries


def _code_release() -> str:
    """A short fingerprint of templates and code, so a deploy retires old pages too."""
    root = Path(settings.BASE_DIR)
    digest = hashlib.sha1(usedforsecurity=False)
    for pattern in ("templates/**/*.html", "programme/**/*.py", "locale/**/*.mo"):
        for path in sorted(root.glob(pattern)):
            stat = path.stat()
            digest.update(f"{path}:{stat.st_mtime_ns}:{stat.st_size}".encode())
    return digest.hexdigest()[:10]


RELEASE = _code_release()


class CachedPageMixin:
    """For views whose output depends only on the URL, the language and the data.

    The view answers conditional requests with 304 before rendering, serves gzip to
    clients that accept it, and marks its response for programme.middleware.PageCache,
    which keeps it (with every header the middleware stack added) for later requests of
    the same data version.
    """

    preview = False  # a staff preview of a draft: never cached, never shared

    def get_data_state(self) -> queries.DataState:
        return queries.data_state()

    def dispatch(self, request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return super().dispatch(request, *args, **kwargs)
        self.data = self.get_data_state()
        if self.preview:
            response = super().dispatch(request, *args, **kwargs)
            response["Cache-Control"] = "private, no-store"
            return response
        gzip_ok = accepts_gzip(request)
        base = f"{RELEASE}-{self.data.version}-{get_language()}"
        # Each representation has its own ETag (RFC 9110): the gzipped one ends in -gz.
        etag = quote_etag(f"{base}-gz" if gzip_ok else base)
        last_modified = int(self.data.changed_at.timestamp())
        if not_modified(request, etag, last_modified):
            response = HttpResponseNotModified()
        else:
            response = super().dispatch(request, *args, **kwargs)
            if hasattr(response, "render"):
                response.render()
            if response.status_code != 200:
                return response
            if getattr(response, "outdated", False):
                # Content of an earlier data version (see programme.book_store): no
                # validators of the current one, and nobody keeps it.
                response["Cache-Control"] = "no-store"
                return response
            if gzip_ok:
                response.content = compress(response.content)
                response["Content-Encoding"] = "gzip"
            response.page_cache_version = self.data.version
        patch_vary_headers(response, ("Accept-Encoding",))
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last_modified)
        # Browsers and apps revalidate each time; a 304 costs one query.
        response["Cache-Control"] = "public, max-age=0, must-revalidate"
        return response


def accepts_gzip(request) -> bool:
    return "gzip" in request.headers.get("Accept-Encoding", "").lower()


def compress(content: bytes) -> bytes:
    # mtime=0: the same page always compresses to the same bytes.
    return gzip.compress(content, compresslevel=6, mtime=0)


def not_modified(request, etag: str, last_modified: int) -> bool:
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        return etag in [tag.strip() for tag in if_none_match.split(",")] or if_none_match == "*"
    since = parse_http_date_safe(request.headers.get("If-Modified-Since") or "")
    return since is not None and last_modified <= since


class YearPageMixin(CachedPageMixin):
    """A page of one published year: `self.conference`, or 404 for a draft or unknown year."""

    def get_data_state(self) -> queries.DataState:
        year = self.kwargs["year"]
        conference = queries.conference_with_state(year)
        if conference is None and self.request.user.is_staff:
            # Staff preview a draft year on the real pages. Only reached for a year that
            # is not published, so public requests never look at the session.
            conference = queries.conference_with_state(year, drafts=True)
            self.preview = conference is not None
        if conference is None:
            raise Http404(f"CSML {year} is not on this site.")
        self.conference = conference
        return queries.DataState(conference.data_version, conference.data_changed_at)

    def get_context_data(self, **kwargs):
        return super().get_context_data(conference=self.conference, preview=self.preview, **kwargs)
