"""The three programme books, as loaded from fixtures/: counts and talks checked by hand.

The expected numbers were counted in the books (../shared/seeds/), not in the fixtures.
"""

import datetime as dt

import pytest

from programme.models import Conference, ProgrammeItem, Session, SessionChair, Talk

pytestmark = pytest.mark.django_db


def counts(year):
    talks = Talk.objects.filter(conference__year=year)
    sessions = Session.objects.filter(conference__year=year)
    conference = Conference.objects.get(year=year)
    return {
        "days": (conference.end_date - conference.start_date).days + 1,
        "invited talks": talks.filter(item__isnull=False).count(),
        "programme rows": ProgrammeItem.objects.filter(conference__year=year).count(),
        "sessions": sessions.count(),
        "student sessions": sessions.filter(track__code="student").count(),
        "session talks": talks.filter(session__isnull=False).count(),
        "talks with abstract": talks.exclude(abstract="").count(),
        "online talks": talks.filter(online=True).count(),
        "online chairs": SessionChair.objects.filter(
            session__conference__year=year, online=True
        ).count(),
    }


EXPECTED_COUNTS = {
    2022: {
        "days": 2,
        "invited talks": 5,
        "programme rows": 15,
        "sessions": 23,
        "student sessions": 0,
        "session talks": 98,
        "talks with abstract": 102,  # B1-4 is printed "TBA" with no abstract
        "online talks": 47,
        "online chairs": 9,
    },
    2024: {
        "days": 2,
        "invited talks": 4,
        "programme rows": 12,
        "sessions": 35,
        "student sessions": 2,
        "session talks": 143,
        "talks with abstract": 147,
        "online talks": 0,
        "online chairs": 0,
    },
    2025: {
        "days": 2,
        "invited talks": 4,
        "programme rows": 14,
        "sessions": 40,
        "student sessions": 8,
        "session talks": 163,
        "talks with abstract": 158,  # nine print 无 or (TBD): B1-1, B3-4, B4-1, C3-3, ...
        "online talks": 0,
        "online chairs": 0,
    },
}


@pytest.mark.parametrize("year", sorted(EXPECTED_COUNTS))
def test_fixture_counts_match_the_book(year):
    assert counts(year) == EXPECTED_COUNTS[year]


def talk_facts(year, code, abstract_prefix_length):
    talk = Talk.objects.get(conference__year=year, code=code)
    return {
        "session": talk.session.code if talk.session else None,
        "title": talk.title,
        "speakers": [
            (s.person.name, s.affiliation) for s in talk.talk_speakers.order_by("position")
        ],
        "online": talk.online,
        "abstract starts": talk.abstract[:abstract_prefix_length],
    }


SPOT_CHECKS = [
    (
        2025,
        "A1-1",
        {
            "session": "A1",
            "title": "Towards understanding the representation learning of diffusion models",
            "speakers": [("邹荻凡", "香港大学")],  # printed 邹获凡: an OCR misreading
            "online": False,
            "abstract starts": "Diffusion models (DMs) excel in generative modeling",
        },
    ),
    (
        2025,
        "A3-2",
        {
            "session": "A3",
            "title": "Physics-Assisted and Topology-Informed Deep Learning for Weather Prediction",
            "speakers": [("凌青", "中山大学")],
            "online": False,
            "abstract starts": "Although deep learning models have demonstrated",
        },
    ),
    (
        2025,
        "E5-2",
        {
            "session": "E5",
            "title": "Redefining Neural Operators in $d+1$ Dimensions",  # OCR: $\\xi d + 1\\xi$
            "speakers": [("宋昊泽", "香港科技大学 (广州)")],
            "online": False,
            "abstract starts": "Neural Operators have emerged as powerful tools",
        },
    ),
    (
        2022,
        "A1-1",
        {
            "session": "A1",
            "title": "Deep Fast MR Imaging: Deep Learning meets Nuclear Spins",
            "speakers": [("梁栋", "中国科学院深圳先进技术研究院")],
            "online": True,
            "abstract starts": "磁共振成像是目前医学成像技术中功能最强大，",
        },
    ),
    (
        2022,
        "A6-4",
        {
            "session": "A6",
            "title": "面向用户模拟与满意度的任务导向推荐系统评估",
            "speakers": [("任昭春", "山东大学")],
            "online": False,
            "abstract starts": "作为对话系统开发过程中的重要部分，任务导向对",
        },
    ),
    (
        2024,
        "B7-4",
        {
            "session": "B7",
            "title": "Con-CDVAE: 晶体结构的条件生成方法",
            "speakers": [("叶财渊", "中国科学院物理研究所")],
            "online": False,
            "abstract starts": "近年来,在使用生成机器学习模型生成新的晶体材料",
        },
    ),
    (
        2024,
        "D1-2",
        {
            "session": "D1",
            "title": "矩阵信息论在人工智能中的应用",
            "speakers": [("袁洋", "清华大学交叉信息研究院")],
            "online": False,
            "abstract starts": "矩阵信息理论是比传统信息论更一般的理论,它将经",
        },
    ),
    (
        2024,
        "E1-4",
        {
            "session": "E1",
            "title": "Loss Spike in Training Neural Networks",
            "speakers": [("李晓龙", "上海交通大学数学科学学院")],
            "online": False,
            "abstract starts": "In this work, we investigate the mecha",
        },
    ),
]


