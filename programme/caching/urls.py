"""Public URLs by name, remembered.

Why: Django's `reverse()` walks the URL resolver on every call (~40 µs), and a schedule,
an abstracts page or a frab export links hundreds of talks, sessions and people. A URL
depends only on its name and arguments, the active language (the /en/ prefix), the
script prefix and the URL configuration, so it is remembered under all of these. The URL
configuration is settings.ROOT_URLCONF: this site sets no per-request `request.urlconf`
(reading Django's thread-local for it cost as much as the rest of a lookup).
Templates link through model `get_absolute_url()` and the `year_nav` context, both of
which come here.
"""

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, reverse
from django.utils.translation import get_language


def url_for(name: str, *args) -> str:
    """`reverse(name, args=args)`, remembered."""
    return _reverse(name, args, get_language(), get_script_prefix(), settings.ROOT_URLCONF)


@lru_cache(maxsize=50_000)
def _reverse(name, args, language, script_prefix, urlconf) -> str:
    # The key's language and prefix are the active ones, so reverse() uses them too.
    return reverse(name, args=args, urlconf=urlconf)
