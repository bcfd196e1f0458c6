"""Small text rules shared by templates, exports and imports."""

import re
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Characters XML 1.0 cannot carry (and RSS/frab readers choke on); tab, LF, CR stay.
XML_INVALID = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_safe(value) -> str:
    return XML_INVALID.sub("", str(value))


def web_url(value: str) -> str:
    """`value` as an http(s) link target (a bare host gets https://), or "" when it is
    anything else: javascript:, data:, and tricks like java<TAB>script: (urlsplit drops
    tabs and newlines the way browsers do)."""
    value = (value or "").strip()
    if value and "://" not in value and ":" not in value.split("/")[0]:
        value = "https://" + value
    return value if urlsplit(value).scheme.lower() in {"http", "https"} else ""


def validate_web_address(value: str) -> None:
    """Model validator: a web address as printed ("c2sml.cn" or "https://..."), never a
    javascript: or data: link."""
    if value and not web_url(value):
        raise ValidationError(_("%(value)s is not a web address.") % {"value": value})


OPENING_BRACKETS, CLOSING_BRACKETS = "(（", ")）"


def split_trailing_brackets(text: str) -> tuple[str, str]:
    """`张三（香港中文大学（深圳））` -> (`张三`, `香港中文大学（深圳）`): the text before a
    final bracketed part, and what the brackets hold ("" when the text does not end in
    one). Full-width and ASCII brackets both count, nested ones too. A person key's
    qualifier (`王磊 (浙江大学)`) and a people cell's affiliation are both read with it.
    Raises ValueError when the final brackets do not pair up."""
    text = text.strip()
    if not text or text[-1] not in CLOSING_BRACKETS:
        return text, ""
    depth = 0
    for index in range(len(text) - 1, -1, -1):
        if text[index] in CLOSING_BRACKETS:
            depth += 1
        elif text[index] in OPENING_BRACKETS:
            depth -= 1
            if depth == 0:
                return text[:index].strip(), text[index + 1 : -1].strip()
    raise ValueError(_("The brackets in “%(text)s” do not pair up.") % {"text": text})
