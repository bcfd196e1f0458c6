"""Search on the real programme books, through the client: pinyin, ranking, paging, the
year filter, bad input, constant queries, and titles as plain text where markup cannot go."""

import html
import json
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import translation

from programme import names
from programme.models import Conference, Person, Talk
from programme.search_index import contains
from tests.factories import ConferenceFactory, PersonFactory, TalkFactory, TalkSpeakerFactory

pytestmark = pytest.mark.django_db

SEARCH = "/search/"
LATEX_TITLE = (2025, "E5-2")  # Redefining Neural Operators in $d+1$ Dimensions


def search(client, prefix="", **params):
    return client.get(prefix + SEARCH, params, follow=True)  # to the canonical query


def found_talks(response) -> list[str]:
    """The talks listed, in the order a reader sees them: their page URLs."""
    return re.findall(r'<li class="result">\s*<h3><a href="([^"]+)"', response.content.decode())


def found_people(response) -> list[str]:
    section = re.search(r'id="results-people".*?</section>', response.content.decode(), re.S)
    return re.findall(r'<a href="(/(?:en/)?people/[^"]+)"', section[0]) if section else []


def visible_text(response) -> str:
    main = re.search(r"<main.*?</main>", response.content.decode(), re.S)[0]
    main = re.sub(r"</?mark>", "", main)  # marked words are still words
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", main)).split())


def url_of(page, prefix="") -> str:
    """`page.get_absolute_url()` in the default language (a request to /en/ leaves English
    active in the test's thread), after `prefix`."""
    with translation.override(settings.LANGUAGE_CODE):
        return prefix + page.get_absolute_url()


def talk_urls(talks) -> set[str]:
    return {url_of(talk) for talk in talks}


def every_page(client, prefix="", **params) -> list:
    """The responses of every page of a search, first to last."""
    first = search(client, prefix, **params)
    pages = [first]
    for page in range(2, first.context["results"].page_count + 1):
        pages.append(search(client, prefix, page=page, **params))
    return pages


def expected_talks(query: str) -> set[str]:
    """What search must find, worked out in Python: the published talks in which every
    word of `query` is in the title, abstract, session topic, or a speaker's affiliation
    or name with its pinyin, ignoring case."""
    words = [word.upper() for word in query.split()]
    talks = (
        Talk.objects.filter(conference__published=True)
        .select_related("conference", "session")
        .prefetch_related("talk_speakers__person")
    )
    found = set()
    for talk in talks:
        places = [talk.title, talk.abstract, talk.session.topic if talk.session else ""]
        for speaker in talk.talk_speakers.all():
            places += [speaker.affiliation, speaker.person.search_name]
        if all(any(word in place.upper() for place in places) for word in words):
            found.add(url_of(talk))
    return found


def wu_lei_talks() -> set[str]:
    return talk_urls(
        Talk.objects.filter(talk_speakers__person__name="吴磊", conference__published=True)
    )


# ---------------------------------------------------------------------------
# Pinyin.


@pytest.mark.parametrize("query", ["wu lei", "wulei", "Wu Lei", "WULEI", "吴磊", "lei wu"])
def test_a_name_is_found_in_chinese_and_in_pinyin(client, query):
    wu_lei = Person.objects.get(name="吴磊")

    response = search(client, q=query)

    assert set(found_talks(response)) == wu_lei_talks() == {"/2024/talks/A1-3/", "/2025/talks/P2/"}
    assert found_people(response) == [url_of(wu_lei)]


def test_pinyin_finds_everyone_so_named_and_characters_only_those_characters(client):
    homonym = PersonFactory(name="吴磊", key="吴磊 (浙江大学)")
    same_sound = PersonFactory(name="吴雷")
    for code, person in (("Z1", homonym), ("Z2", same_sound)):
        TalkSpeakerFactory(
            person=person, talk__session__conference__year=2025, talk__session__code=code
        )
    wu_lei = Person.objects.get(key="吴磊")

    by_pinyin = search(client, q="wu lei")
    by_characters = search(client, q="吴磊")

    everyone = {url_of(p) for p in (wu_lei, homonym, same_sound)}
    assert set(found_people(by_pinyin)) == everyone
    assert set(found_people(by_characters)) == everyone - {url_of(same_sound)}


