"""Careless input and two people at once, end to end: a live server and real browsers.

1. A track contact signed in at /track/ types the talk code `E1/2` (a code no URL can
   hold): the save is refused with a message on the page, and the year's schedule and
   the session page still answer.
3. Two browser sessions, each signed in: one has the session page open while the other
   retitles one of its talks; saving the session page with only its topic changed is
   refused with the other person's change shown, and the new title stays. Once as the
   contact at /track/ (twice signed in), once as staff at /admin/.

The live server reads committed data, so these tests commit and put the 2025 programme
back from its fixture afterwards (the import is exact and idempotent).
"""

import pytest
from django.contrib.auth.models import User

from programme.importers import import_programme_files
from programme.models import Session, Talk, Track
from tests.browser import PASSWORD, screenshot, signed_in_page
from tests.conftest import FIXTURES

pytestmark = pytest.mark.browser

NEW_TITLE = "另一窗口改的新标题"


@pytest.fixture
def accounts(django_db_blocker):
    """王铭泽 looks after the student track (E1-E8) at /track/; root is staff."""
    with django_db_blocker.unblock():
        contact = User.objects.create_user("wangmingze", "mingzewang@example.org", PASSWORD)
        Track.objects.get(conference__year=2025, code="student").editors.add(contact)
        staff = User.objects.create_superuser("root", "root@example.org", PASSWORD)
        yield {"track": contact, "admin": staff}
        contact.delete()
        staff.delete()
        import_programme_files([FIXTURES / "csml2025.yaml"])


def save(page):
    with page.expect_navigation():
        page.click("input[name=_save]")


def test_contact_typing_a_code_with_a_slash_is_refused_and_the_year_stays_up(
    browser, site, accounts, django_db_blocker
):
    with django_db_blocker.unblock():
        talk = Talk.objects.get(conference__year=2025, code="E1-2")
    page = signed_in_page(browser, site, "track", "wangmingze")

    page.goto(f"{site}/track/programme/talk/{talk.pk}/change/")
    page.fill("#id_code", "E1/2")
    save(page)
    screenshot(page, "track-talk-code-refused")

    # The message sits under the code ("letters, digits and - only, e.g. A1 or E1-2").
    assert "E1-2" in page.locator(".field-code .errorlist").inner_text()
    assert page.locator("#id_code").input_value() == "E1/2"
    with django_db_blocker.unblock():
        assert Talk.objects.get(pk=talk.pk).code == "E1-2"
    for path in (
        "/2025/schedule/",
        "/2025/sessions/E1/",
        "/2025/talks/E1-2/",
        "/en/2025/schedule/",
    ):
        assert page.goto(f"{site}{path}").status == 200, path
    page.context.close()


@pytest.mark.parametrize(("area", "username"), [("track", "wangmingze"), ("admin", "root")])
def test_session_page_saved_over_a_retitled_talk_is_refused_in_the_browser(
    browser, site, accounts, django_db_blocker, area, username
):
    with django_db_blocker.unblock():
        session = Session.objects.get(conference__year=2025, code="E1")
        talk = Talk.objects.get(conference__year=2025, code="E1-2")
        old_topic, old_title = session.topic, talk.title
    mine = signed_in_page(browser, site, area, username)
    theirs = signed_in_page(browser, site, area, username)
    mine.goto(f"{site}/{area}/programme/session/{session.pk}/change/")

    theirs.goto(f"{site}/{area}/programme/talk/{talk.pk}/change/")
    theirs.fill("#id_title", NEW_TITLE)
    save(theirs)
    mine.fill("#id_topic", "只改了主题")
    save(mine)
    screenshot(mine, f"{area}-session-edit-conflict")

    # On the talk's row, and repeated at the top of the page.
    change = f"“{old_title}” → “{NEW_TITLE}”"
    assert change in mine.locator(".errorlist").all_inner_texts()[-1]
    assert change in mine.locator(".messagelist").inner_text()
    with django_db_blocker.unblock():
        assert Talk.objects.get(pk=talk.pk).title == NEW_TITLE
        assert Session.objects.get(pk=session.pk).topic == old_topic
    # Saving again deliberately applies this page, as it says.
    save(mine)
    with django_db_blocker.unblock():
        assert Session.objects.get(pk=session.pk).topic == "只改了主题"
        assert Talk.objects.get(pk=talk.pk).title == old_title
    mine.context.close()
    theirs.context.close()
