"""The frab schedule export: valid against both published schemas for every real year,
one event per talk and per placed item, +08:00 times, GUIDs that survive re-imports."""

import datetime as dt
import json
from pathlib import Path
from xml.etree import ElementTree as ET

import jsonschema
import pytest
import xmlschema

from programme.exporters.frab import even_slots, frab_schedule, frab_xml, slug
from programme.exporters.ics import SHANGHAI
from programme.importers import import_programme_files
from programme.models import Conference, ProgrammeItem, Talk
from programme.queries import programme_for_conference
from tests.conftest import FIXTURES, YEARS

pytestmark = pytest.mark.django_db

FORMATS = Path(__file__).resolve().parent / "frab_schemas"
BASE_URL = "https://example.org"


@pytest.fixture(scope="module")
def xml_schema():
    return xmlschema.XMLSchema(FORMATS / "schedule.xml.xsd")


@pytest.fixture(scope="module")
def json_validator():
    schema = json.loads((FORMATS / "schedule.schema.json").read_text(encoding="utf-8"))
    return jsonschema.Draft6Validator(schema, format_checker=jsonschema.FormatChecker())


def programme(year):
    return programme_for_conference(Conference.objects.get(year=year))


def export_json(year) -> dict:
    document = frab_schedule(programme(year), base_url=BASE_URL, version="v1")
    return json.loads(json.dumps(document))  # as a client reads it


def export_xml(year) -> bytes:
    return frab_xml(programme(year), base_url=BASE_URL, version="v1")


def json_events(document) -> list[dict]:
    days = document["schedule"]["conference"]["days"]
    return [event for day in days for events in day["rooms"].values() for event in events]


def xml_root(document: bytes) -> ET.Element:
    return ET.fromstring(document)


def xml_events(document: bytes) -> list[ET.Element]:
    return list(xml_root(document).iter("event"))


def expected_event_count(year) -> int:
    talks = Talk.objects.filter(conference__year=year).count()
    placed_items = ProgrammeItem.objects.filter(
        conference__year=year, room__isnull=False, talk__isnull=True
    ).count()
    return talks + placed_items


def test_json_format_checker_checks_the_formats_the_schema_uses(json_validator):
    checked = set(json_validator.format_checker.checkers)

    assert {"date", "date-time", "uri", "uuid"} - checked == set()


@pytest.mark.parametrize("year", YEARS)
def test_frab_xml_is_valid_against_the_xsd(xml_schema, year):
    document = export_xml(year)

    errors = [str(error) for error in xml_schema.iter_errors(document)]

    assert errors == []


@pytest.mark.parametrize("year", YEARS)
def test_frab_json_is_valid_against_the_json_schema(json_validator, year):
    document = export_json(year)

    errors = [f"{e.json_path}: {e.message}" for e in json_validator.iter_errors(document)]

    assert errors == []


@pytest.mark.parametrize("year", YEARS)
def test_frab_has_one_event_per_talk_and_per_item_with_a_room(year):
    expected = expected_event_count(year)

    in_json, in_xml = json_events(export_json(year)), xml_events(export_xml(year))

    assert (len(in_json), len(in_xml)) == (expected, expected)


@pytest.mark.parametrize("year", YEARS)
def test_frab_json_and_xml_list_the_same_events_in_the_same_order(year):
    json_document, xml_document = export_json(year), export_xml(year)

    from_json = [(e["id"], e["guid"], e["date"], e["duration"]) for e in json_events(json_document)]
    from_xml = [
        (int(e.get("id")), e.get("guid"), e.findtext("date"), e.findtext("duration"))
        for e in xml_events(xml_document)
    ]

    assert from_json == from_xml


@pytest.mark.parametrize("year", YEARS)
def test_frab_times_carry_the_shanghai_offset(year):
    json_document, xml_document = export_json(year), export_xml(year)

    days = json_document["schedule"]["conference"]["days"]
    stamps = [d[key] for d in days for key in ("day_start", "day_end")]
    stamps += [e[key] for e in json_events(json_document) for key in ("date", "end")]
    root = xml_root(xml_document)
    stamps += [d.get(key) for d in root.iter("day") for key in ("start", "end")]
    stamps += [e.findtext("date") for e in root.iter("event")]
    offsets = {stamp[-6:] for stamp in stamps}
    parsed = {dt.datetime.fromisoformat(stamp).utcoffset() for stamp in stamps}

    assert (offsets, parsed) == ({"+08:00"}, {dt.timedelta(hours=8)})


