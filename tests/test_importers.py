"""The fixture importer: every kind of bad file is refused whole, good files load exactly."""

import dataclasses
import re
import typing
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from programme.exporters.fixture import export_programme
from programme.importers import ImportFailed, import_programme_files, schema
from programme.importers.parse import parse_programme
from programme.importers.yaml_source import read_yaml
from programme.models import (
    CommitteeMembership,
    Conference,
    Person,
    ProgrammeItem,
    Session,
    SessionChair,
    Talk,
    TalkSpeaker,
)

pytestmark = pytest.mark.django_db

GOOD = """\
year: 2030
notes: ["A1: a judgment call."]
conference:
  name_zh: 2030 年中国机器学习与科学应用大会
  start_date: 2030-08-09
  end_date: 2030-08-10
  registration_date: 2030-08-08
  published: true
contacts:
  - {name: 王铭泽, email: mingzewang@example.org, role: 学生分会联系人}
people:
  - {name: 王磊, key: 王磊 (浙江大学)}
  - {name: 王磊, key: 王磊 (北京大学)}
rooms: [聚英厅, 5 号会议室]
tracks:
  - {code: main, name_zh: 分会报告}
  - {code: student, name_zh: 学生分会, contacts: [王铭泽]}
programme:
  - kind: invited_talk
    date: 2030-08-09
    start: "08:40"
    end: "09:25"
    title: 邀请报告一
    room: 聚英厅
    hosts: [许志钦]
    talk:
      code: P1
      title: AI for Mathematics
      speakers: [{person: 董彬, affiliation: 北京大学, bio: 董彬，北京大学教授。}]
      abstract: Invited.
sessions:
  - code: A1
    track: main
    topic: 深度学习理论
    date: 2030-08-09
    start: "13:30"
    end: "15:30"
    room: 5 号会议室
    chairs: [{person: 王磊 (浙江大学), online: true}]
    talks:
      - code: A1-1
        title: First talk
        speakers: [{person: 王磊 (北京大学), affiliation: 北京大学}]
        abstract: One.
      - code: A1-2
        title: Second talk
        speakers: [{person: 邹荻凡, affiliation: 香港大学}]
        online: true
  - code: E1
    track: student
    topic: 学生分会（一）
    date: 2030-08-10
    start: "13:30"
    end: "15:30"
    room: 5 号会议室
    talks: []
"""