@pytest.mark.parametrize(("year", "code", "expected"), SPOT_CHECKS, ids=lambda v: str(v)[:8])
def test_fixture_talk_matches_the_book(year, code, expected):
    assert talk_facts(year, code, len(expected["abstract starts"])) == expected


def test_fixture_2022_session_keeps_its_tencent_meeting_number():
    session = Session.objects.get(conference__year=2022, code="A1")

    assert session.meeting == "998-210-141"


def test_fixture_2024_invited_talk_p4():
    talk = Talk.objects.select_related("item__room").get(conference__year=2024, code="P4")
    speaker = talk.talk_speakers.get()

    assert (talk.title, speaker.person.name, speaker.affiliation) == (
        "物质科学研究中的生成模型",
        "王磊",
        "中国科学院物理研究所",
    )
    assert (talk.item.date, talk.item.start, talk.item.end) == (
        dt.date(2024, 8, 11),
        dt.time(9, 15),
        dt.time(10, 0),
    )
    assert [h.person.name for h in talk.item.item_hosts.all()] == ["罗涛"]
    assert speaker.bio.startswith("王磊 2006 年本科毕业于南京大学")


def test_fixture_2024_homonyms_are_two_people():
    speakers = {
        code: Talk.objects.get(conference__year=2024, code=code).talk_speakers.get().person
        for code in ("C2-2", "D3-1")
    }

    assert speakers["C2-2"].name == speakers["D3-1"].name == "林伟"
    assert speakers["C2-2"].pk != speakers["D3-1"].pk


def test_fixture_text_has_no_ocr_debris():
    texts = list(Talk.objects.values_list("title", flat=True)) + list(
        Talk.objects.values_list("abstract", flat=True)
    )

    debris = [t[:60] for t in texts if any(m in t for m in ("**", "<p>", "<sup>", "\\$", "摘要:"))]
    assert debris == []


def test_fixture_2025_student_sessions_have_their_contact():
    conference = Conference.objects.get(year=2025)

    student = conference.tracks.get(code="student")

    assert sorted(s.code for s in student.sessions.all()) == [f"E{n}" for n in range(1, 9)]
    assert [(c.name, c.email, c.role) for c in student.contacts.all()] == [
        ("王铭泽", "mingzewang@stu.pku.edu.cn", "学生分会联系人")
    ]


def test_fixture_2025_invited_talk_p1():
    talk = Talk.objects.select_related("item__room").get(conference__year=2025, code="P1")
    speaker = talk.talk_speakers.get()

    assert (talk.title, speaker.person.name, speaker.affiliation) == (
        "AI for Mathematics: 数学的数字化与智能化",
        "董彬",
        "北京大学",
    )
    assert (talk.item.date, talk.item.start, talk.item.end, talk.item.room.name) == (
        dt.date(2025, 8, 9),
        dt.time(8, 40),
        dt.time(9, 25),
        "友谊宫 聚英厅",
    )
    assert [h.person.name for h in talk.item.item_hosts.all()] == ["许志钦"]


def test_fixture_people_keep_their_affiliation_per_year():
    printed = dict(
        Conference.objects.filter(committee__person__key="张林峰")
        .values_list("year", "committee__affiliation")
        .distinct()
    )

    assert printed[2022] == "深势科技"
    assert printed[2025] == "上海交通大学"
