"""What the cells of one import refer to, each read once per import.

A sheet names its year in every row and a room, track, session or people in many cells.
Looked up cell by cell that was a query per cell (and one more per person); the
Directory instead reads the conferences once, and a year's rooms, tracks, sessions the
first time a row of that year needs them, and every person once. It lives for one
import (NaturalKeyResource.before_import makes it), so it never serves stale rows to
the next one; a person created during the import is added to it.
"""

from django.utils.translation import gettext as _

from programme.models import Conference, Person
from programme.spreadsheets.cells import cell_text

YEAR = "年份"


class YearError(ValueError):
    """The row's 年份 is bad: reported once, in that column, not in every column using it."""


class Directory:
    def __init__(self):
        self.conferences = {conference.year: conference for conference in Conference.objects.all()}
        self._of_year: dict[tuple[str, int], dict] = {}
        self._people_by_key: dict[str, Person] | None = None
        self._people_by_name: dict[str, list[Person]] = {}

    # Years ------------------------------------------------------------------------------

    def conference(self, cell) -> Conference:
        text = cell_text(cell)
        if not text:
            raise YearError(_("Required."))
        if not text.isdigit():
            raise YearError(_("Write the year as four digits, not “%(value)s”.") % {"value": text})
        conference = self.conferences.get(int(text))
        if conference is None:
            raise YearError(_("There is no conference of %(year)s.") % {"year": text})
        return conference

    def conference_of(self, row) -> Conference:
        return self.conference(row.get(YEAR))

    def _year(self, kind, conference, read) -> dict:
        key = (kind, conference.pk)
        if key not in self._of_year:
            self._of_year[key] = read()
        return self._of_year[key]

    def rooms(self, conference) -> dict:
        return self._year(
            "rooms", conference, lambda: {room.name: room for room in conference.rooms.all()}
        )

    def tracks(self, conference) -> dict:
        """By Chinese name (as exported) and by code."""

        def read():
            tracks = list(conference.tracks.all())
            return {track.code: track for track in tracks} | {
                track.name_zh: track for track in tracks
            }

        return self._year("tracks", conference, read)

    def sessions(self, conference) -> dict:
        return self._year(
            "sessions",
            conference,
            lambda: {session.code: session for session in conference.sessions.all()},
        )

    # People -----------------------------------------------------------------------------

    def _load_people(self):
        if self._people_by_key is None:
            self._people_by_key = {}
            for person in Person.objects.all():
                self.add_person(person)

    def add_person(self, person: Person):
        self._people_by_key[person.key] = person
        self._people_by_name.setdefault(person.name, []).append(person)

    def person_with_key(self, key: str) -> Person | None:
        self._load_people()
        return self._people_by_key.get(key)

    def find_person(self, name: str) -> Person | None:
        """The person with this key, or the only person with this name; None if nobody.
        Raises ValueError for a name that several people share."""
        person = self.person_with_key(name)
        if person is not None:
            return person
        namesakes = sorted(self._people_by_name.get(name, ()), key=lambda p: p.key)
        if len(namesakes) > 1:
            keys = "、".join(namesake.key for namesake in namesakes)
            raise ValueError(
                _("Several people are called “%(name)s” (%(keys)s): write one of these keys.")
                % {"name": name, "keys": keys}
            )
        return namesakes[0] if namesakes else None

    def person_for_key(self, key: str) -> Person:
        """The person with this key, created by the model's one way if new."""
        person = self.person_with_key(key)
        if person is None:
            person = Person.objects.for_key(key)
            self.add_person(person)
        return person
