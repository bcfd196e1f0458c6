"""The programme book of a year as PDF, laid out like the printed CSML books.

Cover, table of contents, 会务指南 (guide), 会议组织 (organisation), 会议日程 (the
schedule as one table per day), 大会邀请报告 (invited talks with bios) and the sessions'
talks with abstracts. HTML from the templates under templates/programme/book/, printed by
WeasyPrint with programme/static/programme/book.css; nothing is fetched over the network.

WeasyPrint does not lay out MathML (it prints the text of the elements run together, so
$N^2$ would read "N2" and $\\frac{a}{b}$ "ab"). The book's templates therefore use this
module's `tex_title` and `tex_rich` filters instead of `title` and `rich`: the same
escaping and paragraphs, with each $...$ segment kept as LaTeX source in a monospace span.

Database reads: the year's programme (four queries, see `programme_for_conference`), its
committees, organisations and contacts: seven queries however many talks the year has.
"""

from functools import lru_cache
from pathlib import Path

from django import template
from django.template import Context, Engine, engines
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from programme import names
from programme.models import CommitteeMembership, Conference, Organisation
from programme.queries import committee_for_conference, programme_for_conference
from programme.rich_text import MATH_SEGMENT, paragraphs, replace_matches

STYLESHEET = Path(__file__).resolve().parent.parent / "static" / "programme" / "book.css"
TEMPLATE = "programme/book/book.html"

# The book's filters; book_engine() makes them loadable as {% load programme_book %}.
register = template.Library()


def tex_inline(text: str) -> str:
    """Escaped text with each $...$ segment as its LaTeX source in <code class="tex">."""
    return replace_matches(
        text, MATH_SEGMENT, lambda match: f'<code class="tex">{escape(match[0])}</code>'
    )


@register.filter
def tex_title(text: str):
    """A title for print: escaped, with $...$ kept as LaTeX source."""
    return mark_safe(tex_inline(text or ""))  # noqa: S308  escaped by tex_inline


@register.filter
def tex_rich(text: str, label: str = ""):
    """An abstract or bio for print: paragraphs (blank lines), single line breaks as <br>,
    $...$ kept as LaTeX source; `label` (摘要：) runs into the first paragraph, as printed."""
    html = [tex_inline(p).replace("\n", "<br>") for p in paragraphs(text or "")] or [""]
    if label:
        html[0] = format_html('<strong class="label">{}：</strong>', label) + html[0]
    return mark_safe("".join(f"<p>{p}</p>" for p in html))  # noqa: S308  escaped above


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
