"""What the database refuses is the user's input, said on the page where it was typed;
only a database that cannot answer is "unavailable, retry" (503).

Through both admins: an existing talk code typed into a session's row is a form error
(the model's rule); two new rows given the same new code (no single row can see it) get
past validation and are refused by the database, and the page comes back with the
reason; a 60-character Chinese name saves.
"""

import logging

import pytest
from django.contrib.auth.models import User
from django.db import DataError, IntegrityError, OperationalError, connection, transaction
from django.test import Client, RequestFactory
from django.urls import reverse

from programme.caching import versions
from programme.middleware import DatabaseUnavailable
from programme.models import Person, Session, Talk, Track
from programme.refused_changes import refusal_message
from tests.test_caching import break_the_version_read
from tests.test_concurrency import change_url, page_form, signed_in
from tests.test_track_contacts import admin_form_data

pytestmark = pytest.mark.django_db

SITES = ("admin", "track")
LONG_NAME = "欧阳" + "慕容司马上官诸葛东方皇甫尉迟公孙轩辕令狐长孙宇文夏侯端木" * 2 + "雪儿"
TALK_CODE_TAKEN = "本年度已有此编号的报告。"  # the model's message, as the Chinese admin shows it


@pytest.fixture
def editors():
    contact = User.objects.create_user("wangmingze", "mingzewang@example.org", "pw-x-12345")
    Track.objects.get(conference__year=2025, code="student").editors.add(contact)
    staff = User.objects.create_superuser("root", "root@example.org", "pw-r-12345")
    return {"track": contact, "admin": staff}


def with_new_talk_rows(data: dict, *rows: tuple[str, str]) -> dict:
    """The session page's data with new talk rows (code, title) added."""
    n = int(data["talks-TOTAL_FORMS"])
    for i, (code, title) in enumerate(rows, start=n):
        data.update({f"talks-{i}-position": str(20 + i), f"talks-{i}-code": code})
        data[f"talks-{i}-title"] = title
    data["talks-TOTAL_FORMS"] = str(n + len(rows))
    return data


def new_row_errors(response) -> list[str]:
    formset = next(
        i.formset for i in response.context["inline_admin_formsets"] if i.formset.prefix == "talks"
    )
    return [
        str(e)
        for form in formset.forms
        if form.instance.pk is None
        for e in form.errors.get("__all__", [])
    ]


@pytest.mark.parametrize("site", SITES)
@pytest.mark.parametrize("taken", ["E1-1", "A1-1"], ids=["same session", "other session"])
def test_an_existing_talk_code_in_a_session_row_is_a_form_error(editors, site, taken):
    session = Session.objects.get(conference__year=2025, code="E1")
    client = signed_in(editors[site])
    data = with_new_talk_rows(admin_form_data(client.get(change_url(site, session))), (taken, "重"))

    response = client.post(change_url(site, session), data)

    assert response.status_code == 200
    assert TALK_CODE_TAKEN in " ".join(new_row_errors(response))
    assert Talk.objects.filter(conference__year=2025, code=taken).count() == 1
    assert not Talk.objects.filter(title="重").exists()


@pytest.mark.parametrize("site", SITES)
def test_a_code_of_another_year_is_free(editors, site):
    """The rule is per year: 2024 has an A1-1, a 2025 row may use it too if 2025 had none."""
    session = Session.objects.get(conference__year=2025, code="E1")
    assert Talk.objects.filter(conference__year=2024, code="A1-1").exists()
    Talk.objects.filter(conference__year=2025, code="A1-1").delete()
    client = signed_in(editors[site])
    data = with_new_talk_rows(
        admin_form_data(client.get(change_url(site, session))), ("A1-1", "新")
    )

    response = client.post(change_url(site, session), data)

    assert response.status_code == 302
    assert session.talks.filter(code="A1-1", title="新").exists()


@pytest.mark.parametrize("site", SITES)
def test_two_new_rows_with_one_new_code_come_back_with_the_reason(editors, site, caplog):
    session = Session.objects.get(conference__year=2025, code="E1")
    client = signed_in(editors[site])
    page = admin_form_data(client.get(change_url(site, session)))
    data = with_new_talk_rows(page, ("E1-8", "第一个"), ("E1-8", "第二个"))
    data["topic"] = "同时改的主题"

    with caplog.at_level(logging.WARNING, logger="programme.refused_changes"):
        response = client.post(change_url(site, session), data)

    assert response.status_code == 200
    assert TALK_CODE_TAKEN in page_form(response).non_field_errors()
    assert "第二个" in response.content.decode()  # what was typed is still there
    assert not Talk.objects.filter(conference__year=2025, code="E1-8").exists()
    session.refresh_from_db()
    assert session.topic != "同时改的主题"
    assert [r.exc_info[0] for r in caplog.records] == [IntegrityError]


