import datetime as dt

import factory

from programme import models


class ConferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Conference
        django_get_or_create = ("year",)

    year = 2030
    name_zh = factory.LazyAttribute(lambda c: f"{c.year} 年中国机器学习与科学应用大会")
    short_name = factory.LazyAttribute(lambda c: f"CSML{c.year}")
    start_date = factory.LazyAttribute(lambda c: dt.date(c.year, 8, 9))
    end_date = factory.LazyAttribute(lambda c: dt.date(c.year, 8, 10))
    published = True


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Person

    name = factory.Sequence(lambda n: f"测试人{n}")
    key = factory.LazyAttribute(lambda p: p.name)


class RoomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Room

    conference = factory.SubFactory(ConferenceFactory)
    name = factory.Sequence(lambda n: f"{n} 号会议室")


class TrackFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Track

    conference = factory.SubFactory(ConferenceFactory)
    code = factory.Sequence(lambda n: f"track{n}")
    name_zh = "分会报告"


class SessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Session

    conference = factory.SubFactory(ConferenceFactory)
    track = factory.SubFactory(TrackFactory, conference=factory.SelfAttribute("..conference"))
    room = factory.SubFactory(RoomFactory, conference=factory.SelfAttribute("..conference"))
    code = factory.Sequence(lambda n: f"A{n}")
    topic = "深度学习理论"
    date = factory.LazyAttribute(lambda s: s.conference.start_date)
    start = dt.time(13, 30)
    end = dt.time(15, 30)


class TalkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Talk

    session = factory.SubFactory(SessionFactory)
    conference = factory.SelfAttribute("session.conference")
    code = factory.Sequence(lambda n: f"T-{n}")
    position = factory.Sequence(lambda n: n)
    title = factory.Sequence(lambda n: f"Talk {n}")
    abstract = "摘要"


class TalkSpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.TalkSpeaker

    talk = factory.SubFactory(TalkFactory)
    person = factory.SubFactory(PersonFactory)
    affiliation = "北京大学"


class SessionChairFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.SessionChair

    session = factory.SubFactory(SessionFactory)
    person = factory.SubFactory(PersonFactory)


def one_talk_year(year=2031):
    """A published year with one of everything: one session with one chair and one talk,
    a contact, a host and a committee member. Query-count tests compare it with the real
    years: the same number of queries for 1 talk and for 160."""
    conference = ConferenceFactory(year=year)
    speaker = TalkSpeakerFactory(talk__session__conference=conference, talk__code="A1-1")
    SessionChairFactory(session=speaker.talk.session)
    conference.contacts.create(name="王铭泽", email="m@example.org", role="学生分会联系人")
    conference.organisations.create(role="host", name="北京大学")
    conference.committee.create(role="chairs", person=speaker.person, title="教授")
    return conference
