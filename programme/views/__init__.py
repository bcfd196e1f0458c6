"""Public pages. Each view reads through programme.queries and is cached per data version."""

from programme.views.calendars import CalendarView, FrabView, ProgrammeBookView
from programme.views.changes import ChangesFeed, ChangesView
from programme.views.offline import ManifestView, OfflineListView
from programme.views.pages import (
    AbstractsView,
    ArchiveView,
    ConferenceHomeView,
    ContactsView,
    LatestConferenceView,
    OrganisationView,
    PersonDetailView,
    ScheduleView,
    SessionDetailView,
    SpeakersView,
    TalkDetailView,
)
from programme.views.search import SearchView

__all__ = [
    "AbstractsView",
    "ArchiveView",
    "CalendarView",
    "ChangesFeed",
    "ChangesView",
    "ConferenceHomeView",
    "ContactsView",
    "FrabView",
    "LatestConferenceView",
    "ManifestView",
    "OfflineListView",
    "OrganisationView",
    "PersonDetailView",
    "ProgrammeBookView",
    "ScheduleView",
    "SearchView",
    "SessionDetailView",
    "SpeakersView",
    "TalkDetailView",
]
