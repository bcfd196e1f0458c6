"""The programme book PDF: every talk, the contacts, a table of contents that points to
the right pages, and a constant number of queries. Read back with poppler's pdftotext."""

import itertools
import re
import subprocess

import pytest
from django.core.cache import cache
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext

from programme.caching import books as book_store
from programme.exporters.book import programme_book_pdf, tex_rich, tex_title
from programme.models import Conference, Session, Talk
from programme.rich_text import MATH_SEGMENT, title_html
from tests.conftest import YEARS
from tests.factories import one_talk_year

pytestmark = pytest.mark.django_db

BOOK_QUERIES = 7  # programme (4), committees, organisations, contacts
CHAPTERS = (
    "Conference guide",
    "Organisation",
    "Programme",
    "Invited talks: abstracts and speakers",
    "Session abstracts",
)
CHINESE_NUMERALS = "一二三四五"


def squeeze(text: str) -> str:
    """Without any whitespace: pdftotext breaks lines wherever the layout did."""
    return re.sub(r"\s+", "", text)


def comparable(text: str) -> str:
    """Squeezed and without hyphens: pdftotext drops the hyphen that ends a line
    (computational-|statistical reads computationalstatistical)."""
    return squeeze(text).replace("-", "")


def pdf_text(pdf: bytes, *options: str) -> str:
    result = subprocess.run(  # noqa: S603  a fixed command; the PDF goes to its stdin
        ["pdftotext", "-enc", "UTF-8", *options, "-", "-"],  # noqa: S607  Debian poppler-utils
        input=pdf,
        capture_output=True,
        check=True,
    )
    return result.stdout.decode()


# The bottom margin of an A4 page in points (72 dpi): where the page numbers are printed.
FOOTER = ("-r", "72", "-x", "0", "-y", "785", "-W", "595", "-H", "57")


class Book:
    def __init__(self, pdf: bytes, queries: int):
        self.pdf = pdf
        self.queries = queries
        # pdftotext ends every page with a form feed
        self.pages = pdf_text(pdf).split("\f")[:-1]
        self.footers = [footer.strip() for footer in pdf_text(pdf, *FOOTER).split("\f")[:-1]]

    def page_numbered(self, number: int) -> str:
        """The page whose footer prints `number` (the cover prints none)."""
        return self.pages[self.footers.index(str(number))]

    def contents(self) -> list[tuple[str, int]]:
        """(entry, page number) of the table of contents, in printed order."""
        first = next(
            n
            for n, p in enumerate(self.pages)
            if squeeze(p).startswith(squeeze(gettext("Contents")))
        )
        guide = chapter_entries()[0]
        toc = "\n".join(
            itertools.takewhile(lambda p: not squeeze(p).startswith(guide), self.pages[first:])
        )
        found = re.findall(r"^(.+?)\s*\.{3,}\s*(\d+)\s*$", toc, re.M)
        return [(squeeze(entry), int(number)) for entry, number in found]


@pytest.fixture(scope="module")
def books(django_db_setup, django_db_blocker):
    """The book of each real year, printed once for the module, with its query count."""
    printed = {}
    with django_db_blocker.unblock():
        for year in YEARS:
            conference = Conference.objects.get(year=year)
            with CaptureQueriesContext(connection) as queries:
                pdf = programme_book_pdf(conference)
            printed[year] = Book(pdf, len(queries))
    return printed


def test_tex_title_typesets_formulas_as_svg_and_escapes_the_rest():
    html = tex_title("Operators in $d+1$ Dimensions <b>")

    assert re.fullmatch(
        r'Operators in <svg [^>]*class="formula".*</svg> Dimensions &lt;b&gt;', html
    )


def test_tex_rich_runs_the_label_into_the_first_paragraph():
    html = tex_rich("First $x<y$.\n\nSecond.", "摘要")

    assert re.fullmatch(
        r'<p><strong class="label">摘要：</strong>First <svg [^>]*class="formula".*</svg>\.</p>'
        r"<p>Second\.</p>",
        html,
    )


@pytest.mark.parametrize("year", YEARS)
def test_book_is_a_pdf(books, year):
    pdf = books[year].pdf

    assert pdf[:5] == b"%PDF-"


@pytest.mark.parametrize("year", YEARS)
def test_book_numbers_every_page_but_the_cover(books, year):
    footers = books[year].footers

    assert footers == ["", *(str(n) for n in range(1, len(footers)))]


