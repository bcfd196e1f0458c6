"""Staff tools: dashboard, next year, publishing and preview, releases and changes."""

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from programme import releases
from programme.dashboard import year_report
from programme.models import (
    Conference,
    Contact,
    ProgrammeItem,
    Room,
    Session,
    SessionChair,
    Talk,
    Track,
)
from programme.queries import programme_for_conference
from programme.services import copy_year, release_schedule, same_weekday_next_year
from tests.admin_forms import admin_form_data, field_errors

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    user = User.objects.create_superuser("staff", "staff@example.org", "pw")
    client.force_login(user)
    return user


def test_dashboard_counts_the_year_and_finds_nothing_planted_in_2024(staff):
    report = year_report(Conference.objects.get(year=2024))

    assert report.counts["sessions"] == 35
    assert report.counts["talks"] == 147
    assert report.room_clashes == []


def test_dashboard_finds_planted_conflicts():
    conference = Conference.objects.get(year=2025)
    a1, a2 = (
        Session.objects.get(conference=conference, code="A1"),
        Session.objects.get(conference=conference, code="A2"),
    )
    a2.room = a1.room
    a2.save()
    b1 = Session.objects.get(conference=conference, code="B1")
    chair = a1.session_chairs.first().person
    b1.session_chairs.create(person=chair, position=9)
    b1.date, b1.start, b1.end = a1.date, a1.start, a1.end
    b1.room = Room.objects.get(conference=conference, name="友谊宫 聚英厅")
    b1.save()
    talk = a1.talks.first()
    talk.start, talk.end = dt.time(7, 0), dt.time(7, 30)
    talk.save()
    talk.talk_speakers.update(affiliation="")

    report = year_report(conference)

    assert [(room, a.label[:2], b.label[:2]) for room, a, b in report.room_clashes] == [
        (a1.room.name, "A1", "A2")
    ]
    assert (chair.key, "A1", "B1") in [
        (p, a.label[:2], b.label[:2]) for p, a, b in report.people_in_two_places
    ]
    assert [t.code for t in report.talks_outside_session] == [talk.code]
    assert talk.code in [t.code for t in report.talks_without_affiliation]


def test_dashboard_page_renders_for_staff(client, staff):
    conference = Conference.objects.get(year=2025)

    response = client.get(reverse("admin:programme_conference_dashboard", args=[conference.pk]))

    assert response.status_code == 200
    assert response.context["report"].counts["talks"] == 167


def start_2026():
    return copy_year(conference=Conference.objects.get(year=2025), first_day=dt.date(2026, 8, 8))


def test_next_year_copies_rooms_tracks_committees_contacts_and_empty_slots():
    conference = Conference.objects.get(year=2025)

    copy = start_2026()

    assert (copy.year, copy.published, copy.start_date) == (2026, False, dt.date(2026, 8, 8))
    assert copy.name_zh == "2026 年中国机器学习与科学应用大会"
    assert [r.name for r in copy.rooms.all()] == [r.name for r in conference.rooms.all()]
    assert [t.code for t in copy.tracks.all()] == ["main", "student"]
    assert [c.name for c in copy.tracks.get(code="student").contacts.all()] == ["王铭泽"]
    assert copy.committee.count() == conference.committee.count()
    assert copy.contacts.count() == 3
    assert copy.sessions.count() == conference.sessions.count()
    assert copy.programme_items.count() == conference.programme_items.count()
    assert (copy.talks.count(), SessionChair.objects.filter(session__conference=copy).count()) == (
        0,
        0,
    )


@pytest.mark.parametrize(
    ("start", "offered"),
    [
        (dt.date(2025, 8, 9), dt.date(2026, 8, 8)),  # Saturday, a day before the anniversary
        (dt.date(2024, 8, 9), dt.date(2025, 8, 8)),  # Friday; 2025 has no 29 February
        (dt.date(2023, 3, 1), dt.date(2024, 2, 28)),  # across a 29 February: two days early
        (dt.date(2025, 1, 1), dt.date(2026, 1, 7)),  # 52 weeks would stay in 2025
        (dt.date(2024, 2, 29), dt.date(2025, 2, 27)),
    ],
)
def test_next_year_offers_the_same_weekday_nearest_the_anniversary(start, offered):
    day = same_weekday_next_year(start)

    assert day == offered and day.weekday() == start.weekday()


def next_year_action(client, conference, **data):
    return client.post(
        reverse("admin:programme_conference_changelist"),
        {"action": "start_next_year", "_selected_action": [conference.pk], **data},
    )


