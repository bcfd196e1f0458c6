from django.contrib.syndication.views import Feed
from django.http import Http404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from programme import releases
from programme.caching.pages import YearPageMixin
from programme.caching.programmes import year_programme
from programme.localized import localized
from programme.models import Conference
from programme.text import xml_safe


def release_history(conference):
    """[(release, changes since the one before)], oldest first, and the changes since the
    latest release (None when there is no release yet)."""
    ordered = list(conference.releases.order_by("created_at"))
    history = []
    previous = None
    for release in ordered:
        found = releases.changes(previous.snapshot, release.snapshot) if previous else []
        history.append((release, found))
        previous = release
    return history, previous


class ChangesView(YearPageMixin, TemplateView):
    """`/<year>/changes/`: what changed for attendees, release by release."""

    template_name = "programme/changes.html"

    def get_context_data(self, **kwargs):
        history, latest = release_history(self.conference)
        unreleased = None
        if latest is not None:
            current = releases.snapshot(year_programme(self.conference))
            unreleased = releases.changes(latest.snapshot, current)
        return super().get_context_data(
            history=list(reversed(history)), latest=latest, unreleased=unreleased
        )


class ChangesFeed(Feed):
    """Atom-compatible RSS of the releases of a year, newest first."""

    def get_object(self, request, year):
        conference = Conference.objects.published().filter(year=year).first()
        if conference is None:
            raise Http404(f"CSML {year} is not on this site.")
        return conference

    def title(self, conference):
        return xml_safe(_("Schedule changes of %(conference)s") % {"conference": conference})

    def link(self, conference):
        return reverse("programme:changes", args=[conference.year])

    def description(self, conference):
        return xml_safe(localized(conference, "name"))

    def items(self, conference):
        history, _latest = release_history(conference)
        return list(reversed(history))

    def item_title(self, item):
        release, _found = item
        return xml_safe(f"{release.conference} {release.name}")

    def item_description(self, item):
        _release, found = item
        if not found:
            return _("First release of the schedule.")
        return xml_safe("\n".join(f"{c.code} {c.label}: {c.before} → {c.after}" for c in found))

    def item_link(self, item):
        release, _found = item
        return (
            reverse("programme:changes", args=[release.conference.year]) + f"#release-{release.pk}"
        )

    def item_pubdate(self, item):
        return item[0].created_at
