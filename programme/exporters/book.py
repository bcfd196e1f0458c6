"""The programme book of a year as PDF, laid out like the printed CSML books.

Cover, table of contents, 会务指南 (guide), 会议组织 (organisation), 会议日程 (the
schedule as one table per day), 大会邀请报告 (invited talks with bios) and the sessions'
talks with abstracts. HTML from the templates under templates/programme/book/, printed by
WeasyPrint with programme/static/programme/book.css; nothing is fetched over the network.

WeasyPrint does not lay out MathML, so the book's templates use this module's `tex_title`
and `tex_rich` filters instead of the site's `title` and `rich`: the same escaping,
paragraphs, limits and fallback, with each $...$ typeset as an inline SVG
(programme/exporters/formulas.py).

Each session carries a QR code of its page on the site (`session_qr`). The book is
printed without a request (by a background task), so the address is settings.SITE_URL.

Database reads: the year's programme (four queries, see `programme_for_conference`), its
committees, organisations and contacts: seven queries however many talks the year has.
"""

from functools import lru_cache
from pathlib import Path

import segno
from django import template
from django.conf import settings
from django.template import Context, Engine, engines
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from programme import names
from programme.exporters.formulas import formula_svg
from programme.models import CommitteeMembership, Conference, Organisation
from programme.queries import committee_for_conference, programme_for_conference
from programme.rich_text import MATH_SEGMENT, inline_html, paragraphs_html

STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "programme" / "book.css"
TEMPLATE = "programme/book/book.html"

# The book's filters; book_engine() makes them loadable as {% load programme_book %}.
register = template.Library()


@register.filter
def tex_title(text: str):
    """A title for print: escaped, with $...$ typeset."""
    html = inline_html(text or "", typeset=formula_svg)
    return mark_safe(html)  # noqa: S308  escaped by inline_html


@register.filter
def tex_rich(text: str, label: str = ""):
    """An abstract or bio for print: paragraphs (blank lines), single line breaks as <br>,
    $...$ typeset; `label` (摘要：) runs into the first paragraph, as printed."""
    html = paragraphs_html(text or "", typeset=formula_svg) or [""]
    if label:
        html[0] = format_html('<strong class="label">{}：</strong>', label) + html[0]
    return mark_safe("".join(f"<p>{p}</p>" for p in html))  # noqa: S308  escaped above


@register.filter
def tex_text(text: str) -> str:
    """A title as plain text, each formula as its TeX without the dollars: for where only
    text can go, the PDF's outline (WeasyPrint's bookmarks leave the SVGs out)."""
    return MATH_SEGMENT.sub(lambda match: match[1] or match[2], text or "")


def site_url(path: str) -> str:
    """The absolute address of a page of the site, for print."""
    return settings.SITE_URL + path


@lru_cache(maxsize=4096)
def qr_svg(url: str) -> str:
    """An inline <svg> QR code of `url`: a regular QR code (phones read few Micro QR
    codes), error correction raised as far as the size allows, two modules of white
    around it (the rest of the quiet zone is the page's white). Made once per process
    (10 ms each, a year's sessions 0.4 s of every print)."""
    code = segno.make_qr(url, error="m")
    return code.svg_inline(border=2, omitsize=True, light="#fff", svgclass="qr")


@register.simple_tag
def session_qr(session):
    """The QR code of a session's page on the site."""
    svg = qr_svg(site_url(session.get_absolute_url()))
    return mark_safe(svg)  # noqa: S308  segno's SVG: paths and escaped text only


@register.filter
def text_lang(text: str) -> str:
    """`en` for text without Chinese characters (justified and hyphenated in print),
    else `zh-hans`: WeasyPrint justifies only at spaces, which gaps Chinese lines."""
    return "zh-hans" if names.is_chinese(text or "") else "en"


@lru_cache(maxsize=1)
def book_engine() -> Engine:
    """The site's template engine plus this module's filters as `programme_book`."""
    site = engines["django"].engine
    return Engine(
        dirs=site.dirs,
        app_dirs=site.app_dirs,
        libraries={**site.libraries, "programme_book": __name__},
        builtins=[b for b in site.builtins if b not in Engine.default_builtins],
        debug=site.debug,
        string_if_invalid=site.string_if_invalid,
    )


def book_context(conference: Conference) -> dict:
    """Everything the book prints, in seven queries."""
    programme = programme_for_conference(conference)
    committee = committee_for_conference(conference)
    organisations = list(conference.organisations.order_by("role", "position"))
    contacts = list(conference.contacts.order_by("position"))
    Role = CommitteeMembership.Role
    return {
        "conference": conference,
        "programme": programme,
        "days": programme.days,
        "first_track": next(iter(programme.tracks), None),
        "committees": [
            (label, committee[role]) for role, label in Role.choices if committee.get(role)
        ],
        "hosts": [o for o in organisations if o.role == Organisation.Role.HOST],
        "co_hosts": [o for o in organisations if o.role == Organisation.Role.CO_HOST],
        "contacts": contacts,
        "LANGUAGE_CODE": get_language(),
    }


def programme_book_html(conference: Conference) -> str:
    return book_engine().get_template(TEMPLATE).render(Context(book_context(conference)))


def refuse_fetch(url: str, *args, **kwargs):
    """The book links nothing: a URL that reaches WeasyPrint is not fetched."""
    raise ValueError(f"the programme book fetches no resources: {url}")


def load_weasyprint():
    """WeasyPrint, imported on first use (it loads pango through cffi)."""
    import weasyprint

    return weasyprint


def programme_book_pdf(conference: Conference) -> bytes:
    """The programme book of `conference` as a PDF document."""
    weasyprint = load_weasyprint()
    html = weasyprint.HTML(string=programme_book_html(conference), url_fetcher=refuse_fetch)
    stylesheet = weasyprint.CSS(filename=str(STYLESHEET))
    return html.write_pdf(stylesheets=[stylesheet])