def test_start_next_year_asks_for_the_first_day_offering_the_same_weekday(client, staff):
    conference = Conference.objects.get(year=2025)

    page = next_year_action(client, conference)

    assert page.status_code == 200
    field = page.context["adminform"].form["first_day"]
    assert field.value() == dt.date(2026, 8, 8)
    assert dt.date(2026, 8, 8).weekday() == conference.start_date.weekday()
    assert 'name="first_day" value="2026/08/08"' in page.content.decode()
    assert not Conference.objects.filter(year=2026).exists()  # asking changes nothing


def test_start_next_year_moves_every_date_keeping_weekdays(client, staff):
    conference = Conference.objects.get(year=2024)

    response = next_year_action(client, conference, first_day="2025-08-01")
    # 2025 exists: the first answer says so; the second, in 2026, is taken.
    existing = response.context["adminform"].form.errors["first_day"]
    taken = next_year_action(client, conference, first_day="2026-08-08")  # a Saturday

    copy = Conference.objects.get(year=2026)
    assert existing == ["CSML 2025 已存在：请选择另一年的第一天。"]
    assert taken.status_code == 302
    shift = copy.start_date - conference.start_date
    assert copy.start_date == dt.date(2026, 8, 8) and shift.days == 728
    assert (copy.end_date, copy.registration_date) == (
        conference.end_date + shift,
        conference.registration_date + shift if conference.registration_date else None,
    )
    old = {s.code: s for s in conference.sessions.all()}
    new = {s.code: s for s in copy.sessions.all()}
    assert set(new) == set(old) and len(new) == 35
    assert all(new[c].date.weekday() == old[c].date.weekday() for c in old)
    assert all((new[c].start, new[c].end) == (old[c].start, old[c].end) for c in old)
    old_items = sorted((i.date + shift, i.start, i.title) for i in conference.programme_items.all())
    new_items = sorted((i.date, i.start, i.title) for i in copy.programme_items.all())
    assert new_items == old_items
    assert client.get("/2026/schedule/").status_code == 200


@pytest.mark.parametrize(
    ("first_day", "message"),
    [("2026-13-01", "日期"), ("next year", "日期"), ("2025-08-01", "2025"), ("2024-08-01", "之后")],
)
def test_start_next_year_refuses_a_bad_first_day_and_changes_nothing(
    client, staff, first_day, message
):
    conference = Conference.objects.get(year=2024)
    count = Conference.objects.count()

    page = next_year_action(client, conference, first_day=first_day)

    assert page.status_code == 200
    errors = page.context["adminform"].form.errors["first_day"]
    assert message in errors[0]
    assert errors[0] in page.content.decode()
    assert Conference.objects.count() == count


def test_publish_and_unpublish_through_admin_actions(client, staff):
    conference = Conference.objects.get(year=2024)
    url = reverse("admin:programme_conference_changelist")

    client.post(url, {"action": "unpublish", "_selected_action": [conference.pk]})
    hidden = Client().get("/2024/").status_code
    preview = client.get("/2024/").status_code
    conference.refresh_from_db()
    unpublished = conference.published
    client.post(url, {"action": "publish", "_selected_action": [conference.pk]})
    conference.refresh_from_db()

    assert unpublished is False
    assert conference.published is True
    assert (hidden, preview) == (404, 200)  # the public does not see it; staff preview it


def test_draft_year_is_previewed_by_staff_only(client, staff):
    Conference.objects.filter(year=2024).update(published=False)

    preview = client.get("/2024/schedule/")
    client.logout()
    public = client.get("/2024/schedule/")

    assert preview.status_code == 200
    assert (
        "only staff can see this page" in preview.content.decode()
        or "只有工作人员" in preview.content.decode()
    )
    assert preview["Cache-Control"] == "private, no-store"
    assert public.status_code == 404


def test_release_after_moving_a_talk_and_renaming_another_lists_exactly_those(client, staff):
    conference = Conference.objects.get(year=2025)
    release_schedule(conference=conference, name="v1", user=staff)
    moved = Talk.objects.get(conference=conference, code="A1-2")
    moved.session = Session.objects.get(conference=conference, code="B2")
    moved.save()
    renamed = Talk.objects.get(conference=conference, code="C1-1")
    renamed.title = "A new title for C1-1"
    renamed.save()

    client.post(
        reverse("admin:programme_conference_release", args=[conference.pk]),
        {"name": "v2 - A1-2 moved"},
    )
    page = client.get(reverse("programme:changes", args=[2025]))
    v2 = conference.releases.get(name="v2 - A1-2 moved")
    found = releases.changes(conference.releases.get(name="v1").snapshot, v2.snapshot)

    assert [(c.kind, c.code) for c in found] == [("talk_moved", "A1-2"), ("talk_retitled", "C1-1")]
    assert found[1].after == "A new title for C1-1"
    html = page.content.decode()
    assert "v2 - A1-2 moved" in html and "A new title for C1-1" in html
    assert page.context["unreleased"] == []


