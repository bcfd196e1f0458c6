"""The page cache, first in the middleware stack.

A public view marks the responses it is willing to share (`page_cache_version`, set by
views.caching.CachedPageMixin). This middleware keeps such a response, headers included
(the security headers the rest of the stack added, ETag, Vary, Content-Encoding), and
answers the next request for the same host, URL and encoding from it, after one query
that the data version is still the same: no URL resolving, no other middleware, no
rendering. Everything else passes through untouched.

When the database cannot answer that query (PostgreSQL restarting, a failover), a stored
page is served as it is: during the conference the last schedule we served is worth more
to an attendee than an error page. Its headers still say "revalidate", so the next
request after the database is back gets the current page.
"""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseNotModified
from django.shortcuts import render
from django.utils.http import parse_http_date_safe

from programme import queries
from programme.views.caching import accepts_gzip, not_modified

logger = logging.getLogger(__name__)

PAGE_CACHE_SECONDS = 24 * 3600
# A 304 repeats the validators and caching headers of the 200, not its body's headers.
BODY_HEADERS = {"content-type", "content-length", "content-encoding", "content-disposition"}


class PageCache:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        if settings.SECURE_SSL_REDIRECT and not request.is_secure():
            return self.get_response(request)  # SecurityMiddleware redirects it
        key = self.key(request)
        entry = cache.get(key)
        if entry is not None:
            version, headers, content = entry
            try:
                current = queries.data_state().version
            except DatabaseError as error:
                logger.warning("Database unavailable, serving stored %s: %s", request.path, error)
                return self.replay(request, headers, content)
            if current == version:
                return self.replay(request, headers, content)
        response = self.get_response(request)
        version = getattr(response, "page_cache_version", None)
        if version is not None and response.status_code == 200 and not response.cookies:
            cache.set(key, (version, list(response.items()), response.content), PAGE_CACHE_SECONDS)
        return response

    @staticmethod
    def key(request) -> str:
        # The host too: calendars and frab files carry absolute links.
        raw = f"{request.get_host()}|{request.get_full_path()}|{accepts_gzip(request)}"
        return "page:" + hashlib.sha1(raw.encode(), usedforsecurity=False).hexdigest()

    @staticmethod
    def replay(request, headers, content):
        stored = dict(headers)
        since = parse_http_date_safe(stored.get("Last-Modified", "")) or 0
        if not_modified(request, stored.get("ETag", ""), since):
            response = HttpResponseNotModified()
            for name, value in headers:
                if name.lower() not in BODY_HEADERS:
                    response[name] = value
            return response
        response = HttpResponse(content)
        for name, value in headers:
            response[name] = value
        return response


class DatabaseUnavailable:
    """A view that fails because the database cannot answer (PostgreSQL restarting, a
    connection lost, a lock held too long) gets a short 503 page asking to retry, with
    Retry-After, not the generic server error. Stored pages still come from PageCache
    meanwhile. The failure is logged here: Django does not log an exception that a
    middleware has answered.

    Only those failures: retrying later helps with them and with nothing else. An
    IntegrityError or DataError comes from what someone typed (an admin page shows it
    on the form, programme.refused_changes); any other database error is a fault of
    ours, a server error for Django to log and report."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        logger.error("Database unavailable for %s", request.path, exc_info=exception)
        response = render(request, "503.html", status=503)
        response["Retry-After"] = "5"
        response["Cache-Control"] = "no-store"
        return response