@pytest.mark.parametrize("year", YEARS)
def test_frab_talk_guids_are_the_stored_ones(year):
    stored = {
        str(guid)
        for guid in Talk.objects.filter(conference__year=year).values_list("guid", flat=True)
    }

    talk_types = {"talk", "invited talk"}
    in_json = {e["guid"] for e in json_events(export_json(year)) if e["type"] in talk_types}
    in_xml = {
        e.get("guid") for e in xml_events(export_xml(year)) if e.findtext("type") in talk_types
    }

    assert (in_json, in_xml) == (stored, stored)


def test_frab_is_unchanged_by_reimporting_the_same_file():
    before = export_xml(2025), export_json(2025)

    import_programme_files([FIXTURES / "csml2025.yaml"])
    after = export_xml(2025), export_json(2025)

    assert after == before


def guids(document) -> dict[str, list[str]]:
    """Every GUID of a JSON document by what carries it, keyed so that database ids (which
    a new database changes) play no part."""
    conference = document["schedule"]["conference"]
    events = json_events(document)
    return {
        "events": sorted((e["slug"], e["guid"]) for e in events),
        "rooms": sorted((r["name"], r["guid"]) for r in conference["rooms"]),
        "people": sorted({(p["url"], p["guid"]) for e in events for p in e["persons"]}),
    }


def test_frab_guids_survive_loading_the_year_into_an_empty_database():
    before = guids(export_json(2024))

    Conference.objects.filter(year=2024).delete()
    import_programme_files([FIXTURES / "csml2024.yaml"])
    after = guids(export_json(2024))

    assert after == before


def test_frab_json_spot_check_of_one_talk():
    talk = Talk.objects.get(conference__year=2025, code="A1-1")

    (event,) = [e for e in json_events(export_json(2025)) if e["guid"] == str(talk.guid)]

    assert event == {
        "id": talk.pk,
        "guid": str(talk.guid),
        "date": "2025-08-09T13:30:00+08:00",
        "start": "13:30",
        "end": "2025-08-09T14:00:00+08:00",
        "duration": "00:30",
        "room": "友谊宫 5 号会议室 Friendship Palace Meeting Room 5",
        "slug": "csml2025-talk-a1-1",
        "url": "https://example.org/2025/talks/A1-1/",
        "title": "Towards understanding the representation learning of diffusion models",
        "subtitle": None,
        "track": "分会报告 Parallel sessions",
        "type": "talk",
        "language": None,
        "abstract": talk.abstract,
        "description": "分会 Session: A1 深度学习理论\n主持人 Chairs: 罗涛\n"
        "报告人 Speakers: 邹荻凡（香港大学）",
        "persons": [
            {
                "name": "邹荻凡",
                "guid": "2013df76-577c-56af-a5d0-3f82319c7097",
                "url": "https://example.org/people/zou-di-fan/",
                "biography": "",
            }
        ],
        "links": [
            {
                "url": "https://example.org/2025/sessions/A1/",
                "type": "related",
                "title": "A1 深度学习理论",
            }
        ],
    }
    assert talk.abstract.startswith("Diffusion models (DMs) excel in generative modeling")


def test_frab_xml_spot_check_of_one_invited_talk():
    talk = Talk.objects.get(conference__year=2025, code="P1")

    (event,) = [e for e in xml_events(export_xml(2025)) if e.get("guid") == str(talk.guid)]
    fields = {child.tag: child.text for child in event if child.tag not in ("persons", "links")}
    persons = [(p.text, p.get("guid")) for p in event.iterfind("persons/person")]
    links = [link.get("href") for link in event.iterfind("links/link")]

    assert (event.get("id"), fields, persons, links) == (
        str(talk.pk),
        {
            "date": "2025-08-09T08:40:00+08:00",
            "start": "08:40",
            "duration": "00:45",
            "room": "友谊宫 聚英厅 Friendship Palace Juying Hall",
            "slug": "csml2025-talk-p1",
            "url": "https://example.org/2025/talks/P1/",
            "title": talk.title,
            "track": "大会邀请报告 Invited talks",
            "type": "invited talk",
            "abstract": talk.abstract,
            "description": "邀请报告一 Invited talk 1\n主持人 Chairs: 许志钦\n"
            "报告人 Speakers: 董彬（北京大学）",
        },
        [("董彬", "8ec86729-1348-511d-920c-41db0ae6f36b")],
        [],
    )


