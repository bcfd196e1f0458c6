import html
import re

from django import template
from django.template.defaultfilters import time as time_filter
from django.utils.html import escape, format_html, json_script
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from programme import dates, localized, names, rich_text, text
from programme.caching.urls import url_for

register = template.Library()

EXCERPT_LENGTH = 220  # characters of an abstract under a search result


@register.filter
def rich(text: str):
    """An abstract or bio: paragraphs, escaped, with $...$ as MathML."""
    return mark_safe(rich_text.rich_html(text or ""))  # noqa: S308  escaped by rich_html


@register.filter
def title(text: str):
    """A title: escaped, with $...$ as MathML."""
    return mark_safe(rich_text.title_html(text or ""))  # noqa: S308  escaped by title_html


@register.filter
def plain_text(text: str) -> str:
    """A title where markup cannot go (the tab title): $...$ written out, `d+1`."""
    return rich_text.plain_text(text or "")


@register.filter
def excerpt(text: str, terms):
    """About EXCERPT_LENGTH characters of an abstract as plain text, around the first
    word of `terms` it has (its start if none), with the words marked."""
    plain = " ".join(rich_text.plain_text(text or "").split())
    found = re.search("|".join(re.escape(t) for t in terms), plain, re.I) if terms else None
    start = max(0, found.start() - EXCERPT_LENGTH // 4) if found else 0
    start = min(start, max(0, len(plain) - EXCERPT_LENGTH))
    shown = plain[start : start + EXCERPT_LENGTH]
    html = rich_text.highlight(shown, terms)
    before = "…" if start > 0 else ""
    after = "…" if start + EXCERPT_LENGTH < len(plain) else ""
    return mark_safe(before + html + after)  # noqa: S308  escaped by highlight


CHINESE = ' lang="zh-Hans"'


@register.filter
def display_name(person, terms=()):
    """A person's (or a contact's, or a name's as a release kept it) name: `张林峰` in
    Chinese; in the English interface `张林峰 (Zhang Linfeng)`, the Chinese marked as such,
    with the English name where one is known and the pinyin otherwise. `terms`: words to
    mark (search results)."""
    name = person if isinstance(person, str) else person.name
    html = rich_text.highlight(name, terms)
    if localized.is_english() and names.is_chinese(name):
        english = getattr(person, "name_en", "") or names.pinyin_name(name)
        html = f"<span{CHINESE}>{html}</span> ({rich_text.highlight(english, terms)})"
    return mark_safe(html)  # noqa: S308  escaped by highlight


@register.simple_tag
def people_list(people):
    """The speakers page's list: each person with where they appear (SpeakersView).

    Written here, not as template loops: the template engine took ~60 µs a person
    (variables resolved one attribute at a time, the language looked up for each link),
    12 ms for a year's 190 people, on every page that missed the store; this takes a
    tenth of it. The names, the marks and the localized titles come from the same
    helpers as everywhere else."""
    chair_title, chair, host = (
        html.escape(_("Chair")),
        html.escape(_("chair")),
        html.escape(_("host")),
    )
    rows = []
    for entry in people:
        person = entry["person"]
        row = [
            f'<li><a class="people-list__name" href="{html.escape(person.get_absolute_url())}">'
            f"{display_name(person)}</a>"
        ]
        if entry["affiliations"]:
            joined = "；".join(entry["affiliations"])
            row.append(
                f' <span class="affiliation"{source_lang(joined)}>{html.escape(joined)}</span>'
            )
        row.append(' <span class="people-list__where">')
        row += [
            f'<a href="{html.escape(talk.get_absolute_url())}">{html.escape(talk.code)}</a> '
            for talk in entry["talks"]
        ]
        row += [
            f'<a class="chair" href="{html.escape(session.get_absolute_url())}" '
            f'title="{chair_title}">{html.escape(session.code)} ({chair})</a> '
            for session in entry["sessions"]
        ]
        row += [
            f'<span class="chair">{html.escape(localized.localized(item, "title"))} ({host})'
            "</span> "
            for item in entry["items"]
        ]
        row.append("</span></li>")
        rows.append("".join(row))
    return mark_safe("\n".join(rows))  # noqa: S308  every value escaped above


@register.filter(name="localized")
def localized_value(obj, field: str) -> str:
    """`{{ room|localized:"name" }}`: the English form on English pages where there is
    one, else the Chinese (programme/localized.py)."""
    return localized.localized(obj, field)


@register.filter(is_safe=True)
def source_lang(value) -> str:
    """` lang="zh-Hans"` for the element showing `value` when it is Chinese on a page of
    another language: a title, topic, abstract, bio or affiliation printed only in
    Chinese. Screen readers then read it as Chinese, and tests/test_english_site.py
    tells it from an untranslated label."""
    if localized.is_english() and names.is_chinese(str(value or "")):
        return mark_safe(CHINESE)  # noqa: S308  a constant
    return ""


@register.simple_tag
def note(*parts, terms=()):
    """What the books print in brackets after a name, in the page's language:
    `（院士，北京大学）`; on English pages ` (Academician, 北京大学)`, with the part printed
    only in Chinese marked. `parts`: texts, empty ones left out (a title, an affiliation)."""
    parts = [part for part in parts if part]
    if not parts:
        return ""
    english = localized.is_english()
    shown = [
        f"<span{CHINESE}>{rich_text.highlight(part, terms)}</span>"
        if english and names.is_chinese(part)
        else rich_text.highlight(part, terms)
        for part in parts
    ]
    if english:
        return mark_safe(f'<span class="affiliation"> ({", ".join(shown)})</span>')  # noqa: S308
    return mark_safe(f'<span class="affiliation">（{"，".join(shown)}）</span>')  # noqa: S308


@register.simple_tag
def date_range(start, end, weekdays=False):
    """`9–10 August 2025` / `2025年8月9日 – 8月10日`: see programme/dates.py."""
    return dates.date_range(start, end, weekdays=weekdays)


@register.filter
def highlight(text: str, terms):
    return mark_safe(rich_text.highlight(text or "", terms))  # noqa: S308  escaped by highlight


@register.filter
def web_url(value: str) -> str:
    """A printed web address as a safe link target ("" for javascript: and the like)."""
    return text.web_url(value)


@register.simple_tag
def link(name, *args):
    """`{% url %}` for the public pages, remembered (see programme.links)."""
    return url_for(name, *args)


@register.filter(is_safe=True)
def time_range(scheduled, time_format="H:i") -> str:
    """`08:30–10:00`, the time of anything with a start and an end (a session, an item,
    the dashboard's slots); `time_range:"G:i"` gives the printed books' `8:30–10:00`."""
    return f"{time_filter(scheduled.start, time_format)}–{time_filter(scheduled.end, time_format)}"


@register.filter
def time_range_html(scheduled):
    """`time_range` as HTML, with each end in its own <time> and its day for machines:
    a range is no valid `datetime`, so one <time> around `08:30–10:00` is invalid HTML."""
    return format_html(
        '<time datetime="{date}T{start}">{start}</time>–<time datetime="{date}T{end}">{end}</time>',
        date=scheduled.date.isoformat(),
        start=time_filter(scheduled.start, "H:i"),
        end=time_filter(scheduled.end, "H:i"),
    )


# The two fragments below are on every talk of the schedule and the book of abstracts:
# as simple tags they render many times faster than {% include %} (measured: the
# schedule's render time is mostly includes).


@register.simple_tag
def people(appearances, with_affiliation=False, linked=True, terms=(), byline=False):
    """A list of people (speakers, chairs, hosts), the one way every page and the book
    show one: display names (with pinyin in the English interface), separated by 、
    (in English by a comma).

    linked: each name links to the person's page and `online` is a badge (the web pages);
    otherwise each person is a <span class="person"> (the book; lines whose link is the
    title) and `online` is in brackets, as the books print it. terms: words to mark (search
    results). byline: the books' byline under a talk title, `name，affiliation；name`."""
    online = _("online")
    parts = []
    for appearance in appearances:
        html = display_name(appearance.person, terms)
        affiliation = appearance.affiliation if with_affiliation or byline else ""
        if byline:
            parts.append(
                html + ("，" + rich_text.highlight(affiliation, terms) if affiliation else "")
            )
            continue
        if linked:
            html = f'<a href="{escape(appearance.person.get_absolute_url())}">{html}</a>'
        html += note(affiliation, terms=terms)
        if getattr(appearance, "online", False):
            if linked:
                html += f'<span class="badge badge--online">{escape(online)}</span>'
            else:
                html += f'<span class="online">（{escape(online)}）</span>'
        parts.append(html if linked else f'<span class="person">{html}</span>')
    between = pgettext("between names", ", ")
    separator = "；" if byline else f'<span class="sep">{escape(between)}</span>'
    return mark_safe(separator.join(parts))  # noqa: S308  every part is escaped above


@register.simple_tag
def star(code, label):
    """The star that adds a talk or session to the visitor's own schedule (site.js)."""
    return format_html(
        '<button type="button" class="star" data-star="{}" aria-pressed="false" hidden '
        'title="{}"><span aria-hidden="true">☆</span><span class="visually-hidden">{}</span>'
        "</button>",
        code,
        _("Add to my schedule"),
        _("Add %(label)s to my schedule") % {"label": label},
    )


@register.simple_tag
def star_texts():
    """The words site.js writes beside the stars, in the page's language (the script has
    no catalogue of its own), for the pages that have stars: `{items}` is filled in."""
    return json_script(
        {
            "overlap": _("Overlaps with %(items)s") % {"items": "{items}"},
            "separator": pgettext("between the names of overlapping talks", "; "),
        },
        "star-texts",
    )
