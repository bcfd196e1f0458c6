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


register_converter(CodeConverter, "code")

app_name = "programme"

urlpatterns = [
    path("", views.LatestConferenceView.as_view(), name="latest"),
    path("archive/", views.ArchiveView.as_view(), name="archive"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("people/<slug:slug>/", views.PersonDetailView.as_view(), name="person-detail"),
    path("<int:year>/", views.ConferenceHomeView.as_view(), name="conference-home"),
    path("<int:year>/schedule.ics", views.CalendarView.as_view(), name="schedule-ics"),
    path("<int:year>/schedule.xml", views.FrabView.as_view(), {"fmt": "xml"}, name="schedule-xml"),
    path(
        "<int:year>/schedule.json",
        views.FrabView.as_view(),
        {"fmt": "json"},
        name="schedule-json",
    ),
    path(
        "<int:year>/sessions/<code:code>.ics",
        views.CalendarView.as_view(),
        {"kind": "session"},
        name="session-ics",
    ),
    path(
        "<int:year>/talks/<code:code>.ics",
        views.CalendarView.as_view(),
        {"kind": "talk"},
        name="talk-ics",
    ),
    path("<int:year>/schedule/", views.ScheduleView.as_view(), name="schedule"),
    path("<int:year>/abstracts/", views.AbstractsView.as_view(), name="abstracts"),
    path("<int:year>/speakers/", views.SpeakersView.as_view(), name="speakers"),
    path("<int:year>/organisation/", views.OrganisationView.as_view(), name="organisation"),
    path("<int:year>/contacts/", views.ContactsView.as_view(), name="contacts"),
    path("<int:year>/changes/", views.ChangesView.as_view(), name="changes"),
    path("<int:year>/programme.pdf", views.ProgrammeBookView.as_view(), name="programme-book"),
    path("<int:year>/changes/feed/", views.ChangesFeed(), name="changes-feed"),
    path(
        "<int:year>/sessions/<code:code>/",
        views.SessionDetailView.as_view(),
        name="session-detail",
    ),
    path("<int:year>/talks/<code:code>/", views.TalkDetailView.as_view(), name="talk-detail"),
]
