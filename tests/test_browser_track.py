"""A track contact at work in a real browser: sign in, reorder two talks, edit an abstract,
and see both on the public session page.

The live server reads committed data, so this test commits its changes and puts the
2025 programme back from its fixture afterwards (the import is exact and idempotent).
"""

import pytest
from django.contrib.auth.models import User

from programme.importers import import_programme_files
from programme.models import Session
from tests.browser import PASSWORD, new_page, screenshot, sign_in
from tests.conftest import FIXTURES

pytestmark = pytest.mark.browser


@pytest.fixture
def contact(django_db_blocker):
    with django_db_blocker.unblock():
        user = User.objects.create_user("wangmingze", "mingzewang@example.org", PASSWORD)
        Session.objects.get(conference__year=2025, code="E3").track.editors.add(user)
        yield user
        user.delete()
        import_programme_files([FIXTURES / "csml2025.yaml"])


def test_contact_reorders_talks_and_edits_abstract_in_browser(
    browser, site, contact, django_db_blocker
):
    with django_db_blocker.unblock():
        session = Session.objects.get(conference__year=2025, code="E3")
        first, second = list(session.talks.order_by("position"))[:2]
    page = new_page(browser, 1280)

    sign_in(page, site, "track", "wangmingze")
    screenshot(page, "track-index")
    # Signed in, he lands on his own sessions, E1-E8 of the student track.
    listed = page.locator(".my-sessions th[scope=row]").all_inner_texts()
    assert [text.split()[2] for text in listed] == [f"E{n}" for n in range(1, 9)]
    page.goto(f"{site}/track/programme/session/{session.pk}/change/")
    positions = page.locator("input[name^='talks-'][name$='-position']")
    row_of = {
        page.locator("input[name^='talks-'][name$='-code']").nth(i).input_value(): i
        for i in range(positions.count())
    }
    positions.nth(row_of[first.code]).fill(str(second.position))
    positions.nth(row_of[second.code]).fill(str(first.position))
    screenshot(page, "track-session-edit")
    with page.expect_navigation():
        page.click("input[name=_save]")
    page.goto(f"{site}/track/programme/talk/{first.pk}/change/")
    page.fill("#id_abstract", "新的摘要：由学生分会联系人在浏览器中修改。")
    with page.expect_navigation():
        page.click("input[name=_save]")
    page.goto(f"{site}/2025/sessions/E3/")
    screenshot(page, "track-public-session-after")
    order = page.locator("article.talk").evaluate_all("articles => articles.map(a => a.id)")

    assert order[:2] == [second.code, first.code]
    assert (
        "新的摘要：由学生分会联系人在浏览器中修改。" in page.locator(f"#{first.code}").inner_text()
    )
    page.context.close()
