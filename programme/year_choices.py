"""Choices of rooms, tracks, sessions, programme items and contacts in both admins.

Each of these belongs to one year, and after "start next year" every room and track name
exists twice. So:
- an object whose year is known (an existing session, talk, item or track) is offered
  only its own year's choices, under their plain names;
- where choices span years (a new object before its year is set, the invitation form,
  the list filters) each shows its year first ("2025 · E1 深度学习…", "2025 · 学生分会"),
  the most recent year first.
The rule itself is the model's (models.same_conference): a choice of another year that
still reaches the model is refused there. This module only keeps such choices out of
sight and makes the spanning lists readable.
"""

from django import forms
from django.contrib import admin

from programme.models import Contact, ProgrammeItem, Room, Session, Track

# The name of a choice within its year.
PLAIN_LABELS = {
    Room: lambda room: room.name,
    Track: lambda track: track.name_zh,
    Session: lambda session: f"{session.code} {session.topic}",
    ProgrammeItem: lambda item: f"{item.date:%m-%d} {item.start:%H:%M} {item.title}",
    Contact: str,
}

# Most recent year first, then the year's own order.
ORDERING = {
    Room: ("-conference__year", "position", "name"),
    Track: ("-conference__year", "position", "code"),
    Session: ("-conference__year", "date", "start", "code"),
    ProgrammeItem: ("-conference__year", "date", "start", "end"),
    Contact: ("-conference__year", "position", "name"),
}


def year_label(obj) -> str:
    """`2025 · 学生分会`: a choice named with its year, for lists that span years."""
    return f"{obj.conference.year} · {PLAIN_LABELS[type(obj)](obj)}"


def year_choices(model, queryset=None):
    """`queryset` (default: every row of `model`) in year order, years fetched with it."""
    if queryset is None:
        queryset = model._default_manager.all()
    return queryset.select_related("conference").order_by(*ORDERING[model])


class YearMultipleChoiceField(forms.ModelMultipleChoiceField):
    """Several choices that may span years, each labelled with its year."""

    def __init__(self, model, **kwargs):
        super().__init__(year_choices(model), **kwargs)

    def label_from_instance(self, obj):
        return year_label(obj)


def scope_to_year(form, *names):
    """Limit the choice fields `names` of a model form to the year of its instance; when
    the instance has no year yet, offer every year's, each labelled with its year.

    Fields the form does not have (read-only on that page) are skipped."""
    conference_id = form.instance.conference_id
    for name in names:
        field = form.fields.get(name)
        if field is None:
            continue
        model = field.queryset.model
        queryset = year_choices(model, field.queryset)
        if conference_id:
            field.queryset = queryset.filter(conference_id=conference_id)
            field.label_from_instance = PLAIN_LABELS[model]
        else:
            field.queryset = queryset
            field.label_from_instance = year_label


class YearListFilter(admin.RelatedOnlyFieldListFilter):
    """A changelist filter by room, track or session: only those the list holds (a track
    contact sees only their own), each labelled with its year; once the list is filtered
    by a year, only that year's."""

    def field_choices(self, field, request, model_admin):
        model = field.related_model
        listed = (
            model_admin.get_queryset(request)
            .distinct()
            .values_list(f"{self.field_path}__pk", flat=True)
        )
        choices = year_choices(model).filter(pk__in=listed)
        year = request.GET.get("conference__id__exact")
        if year and year.isdigit():
            choices = choices.filter(conference_id=year)
        return [(obj.pk, year_label(obj)) for obj in choices]
