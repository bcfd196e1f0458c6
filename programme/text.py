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