def write(tmp_path, text, name="csml2030.yaml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def database_state():
    """Everything an import could change, in a comparable form."""
    return {
        "years": sorted(Conference.objects.values_list("year", flat=True)),
        "people": Person.objects.count(),
        "talks": sorted(Talk.objects.values_list("conference__year", "code", "title")),
        "sessions": sorted(Session.objects.values_list("conference__year", "code", "room__name")),
        "speakers": TalkSpeaker.objects.count(),
        "chairs": SessionChair.objects.count(),
    }


BAD_FILES = [
    ("not YAML", lambda t: t.replace("rooms: [聚英厅", "rooms: [聚英厅: ["), ":14: not valid YAML"),
    (
        "duplicate key",
        lambda t: t.replace("    topic: 深度学习理论\n", "    topic: a\n    topic: b\n"),
        "key 'topic' is written twice",
    ),
    (
        "unknown key",
        lambda t: t.replace("    meeting_no", "").replace(
            "    topic: 深度学习理论\n", "    topic: 深度学习理论\n    speaker: x\n"
        ),
        "sessions[0].speaker: unknown key",
    ),
    (
        "missing title",
        lambda t: t.replace("        title: Second talk\n", ""),
        "sessions[0].talks[1].title: missing",
    ),
    (
        "wrong type",
        lambda t: t.replace("        online: true\n", '        online: "yes"\n'),
        "sessions[0].talks[1].online: expected true or false",
    ),
    (
        "bad date",
        lambda t: t.replace("    date: 2030-08-10\n", "    date: 2030-08-32\n"),
        "sessions[1].date: expected a date",
    ),
    (
        "unquoted time",
        lambda t: t.replace(
            '    start: "13:30"\n    end: "15:30"\n    room: 5 号会议室\n    chairs',
            '    start: 13:30\n    end: "15:30"\n    room: 5 号会议室\n    chairs',
        ),
        'sessions[0].start: times must be quoted "HH:MM"',
    ),
    (
        "end before start",
        lambda t: t.replace(
            '    start: "08:40"\n    end: "09:25"', '    start: "09:40"\n    end: "09:25"'
        ),
        "programme[0]: It must end after it starts.",
    ),
    (
        "session ends before it starts",
        lambda t: t.replace(
            '    start: "13:30"\n    end: "15:30"\n    room: 5 号会议室\n    chairs',
            '    start: "13:30"\n    end: "13:00"\n    room: 5 号会议室\n    chairs',
        ),
        "sessions[0]: It must end after it starts.",
    ),
    (
        "talk ends when it starts",
        lambda t: t.replace(
            "        title: First talk\n",
            '        title: First talk\n        start: "14:00"\n        end: "14:00"\n',
        ),
        "sessions[0].talks[0]: It must end after it starts.",
    ),
    (
        "conference ends before it starts",
        lambda t: t.replace("  end_date: 2030-08-10\n", "  end_date: 2030-08-01\n"),
        "conference: The last day cannot be before the first day.",
    ),
    (
        "duplicate session code",
        lambda t: t.replace("  - code: E1\n", "  - code: A1\n"),
        "sessions[1].code: duplicate session code 'A1' (first at sessions[0].code)",
    ),
    (
        "duplicate talk code",
        lambda t: t.replace("      - code: A1-2\n", "      - code: A1-1\n"),
        "sessions[0].talks[1].code: duplicate talk code 'A1-1'",
    ),
    (
        "undefined room",
        lambda t: t.replace("    room: 聚英厅\n", "    room: 友谊宫\n"),
        "programme[0].room: room '友谊宫' is not in rooms",
    ),
    (
        "undefined track",
        lambda t: t.replace("    track: student\n", "    track: students\n"),
        "sessions[1].track: track 'students' is not in tracks",
    ),
    (
        "undeclared person key",
        lambda t: t.replace("person: 王磊 (北京大学)", "person: 王磊 (复旦大学)"),
        "sessions[0].talks[0].speakers[0]: person key '王磊 (复旦大学)' is not declared in people",
    ),
    (
        "ambiguous homonym",
        lambda t: t.replace("person: 王磊 (北京大学)", "person: 王磊"),
        "'王磊' names several people",
    ),
    (
        "day outside conference",
        lambda t: t.replace("    date: 2030-08-10\n", "    date: 2030-08-12\n"),
        "sessions[1].date: 2030-08-12 is not a day of CSML2030 (2030-08-09 – 2030-08-10).",
    ),
    (
        "talk day on the registration day",
        lambda t: t.replace(
            '    date: 2030-08-09\n    start: "08:40"', '    date: 2030-08-08\n    start: "08:40"'
        ),
        "programme[0].date: 2030-08-08 is not a day of CSML2030",
    ),
    (
        "undefined track contact",
        lambda t: t.replace("contacts: [王铭泽]", "contacts: [王明泽]"),
        "tracks[1].contacts: contact '王明泽' not in contacts",
    ),
    (
        "bad e-mail",
        lambda t: t.replace("mingzewang@example.org", "mingzewang"),
        "contacts[0].email: Enter a valid email address.",
    ),
    (
        "unknown kind",
        lambda t: t.replace("kind: invited_talk", "kind: keynote"),
        "programme[0].kind: unknown kind 'keynote' (expected one of: "
        + ", ".join(ProgrammeItem.Kind.values)
        + ")",
    ),
    (
        "unknown committee role",
        lambda t: t.replace(
            "rooms: [", "committees: {chairs: [鄂维南], keynotes: [董彬]}\nrooms: ["
        ),
        "committees.keynotes: unknown role 'keynotes' (expected one of: "
        + ", ".join(CommitteeMembership.Role.values)
        + ")",
    ),
    (
        "talk code with an underscore",
        lambda t: t.replace("      - code: A1-2\n", "      - code: A1_2\n"),
        "sessions[0].talks[1].code: Use letters, digits and “-” only, e.g. A1 or E1-2.",
    ),
    (
        "Chinese talk code",
        lambda t: t.replace("      - code: A1-2\n", "      - code: 甲1-2\n"),
        "sessions[0].talks[1].code: Use letters, digits and “-” only",
    ),
    (
        "session code with a slash",
        lambda t: t.replace("  - code: E1\n", "  - code: E/1\n"),
        "sessions[1].code: Use letters, digits and “-” only",
    ),
    (
        "title longer than its column",
        lambda t: t.replace("title: Second talk", "title: " + "x" * 501),
        "sessions[0].talks[1].title: Ensure this value has at most 500 characters (it has 501).",
    ),
    (
        "empty title",
        lambda t: t.replace("title: Second talk", 'title: ""'),
        "sessions[0].talks[1].title: This field cannot be blank.",
    ),
    ("not a mapping", lambda t: "- just\n- a list\n", "expected a mapping, found a list"),
    (
        "hostile link",
        lambda t: t.replace(
            "  published: true\n", "  published: true\n  website: javascript:alert(1)\n"
        ),
        "conference.website: javascript:alert(1) is not a web address.",
    ),
]


@pytest.mark.parametrize(
    ("mutate", "message"), [b[1:] for b in BAD_FILES], ids=[b[0] for b in BAD_FILES]
)
def test_import_bad_file_reports_place_and_changes_nothing(tmp_path, mutate, message):
    before = database_state()
    path = write(tmp_path, mutate(GOOD))

    with pytest.raises(ImportFailed) as failure:
        import_programme_files([path])

    assert message in str(failure.value)
    assert str(path) in str(failure.value)
    assert database_state() == before


def test_import_refuses_a_talk_code_outside_the_url_pattern_at_its_line(tmp_path):
    before = database_state()
    text = GOOD.replace("      - code: A1-2\n", "      - code: E1/2\n")
    path = write(tmp_path, text)

    with pytest.raises(ImportFailed) as failure:
        import_programme_files([path])

    line = text.splitlines().index("      - code: E1/2") + 1
    assert [str(e) for e in failure.value.errors] == [
        f"{path}:{line}: sessions[0].talks[1].code: "
        "Use letters, digits and “-” only, e.g. A1 or E1-2."
    ]
    assert database_state() == before


def test_import_accepts_a_registration_row_on_the_registration_day():
    text = GOOD.replace(
        "programme:\n",
        'programme:\n  - {kind: registration, date: 2030-08-08, start: "15:00", end: "18:00", '
        "title: 注册}\n",
    )

    data, errors = parse_programme(text, "x.yaml")

    assert errors == []
    assert [(item.kind, item.date.isoformat()) for item in data.programme] == [
        ("registration", "2030-08-08"),
        ("invited_talk", "2030-08-09"),
    ]


def test_import_reports_every_error_of_a_file_at_once(tmp_path):
    text = GOOD.replace("    room: 聚英厅\n", "    room: 友谊宫\n").replace(
        "  - code: E1\n", "  - code: A1\n"
    )

    _, errors = parse_programme(text, "x.yaml")

    assert [e.path for e in errors] == ["sessions[1].code", "programme[0].room"]
    assert all(e.line > 0 for e in errors)


def test_import_error_names_the_line(tmp_path):
    text = GOOD.replace("    track: student\n", "    track: students\n")

    _, errors = parse_programme(text, "csml2030.yaml")

    line = text.splitlines().index("    track: students") + 1
    assert [str(e) for e in errors] == [
        f"csml2030.yaml:{line}: sessions[1].track: track 'students' is not in tracks"
    ]


def test_import_of_several_files_with_one_bad_changes_nothing(tmp_path):
    before = database_state()
    good = write(tmp_path, GOOD)
    bad = write(tmp_path, GOOD.replace("2030", "2031").replace("title: First talk\n", ""), "b.yaml")

    with pytest.raises(ImportFailed):
        import_programme_files([good, bad])

    assert database_state() == before


def test_import_good_file_loads_everything(tmp_path):
    import_programme_files([write(tmp_path, GOOD)])

    session = Session.objects.get(conference__year=2030, code="A1")
    chairs = [(c.person.key, c.online) for c in session.session_chairs.all()]
    speakers = [
        (t.code, [s.person.key for s in t.talk_speakers.all()], t.online)
        for t in session.talks.order_by("position")
    ]
    assert chairs == [("王磊 (浙江大学)", True)]
    assert speakers == [
        ("A1-1", ["王磊 (北京大学)"], False),
        ("A1-2", ["邹荻凡"], True),
    ]
    assert Talk.objects.get(conference__year=2030, code="P1").talk_speakers.get().bio == (
        "董彬，北京大学教授。"
    )


def test_import_same_file_twice_changes_nothing(tmp_path):
    path = write(tmp_path, GOOD)
    import_programme_files([path])
    before = database_state()

    (second,) = import_programme_files([path])

    assert (second.report.total("created"), second.report.total("updated")) == (0, 0)
    assert second.report.total("deleted") == 0
    assert database_state() == before


def test_import_edited_file_updates_and_deletes_and_keeps_guids(tmp_path):
    import_programme_files([write(tmp_path, GOOD)])
    guid = Talk.objects.get(conference__year=2030, code="A1-1").guid
    edited = GOOD.replace("title: First talk", "title: First talk, renamed").replace(
        "      - code: A1-2\n        title: Second talk\n"
        "        speakers: [{person: 邹荻凡, affiliation: 香港大学}]\n        online: true\n",
        "",
    )

    (report,) = import_programme_files([write(tmp_path, edited)])

    talks = list(
        Talk.objects.filter(conference__year=2030).order_by("code").values_list("code", "title")
    )
    assert talks == [("A1-1", "First talk, renamed"), ("P1", "AI for Mathematics")]
    assert report.report.updated["talks"] == 1
    assert report.report.deleted["talks"] == 1
    assert Talk.objects.get(conference__year=2030, code="A1-1").guid == guid


def test_round_trip_of_every_real_year_is_lossless(tmp_path):
    for year in (2022, 2024, 2025):
        exported = write(tmp_path, export_programme(year), f"{year}.yaml")
        before = database_state()

        (report,) = import_programme_files([exported])

        assert (report.report.total("created"), report.report.total("updated")) == (0, 0)
        assert report.report.total("deleted") == 0
        assert database_state() == before
        assert export_programme(year) == exported.read_text(encoding="utf-8")


def test_export_then_import_into_empty_year_recreates_it(tmp_path):
    exported = export_programme(2025)
    Conference.objects.filter(year=2025).delete()

    import_programme_files([write(tmp_path, exported)])

    assert export_programme(2025) == exported


def test_import_command_reports_counts_and_errors(tmp_path, capsys):
    path = write(tmp_path, GOOD)

    call_command("import_programme", str(path))
    with pytest.raises(CommandError, match="1 problem found; nothing was imported"):
        call_command(
            "import_programme",
            str(write(tmp_path, GOOD.replace("room: 聚英厅", "room: x"), "bad.yaml")),
        )

    assert "CSML 2030:" in capsys.readouterr().out


def test_export_command_refuses_unknown_year():
    with pytest.raises(CommandError, match="There is no CSML 1999"):
        call_command("export_programme", "1999")


README = Path(__file__).resolve().parent.parent / "fixtures" / "README.md"


def readme_example() -> str:
    return README.read_text(encoding="utf-8").split("```yaml\n", 1)[1].split("```", 1)[0]


def nodes_of(annotation, value) -> list:
    """The mappings a schema field's value holds (a bare value is {short_key: value})."""
    if typing.get_origin(annotation) is list:
        (element,) = typing.get_args(annotation)
        return [node for item in value for node in nodes_of(element, item)]
    if typing.get_origin(annotation) is dict:
        _key, element = typing.get_args(annotation)
        return [node for item in value.values() for node in nodes_of(element, item)]
    return [{record_class(annotation).short_key: value} if isinstance(value, str) else value]


def record_class(annotation):
    if isinstance(annotation, type) and issubclass(annotation, schema.Record):
        return annotation
    return next(filter(None, map(record_class, typing.get_args(annotation))), None)


def shown_keys(cls, nodes, shown: dict) -> dict:
    """{record class: keys that some node of it shows}, through the records inside."""
    keys = shown.setdefault(cls, set())
    for field in dataclasses.fields(cls):
        values = [node[field.name] for node in nodes if field.name in node]
        keys.update([field.name] if values else [])
        inner = record_class(field.type)
        if inner is not None and values:
            shown_keys(inner, [n for v in values for n in nodes_of(field.type, v) if n], shown)
    return shown


def test_readme_example_shows_every_key_of_the_schema():
    example = readme_example()

    _data, errors = parse_programme(example, "README.md")
    document = read_yaml(example)

    assert errors == []
    shown = shown_keys(schema.ProgrammeData, [document], {})
    not_shown = [
        f"{cls.__name__}.{field.name}"
        for cls, keys in shown.items()
        for field in dataclasses.fields(cls)
        if field.name not in keys
    ]
    assert not_shown == []
    assert list(document["committees"]) == CommitteeMembership.Role.values
    kind_comment = " ".join(
        line.split("#", 1)[1] for line in example.splitlines() if "|" in line.partition("#")[2]
    )
    assert re.findall(r"\w+", kind_comment) == ProgrammeItem.Kind.values


def test_readme_appearance_table_matches_the_schema():
    rows = re.findall(r"^\| `(\w+)` \| ([^|]+?) \|", README.read_text(encoding="utf-8"), re.M)
    places = {
        "committees": schema.CommitteeRef,
        "session chairs": schema.ChairRef,
        "talk speakers": schema.SpeakerRef,
        "item hosts": schema.HostRef,
    }
    everywhere = set(places.values())

    documented = {
        key: everywhere if where == "everywhere" else {places[where]} for key, where in rows
    }

    declared = {}
    for cls in everywhere:
        for field in dataclasses.fields(cls):
            declared.setdefault(field.name, set()).add(cls)
    assert documented == declared


def test_import_refuses_a_nul_character_at_its_line(tmp_path):
    """PostgreSQL cannot store NUL: the model's validation says where it is, before any
    write fails."""
    before = database_state()
    nul_abstract = '        abstract: "a\\0b"'
    text = GOOD.replace("      - code: A1-2\n", f"      - code: A1-2\n{nul_abstract}\n", 1)
    path = write(tmp_path, text)

    with pytest.raises(ImportFailed) as failure:
        import_programme_files([path])

    line = text.splitlines().index(nul_abstract) + 1
    assert [str(e) for e in failure.value.errors] == [
        f"{path}:{line}: sessions[0].talks[1].abstract: Null characters are not allowed."
    ]
    assert database_state() == before
