"""Links to an old session or talk code answer 301 to the same page under today's code.

Why a redirect rather than a 404: programme links are shared in chats, e-mails and
calendar entries long before the conference, and codes still change (the renumber
action, a staff correction). The old codes are kept by programme.models.CodeRedirect;
they are looked up only for a code the year does not have, so the pages of current codes
cost no extra query.
"""

from django.http import Http404, HttpResponsePermanentRedirect

from programme.caching.urls import url_for
from programme.models import CodeRedirect


def moved_or_404(conference, kind: str, code: str, url_name: str):
    """A 301 to `url_name` (same year, today's code of the object that was `code`), or
    Http404 when the year never had that code. The /en/ prefix follows the request's
    language, as url_for() does."""
    current = CodeRedirect.objects.current_code(conference, kind, code)
    if current is None:
        raise Http404(f"No {kind} {code} in CSML {conference.year}.")
    return HttpResponsePermanentRedirect(url_for(url_name, conference.year, current))
