from django import template
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from programme import names, rich_text, text
from programme.links import url_for

register = template.Library()


@register.filter
def rich(text: str):
    """An abstract or bio: paragraphs, escaped, with $...$ as MathML."""
    return mark_safe(rich_text.rich_html(text or ""))  # noqa: S308  escaped by rich_html


@register.filter
def title(text: str):
    """A title: escaped, with $...$ as MathML."""
    return mark_safe(rich_text.title_html(text or ""))  # noqa: S308  escaped by title_html


@register.filter
def display_name(person) -> str:
    """`张林峰` in Chinese; `张林峰 (Zhang Linfeng)` in the English interface."""
    name = person.name
    if get_language() == "en" and names.is_chinese(name):
        return f"{name} ({person.name_en or names.pinyin_name(name)})"
    return name


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


# The two fragments below are on every talk of the schedule and the book of abstracts:
# as simple tags they render many times faster than {% include %} (measured: the
# schedule's render time is mostly includes).


@register.simple_tag
def people(appearances, with_affiliation=False):
    """Linked names (pinyin in the English interface), affiliations, online marks."""
    online = _("online")
    parts = []
    for appearance in appearances:
        html = format_html(
            '<a href="{}">{}</a>',
            appearance.person.get_absolute_url(),
            display_name(appearance.person),
        )
        if with_affiliation and appearance.affiliation:
            html += format_html('<span class="affiliation">（{}）</span>', appearance.affiliation)
        if getattr(appearance, "online", False):
            html += format_html('<span class="badge badge--online">{}</span>', online)
        parts.append(html)
    return mark_safe('<span class="sep">、</span>'.join(parts))  # noqa: S308  parts are escaped


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