@pytest.mark.parametrize("site", SITES)
def test_the_refused_page_saves_once_corrected(editors, site):
    session = Session.objects.get(conference__year=2025, code="E1")
    client = signed_in(editors[site])
    page = admin_form_data(client.get(change_url(site, session)))
    refused = client.post(
        change_url(site, session), with_new_talk_rows(page, ("E1-8", "甲"), ("E1-8", "乙"))
    )
    data = admin_form_data(refused)
    second = next(k for k, v in data.items() if k.endswith("-title") and v == "乙")
    data[second.replace("-title", "-code")] = "E1-9"

    response = client.post(change_url(site, session), data)

    assert response.status_code == 302
    assert sorted(session.talks.filter(title__in=["甲", "乙"]).values_list("code", flat=True)) == [
        "E1-8",
        "E1-9",
    ]


def test_a_long_chinese_name_is_added_by_a_contact(editors):
    assert len(LONG_NAME) == 60
    client = signed_in(editors["track"])

    response = client.post(reverse("track:programme_person_add"), {"name": LONG_NAME})

    assert response.status_code == 302
    person = Person.objects.get(key=LONG_NAME)
    assert person.name == LONG_NAME
    assert 0 < len(person.slug) <= Person._meta.get_field("slug").max_length


def test_a_long_chinese_name_is_added_by_staff(editors):
    client = signed_in(editors["admin"])
    data = admin_form_data(client.get(reverse("admin:programme_person_add")))
    data.update({"key": LONG_NAME, "name": LONG_NAME})

    response = client.post(reverse("admin:programme_person_add"), data)

    assert response.status_code == 302
    person = Person.objects.get(key=LONG_NAME)
    assert 0 < len(person.slug) <= Person._meta.get_field("slug").max_length
    assert client.get(reverse("admin:programme_person_change", args=[person.pk])).status_code == 200


# ---------------------------------------------------------------------------
# The reasons given, from real database errors.


def caught(operation) -> Exception:
    errors = (IntegrityError, DataError, OperationalError)
    with pytest.raises(errors) as error, transaction.atomic():
        operation()
    return error.value


def test_a_named_constraint_is_refused_with_its_own_message():
    talk = Talk.objects.get(conference__year=2025, code="E1-2")

    error = caught(lambda: Talk.objects.filter(pk=talk.pk).update(code="E1-1"))

    assert refusal_message(error) == TALK_CODE_TAKEN


def test_a_value_that_does_not_fit_is_refused_with_the_databases_words():
    talk = Talk.objects.get(conference__year=2025, code="E1-2")

    error = caught(lambda: Talk.objects.filter(pk=talk.pk).update(title="题" * 501))

    assert isinstance(error, DataError)
    assert "too long" in refusal_message(error)


# ---------------------------------------------------------------------------
# DatabaseUnavailable: a database that cannot answer, and nothing else.


def test_a_database_that_cannot_answer_is_unavailable():
    break_the_version_read()

    error = caught(versions.overall)

    assert isinstance(error, OperationalError)
    response = DatabaseUnavailable(None).process_exception(RequestFactory().get("/"), error)
    assert (response.status_code, response["Retry-After"]) == (503, "5")


def test_an_integrity_error_is_not_database_unavailable():
    talk = Talk.objects.get(conference__year=2025, code="E1-2")
    error = caught(lambda: Talk.objects.filter(pk=talk.pk).update(code="E1-1"))

    response = DatabaseUnavailable(None).process_exception(RequestFactory().get("/"), error)

    assert response is None


def test_a_fault_of_ours_in_the_database_is_a_server_error_not_a_retry():
    """A missing table (say, migrations not run) will not mend by retrying."""
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE programme_dataversion RENAME TO programme_dataversion_gone")
    client = Client(raise_request_exception=False)

    response = client.get(reverse("programme:schedule", args=[2025]))

    assert response.status_code == 500
