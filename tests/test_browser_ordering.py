"""A student-session contact drags a late talk to the top of his session, saves, renumbers
the codes, and the link shared under the talk's provisional code still works (301).

Run at 1280 px with a mouse and at 375 px with a finger (touch events, which Chromium
turns into the pointer events the page listens to). The live server reads committed
data, so the fixture puts the 2025 programme back from its file afterwards.
"""

import pytest
from django.contrib.auth.models import User

from programme.importers import import_programme_files
from programme.models import CodeRedirect, Session, Talk
from tests.browser import PASSWORD, screenshot, sign_in, signed_in_page
from tests.conftest import FIXTURES

pytestmark = pytest.mark.browser

LATE_TITLE = "迟到的报告：临时编号 E3-X"


@pytest.fixture
def contact(django_db_blocker):
    with django_db_blocker.unblock():
        user = User.objects.create_user("wangmingze", "mingzewang@example.org", PASSWORD)
        session = Session.objects.get(conference__year=2025, code="E3")
        session.track.editors.add(user)
        # A talk added late under a provisional code, whose link was already shared.
        Talk.objects.create(session=session, code="E3-X", title=LATE_TITLE, position=4)
        yield session
        user.delete()
        Talk.objects.filter(session=session, title=LATE_TITLE).delete()
        CodeRedirect.objects.filter(conference=session.conference).delete()
        import_programme_files([FIXTURES / "csml2025.yaml"])


def drag(page, handle, target, touch: bool):
    """Drag `handle` to the upper edge of `target` with the mouse or one finger."""
    start, end = handle.bounding_box(), target.bounding_box()
    x, y = start["x"] + start["width"] / 2, start["y"] + start["height"] / 2
    to_y = end["y"] + 4
    steps = [(x, y + (to_y - y) * n / 12) for n in range(1, 13)]
    if not touch:
        page.mouse.move(x, y)
        page.mouse.down()
        for sx, sy in steps:
            page.mouse.move(sx, sy)
        page.mouse.up()
        return
    cdp = page.context.new_cdp_session(page)
    cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
    for sx, sy in steps:
        cdp.send(
            "Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": sx, "y": sy}]}
        )
    cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


@pytest.mark.parametrize("width", [1280, 375])
def test_drag_a_talk_to_the_top_renumber_and_the_old_link_redirects(browser, site, contact, width):
    touch = width < 500
    context = browser.new_context(
        viewport={"width": width, "height": 900 if not touch else 800},
        device_scale_factor=1,
        locale="zh-CN",
        timezone_id="Asia/Shanghai",
        has_touch=touch,
    )
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, site, "track", "wangmingze")
    page.goto(f"{site}/track/programme/session/{contact.pk}/change/")

    rows = page.locator("#talks-group tbody tr.has_original")
    codes = rows.locator("td.field-code input")
    assert codes.evaluate_all("inputs => inputs.map(i => i.value)") == [
        "E3-1",
        "E3-2",
        "E3-3",
        "E3-X",
    ]
    late_row = rows.nth(3)
    late_row.scroll_into_view_if_needed()
    drag(page, late_row.locator(".talk-drag-handle"), rows.nth(0), touch)

    # The row moved, and the order inputs (what the form posts) were rewritten.
    assert codes.evaluate_all("inputs => inputs.map(i => i.value)") == [
        "E3-X",
        "E3-1",
        "E3-2",
        "E3-3",
    ]
    orders = rows.locator("td.field-position input")
    assert orders.evaluate_all("inputs => inputs.map(i => i.value)") == ["1", "2", "3", "4"]
    screenshot(page, f"order-dragged-{width}")
    with page.expect_navigation():
        page.click("input[name=_continue]")
    assert page.locator(".errornote").count() == 0

    with page.expect_navigation():
        page.click(".renumber-form button")
    screenshot(page, f"order-renumbered-{width}")
    assert "E3-X → E3-1" in page.locator(".messagelist").inner_text()

    old = page.request.get(f"{site}/2025/talks/E3-X/", max_redirects=0)
    assert old.status == 301
    assert old.headers["location"] == "/2025/talks/E3-1/"
    page.goto(f"{site}/2025/talks/E3-X/")
    assert page.url == f"{site}/2025/talks/E3-1/"
    assert LATE_TITLE in page.locator("h1").inner_text()
    screenshot(page, f"order-public-talk-{width}")
    assert errors == []
    context.close()


def test_staff_move_a_talk_with_the_keyboard_and_renumber(
    browser, site, contact, django_db_blocker
):
    """The staff admin's session page has the same handles; the arrow keys move a row
    for those who do not drag."""
    with django_db_blocker.unblock():
        User.objects.create_superuser("root", "root@example.org", PASSWORD)
    try:
        page = signed_in_page(browser, site, "admin", "root")
        page.goto(f"{site}/admin/programme/session/{contact.pk}/change/")
        rows = page.locator("#talks-group tbody tr.has_original")
        handle = rows.nth(3).locator(".talk-drag-handle")
        handle.focus()
        for _ in range(3):
            page.keyboard.press("ArrowUp")  # the handle keeps the focus as its row moves
        orders = rows.locator("td.field-position input")
        assert orders.evaluate_all("inputs => inputs.map(i => i.value)") == ["1", "2", "3", "4"]
        assert rows.nth(0).locator("td.field-code input").input_value() == "E3-X"
        rows.nth(0).scroll_into_view_if_needed()
        screenshot(page, "order-staff-session-1280")
        with page.expect_navigation():
            page.click("input[name=_continue]")
        with page.expect_navigation():
            page.click(".renumber-form button")
        assert "E3-X → E3-1" in page.locator(".messagelist").inner_text()
        page.locator(".object-tools").scroll_into_view_if_needed()
        screenshot(page, "order-staff-renumbered-1280")
        page.context.close()
    finally:
        with django_db_blocker.unblock():
            User.objects.filter(username="root").delete()