def test_every_pinyin_the_english_pages_show_finds_its_person(client):
    page = client.get("/en/2025/speakers/").content.decode()
    shown = set(
        re.findall(
            r'href="(/en/people/[^"]+)"><span lang="zh-Hans">([^<]+)</span> \(([^)<]+)\)</a>', page
        )
    )
    assert len(shown) > 100  # every Chinese name of the year, with its pinyin

    missing = [
        (name, pinyin)
        for url, name, pinyin in sorted(shown)
        if url not in found_people(search(client, "/en", q=pinyin))
    ]

    assert missing == []


def test_an_english_name_is_found_as_the_english_pages_show_it(client):
    person = Person.objects.get(name="吴磊")
    person.name_en = "Lei Wu"
    person.save(update_fields=["name_en"])

    english = search(client, "/en", q="Lei Wu")

    assert found_people(english) == [url_of(person, "/en")]
    assert "吴磊 (Lei Wu)" in visible_text(english)


def test_search_name_follows_a_renamed_person():
    person = Person.objects.get(name="吴磊")

    person.name = "吴蕾"
    person.save(update_fields=["name"])

    person.refresh_from_db()
    assert person.search_name == names.search_name("吴蕾") == "吴蕾 Wu Lei wu lei wulei"


def test_search_name_spells_u_umlaut_both_ways():
    assert names.search_name("吕布") == "吕布 Lv Bu lv bu lvbu lu bu lubu"
    assert names.search_name("Oscar Leong") == "Oscar Leong"


# ---------------------------------------------------------------------------
# Ranking, grouping, paging, the year filter.


def test_title_and_speaker_matches_come_before_abstract_only_matches(client):
    titled = talk_urls(Talk.objects.filter(conference__year=2025, title__icontains="扩散"))
    abstract_only = talk_urls(
        Talk.objects.filter(conference__year=2025, abstract__icontains="扩散").exclude(
            title__icontains="扩散"
        )
    )

    listed = found_talks(search(client, q="扩散", year=2025))

    assert titled and abstract_only
    assert set(listed[: len(titled)]) == titled
    assert set(listed[len(titled) :]) == abstract_only


def test_a_speaker_match_comes_before_a_talk_that_only_mentions_the_name(client):
    mention = TalkFactory(
        session__conference=Conference.objects.get(year=2025),
        session__code="Z1",
        title="A talk about something else",
        abstract="Joint work with 吴磊 on training dynamics.",
    )

    listed = found_talks(search(client, q="吴磊", year=2025))

    assert listed == ["/2025/talks/P2/", url_of(mention)]


@pytest.mark.parametrize("query", ["learning", "扩散", "神经 网络", "wu lei", "%", "_", "\\", "'"])
def test_every_page_together_lists_exactly_what_matches(client, query):
    pages = every_page(client, q=query)

    listed = [url for page in pages for url in found_talks(page)]
    assert len(listed) == len(set(listed)) == pages[0].context["results"].talk_count
    assert set(listed) == expected_talks(query)


def test_results_are_grouped_by_year_newest_first_with_each_years_count(client):
    pages = every_page(client, q="learning")

    groups = []  # (year, count in the heading, talks under it), over all pages
    for page in pages:
        content = page.content.decode()
        for year, count, body in re.findall(
            r'<h2 id="results-(\d+)">CSML \d+ <span class="muted">(\d+).*?</h2>(.*?)</section>',
            content,
            re.S,
        ):
            urls = re.findall(r'<li class="result">\s*<h3><a href="([^"]+)"', body)
            groups.append((int(year), int(count), urls))
    years = sorted({year for year, _, _ in groups}, reverse=True)
    per_year = {y: [url for year, _, urls in groups if year == y for url in urls] for y in years}

    assert [year for year, _, _ in groups] == sorted((y for y, _, _ in groups), reverse=True)
    assert years == [2025, 2024, 2022]
    assert all(url.startswith(f"/{year}/") for year, urls in per_year.items() for url in urls)
    assert {year: count for year, count, _ in groups} == {y: len(u) for y, u in per_year.items()}


def test_twenty_talks_a_page_and_the_21st_opens_page_two(client):
    pages = every_page(client, "/en", q="learning")

    listed = [url for page in pages for url in found_talks(page)]
    total = pages[0].context["results"].talk_count
    assert [len(found_talks(page)) for page in pages[:-1]] == [20] * (len(pages) - 1)
    assert found_talks(pages[1])[0] == listed[20]
    assert f"Talks 1–20 of {total}" in visible_text(pages[0])
    assert f"Talks 21–40 of {total}" in visible_text(pages[1])


