"""What the programme book looks like: formulas typeset (not TeX source), a QR code that
leads each session to its page, Chinese lists without stray spaces.

One small year is printed once for the module (printing is slow) and read back with
poppler (pdftotext, pdftoppm) and zbar (zbarimg), as a reader of the PDF would see it.
"""

import itertools
import logging
import re
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import translation
from django.utils.translation import gettext

from programme.exporters.book import programme_book_html, programme_book_pdf
from programme.exporters.formulas import formula_svg
from programme.models import Conference, Person, Session, Talk
from programme.rich_text import MATH_SEGMENT, MAX_FORMULA_LENGTH
from tests.factories import SessionChairFactory, TalkSpeakerFactory, one_talk_year

pytestmark = pytest.mark.django_db

SITE_URL = "https://csml.example.org"
TITLE = r"Learning in $F_{p,\pi}$ spaces"
ABSTRACT = r"Under the $L_\infty$ norm. An error term $\text{误差}$ stays as written."
NAMES = ("吴磊", "何俊材")


@dataclass
class PrintedBook:
    pdf: bytes
    html: str
    session_url: str
    weasyprint_complaints: list[str]

    def text(self, *options: str) -> str:
        return run(["pdftotext", "-enc", "UTF-8", *options, "-", "-"], self.pdf).decode()

    def pages(self) -> list[str]:
        return self.text().split("\f")[:-1]

    def page_of(self, text: str) -> int:
        """The number (from 1) of the last page that prints `text`: the session
        chapter, after the schedule and the contents."""
        return max(n for n, page in enumerate(self.pages(), 1) if text in page)

    def render(self, page: int, dpi: int, *crop: str) -> bytes:
        """A page (or the `-x -y -W -H` crop of one) as a greyscale PGM image."""
        options = ["-f", str(page), "-l", str(page), "-r", str(dpi), "-gray", *crop]
        return run(["pdftoppm", *options, "-"], self.pdf)


def run(command: list[str], data: bytes) -> bytes:
    result = subprocess.run(command, input=data, capture_output=True, check=True)  # noqa: S603
    return result.stdout


