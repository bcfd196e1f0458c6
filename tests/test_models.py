import datetime as dt
import importlib

import pytest
from django.apps import apps as django_apps
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import translation

from programme.models import (
    Conference,
    Person,
    ProgrammeItem,
    Room,
    Session,
    Talk,
    Track,
    validate_code,
)
from tests.factories import ConferenceFactory, PersonFactory, SessionFactory, TalkFactory

pytestmark = pytest.mark.django_db


def test_session_code_duplicate_in_one_conference_is_refused():
    session = SessionFactory(code="A1")

    with pytest.raises(IntegrityError, match="session_code_unique_per_conference"):
        SessionFactory(code="A1", conference=session.conference)


def test_session_code_may_repeat_in_another_year():
    SessionFactory(code="A1", conference=ConferenceFactory(year=2031))

    SessionFactory(code="A1", conference=ConferenceFactory(year=2032))

    assert Session.objects.filter(code="A1", conference__year__gte=2031).count() == 2


def test_session_ending_before_it_starts_is_refused():
    with pytest.raises(IntegrityError, match="session_ends_after_start"):
        SessionFactory(start=dt.time(15, 30), end=dt.time(13, 30))


def test_conference_ending_before_it_starts_is_refused():
    with pytest.raises(IntegrityError, match="conference_ends_after_start"):
        ConferenceFactory(year=2033, start_date=dt.date(2033, 8, 10), end_date=dt.date(2033, 8, 9))


def test_talk_code_duplicate_in_one_conference_is_refused():
    talk = TalkFactory(code="A1-1")

    with pytest.raises(IntegrityError, match="talk_code_unique_per_conference"):
        TalkFactory(code="A1-1", session=talk.session)


def test_talk_must_belong_to_a_session_or_an_item():
    conference = ConferenceFactory()

    with pytest.raises(IntegrityError, match="talk_in_session_or_item"):
        Talk.objects.create(conference=conference, code="X-1", title="Orphan")


def test_person_slug_is_pinyin_and_numbered_for_same_pinyin():
    first = PersonFactory(name="钟予乙", key="钟予乙")
    second = PersonFactory(name="忠雨以", key="忠雨以")

    assert (first.slug, second.slug) == ("zhong-yu-yi", "zhong-yu-yi-2")


def test_readable_str_for_session_and_talk():
    talk = TalkFactory(code="A1-1", title="梯度算法", session__code="A1", session__topic="理论")

    assert (str(talk.session), str(talk)) == ("A1 理论", "A1-1 梯度算法")


def test_real_fixture_people_are_shared_across_years():
    person = Person.objects.get(key="张林峰")

    years = sorted(
        {
            a.session.conference.year
            for a in person.sessionchair_set.select_related("session__conference")
        }
        | {t.conference.year for t in person.talks.select_related("conference")}
        | {m.conference.year for m in person.committeemembership_set.select_related("conference")}
    )

    assert len(years) >= 2


# The rules every entry point asks (full_clean): forms, admins, spreadsheets, fixtures.


def messages_of(error) -> dict:
    """The messages as an English-speaking user reads them (the tests validate in English:
    a constraint's message is translated when it is raised)."""
    with translation.override("en"):
        return {field: [str(m) for m in errors] for field, errors in error.message_dict.items()}


@pytest.fixture(autouse=True)
def in_english():
    with translation.override("en"):
        yield


@pytest.mark.parametrize(
    "code", ["E1/2", "E1 2", "E1_2", "-E1", "E1-", "E1--2", "Ｅ1", "分会1", ""]
)
def test_talk_code_outside_the_url_pattern_is_refused(code):
    talk = Talk.objects.get(conference__year=2025, code="E1-2")
    talk.code = code

    with pytest.raises(ValidationError) as caught:
        talk.full_clean()

    assert list(messages_of(caught.value)) == ["code"]


@pytest.mark.parametrize("code", ["A1", "E1-2", "P1", "B10-3", "main"])
def test_codes_of_letters_digits_and_inner_hyphens_are_accepted(code):
    assert validate_code(code) is None


def test_every_stored_code_has_working_links():
    sessions = Session.objects.select_related("conference")
    talks = Talk.objects.select_related("conference")

    urls = [s.get_absolute_url() for s in sessions] + [t.get_absolute_url() for t in talks]

    assert len(urls) == sessions.count() + talks.count() > 400