def test_result_counts_are_shown(client):
    response = search(client, "/en", q="learning")

    results = response.context["results"]
    text = visible_text(response)
    later = visible_text(search(client, "/en", q="learning", page=3))
    assert results.count == results.talk_count + results.session_count + results.person_count
    assert f"{results.count} results for “learning”" in text
    assert f"{results.count} results for “learning”" in later
    assert f"Talks 1–20 of {results.talk_count}" in text
    assert f"CSML 2024 ({results.year_counts[2024]})" in text


def test_pager_links_keep_the_query_and_the_year(client):
    response = search(client, "/en", q="learning", year=2025, page=2)

    page = response.content.decode()
    previous = re.search(r'<a class="button" href="([^"]+)" rel="prev">', page)[1]
    following = re.search(r'<a class="button" href="([^"]+)" rel="next">', page)[1]
    assert html.unescape(previous) == "/en/search/?q=learning&year=2025"
    assert html.unescape(following) == "/en/search/?q=learning&year=2025&page=3"
    assert 'aria-label="Result pages"' in page
    assert "Page 2 of 3" in visible_text(response)


def test_the_query_and_the_year_stay_in_the_form(client):
    response = search(client, "/en", q="wu lei", year=2024)

    page = response.content.decode()
    assert '<input id="search-q" type="search" name="q" value="wu lei" autofocus>' in page
    assert '<option value="2024" selected>2024</option>' in page


def test_the_year_filter_keeps_one_year(client):
    response = search(client, "/en", q="learning", year=2024)

    listed = found_talks(response)
    assert listed and all(url.startswith("/en/2024/") for url in listed)
    assert response.context["results"].talk_count == response.context["results"].year_counts[2024]
    assert "results for “learning” in CSML 2024" in visible_text(response)


def test_a_year_without_matches_says_so_and_offers_all_years(client):
    response = search(client, "/en", q="wu lei", year=2022)

    assert response.status_code == 200
    assert found_talks(response) == []
    assert "Nothing found in CSML 2022." in visible_text(response)
    assert '<a href="/en/search/?q=wu+lei">Search all years</a>' in response.content.decode()


# ---------------------------------------------------------------------------
# What people type into the address bar.


@pytest.mark.parametrize(
    ("page", "shown"),
    [("abc", "first"), ("0", "first"), ("-3", "first"), ("", "first"), ("9" * 50, "first"),
     ("1.5", "first"), ("99999", "last")],
)  # fmt: skip
def test_a_page_out_of_range_is_clamped(client, page, shown):
    first, *_, last = every_page(client, q="learning")

    response = search(client, q="learning", page=page)

    assert response.status_code == 200
    assert found_talks(response) == found_talks(first if shown == "first" else last)


@pytest.mark.parametrize("year", ["1999", "x", "2025x", "0", "\x00", "２０２５"])
def test_a_year_that_is_not_on_the_site_is_not_found(client, year):
    assert search(client, q="learning", year=year).status_code == 404


def test_a_draft_year_is_not_found_as_a_filter(client):
    Conference.objects.filter(year=2024).update(published=False)

    assert search(client, q="learning", year=2024).status_code == 404


def test_a_ten_kilobyte_query_is_cut_and_answered(client):
    response = search(client, q="扩散 " + "x" * 10_000)

    assert response.status_code == 200
    assert response.context["query"] == ("扩散 " + "x" * 10_000)[:200]
    assert found_talks(response) == []
    english = search(client, "/en", q="x" * 10_000)
    assert "No talk, session or person has every word" in visible_text(english)


def test_nul_is_dropped(client):
    response = search(client, q="扩\x00散")

    assert response.status_code == 200
    assert set(found_talks(response)) == set(found_talks(search(client, q="扩散")))
    assert search(client, q="\x00").status_code == 200


# ---------------------------------------------------------------------------
# Cost.


def test_queries_do_not_grow_with_the_archive(client, django_assert_num_queries):
    # version, years with their counts, the page of talks, their speakers, sessions, people
    with django_assert_num_queries(6):
        three_years = search(client, q="扩散")
    for year in range(1995, 2022):  # 27 more years: 30 in all
        TalkFactory(session__conference=ConferenceFactory(year=year), title="扩散模型")
    cache.clear()  # else the stored first page is looked up (and found outdated) first

    with django_assert_num_queries(6):
        thirty_years = search(client, q="扩散")

    assert len(thirty_years.context["results"].year_counts) == 30
    assert (
        thirty_years.context["results"].talk_count == three_years.context["results"].talk_count + 27
    )
    assert len(found_talks(three_years)) == three_years.context["results"].talk_count == 18
    assert len(found_talks(thirty_years)) == 20


