"""A year readable offline, and the site installable as an app.

The service worker (programme/static/programme/sw.js, served at /sw.js so that its scope
is the whole site) keeps, after a visitor opens a page of a year, the pages listed by
that year's `offline.json` in the visitor's language, and serves them when the network
does not answer. The list comes from here rather than from guesses in the script: the
server knows which sessions, talks and people a year has, and the list's version (the
year's data version under the deploy id, as in the pages' ETags) tells the worker when
its copy is out of date. A draft year has no list: a staff preview is never kept.

Also here: the web app manifest (per language: its name and start page are the
visitor's), and the two files browsers and installers ask for at the root (/sw.js,
/favicon.ico), served from programme/static so that there is one copy of each.
"""

import hashlib
import json
from functools import lru_cache
from pathlib import Path

from django.http import Http404, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.utils.cache import get_conditional_response
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views import View

from programme.caching.deploy import deploy_id
from programme.caching.pages import YearPageMixin
from programme.caching.programmes import year_programme
from programme.caching.urls import url_for
from programme.queries import committee_for_conference

STATIC = Path(__file__).resolve().parent.parent / "static"

# The static files every page of the site loads (templates/base.html): kept with each
# year's pages, or an offline page would show without its style and stars.
PAGE_STATIC_FILES = (
    "programme/site.css",
    "programme/site.js",
    "programme/offline.js",
    "programme/icons/favicon.ico",
    "programme/icons/apple-touch-icon.png",
)

# The colour of the site's brand mark (--accent in site.css): the installed app's title bar.
THEME_COLOUR = "#9b1c1c"
BACKGROUND_COLOUR = "#f5f7f9"  # --tint, the page background


class OfflineListView(YearPageMixin, View):
    """`/<year>/offline.json`: every URL needed to read the year offline in the active
    language. Cached and validated like the year's pages: a change to the year gives it
    a new ETag and a new `version`, and the worker fetches the set again (each page
    revalidated against the copy it has, so unchanged pages cost a 304)."""

    def get(self, request, year):
        if self.preview:
            raise Http404("A draft year is not kept offline.")
        body = {
            "year": year,
            "language": get_language(),
            "version": f"{deploy_id()}-{self.stamp.version}-{get_language()}",
            "urls": year_urls(self.conference),
        }
        return JsonResponse(body, json_dumps_params={"ensure_ascii": False})


def year_urls(conference) -> list[str]:
    """The year's pages (home, schedule, abstracts, speakers, organisation, contacts,
    every session and talk), the person pages of everyone the year's pages link to
    (speakers, chairs, hosts, committee members) and the static files."""
    year = conference.year
    programme = year_programme(conference)
    pages = [
        url_for(name, year)
        for name in (
            "programme:conference-home",
            "programme:schedule",
            "programme:abstracts",
            "programme:speakers",
            "programme:organisation",
            "programme:contacts",
        )
    ]
    pages += [url_for("programme:session-detail", year, s.code) for s in programme.sessions]
    pages += [url_for("programme:talk-detail", year, t.code) for t in programme.talks]
    people = [a.person for t in programme.talks for a in t.ordered_speakers]
    people += [a.person for s in programme.sessions for a in s.ordered_chairs]
    people += [a.person for i in programme.items for a in i.ordered_hosts]
    for members in committee_for_conference(conference).values():
        people += [m.person for m in members]
    slugs = sorted({p.slug for p in people})
    pages += [url_for("programme:person-detail", slug) for slug in slugs]
    return pages + [static(name) for name in PAGE_STATIC_FILES]


class ManifestView(View):
    """The web app manifest, in the active language: what a phone shows when the site is
    installed, and where the app opens (the latest year, in the reader's language)."""

    def get(self, request):
        icons = [
            {"src": static(f"programme/icons/{name}"), "sizes": sizes, "type": "image/png"}
            for name, sizes in (("icon-192.png", "192x192"), ("icon-512.png", "512x512"))
        ]
        icons.append(
            {
                "src": static("programme/icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            }
        )
        manifest = {
            "name": _("China Symposium on Machine Learning and Scientific Applications"),
            "short_name": "CSML",
            "lang": get_language(),
            "start_url": url_for("programme:latest"),
            "scope": "/",
            "display": "standalone",
            "theme_color": THEME_COLOUR,
            "background_color": BACKGROUND_COLOUR,
            "icons": icons,
        }
        response = HttpResponse(
            json.dumps(manifest, ensure_ascii=False),
            content_type="application/manifest+json",
        )
        response["Cache-Control"] = "public, max-age=86400"
        return response


def root_file(name: str, content_type: str, cache_control: str):
    """A view serving programme/static/`name` at a fixed root URL, with an ETag of its
    content (a new release's file is a new tag)."""

    def view(request):
        content, etag = _read(name)
        response = get_conditional_response(request, etag=etag)
        if response is None:
            response = HttpResponse(content, content_type=content_type)
        response["ETag"] = etag
        response["Cache-Control"] = cache_control
        return response

    return view


@lru_cache(maxsize=8)
def _read(name: str) -> tuple[bytes, str]:
    content = (STATIC / name).read_bytes()
    return content, f'"{hashlib.sha256(content).hexdigest()[:20]}"'


# At the root, so that the worker's scope is every page (Chinese at /, English at /en/).
# Checked on every navigation (no-cache): a new release's worker takes over at once.
service_worker = root_file("programme/sw.js", "application/javascript; charset=utf-8", "no-cache")
favicon = root_file("programme/icons/favicon.ico", "image/x-icon", "public, max-age=86400")
