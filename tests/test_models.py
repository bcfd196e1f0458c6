import datetime as dt

import pytest
from django.db import IntegrityError

from programme.models import Person, Session, Talk
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