def test_a_page_of_a_year_is_stored_like_any_page(client, django_assert_num_queries):
    first = search(client, q="learning", year=2025, page=2)

    with django_assert_num_queries(1):  # the data version: the page comes from the store
        again = search(client, q="learning", year=2025, page=2)

    assert again.content == first.content


@pytest.mark.parametrize(
    ("term", "index"),
    [("扩散", "talk_abstract_grams"), ("散", "talk_abstract_grams"), ("ML", "talk_abstract_grams"),
     ("扩散模型", "talk_abstract_trgm"), ("diffusion", "talk_abstract_trgm")],
)  # fmt: skip
def test_the_search_condition_is_the_indexed_expression(term, index):
    """The planner can answer the condition from the index: Django's SQL for it is the
    indexed expression (on 3 small years it reads the tables anyway, so seq scans are
    turned off to ask whether it could)."""
    talks = Talk.objects.filter(contains("abstract", term)).order_by().values("pk")
    sql, params = talks.query.sql_with_params()

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert index in plan


# ---------------------------------------------------------------------------
# Titles as text where markup cannot go.


def latex_talk() -> Talk:
    year, code = LATEX_TITLE
    return Talk.objects.get(conference__year=year, code=code)


def test_a_title_with_latex_is_plain_text_in_the_tab_title(client):
    talk = latex_talk()

    page = client.get(talk.get_absolute_url()).content.decode()

    title = re.search(r"<title>(.*?)</title>", page, re.S)[1]
    assert title.startswith("Redefining Neural Operators in d+1 Dimensions · ")
    assert "$" not in title
    assert "<math" in page  # the page itself still shows the formula


def test_a_title_with_latex_is_plain_text_in_search_results(client):
    response = search(client, q="Redefining")

    assert "Redefining Neural Operators in d+1 Dimensions" in visible_text(response)
    assert "$d+1$" not in response.content.decode()


def test_a_title_with_latex_is_plain_text_in_calendars(client):
    talk = latex_talk()

    calendars = [
        client.get(f"/2025/talks/{talk.code}.ics").content.decode(),
        client.get("/2025/schedule.ics").content.decode(),
    ]

    for calendar in calendars:
        summaries = [
            line
            for line in calendar.replace("\r\n ", "").splitlines()
            if line.startswith("SUMMARY:")
        ]
        assert [s for s in summaries if "Redefining" in s] == [
            "SUMMARY:Redefining Neural Operators in d+1 Dimensions — 宋昊泽（香港科技大学 (广州)）"
        ]
        assert [s for s in summaries if "$" in s] == []


def test_a_title_with_latex_is_plain_text_in_frab_files(client):
    xml = client.get("/2025/schedule.xml").content.decode()
    data = json.loads(client.get("/2025/schedule.json").content)

    titles = [
        event["title"]
        for day in data["schedule"]["conference"]["days"]
        for events in day["rooms"].values()
        for event in events
    ]
    assert "<title>Redefining Neural Operators in d+1 Dimensions</title>" in xml
    assert "Redefining Neural Operators in d+1 Dimensions" in titles
    assert [t for t in titles if "$" in t] == []


def test_the_latex_titles_of_the_programme_books_in_plain_text():
    from programme.rich_text import plain_text

    titles = Talk.objects.filter(title__contains="$").order_by("conference__year", "code")

    assert [(t.conference.year, t.code, plain_text(t.title)) for t in titles] == [
        (
            2022,
            "C1-2",
            "Para-CFlows: C^k-universal Diffeomorphism Approximators as Superior Neural Surrogates",
        ),
        (2025, "E5-2", "Redefining Neural Operators in d+1 Dimensions"),
    ]


def test_excerpt_shows_the_abstract_around_the_match(client):
    talk = TalkFactory(
        session__conference=Conference.objects.get(year=2025),
        session__code="Z1",
        title="Another talk",
        abstract="开头。" * 200 + "这里提到 zebrafish 一次。" + "结尾。" * 200,
    )

    response = search(client, q="zebrafish")

    excerpt = re.search(r'<p class="result__abstract">(.*?)</p>', response.content.decode())[1]
    assert found_talks(response) == [url_of(talk)]
    assert excerpt.startswith("…") and excerpt.endswith("…")
    assert "这里提到 <mark>zebrafish</mark> 一次" in excerpt