@pytest.mark.parametrize("year", YEARS)
def test_book_prints_every_talk_title(books, year):
    text = comparable("".join(books[year].pages))
    titles = list(Talk.objects.filter(conference__year=year).values_list("code", "title"))

    missing = [
        (code, part)
        for code, title in titles
        for part in MATH_SEGMENT.sub("\n", title).split("\n")  # the text around $...$
        if comparable(part) not in text
    ]

    assert len(titles) > 100
    assert missing == []


@pytest.mark.parametrize("year", YEARS)
def test_book_prints_every_contact_email(books, year):
    text = "".join(books[year].pages)
    emails = [c.email for c in Conference.objects.get(year=year).contacts.all() if c.email]

    missing = [email for email in emails if email not in text]

    assert emails
    assert missing == []


def chapter_entries() -> list[str]:
    return [f"{n}、{squeeze(gettext(c))}" for n, c in zip(CHINESE_NUMERALS, CHAPTERS, strict=True)]


def session_entry(session) -> str:
    return f"{session.code}{squeeze(session.topic)}"


@pytest.mark.parametrize("year", YEARS)
def test_contents_list_chapters_then_sessions_in_page_order(books, year):
    sessions = Session.objects.filter(conference__year=year).order_by(
        "date", "start", "end", "code"
    )

    contents = books[year].contents()

    entries = [entry for entry, _ in contents]
    assert [e for e in entries if e[1:2] == "、"] == chapter_entries()
    assert entries[-len(sessions) :] == [session_entry(s) for s in sessions]
    numbers = [number for _, number in contents]
    assert numbers == sorted(numbers)


@pytest.mark.parametrize("year", YEARS)
def test_contents_page_numbers_point_at_the_headings(books, year):
    book = books[year]
    contents = dict(book.contents())
    topic = squeeze(gettext("Topic"))
    sessions = Session.objects.filter(conference__year=year).select_related("track")

    def heading_on_page(entry: str, heading: str) -> bool:
        return heading in squeeze(book.page_numbered(contents[entry]))

    wrong = [entry for entry in chapter_entries() if not heading_on_page(entry, entry)]
    wrong += [
        s.code
        for s in sessions
        if not heading_on_page(
            session_entry(s), f"{s.track.name_zh}{s.code}{topic}：{squeeze(s.topic)}"
        )
    ]

    assert wrong == []


def test_book_queries_do_not_grow_with_talks(books, django_assert_num_queries):
    tiny = one_talk_year()

    with django_assert_num_queries(BOOK_QUERIES):
        pdf = programme_book_pdf(tiny)

    assert pdf[:5] == b"%PDF-"
    assert {year: book.queries for year, book in books.items()} == dict.fromkeys(
        YEARS, BOOK_QUERIES
    )


def test_printing_a_book_leaves_the_sites_mathml_alone(books):
    html = title_html("after the book: $x_{book}$")

    assert html.startswith('after the book: <math xmlns="http://www.w3.org/1998/Math/MathML"')


# ---------------------------------------------------------------------------
# /<year>/programme.pdf: printed once per data change, shared, never printed twice at once.


def book_url(year: int) -> str:
    return reverse("programme:programme-book", args=[year])


def test_the_book_is_printed_once_and_then_read_by_every_process(client, django_assert_num_queries):
    tiny = one_talk_year()
    first = client.get(book_url(tiny.year))
    cache.clear()  # as another app process would see it: no page cached there

    with django_assert_num_queries(2):  # the data version, the stored book
        again = client.get(book_url(tiny.year))

    assert first["Content-Type"] == "application/pdf"
    assert first.content[:5] == b"%PDF-"
    assert again.content == first.content
    assert again["ETag"] == first["ETag"]


def test_while_another_process_prints_readers_get_the_previous_book_uncached(client):
    tiny = one_talk_year()
    before = client.get(book_url(tiny.year))
    Talk.objects.filter(conference=tiny).update(title="A talk renamed after printing")
    printer = connections.create_connection("default")  # another app process
    try:
        with printer.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_lock(%s, %s)", [book_store.LOCK_SPACE, tiny.pk])

        during = client.get(book_url(tiny.year))
    finally:
        printer.close()  # its print is done
    after = client.get(book_url(tiny.year))

    assert during.status_code == 200
    assert during.content == before.content
    assert during["Cache-Control"] == "no-store"
    assert not during.has_header("ETag")
    assert after.content != before.content
    assert after["ETag"] != before["ETag"]