def test_moving_a_session_is_one_change_not_one_per_talk(staff):
    conference = Conference.objects.get(year=2025)
    release_schedule(conference=conference, name="v1", user=staff)
    session = Session.objects.get(conference=conference, code="A1")
    session.start, session.end = dt.time(14, 0), dt.time(16, 0)
    session.save()

    current = releases.snapshot(programme_for_conference(conference))
    found = releases.changes(conference.releases.get().snapshot, current)

    assert [(c.kind, c.code) for c in found] == [("session_moved", "A1")]


def test_changes_feed_and_export_version_follow_releases(client, staff):
    conference = Conference.objects.get(year=2025)
    release_schedule(conference=conference, name="v1", user=staff)

    feed = client.get(reverse("programme:changes-feed", args=[2025]))
    frab = client.get("/2025/schedule.json")

    assert feed.status_code == 200
    assert "CSML2025 v1" in feed.content.decode()
    assert frab.json()["schedule"]["version"] == "v1"


def test_admin_spreadsheet_export_and_import_preview(client, staff):
    from programme.spreadsheets import TalkResource

    year_filter = f"?conference__id__exact={Conference.objects.get(year=2024).pk}"
    export = client.post(
        reverse("admin:programme_talk_export") + year_filter,
        {
            "format": "1",
            "resource": "0",
            "export_items": [],
            **{f"talkresource_{name}": "on" for name in TalkResource().get_export_order()},
        },
    )
    csv_text = export.content.decode("utf-8-sig")
    edited = csv_text.replace(
        "矩阵信息论在人工智能中的应用", "矩阵信息论在人工智能中的应用（修订）"
    )
    bad = edited.replace("2024,D1-3,D1,", "2024,D1-3,Z9,")
    upload = SimpleUploadedFile("talks.csv", bad.encode("utf-8-sig"), content_type="text/csv")

    preview = client.post(
        reverse("admin:programme_talk_import"),
        {"import_file": upload, "format": "1", "resource": "0"},
    )

    html = preview.content.decode()
    assert export.status_code == 200 and csv_text.count("\n") == 148
    assert "Z9" in html and "分会编号" in html
    assert (
        Talk.objects.get(conference__year=2024, code="D1-2").title == "矩阵信息论在人工智能中的应用"
    )


def session_page(client, session):
    return client.get(reverse("admin:programme_session_change", args=[session.pk]))


def test_after_next_year_a_2025_session_is_offered_only_2025_rooms_and_tracks(client, staff):
    start_2026()
    session = Session.objects.get(conference__year=2025, code="A1")

    form = session_page(client, session).context["adminform"].form

    rooms = [pk.value for pk, _label in form.fields["room"].choices if pk]
    tracks = [label for pk, label in form.fields["track"].choices if pk]
    assert rooms == list(
        Room.objects.filter(conference__year=2025).order_by("position").values_list("pk", flat=True)
    )
    assert tracks == ["分会报告", "学生分会"]


@pytest.mark.parametrize("field", ["room", "track"])
def test_a_2025_session_cannot_take_a_2026_room_nor_a_2024_track(client, staff, field):
    start_2026()
    session = Session.objects.get(conference__year=2025, code="A1")
    other = {
        "room": Room.objects.get(conference__year=2026, name=session.room.name),
        "track": Track.objects.get(conference__year=2024, code="main"),
    }[field]
    data = admin_form_data(session_page(client, session))
    data[field] = str(other.pk)

    response = client.post(reverse("admin:programme_session_change", args=[session.pk]), data)

    assert response.status_code == 200
    assert [e.code for e in field_errors(response, field)] == ["invalid_choice"]
    session.refresh_from_db()
    assert getattr(session, f"{field}_id") != other.pk
    assert client.get("/2025/schedule/").status_code == 200


def test_a_new_2025_session_with_a_2026_room_is_refused_on_the_room_field(client, staff):
    start_2026()
    conference = Conference.objects.get(year=2025)
    room_2026 = Room.objects.get(conference__year=2026, name="友谊宫 7 号会议室")
    add_url = reverse("admin:programme_session_add")
    page = client.get(add_url)
    data = admin_form_data(page)
    data.update(
        conference=str(conference.pk),
        track=str(Track.objects.get(conference=conference, code="student").pk),
        code="E9",
        topic="新分会",
        date="2025-08-10",
        start="16:00",
        end="18:00",
        room=str(room_2026.pk),
    )

    response = client.post(add_url, data)

    labels = [label for _pk, label in page.context["adminform"].form.fields["room"].choices]
    assert labels.index("2026 · 友谊宫 7 号会议室") < labels.index("2025 · 友谊宫 7 号会议室")
    assert response.status_code == 200
    assert [e.code for e in field_errors(response, "room")] == ["other_year"]
    assert not Session.objects.filter(conference=conference, code="E9").exists()


