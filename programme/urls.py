from django.urls import path, register_converter

from programme import views
from programme.models import CODE_PATTERN


class CodeConverter:
    """Session and talk codes, matched by the pattern their model validates."""

    regex = CODE_PATTERN

    def to_python(self, value):
        return value

    def to_url(self, value):
        return value


class YearConverter:
    """A conference year as people write it: four digits, no leading zero. `int` would
    also take /000000002025/, endless distinct URLs for one page."""

    regex = "[1-9][0-9]{3}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return str(value)


register_converter(CodeConverter, "code")
register_converter(YearConverter, "year")

app_name = "programme"

urlpatterns = [
    path("", views.LatestConferenceView.as_view(), name="latest"),
    path("archive/", views.ArchiveView.as_view(), name="archive"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("manifest.webmanifest", views.ManifestView.as_view(), name="manifest"),
    path("people/<slug:slug>/", views.PersonDetailView.as_view(), name="person-detail"),
    path("<year:year>/", views.ConferenceHomeView.as_view(), name="conference-home"),
    path("<year:year>/schedule.ics", views.CalendarView.as_view(), name="schedule-ics"),
    path("<year:year>/schedule.xml", views.FrabView.as_view(), {"fmt": "xml"}, name="schedule-xml"),
    path(
        "<year:year>/schedule.json",
        views.FrabView.as_view(),
        {"fmt": "json"},
        name="schedule-json",
    ),
    path(
        "<year:year>/sessions/<code:code>.ics",
        views.CalendarView.as_view(),
        {"kind": "session"},
        name="session-ics",
    ),
    path(
        "<year:year>/talks/<code:code>.ics",
        views.CalendarView.as_view(),
        {"kind": "talk"},
        name="talk-ics",
    ),
    path("<year:year>/schedule/", views.ScheduleView.as_view(), name="schedule"),
    path("<year:year>/abstracts/", views.AbstractsView.as_view(), name="abstracts"),
    path("<year:year>/speakers/", views.SpeakersView.as_view(), name="speakers"),
    path("<year:year>/organisation/", views.OrganisationView.as_view(), name="organisation"),
    path("<year:year>/contacts/", views.ContactsView.as_view(), name="contacts"),
    path("<year:year>/changes/", views.ChangesView.as_view(), name="changes"),
    path("<year:year>/offline.json", views.OfflineListView.as_view(), name="offline-list"),
    path("<year:year>/programme.pdf", views.ProgrammeBookView.as_view(), name="programme-book"),
    path("<year:year>/changes/feed/", views.ChangesFeed(), name="changes-feed"),
    path(
        "<year:year>/sessions/<code:code>/",
        views.SessionDetailView.as_view(),
        name="session-detail",
    ),
    path("<year:year>/talks/<code:code>/", views.TalkDetailView.as_view(), name="talk-detail"),
]
