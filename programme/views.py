"""Public pages. Each reads through one query function of programme.queries."""

from itertools import groupby

from django.http import Http404
from django.shortcuts import redirect
from django.views.generic import DetailView, TemplateView

from programme import queries
from programme.models import Conference, Person, Session, Talk


class ConferenceMixin:
    """Resolves `year` in the URL to a published conference, or a 404."""

    def get_conference(self) -> Conference:
        if not hasattr(self, "_conference"):
            try:
                self._conference = queries.published_conference(self.kwargs["year"])
            except Conference.DoesNotExist:
                raise Http404(f"No published CSML {self.kwargs['year']}.") from None
        return self._conference

    def get_context_data(self, **kwargs):
        return super().get_context_data(conference=self.get_conference(), **kwargs)


class LatestConferenceView(TemplateView):
    def get(self, request, *args, **kwargs):
        latest = Conference.objects.published().order_by("-year").first()
        if latest is None:
            return self.render_to_response({})
        return redirect(latest)

    template_name = "programme/no_conference.html"


class ConferenceHomeView(ConferenceMixin, TemplateView):
    template_name = "programme/conference_home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        conference = context["conference"]
        items = list(queries.programme_items_for_conference(conference))
        sessions = list(queries.sessions_for_conference(conference))
        days = sorted({row.date for row in items} | {row.date for row in sessions})
        context["days"] = [
            {
                "date": day,
                "items": [item for item in items if item.date == day],
                "blocks": [
                    list(block)
                    for _, block in groupby(
                        (s for s in sessions if s.date == day), key=lambda s: (s.start, s.end)
                    )
                ],
            }
            for day in days
        ]
        return context


class SessionDetailView(ConferenceMixin, DetailView):
    template_name = "programme/session_detail.html"
    context_object_name = "session"

    def get_object(self, queryset=None):
        try:
            return queries.session_detail(self.get_conference(), self.kwargs["code"])
        except Session.DoesNotExist:
            raise Http404(f"No session {self.kwargs['code']}.") from None


class TalkDetailView(ConferenceMixin, DetailView):
    template_name = "programme/talk_detail.html"
    context_object_name = "talk"

    def get_object(self, queryset=None):
        try:
            return queries.talk_detail(self.get_conference(), self.kwargs["code"])
        except Talk.DoesNotExist:
            raise Http404(f"No talk {self.kwargs['code']}.") from None


class PersonDetailView(DetailView):
    template_name = "programme/person_detail.html"
    context_object_name = "person"
    queryset = Person.objects.all()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["talks"] = list(queries.talks_by_person(self.object))
        context["chaired"] = list(queries.sessions_chaired_by(self.object))
        context["roles"] = list(queries.committee_roles_of(self.object))
        if not (context["talks"] or context["chaired"] or context["roles"]):
            # Someone known only from a draft year does not exist for the public.
            raise Http404("No published appearance.")
        return context
