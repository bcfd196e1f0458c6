import json
import re

from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils.cache import get_conditional_response
from django.utils.http import http_date
from django.utils.translation import get_language
from django.views import View

from programme.caching import books
from programme.caching.pages import YearMixin, YearPageMixin
from programme.caching.programmes import year_programme
from programme.exporters.frab import frab_schedule, frab_xml
from programme.exporters.ics import programme_calendar
from programme.views.moved import moved_or_404

CODE_LIST = re.compile(r"^[A-Za-z0-9_,-]{0,2000}$")


class CalendarView(YearPageMixin, View):
    """`schedule.ics` (optionally `?only=A1-1,B2` for a personal agenda), a session's and
    a talk's calendar file."""

    cache_query_params = ("only",)

    def get(self, request, year, code=None, kind=None):
        programme = year_programme(self.conference)
        only, filename = None, f"csml{year}"
        if kind == "session":
            session = programme.sessions_by_code.get(code)
            if session is None:
                return moved_or_404(self.conference, "session", code, "programme:session-ics")
            only, filename = [session.code, *(t.code for t in session.ordered_talks)], code
        elif kind == "talk":
            if code not in programme.talks_by_code:
                return moved_or_404(self.conference, "talk", code, "programme:talk-ics")
            only, filename = [code], code
        elif "only" in request.GET:
            codes = request.GET["only"]
            if not CODE_LIST.match(codes):
                raise Http404("Unknown talk codes.")
            only, filename = [c for c in codes.split(",") if c], f"csml{year}-mine"
        content = programme_calendar(
            programme,
            absolute_url=request.build_absolute_uri,
            stamp=self.stamp.changed_at,
            only=only,
        )
        response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.ics"'
        return response


class FrabView(YearPageMixin, View):
    """`schedule.xml` and `schedule.json`: the frab format that conference apps poll
    (ETag / Last-Modified from YearPageMixin give them their 304s)."""

    def get(self, request, year, fmt):
        programme = year_programme(self.conference)
        options = {
            "base_url": request.build_absolute_uri("/").rstrip("/"),
            "version": export_version(self.conference, self.stamp),
        }
        if fmt == "xml":
            return HttpResponse(frab_xml(programme, **options), content_type="application/xml")
        document = json.dumps(frab_schedule(programme, **options), ensure_ascii=False)
        return HttpResponse(document, content_type="application/json")


def export_version(conference, stamp) -> str:
    """The name of the latest schedule release (read with the conference,
    versions.CONFERENCE_SQL); before the first one, the data version."""
    return conference.latest_release or f"unreleased-{stamp.version}"


class ProgrammeBookView(YearMixin, View):
    """`programme.pdf`: the programme book as the background worker last printed it
    (programme.caching.books); this view never prints. Never in the page store: it is
    large, and one copy in the database serves every app process.

    A current book answers conditional requests and may be kept by clients that
    revalidate. A stale one (an edit or a deploy since it was printed) is still served,
    since it is nearly right and a new one is at most a minute away, but not to be kept;
    with none at all the answer is 503 with Retry-After. Either asks for a print, which
    also catches changes made behind the signals' back (an update in bulk, raw SQL)."""

    def get(self, request, year):
        conference = self.find_conference()
        book = books.stored_book(conference.pk, get_language())
        if book is None:
            books.request_print()
            return book_being_prepared(request)
        current = books.is_current(book, conference.stamp.version)
        if not current:
            books.request_print()
        if not current or self.preview:  # a staff preview of a draft is never kept either
            response = book_response(book, year)
            response["Cache-Control"] = "private, no-store" if self.preview else "no-store"
            return response
        etag = books.book_etag(book)
        last_modified = int(book.built_at.timestamp())
        response = get_conditional_response(
            request, etag=etag, last_modified=last_modified
        ) or book_response(book, year)
        response["ETag"] = etag
        response["Last-Modified"] = http_date(last_modified)
        response["Cache-Control"] = "public, max-age=0, must-revalidate"
        return response


def book_response(book, year: int) -> HttpResponse:
    response = HttpResponse(book.pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="csml{year}-programme.pdf"'
    return response


BOOK_RETRY_SECONDS = 30


def book_being_prepared(request) -> HttpResponse:
    """No book of this year and language has been printed yet: a short page asking to
    come back (the worker prints it within a minute or so)."""
    response = render(request, "programme/book_preparing.html", status=503)
    response["Retry-After"] = str(BOOK_RETRY_SECONDS)
    response["Cache-Control"] = "no-store"
    return response
