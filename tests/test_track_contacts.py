"""Track contacts edit their own track at /track/ and nothing else; every change has a
history; concurrent edits are caught; sign-in is throttled."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group, User
from django.core import mail
from django.core.exceptions import NON_FIELD_ERRORS
from django.urls import reverse
from django.utils import translation

from programme.models import Conference, Person, Room, Session, Talk, Track, validate_code
from programme.services import copy_year
from programme.signals import EDITORS_GROUP
from programme.track_admin import PersonForm
from tests.admin_forms import (
    add_row,
    admin_form_data,
    constraint_message,
    field_errors,
    inline_errors,
    row_prefix,
    shown,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    """contact_x: the 2025 student track (E1-E8); contact_y: coordinator of session A1."""
    student = Track.objects.get(conference__year=2025, code="student")
    contact_x = User.objects.create_user("wangmingze", "mingzewang@example.org", "pw-x-12345")
    student.editors.add(contact_x)
    contact_y = User.objects.create_user("luotao", "luotao@example.org", "pw-y-12345")
    Session.objects.get(conference__year=2025, code="A1").editors.add(contact_y)
    editor = User.objects.create_user("editor", "editor@example.org", "pw-e-12345", is_staff=True)
    editor.groups.add(Group.objects.get(name=EDITORS_GROUP))
    superuser = User.objects.create_superuser("root", "root@example.org", "pw-r-12345")
    return {"contact_x": contact_x, "contact_y": contact_y, "editor": editor, "root": superuser}


def track_url(model, action, obj=None):
    name = f"track:programme_{model}_{action}"
    return reverse(name, args=[obj.pk]) if obj is not None else reverse(name)


def status_for(client, user, url):
    client.logout()
    if user is not None:
        client.force_login(user)
    response = client.get(url)
    if response.status_code == 302:
        target = response["Location"]
        return "login" if "/login/" in target else "away"
    return response.status_code


def test_permission_matrix(client, people):
    e1 = Session.objects.get(conference__year=2025, code="E1")
    a1 = Session.objects.get(conference__year=2025, code="A1")
    e1_talk, a1_talk = e1.talks.first(), a1.talks.first()
    users = {"anonymous": None, **people}
    pages = {
        "session list": track_url("session", "changelist"),
        "session X view": track_url("session", "change", e1),
        "session Y view": track_url("session", "change", a1),
        "session add": track_url("session", "add"),
        "session X delete": track_url("session", "delete", e1),
        "talk list": track_url("talk", "changelist"),
        "talk X view": track_url("talk", "change", e1_talk),
        "talk Y view": track_url("talk", "change", a1_talk),
        "talk add": track_url("talk", "add"),
        "talk X delete": track_url("talk", "delete", e1_talk),
        "talk Y delete": track_url("talk", "delete", a1_talk),
        "admin conference": reverse("admin:programme_conference_changelist"),
        "admin committee": reverse("admin:programme_committeemembership_changelist"),
        "admin contact": reverse("admin:programme_contact_changelist"),
        "admin person": reverse("admin:programme_person_changelist"),
        "admin session Y": reverse("admin:programme_session_change", args=[a1.pk]),
        "admin user": reverse("admin:auth_user_changelist"),
    }

    matrix = {
        (who, page): status_for(client, user, url)
        for who, user in users.items()
        for page, url in pages.items()
    }

    track_pages = [p for p in pages if not p.startswith("admin")]
    admin_pages = [p for p in pages if p.startswith("admin")]
    expected = {}
    for page in track_pages:
        expected["anonymous", page] = "login"
        # Staff work in /admin/; /track/ is for contacts only.
        expected["editor", page] = "login"
        expected["root", page] = "login"
    contact_x = {
        "session list": 200,
        "session X view": 200,
        "session Y view": "away",  # "does not exist": another track's session
        "session add": 403,
        "session X delete": 403,
        "talk list": 200,
        "talk X view": 200,
        "talk Y view": "away",
        "talk add": 200,
        # Talks are withdrawn by staff (README: what a track contact may change).
        "talk X delete": 403,
        "talk Y delete": 403,
    }
    contact_y = {
        **contact_x,
        "session X view": "away",
        "session Y view": 200,
        "talk X view": "away",
        "talk Y view": 200,
    }
    for page in track_pages:
        expected["contact_x", page] = contact_x[page]
        expected["contact_y", page] = contact_y[page]
    for page in admin_pages:
        for who in ("anonymous", "contact_x", "contact_y"):
            expected[who, page] = "login"
        expected["editor", page] = 403 if page == "admin user" else 200
        expected["root", page] = 200
    assert matrix == expected


def test_contact_lists_show_only_their_own_sessions(client, people):
    client.force_login(people["contact_x"])

    response = client.get(track_url("session", "changelist"))

    codes = sorted(s.code for s in response.context["cl"].result_list)
    assert codes == ["E1", "E2", "E3", "E4", "E5", "E6", "E7", "E8"]


def test_track_home_lists_the_contacts_sessions_with_links(client, people):
    client.force_login(people["contact_y"])

    html = client.get(reverse("track:index")).content.decode()

    a1 = Session.objects.get(conference__year=2025, code="A1")
    assert f'href="{track_url("session", "change", a1)}"' in html
    assert f'href="{a1.get_absolute_url()}"' in html
    assert html.count('<th scope="row">') == 1  # A1 only, nothing of the student track
    assert "E3" not in html


def test_contact_edits_abstract_and_reorders_talks_of_own_session(client, people):
    client.force_login(people["contact_x"])
    session = Session.objects.get(conference__year=2025, code="E1")
    first, second = list(session.talks.order_by("position"))[:2]
    page = client.get(track_url("session", "change", session))
    data = admin_form_data(page)
    prefix = next(k for k, v in data.items() if k.endswith("-id") and v == str(first.pk))[:-3]
    prefix_2 = next(k for k, v in data.items() if k.endswith("-id") and v == str(second.pk))[:-3]
    data[f"{prefix}-position"], data[f"{prefix_2}-position"] = (
        str(second.position),
        str(first.position),
    )

    saved = client.post(track_url("session", "change", session), data)
    talk_page = client.get(track_url("talk", "change", first))
    talk_data = admin_form_data(talk_page)
    talk_data["abstract"] = "Updated by the student-session contact."
    client.post(track_url("talk", "change", first), talk_data)

    assert saved.status_code == 302
    assert [t.pk for t in session.talks.order_by("position")][:2] == [second.pk, first.pk]
    first.refresh_from_db()
    assert first.abstract == "Updated by the student-session contact."
    public = client.get(session.get_absolute_url()).content.decode()
    assert public.index(f'id="{second.code}"') < public.index(f'id="{first.code}"')
    assert "Updated by the student-session contact." in public


def test_contact_cannot_move_a_talk_into_another_tracks_session(client, people):
    client.force_login(people["contact_x"])
    talk = Talk.objects.get(conference__year=2025, code="E1-1")
    other = Session.objects.get(conference__year=2025, code="A1")
    data = admin_form_data(client.get(track_url("talk", "change", talk)))
    data["session"] = str(other.pk)

    response = client.post(track_url("talk", "change", talk), data)

    assert response.status_code == 200
    assert "session" in response.context["adminform"].form.errors
    talk.refresh_from_db()
    assert talk.session.code == "E1"


def test_contact_cannot_add_a_talk_to_another_tracks_session(client, people):
    client.force_login(people["contact_x"])
    other = Session.objects.get(conference__year=2025, code="A1")
    data = admin_form_data(client.get(track_url("talk", "add")))
    data.update({"session": str(other.pk), "code": "A1-99", "position": "9", "title": "Sneaky"})

    response = client.post(track_url("talk", "add"), data)

    assert response.status_code == 200
    assert not Talk.objects.filter(code="A1-99").exists()


def test_contact_changes_topic_but_a_posted_day_time_room_or_track_is_ignored(client, people):
    client.force_login(people["contact_x"])
    session = Session.objects.get(conference__year=2025, code="E1")
    before = (session.date, session.start, session.end, session.room_id, session.track_id)
    other_room = Room.objects.filter(conference__year=2025).exclude(pk=session.room_id).first()
    data = admin_form_data(client.get(track_url("session", "change", session)))
    data.update(
        {
            "topic": "AI 理论 (I)：新题目",
            "meeting": "腾讯会议 123-456-789",
            "date": "2025-08-09",
            "start": "08:00",
            "end": "09:00",
            "room": str(other_room.pk),
            "track": str(Track.objects.get(conference__year=2025, code="main").pk),
        }
    )

    response = client.post(track_url("session", "change", session), data)

    assert response.status_code == 302
    session.refresh_from_db()
    assert (session.topic, session.meeting) == ("AI 理论 (I)：新题目", "腾讯会议 123-456-789")
    assert (session.date, session.start, session.end, session.room_id, session.track_id) == before


def test_contact_session_page_shows_day_time_and_room_read_only(client, people):
    client.force_login(people["contact_x"])
    session = Session.objects.get(conference__year=2025, code="E1")

    response = client.get(track_url("session", "change", session))

    form = response.context["adminform"].form
    html = response.content.decode()
    assert sorted(n for n in form.fields if n != "edit_token") == ["meeting", "topic"]
    assert "友谊宫 7 号会议室" in html and "16:00" in html and "18:00" in html
    assert 'name="date"' not in html and 'name="room"' not in html


def test_contact_cannot_delete_a_talk_on_its_page_or_in_the_session_rows(client, people):
    client.force_login(people["contact_x"])
    session = Session.objects.get(conference__year=2025, code="E1")
    talk = session.talks.order_by("position").first()
    page = client.get(track_url("session", "change", session))
    data = admin_form_data(page)
    data[f"{row_prefix(data, talk.pk)}-DELETE"] = "on"

    on_talk_page = client.post(track_url("talk", "delete", talk), {"post": "yes"})
    on_session_page = client.post(track_url("session", "change", session), data)

    assert on_talk_page.status_code == 403
    assert on_session_page.status_code == 302
    assert Talk.objects.filter(pk=talk.pk).exists()
    assert f'name="{row_prefix(data, talk.pk)}-DELETE"' not in page.content.decode()


def test_contact_talk_code_with_a_slash_is_refused_on_the_talk_page(client, people):
    client.force_login(people["contact_x"])
    talk = Talk.objects.get(conference__year=2025, code="E1-2")
    data = admin_form_data(client.get(track_url("talk", "change", talk)))
    data["code"] = "E1/2"

    response = client.post(track_url("talk", "change", talk), data)

    assert response.status_code == 200
    assert [e.code for e in field_errors(response, "code")] == ["invalid_code"]
    assert shown(response, validate_code.message)
    talk.refresh_from_db()
    assert talk.code == "E1-2"
    assert client.get("/2025/schedule/").status_code == 200


def test_contact_talk_code_with_a_slash_is_refused_in_the_session_rows(client, people):
    client.force_login(people["contact_x"])
    session = Session.objects.get(conference__year=2025, code="E1")
    talk = Talk.objects.get(conference__year=2025, code="E1-2")
    data = admin_form_data(client.get(track_url("session", "change", session)))
    prefix = row_prefix(data, talk.pk)
    formset = prefix.rsplit("-", 1)[0]
    new_row = f"{formset}-{data[f'{formset}-TOTAL_FORMS']}"
    data[f"{prefix}-code"] = "E1/2"
    add_row(data, formset, position="9", code="E1/9", title="新报告")

    response = client.post(track_url("session", "change", session), data)

    assert response.status_code == 200
    errors = {(row, name, error.code) for row, name, error in inline_errors(response)}
    assert errors == {(prefix, "code", "invalid_code"), (new_row, "code", "invalid_code")}
    assert shown(response, validate_code.message)
    assert list(session.talks.filter(code__contains="/")) == []
    assert client.get("/2025/schedule/").status_code == 200


def test_contact_duplicate_talk_code_is_a_form_error_on_the_talk_page(client, people):
    client.force_login(people["contact_x"])
    talk = Talk.objects.get(conference__year=2025, code="E1-2")
    data = admin_form_data(client.get(track_url("talk", "change", talk)))
    data["code"] = "E1-1"

    response = client.post(track_url("talk", "change", talk), data)

    assert response.status_code == 200
    assert shown(response, constraint_message(Talk, "talk_code_unique_per_conference"))
    talk.refresh_from_db()
    assert talk.code == "E1-2"


def test_contact_duplicate_talk_code_in_a_new_session_row_is_a_form_error(client, people):
    client.force_login(people["contact_x"])
    session = Session.objects.get(conference__year=2025, code="E1")
    count = session.talks.count()
    data = admin_form_data(client.get(track_url("session", "change", session)))
    prefix = row_prefix(data, session.talks.first().pk).rsplit("-", 1)[0]
    add_row(data, prefix, position="9", code="E2-1", title="同号报告")

    response = client.post(track_url("session", "change", session), data)

    assert response.status_code == 200
    assert shown(response, constraint_message(Talk, "talk_code_unique_per_conference"))
    assert session.talks.count() == count


def test_contact_adds_a_talk_in_a_session_row_and_it_takes_the_sessions_year(client, people):
    client.force_login(people["contact_x"])
    session = Session.objects.get(conference__year=2025, code="E1")
    data = admin_form_data(client.get(track_url("session", "change", session)))
    prefix = row_prefix(data, session.talks.first().pk).rsplit("-", 1)[0]
    add_row(data, prefix, position="9", code="E1-9", title="新报告")

    response = client.post(track_url("session", "change", session), data)

    assert response.status_code == 302
    assert Talk.objects.get(code="E1-9", session=session).conference.year == 2025


def test_contact_adds_a_new_person_known_by_their_name(client, people):
    client.force_login(people["contact_x"])

    response = client.post(track_url("person", "add"), {"name": " 欧阳新人 ", "name_en": ""})

    assert response.status_code == 302
    person = Person.objects.get(name="欧阳新人")
    assert (person.key, person.slug) == ("欧阳新人", "ou-yang-xin-ren")


def test_contact_adding_a_person_whose_name_is_taken_is_told_to_choose_them(client, people):
    client.force_login(people["contact_x"])
    count = Person.objects.count()

    response = client.post(track_url("person", "add"), {"name": "王梓麟", "name_en": ""})

    assert response.status_code == 200
    errors = response.context["adminform"].form.non_field_errors()
    with translation.override(response.wsgi_request.LANGUAGE_CODE):
        expected = str(PersonForm._meta.error_messages[NON_FIELD_ERRORS]["unique"])
    assert list(errors) == [expected]
    assert shown(response, PersonForm._meta.error_messages[NON_FIELD_ERRORS]["unique"])
    assert Person.objects.count() == count


def test_contact_talk_page_offers_only_the_talks_year_and_a_new_talk_every_year(client, people):
    """After "start next year" the contact also looks after a 2026 student session."""
    copy = copy_year(conference=Conference.objects.get(year=2025), first_day=dt.date(2026, 8, 8))
    e1_2026 = copy.sessions.get(code="E1")  # copied as an empty slot
    e1_2026.topic = "AI 理论 2026"
    e1_2026.save()
    e1_2026.editors.add(people["contact_x"])
    Talk.objects.create(session=e1_2026, code="E1-1", title="2026 年的第一个报告")
    client.force_login(people["contact_x"])
    talk = Talk.objects.get(conference__year=2025, code="E1-2")

    existing = client.get(track_url("talk", "change", talk)).context["adminform"].form
    new = client.get(track_url("talk", "add")).context["adminform"].form
    sessions = client.get(track_url("talk", "changelist"))

    labels = [label for _pk, label in existing.fields["session"].choices if _pk]
    assert len(labels) == 8 and all(label.startswith("E") for label in labels)
    new_labels = [label for _pk, label in new.fields["session"].choices if _pk]
    assert new_labels[0] == "2026 · E1 AI 理论 2026"
    assert new_labels[1] == "2025 · E1 AI 理论 (I)" and len(new_labels) == 9
    filter_html = sessions.content.decode()
    assert "2026 · E1 AI 理论 2026" in filter_html and "2025 · E8" in filter_html
    assert all(label[:8] in ("2026 · E", "2025 · E") for label in new_labels)


def test_history_shows_contact_and_staff_can_restore(client, people):
    talk = Talk.objects.get(conference__year=2025, code="E1-1")
    original = talk.title
    client.force_login(people["contact_x"])
    data = admin_form_data(client.get(track_url("talk", "change", talk)))
    data["title"] = "A title changed by the contact"
    client.post(track_url("talk", "change", talk), data)
    change = talk.history.order_by("-history_id").first()
    before = talk.history.filter(history_id__lt=change.history_id).order_by("-history_id").first()
    client.force_login(people["root"])

    history_page = client.get(reverse("admin:programme_talk_history", args=[talk.pk]))
    revert_url = reverse("admin:programme_talk_simple_history", args=[talk.pk, before.history_id])
    revert_data = admin_form_data(client.get(revert_url))
    client.post(revert_url, revert_data)

    assert change.history_user == people["contact_x"]
    assert "wangmingze" in history_page.content.decode()
    talk.refresh_from_db()
    assert talk.title == original


def test_second_concurrent_save_is_refused_and_shown_the_changes(client, people):
    talk = Talk.objects.get(conference__year=2025, code="E2-1")
    client.force_login(people["contact_x"])
    url = track_url("talk", "change", talk)
    mine = admin_form_data(client.get(url))
    theirs = admin_form_data(client.get(url))
    theirs["title"] = "Their title"
    client.post(url, theirs)
    mine["abstract"] = "My abstract"

    response = client.post(url, mine)
    again = client.post(url, response.context["adminform"].form.data)

    errors = " ".join(response.context["adminform"].form.non_field_errors())
    assert response.status_code == 200
    assert "Their title" in errors
    assert again.status_code == 302
    talk.refresh_from_db()
    assert talk.abstract == "My abstract"


def test_staff_invite_sends_a_set_password_link(client, people):
    client.force_login(people["editor"])
    track = Track.objects.get(conference__year=2025, code="student")

    response = client.post(
        reverse("admin:programme_track_invite"),
        {"name": "李同学", "email": "li@example.org", "tracks": [track.pk]},
    )

    assert response.status_code == 302
    user = User.objects.get(email="li@example.org")
    assert list(user.edited_tracks.all()) == [track]
    assert not user.has_usable_password()
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body


def test_sign_in_is_throttled_after_repeated_failures(client, people):
    url = reverse("track:login")
    for _ in range(5):
        client.post(url, {"username": "wangmingze", "password": "wrong"})

    response = client.post(url, {"username": "wangmingze", "password": "pw-x-12345"})

    assert response.status_code in (403, 429)
    assert "_auth_user_id" not in client.session