def test_a_programme_item_is_offered_only_its_years_rooms(client, staff):
    start_2026()
    item = ProgrammeItem.objects.filter(conference__year=2025).first()

    page = client.get(reverse("admin:programme_programmeitem_change", args=[item.pk]))

    rooms = {pk.value for pk, _label in page.context["adminform"].form.fields["room"].choices if pk}
    assert rooms == set(Room.objects.filter(conference__year=2025).values_list("pk", flat=True))


def test_session_list_filters_name_rooms_and_tracks_with_their_year(client, staff):
    conference = Conference.objects.get(year=2024)
    url = reverse("admin:programme_session_changelist")

    every_year = client.get(url).content.decode()
    one_year = client.get(url, {"conference__id__exact": conference.pk}).content.decode()

    assert "2025 · 学生分会" in every_year and "2024 · 分会报告" in every_year
    assert "2024 · 分会报告" in one_year and "2025 · " not in one_year


def test_a_2025_track_is_offered_only_2025_contacts(client, staff):
    start_2026()
    track = Track.objects.get(conference__year=2025, code="student")

    page = client.get(reverse("admin:programme_track_change", args=[track.pk]))

    choices = page.context["adminform"].form.fields["contacts"].choices
    offered = {pk.value for pk, _label in choices}
    contacts_2025 = Contact.objects.filter(conference__year=2025)
    assert offered == set(contacts_2025.values_list("pk", flat=True))


def set_password_page(client, user):
    """Follow an invitation's link as its e-mail gives it (Django then moves the token
    into the session and redirects to the page itself)."""
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return client.get(reverse("password_reset_confirm", args=[uid, token]), follow=True)


def header(html: str) -> str:
    return html.split('id="site-name"', 1)[1].split("</div>", 1)[0]


def test_set_password_page_carries_the_site_header_and_states_the_password_rules(client):
    invited = User.objects.create_user("li@example.org", "li@example.org")
    invited.set_unusable_password()
    invited.save()

    page = set_password_page(client, invited)

    html = page.content.decode()
    assert page.status_code == 200 and page.context["validlink"]
    assert "CSML 会议日程管理" in header(html)
    rules = html.split('class="help password-rules"', 1)[1].split("</div>", 1)[0]
    assert "你的密码不能全都是数字。" in rules and "你的密码不能是一个常见密码。" in rules
    assert "8" in rules  # MinimumLengthValidator's default length


def test_set_password_refuses_a_numeric_password_under_the_rules(client):
    invited = User.objects.create_user("li@example.org", "li@example.org")
    invited.set_unusable_password()
    invited.save()
    page = set_password_page(client, invited)

    answer = client.post(
        page.redirect_chain[-1][0], {"new_password1": "20250809", "new_password2": "20250809"}
    )

    assert answer.status_code == 200
    assert "密码只包含数字。" in answer.content.decode()
    invited.refresh_from_db()
    assert not invited.has_usable_password()


@pytest.mark.parametrize("url_name", ["admin:login", "track:login"])
def test_lock_out_page_carries_the_site_header(client, url_name):
    User.objects.create_user("wang", "wang@example.org", "pw-wang-12345")
    url = reverse(url_name)
    for _ in range(5):
        client.post(url, {"username": "wang", "password": "wrong"})

    page = client.post(url, {"username": "wang", "password": "pw-wang-12345"})

    html = page.content.decode()
    assert page.status_code in (403, 429)
    assert "CSML 会议日程管理" in header(html)
    assert "<h1>登录失败次数过多</h1>" in html


def test_forgotten_password_pages_carry_the_site_header(client):
    User.objects.create_user("wang", "wang@example.org", "pw-wang-12345")

    form = client.get(reverse("admin_password_reset"))
    done = client.post(reverse("admin_password_reset"), {"email": "wang@example.org"}, follow=True)

    assert "CSML 会议日程管理" in header(form.content.decode())
    assert "CSML 会议日程管理" in header(done.content.decode())
    assert done.redirect_chain[-1][0] == reverse("password_reset_done")


def test_invitation_page_offers_the_admins_searchable_selectors(client, staff):
    html = client.get(reverse("admin:programme_track_invite")).content.decode()

    assert html.count('class="selectfilter"') == 2  # tracks and sessions
    assert reverse("admin:jsi18n") in html and "admin/js/SelectFilter2.js" in html
    assert '<fieldset class="module aligned' in html
    assert ">2025 · E1 AI 理论 (I)</option>" in html
