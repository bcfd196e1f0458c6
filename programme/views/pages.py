import datetime as dt
from zoneinfo import ZoneInfo

from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.views.generic import TemplateView

from programme import queries
from programme.caching.pages import CachedPageMixin, YearPageMixin
from programme.caching.programmes import year_programme
from programme.localized import localized
from programme.models import CommitteeMembership, Conference
from programme.names import pinyin_sort_key
from programme.views.moved import moved_or_404

SHANGHAI = ZoneInfo("Asia/Shanghai")


class LatestConferenceView(TemplateView):
    """`/`: the latest published year."""

    template_name = "programme/no_conference.html"

    def get(self, request, *args, **kwargs):
        latest = Conference.objects.published().order_by("-year").values_list("year", flat=True)
        year = latest.first()
        if year is None:
            return self.render_to_response({})
        return redirect(reverse("programme:conference-home", args=[year]))


class ArchiveView(CachedPageMixin, TemplateView):
    template_name = "programme/archive.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(conferences=list(queries.published_conferences()))


def timeline_entries(programme: queries.Programme) -> list[dict]:
    """Items and sessions with aware start/end, for the 'now and next' panel's script."""

    def aware(date, time):
        return dt.datetime.combine(date, time, tzinfo=SHANGHAI).isoformat()

    entries = [
        {
            "start": aware(i.date, i.start),
            "end": aware(i.date, i.end),
            "title": i.talk_or_none.title if i.talk_or_none else localized(i, "title"),
            "where": localized(i.room, "name"),
            "url": i.talk_or_none.get_absolute_url() if i.talk_or_none else "",
        }
        for i in programme.items
    ]
    entries += [
        {
            "start": aware(s.date, s.start),
            "end": aware(s.date, s.end),
            "title": f"{s.code} {s.topic}",
            "where": localized(s.room, "name"),
            "url": s.get_absolute_url(),
        }
        for s in programme.sessions
    ]
    return sorted(entries, key=lambda e: e["start"])


class ConferenceHomeView(YearPageMixin, TemplateView):
    template_name = "programme/conference_home.html"

    def get_context_data(self, **kwargs):
        programme = year_programme(self.conference)
        organisations = list(self.conference.organisations.order_by("role", "position"))
        return super().get_context_data(
            programme=programme,
            hosts=[o for o in organisations if o.role == "host"],
            co_hosts=[o for o in organisations if o.role == "co_host"],
            timeline=timeline_entries(programme),
        )


class ScheduleView(YearPageMixin, TemplateView):
    template_name = "programme/schedule.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(programme=year_programme(self.conference))


class AbstractsView(YearPageMixin, TemplateView):
    template_name = "programme/abstracts.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(programme=year_programme(self.conference))


class SpeakersView(YearPageMixin, TemplateView):
    """Every speaker, chair and host of the year in pinyin order, with where they appear."""

    template_name = "programme/speakers.html"

    def get_context_data(self, **kwargs):
        programme = year_programme(self.conference)
        people = {}

        def entry(appearance):
            person = appearance.person
            return people.setdefault(
                person.pk,
                {"person": person, "affiliations": [], "talks": [], "sessions": [], "items": []},
            )

        for talk in programme.talks:
            for speaker in talk.ordered_speakers:
                found = entry(speaker)
                found["talks"].append(talk)
                if speaker.affiliation and speaker.affiliation not in found["affiliations"]:
                    found["affiliations"].append(speaker.affiliation)
        for session in programme.sessions:
            for chair in session.ordered_chairs:
                entry(chair)["sessions"].append(session)
        for item in programme.items:
            for host in item.ordered_hosts:
                entry(host)["items"].append(item)
        ordered = sorted(people.values(), key=lambda p: pinyin_sort_key(p["person"].name))
        return super().get_context_data(people=ordered)


class OrganisationView(YearPageMixin, TemplateView):
    template_name = "programme/organisation.html"

    def get_context_data(self, **kwargs):
        committee = queries.committee_for_conference(self.conference)
        organisations = list(self.conference.organisations.order_by("role", "position"))
        return super().get_context_data(
            committees=[
                (label, committee[role])
                for role, label in CommitteeMembership.Role.choices
                if committee.get(role)
            ],
            hosts=[o for o in organisations if o.role == "host"],
            co_hosts=[o for o in organisations if o.role == "co_host"],
        )


class ContactsView(YearPageMixin, TemplateView):
    template_name = "programme/contacts.html"

    def get_context_data(self, **kwargs):
        contacts = queries.contacts_for_conference(self.conference)
        return super().get_context_data(contacts=contacts)


class SessionDetailView(YearPageMixin, TemplateView):
    template_name = "programme/session_detail.html"

    def get(self, request, *args, code, **kwargs):
        session = year_programme(self.conference).sessions_by_code.get(code)
        if session is None:
            return moved_or_404(self.conference, "session", code, "programme:session-detail")
        return self.render_to_response(self.get_context_data(session=session))


class TalkDetailView(YearPageMixin, TemplateView):
    template_name = "programme/talk_detail.html"

    def get(self, request, *args, code, **kwargs):
        talk = year_programme(self.conference).talks_by_code.get(code)
        if talk is None:
            return moved_or_404(self.conference, "talk", code, "programme:talk-detail")
        context = self.get_context_data(talk=talk, other_talks=queries.other_talks(talk))
        return self.render_to_response(context)


class PersonDetailView(CachedPageMixin, TemplateView):
    template_name = "programme/person_detail.html"

    def get_context_data(self, **kwargs):
        record = queries.person_record(self.kwargs["slug"])
        if record is None:
            raise Http404("No such person on this site.")
        return super().get_context_data(record=record, person=record.person)
