"""Calendar files, read back with a second, independent parser (vobject)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import vobject

from programme.models import ProgrammeItem, Session, Talk
from tests.conftest import YEARS

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")


def events(client, url):
    response = client.get(url)
    calendar = vobject.readOne(response.content.decode())
    return calendar, list(getattr(calendar, "vevent_list", []))


@pytest.mark.parametrize("year", YEARS)
def test_year_calendar_has_every_item_session_and_talk_at_shanghai_times(client, year):
    calendar, found = events(client, f"/{year}/schedule.ics")

    talks = Talk.objects.filter(conference__year=year)
    sessions = Session.objects.filter(conference__year=year)
    plain_items = ProgrammeItem.objects.filter(conference__year=year, talk__isnull=True)
    assert len(found) == talks.count() + sessions.count() + plain_items.count()
    assert calendar.vtimezone.tzid.value == "Asia/Shanghai"
    by_summary = {e.summary.value: e for e in found}
    for session in sessions:
        event = by_summary[f"{session.code} {session.topic}"]
        start = dt.datetime.combine(session.date, session.start, tzinfo=SHANGHAI)
        assert event.dtstart.value == start
        assert event.dtstart.value.utcoffset() == dt.timedelta(hours=8)
        room = session.room
        assert event.location.value == (f"{room.name} {room.name_en}" if room else "")


def test_talk_calendar_carries_room_abstract_url_and_stable_uid(client):
    talk = Talk.objects.select_related("session__room").get(conference__year=2025, code="A3-2")

    _, (event,) = events(client, "/2025/talks/A3-2.ics")

    assert event.uid.value == f"{talk.guid}@c2sml.cn"
    assert event.location.value == "友谊宫 1 号会议室 Friendship Palace Meeting Room 1"
    assert event.url.value == "http://testserver/2025/talks/A3-2/"
    assert talk.abstract[:40] in event.description.value
    assert "凌青" in event.summary.value
    assert event.dtend.value - event.dtstart.value == dt.timedelta(hours=2)


def test_session_calendar_holds_the_session_and_its_talks(client):
    session = Session.objects.get(conference__year=2022, code="A1")

    _, found = events(client, "/2022/sessions/A1.ics")

    assert len(found) == 1 + session.talks.count()
    assert (
        "998-210-141"
        in next(e for e in found if e.summary.value.startswith("A1 ")).description.value
    )


def test_personal_calendar_holds_only_the_starred_codes(client):
    _, found = events(client, "/2025/schedule.ics?only=A1-1,B2")

    summaries = sorted(e.summary.value.split(" ")[0] for e in found)
    assert len(found) == 2
    assert "B2" in summaries


def test_calendar_uids_survive_a_reimport(client, tmp_path):
    from programme.exporters.fixture import export_programme
    from programme.importers import import_programme_files
    from programme.models import Conference

    _, before = events(client, "/2024/schedule.ics")
    text = export_programme(2024)
    Conference.objects.filter(year=2024).delete()
    path = tmp_path / "csml2024.yaml"
    path.write_text(text, encoding="utf-8")
    import_programme_files([path])
    _, after = events(client, "/2024/schedule.ics")

    assert sorted(e.uid.value for e in after) == sorted(e.uid.value for e in before)


# ---------------------------------------------------------------------------
# Our serialisation (programme.exporters.ics.serialise) against icalendar's own.


def icalendar_serialisation(name, events, stamp):
    """The same calendar built and written by icalendar itself: its objects, its own
    VTIMEZONE, its own escaping and folding. One difference, on purpose: the calendar's
    name is escaped as TEXT (RFC 7986's NAME is), where icalendar writes an X- property
    as given, and fails on a line break in it; no year's name has a character that
    tells them apart."""
    from icalendar import Calendar, Event, vText

    from programme.exporters.ics import SHANGHAI

    calendar = Calendar()
    calendar.add("prodid", "-//CSML//Programme//ZH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", vText(name))
    calendar.add("x-wr-timezone", "Asia/Shanghai")
    for event in events:
        entry = Event()
        entry.add("uid", event.uid)
        entry.add("dtstamp", stamp)
        entry.add("dtstart", dt.datetime.combine(event.date, event.start, tzinfo=SHANGHAI))
        entry.add("dtend", dt.datetime.combine(event.date, event.end, tzinfo=SHANGHAI))
        entry.add("summary", event.summary)
        for field in ("location", "description", "url"):
            if getattr(event, field):
                entry.add(field, getattr(event, field))
        calendar.add_component(entry)
    calendar.add_missing_timezones()
    return calendar.to_ical()


HOSTILE_TEXTS = [
    "a, b; c \\ d",
    "line\nbreak\r\nand\rcarriage",
    r"a written \N and \n and \, escape",
    "扩散模型 😀" * 20,
    "^caret^ and \\" * 9,
    "",
]


def test_hostile_texts_are_written_as_icalendar_writes_them():
    from programme.exporters import ics

    stamp = dt.datetime(2025, 8, 1, 12, 30, 15, 999, tzinfo=dt.UTC)
    events = [
        ics.CalendarEvent(
            uid=f"{n}-{text}@example.org",
            date=dt.date(2025, 8, 9),
            start=dt.time(8, 30),
            end=dt.time(9, 45, 30),
            summary=text,
            location=text,
            description=text * 3,
            url="https://csml.example/2025/talks/A1-1/?a=1,2;b",
        )
        for n, text in enumerate(HOSTILE_TEXTS)
    ]
    for name in HOSTILE_TEXTS:
        assert ics.serialise(name, events, stamp) == icalendar_serialisation(name, events, stamp)
    assert ics.serialise("empty", [], stamp) == icalendar_serialisation("empty", [], stamp)


@pytest.mark.parametrize("year", YEARS)
@pytest.mark.parametrize("only", [None, ["A1", "A1-1"], []])
def test_calendars_are_byte_identical_to_icalendars_own_output(monkeypatch, year, only):
    from programme.caching.programmes import year_programme
    from programme.caching.versions import conference_with_stamp
    from programme.exporters import ics

    conference = conference_with_stamp(year)
    arguments = {
        "absolute_url": lambda path: f"https://csml.example{path}",
        "stamp": conference.stamp.changed_at,
        "only": only,
    }
    ours = ics.programme_calendar(year_programme(conference), **arguments)
    monkeypatch.setattr(ics, "serialise", icalendar_serialisation)

    assert ours == ics.programme_calendar(year_programme(conference), **arguments)


def test_lines_are_folded_exactly_as_icalendar_folds_them():
    """Random lines of one-, two-, three- and four-octet characters and escape
    characters, folded as icalendar would: at 74 octets, between characters, never
    right after a backslash or circumflex."""
    import random

    from icalendar.parser.string import _foldline

    from programme.exporters.ics import fold

    alphabet = ["a", " ", ",", "\\", "^", "n", "é", "扩", "😀"]
    rng = random.Random(2025)  # noqa: S311 (test data, not secrets)
    lines = ["", "a" * 74, "a" * 75, "扩" * 25, "a" * 73 + "\\n" + "b" * 10, "😀" * 40]
    lines += ["".join(rng.choices(alphabet, k=rng.randint(0, 400))) for _ in range(3000)]

    for line in lines:
        assert fold(line.encode()) == _foldline(line).encode(), repr(line)