def test_frab_divides_a_session_evenly_among_its_talks():
    events = json_events(export_json(2022))

    d2 = [(e["start"], e["duration"]) for e in events if e["slug"].startswith("csml2022-talk-d2-")]

    assert d2 == [
        ("13:30", "00:17"),
        ("13:47", "00:17"),
        ("14:04", "00:17"),
        ("14:21", "00:17"),
        ("14:38", "00:17"),
        ("14:55", "00:17"),
        ("15:12", "00:18"),
    ]


def test_frab_uses_a_talks_own_times_when_the_book_prints_them():
    Talk.objects.filter(conference__year=2025, code="A1-2").update(
        start=dt.time(14, 5), end=dt.time(14, 50)
    )

    (event,) = [e for e in json_events(export_json(2025)) if e["slug"] == "csml2025-talk-a1-2"]

    assert (event["date"], event["duration"]) == ("2025-08-09T14:05:00+08:00", "00:45")


def test_frab_items_with_a_room_are_events_and_items_without_are_not():
    events = json_events(export_json(2025))

    items = [
        (e["title"], e["type"], e["room"])
        for e in events
        if e["type"] not in ("talk", "invited talk")
    ]

    assert items == [
        ("致辞 Opening remarks", "other", "友谊宫 聚英厅 Friendship Palace Juying Hall"),
        ("圆桌论坛 Roundtable", "discussion", "友谊宫 聚英厅 Friendship Palace Juying Hall"),
    ]


def test_frab_export_reads_nothing_beyond_the_programme(django_assert_num_queries):
    fetched = programme(2025)

    with django_assert_num_queries(0):
        frab_schedule(fetched, base_url=BASE_URL, version="v1")
        frab_xml(fetched, base_url=BASE_URL, version="v1")


def test_even_slots_split_whole_minutes_and_end_with_the_session():
    start = dt.datetime(2025, 8, 9, 13, 30, tzinfo=SHANGHAI)

    slots = even_slots(start, start + dt.timedelta(minutes=100), 3)

    assert [(f"{a:%H:%M}", f"{b:%H:%M}") for a, b in slots] == [
        ("13:30", "14:03"),
        ("14:03", "14:36"),
        ("14:36", "15:10"),
    ]


def test_slug_keeps_four_characters_after_the_acronym_for_short_codes():
    assert [slug("csml2025", "talk", "P1"), slug("csml2025", "talk", "A1-1")] == [
        "csml2025-talk-p1",
        "csml2025-talk-a1-1",
    ]


# ---------------------------------------------------------------------------
# Our XML writer against ElementTree's: the export is written line by line.


@pytest.mark.parametrize("year", YEARS)
def test_frab_xml_is_written_as_elementtree_would_write_it(year):
    """Read back and written again by ElementTree (indented as ET.indent does), the
    document comes out character for character: the same layout and escaping."""
    document = export_xml(year).decode()
    declaration, _, body = document.partition("\n")
    root = ET.fromstring(body)
    ET.indent(root)

    assert declaration == "<?xml version='1.0' encoding='utf-8'?>"
    assert ET.tostring(root, encoding="unicode") == body


def test_hostile_values_are_escaped_as_elementtree_escapes_them():
    from programme.exporters.frab import escape_attribute, escape_text

    hostile = ["a & b < c > d \" e ' f", "line\nbreak\r\nand\ttab", "]]> <!-- x -->", "", "扩散"]
    for value in hostile:
        assert escape_text(value) == ET._escape_cdata(value)
        assert escape_attribute(value) == ET._escape_attrib(value)
