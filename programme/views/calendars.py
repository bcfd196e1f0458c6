import json
import re

from django.http import Http404, HttpResponse
from django.views import View

from programme.caching.books import book_for
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
    """The name of the latest schedule release; before the first one, the data version."""
    latest = conference.releases.order_by("-created_at").values_list("name", flat=True)
    return latest.first() or f"unreleased-{stamp.version}"


class ProgrammeBookView(YearMixin, View):
    """`programme.pdf`: the programme book, printed once per data change for every app
    process (programme.caching.books). Never in the page store: it is large."""

    def get(self, request, year):
        book = book_for(self.find_conference())
        response = HttpResponse(book.pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'inline; filename="csml{year}-programme.pdf"'
        response["Cache-Control"] = "no-store"
        return response
