from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from programme import names, rich_text, text

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