class Complaints(logging.Handler):
    """What WeasyPrint logs while printing: an inline SVG it cannot read is dropped from
    the page with only a log line ("Failed to load inline SVG")."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record):
        self.messages.append(record.getMessage())


@pytest.fixture(scope="module")
def book(django_db_setup, django_db_blocker) -> PrintedBook:
    """A one-talk year whose talk has a formula in its title and its abstract, and two
    speakers and two chairs with Chinese names, printed once; nothing is left in the
    database (the year is rolled back)."""
    complaints = Complaints()
    logger = logging.getLogger("weasyprint")
    logger.addHandler(complaints)
    try:
        with (
            django_db_blocker.unblock(),
            transaction.atomic(),
            translation.override("zh-hans"),
            override_settings(SITE_URL=SITE_URL),
        ):
            conference = one_talk_year()
            talk = Talk.objects.get(conference=conference)
            Talk.objects.filter(pk=talk.pk).update(title=TITLE, abstract=ABSTRACT)
            talk.talk_speakers.all().delete()
            session = talk.session
            session.session_chairs.all().delete()
            for position, name in enumerate(NAMES):
                person = Person.objects.for_key(name, name=name)
                TalkSpeakerFactory(talk=talk, person=person, position=position)
                SessionChairFactory(session=session, person=person, position=position)
            conference = Conference.objects.get(pk=conference.pk)
            printed = PrintedBook(
                pdf=programme_book_pdf(conference),
                html=programme_book_html(conference),
                session_url=SITE_URL + Session.objects.get(pk=session.pk).get_absolute_url(),
                weasyprint_complaints=complaints.messages,
            )
            transaction.set_rollback(True)
    finally:
        logger.removeHandler(complaints)
    return printed


# ---------------------------------------------------------------------------
# Formulas


def test_formulas_print_without_tex_source(book):
    text = book.text()

    assert "Learning in" in text
    assert "spaces" in text
    assert "Under the" in text
    assert "$F" not in text
    assert r"F_{p,\pi}" not in text
    assert r"\infty" not in text


def test_formulas_go_to_weasyprint_as_svg_it_accepts(book):
    svgs = re.findall(r'<svg [^>]*class="formula"', book.html)

    # The title in the schedule and above the abstract, the formula of the abstract.
    assert len(svgs) == 3
    assert book.weasyprint_complaints == []


def test_a_formula_draws_ink_between_its_words(book):
    """Where the title's formula stands, between "in" and "spaces", the page is inked:
    the SVG is drawn, not dropped or blank."""
    page = book.page_of("spaces")
    words = words_on_page(book, page)
    before, after = next(
        (a, b)
        for a, b in itertools.product(words, repeat=2)
        if (a[0], b[0]) == ("in", "spaces") and abs(a[2] - b[2]) < 1 and a[3] < b[1]
    )
    gap = (before[3], before[2], after[1] - before[3], before[4] - before[2])  # x, y, w, h
    crop = [str(round(v * 2)) for v in gap]  # 144 dpi: 2 pixels a point

    image = book.render(page, 144, "-x", crop[0], "-y", crop[1], "-W", crop[2], "-H", crop[3])

    assert gap[2] > 10  # points: room for F_{p,π}, more than a space
    assert dark_fraction(image) > 0.05


def words_on_page(book, page: int) -> list[tuple[str, float, float, float, float]]:
    """(word, xMin, yMin, xMax, yMax) in points, in the order they are drawn."""
    xhtml = book.text("-bbox", "-f", str(page), "-l", str(page))
    words = ET.fromstring(xhtml).iter("{http://www.w3.org/1999/xhtml}word")
    return [
        (w.text, *(float(w.attrib[k]) for k in ("xMin", "yMin", "xMax", "yMax"))) for w in words
    ]


def dark_fraction(pgm: bytes) -> float:
    """The share of pixels darker than mid-grey in a binary PGM (P5) image."""
    header = re.match(rb"P5\s+(\d+)\s+(\d+)\s+(\d+)\s", pgm)
    pixels = pgm[header.end() :]
    return sum(1 for p in pixels if p < 128) / len(pixels)


def test_a_formula_the_font_cannot_draw_prints_as_its_source(book):
    text = book.text()

    assert r"$\text{误差}$" in text


def test_every_formula_of_the_real_years_is_typeset():
    texts = [
        *Talk.objects.values_list("title", flat=True),
        *Talk.objects.values_list("abstract", flat=True),
        *Session.objects.values_list("topic", flat=True),
        *Person.objects.values_list("bio", flat=True),
    ]
    formulas = {m[1] or m[2] for text in texts for m in MATH_SEGMENT.finditer(text)}

    untypeset = sorted(f for f in formulas if formula_svg(f) is None)

    assert len(formulas) >= 40
    assert untypeset == []


def test_formula_svg_is_sized_in_em_and_set_on_the_baseline():
    svg = ET.fromstring(formula_svg("p_k"))

    style = dict(rule.split(":") for rule in svg.attrib["style"].split(";"))
    assert style["width"].endswith("em")
    assert style["height"].endswith("em")
    assert float(style["vertical-align"].removesuffix("em")) < 0  # the subscript descends
    assert svg.findall(".//{http://www.w3.org/2000/svg}path")
    assert not svg.findall(".//{http://www.w3.org/2000/svg}use")  # no ids shared by SVGs


@pytest.mark.parametrize(
    "latex",
    [r"\text{误差}", r"\frac{1}{", "x" * (MAX_FORMULA_LENGTH + 1)],
    ids=["a character the font lacks", "unbalanced", "longer than the web allows"],
)
def test_formula_svg_gives_up_where_the_source_prints_instead(latex):
    assert formula_svg(latex) is None


# ---------------------------------------------------------------------------
# QR codes


def test_each_session_prints_a_qr_code_of_its_page(book, tmp_path):
    page = book.page_of("Under the")  # the session's section
    image = tmp_path / "page.pgm"
    image.write_bytes(book.render(page, 300))

    decoded = subprocess.run(  # noqa: S603  Debian's zbar-tools (Makefile)
        ["zbarimg", "--raw", "-q", str(image)],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()

    assert decoded == [book.session_url]
    assert re.fullmatch(r"https://csml\.example\.org/2031/sessions/A\d+/", book.session_url)


# ---------------------------------------------------------------------------
# Chinese lists


def test_chinese_names_are_listed_without_spaces(book):
    text = book.text()

    chairs = f"{gettext('Chairs')}：吴磊、何俊材"
    assert chairs in text  # the session's line of when, where and chairs
    assert "吴磊、何俊材：Learning in" in text  # the schedule's list of talks
    assert " 、" not in text
    assert "、 " not in text
