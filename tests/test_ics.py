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
        assert event.location.value == (session.room.name if session.room else "")


def test_talk_calendar_carries_room_abstract_url_and_stable_uid(client):
    talk = Talk.objects.select_related("session__room").get(conference__year=2025, code="A3-2")

    _, (event,) = events(client, "/2025/talks/A3-2.ics")

    assert event.uid.value == f"{talk.guid}@c2sml.cn"
    assert event.location.value == talk.session.room.name
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
