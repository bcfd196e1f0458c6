"""A stale spreadsheet, end to end in a real browser, as staff meet it at /admin/.

Staff export the 2025 talks, retitle A1-1 in the file; meanwhile someone retitles A1-2
in the admin; the import's preview shows one change and one conflict (with both
titles), and confirming applies only the change. A bad row shows its message beside
its cell, numbered as Excel numbers it.

The live server reads committed data, so the test commits and puts the 2025 programme
back from its fixture afterwards (the import is exact and idempotent).
"""

import csv
import io

import pytest
from django.contrib.auth.models import User

from programme.importers import import_programme_files
from programme.models import Conference, Talk, validate_code
from tests.browser import PASSWORD, screenshot, signed_in_page
from tests.conftest import FIXTURES

pytestmark = pytest.mark.browser


@pytest.fixture
def staff(django_db_blocker):
    with django_db_blocker.unblock():
        user = User.objects.create_superuser("root", "root@example.org", PASSWORD)
        yield user
        user.delete()
        import_programme_files([FIXTURES / "csml2025.yaml"])


def export_csv(page, site, year_pk) -> list[list[str]]:
    page.goto(f"{site}/admin/programme/talk/export/?conference__id__exact={year_pk}")
    page.select_option("#id_format", label="csv")
    with page.expect_download() as download:
        page.click("input[type=submit]")
    data = download.value.path().read_text(encoding="utf-8-sig")
    return list(csv.reader(io.StringIO(data)))


def upload(page, site, rows, tmp_path):
    path = tmp_path / "talks.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as file:
        csv.writer(file).writerows(rows)
    page.goto(f"{site}/admin/programme/talk/import/")
    page.set_input_files("#id_import_file", str(path))
    page.select_option("#id_format", label="csv")
    with page.expect_navigation():
        page.click("input[type=submit]")


def retitle(rows, code, title):
    header = rows[0]
    (row,) = [row for row in rows[1:] if row[header.index("报告编号")] == code]
    row[header.index("题目")] = title
    return rows.index(row) + 1  # Excel's row: the header is row 1


def test_stale_file_shows_one_change_and_one_conflict_and_applies_only_the_change(
    browser, site, staff, django_db_blocker, tmp_path
):
    with django_db_blocker.unblock():
        year = Conference.objects.get(year=2025)
        a1_2 = Talk.objects.get(conference=year, code="A1-2")
    page = signed_in_page(browser, site, "admin", "root")
    rows = export_csv(page, site, year.pk)
    retitle(rows, "A1-1", "文件里的新标题")
    a1_2_row = [r[1] for r in rows].index("A1-2") + 1

    page.goto(f"{site}/admin/programme/talk/{a1_2.pk}/change/")
    page.fill("#id_title", "管理后台里的新标题")
    with page.expect_navigation():
        page.click("input[name=_save]")
    upload(page, site, rows, tmp_path)

    summary = page.locator(".import-summary").inner_text()
    assert "1 行有改动" in summary
    assert "1 行在导出后已被他人修改" in summary
    assert page.locator("table.import-preview tr.update").count() == 1
    conflict = page.locator("#import-conflicts tr.conflict")
    assert conflict.count() == 1
    assert a1_2.title in conflict.inner_text()
    assert "管理后台里的新标题" in conflict.inner_text()
    assert not page.locator("details.import-unchanged").get_attribute("open")
    page.locator("#import-conflicts").scroll_into_view_if_needed()
    screenshot(page, "admin-import-stale-preview")
    with page.expect_navigation():
        page.click("input[name=confirm]")
    screenshot(page, "admin-import-stale-done")

    assert f"第 {a1_2_row} 行" in page.locator(".messagelist").inner_text()
    with django_db_blocker.unblock():
        titles = dict(
            Talk.objects.filter(conference=year, code__in=["A1-1", "A1-2"]).values_list(
                "code", "title"
            )
        )
    assert titles == {"A1-1": "文件里的新标题", "A1-2": "管理后台里的新标题"}


def test_bad_row_shows_its_message_beside_its_cell_with_excels_row_number(
    browser, site, staff, django_db_blocker, tmp_path
):
    with django_db_blocker.unblock():
        year = Conference.objects.get(year=2025)
    page = signed_in_page(browser, site, "admin", "root")
    rows = export_csv(page, site, year.pk)
    header = rows[0]
    rows[5][header.index("报告编号")] = "E2/9"  # Excel's row 6

    upload(page, site, rows, tmp_path)

    assert page.locator("h2", has_text="部分行有错误，未导入任何数据").count() == 1
    bad = page.locator("table.import-errors tr.invalid")
    assert bad.locator("td").first.inner_text().strip() == "6"
    cell = bad.locator("td.bad")
    assert "E2/9" in cell.inner_text()
    assert str(validate_code.message) in cell.locator(".errorlist").inner_text()
    assert cell.locator(".errorlist").is_visible()
    assert "None" not in bad.inner_text()
    screenshot(page, "admin-import-bad-row")