def test_session_date_outside_its_conference_is_refused():
    session = Session.objects.get(conference__year=2025, code="E1")
    session.date = dt.date(2025, 8, 12)

    with pytest.raises(ValidationError) as caught:
        session.full_clean()

    assert messages_of(caught.value)["date"] == [
        "2025-08-12 is not a day of CSML2025 (2025-08-09 – 2025-08-10)."
    ]


def test_registration_may_be_on_the_registration_day_other_items_not():
    conference = Conference.objects.get(year=2025)
    registration = ProgrammeItem(
        conference=conference,
        kind=ProgrammeItem.Kind.REGISTRATION,
        title="签到",
        date=conference.registration_date,
        start=dt.time(15),
        end=dt.time(18),
    )
    lunch = ProgrammeItem(
        conference=conference,
        kind=ProgrammeItem.Kind.LUNCH,
        title="午餐",
        date=conference.registration_date,
        start=dt.time(12),
        end=dt.time(13),
    )

    registration.full_clean()
    with pytest.raises(ValidationError) as caught:
        lunch.full_clean()

    assert list(messages_of(caught.value)) == ["date"]


def test_session_ending_before_it_starts_is_a_validation_error():
    session = Session.objects.get(conference__year=2025, code="E1")
    session.end = session.start

    with pytest.raises(ValidationError) as caught:
        session.full_clean()

    assert messages_of(caught.value) == {"__all__": ["It must end after it starts."]}


def test_session_cannot_take_a_room_or_track_of_another_year():
    session = Session.objects.get(conference__year=2025, code="E1")
    session.room = Room.objects.filter(conference__year=2024).first()
    session.track = Track.objects.filter(conference__year=2024).first()

    with pytest.raises(ValidationError) as caught:
        session.full_clean()

    assert sorted(messages_of(caught.value)) == ["room", "track"]


def test_talk_takes_its_sessions_year_and_its_code_is_checked_there():
    session = Session.objects.get(conference__year=2025, code="E1")
    talk = Talk(session=session, code="E1-1", title="重复编号")

    with pytest.raises(ValidationError) as caught:
        talk.full_clean(exclude={"conference"})

    assert talk.conference.year == 2025
    assert messages_of(caught.value) == {
        "__all__": ["This year already has a talk with this code."]
    }


def test_talk_cannot_move_to_a_session_of_another_year():
    talk = Talk.objects.get(conference__year=2025, code="E1-1")
    talk.session = Session.objects.filter(conference__year=2024).first()

    with pytest.raises(ValidationError) as caught:
        talk.full_clean()

    assert list(messages_of(caught.value)) == ["session"]


def test_person_for_key_finds_or_creates_by_key():
    known = Person.objects.for_key("张林峰")

    new = Person.objects.for_key("王磊 (新大学)")

    assert known == Person.objects.get(key="张林峰")
    assert (new.key, new.name) == ("王磊 (新大学)", "王磊")


@pytest.mark.parametrize(
    ("key", "name"),
    [
        ("王磊 (浙江大学)", "王磊"),
        ("王磊（香港中文大学（深圳））", "王磊"),
        ("张三", "张三"),
        ("Li (Bob", "Li (Bob"),
    ],
)
def test_person_name_from_key(key, name):
    assert Person.name_from_key(key) == name


def test_a_sixty_character_chinese_name_gets_a_slug_that_fits():
    name = "欧阳" * 30

    person = Person.objects.for_key(name)

    assert person.get_absolute_url().startswith("/en/people/ou-yang-ou-yang-")
    assert len(person.slug) <= Person._meta.get_field("slug").max_length


def test_person_key_is_the_name_when_not_given():
    person = Person(name="  新来的人 ")

    person.full_clean()

    assert (person.key, person.name) == ("新来的人", "新来的人")


def test_migration_repairs_codes_saved_before_the_pattern():
    repair = importlib.import_module("programme.migrations.0009_codes_and_rules_on_models")
    Talk.objects.filter(conference__year=2025, code="E1-2").update(code="E1/2")
    Talk.objects.filter(conference__year=2025, code="E1-3").update(code="E1/3")
    Talk.objects.filter(conference__year=2025, code="E1-4").update(code="E1-3-X")
    Talk.objects.filter(conference__year=2025, code="E1-3-X").update(code="E1-3")

    repair.repair_codes(django_apps, None)

    codes = sorted(Talk.objects.filter(session__code="E1").values_list("code", flat=True))
    assert all(validate_code(code) is None for code in codes)
    assert "E1-2" in codes and "E1-3-2" in codes


def test_each_real_year_holds_its_programme_within_its_dates():
    for conference in Conference.objects.all():
        conference.full_clean()

    assert Conference.objects.count() == 3
