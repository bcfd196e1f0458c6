"""The staff's editing interface: one admin per model, ordered children inline."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.widgets import AdminDateWidget, FilteredSelectMultiple
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Count, Prefetch
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from simple_history.admin import SimpleHistoryAdmin

from programme.concurrency import ConcurrentEditAdmin, ConcurrentEditForm
from programme.dashboard import year_report
from programme.models import (
    CommitteeMembership,
    Conference,
    Contact,
    ItemHost,
    Organisation,
    Person,
    ProgrammeItem,
    Release,
    Room,
    Session,
    SessionChair,
    Talk,
    TalkSpeaker,
    Track,
)
from programme.refused_changes import RefusedChangeAdmin
from programme.renumber_admin import RenumberTalksAdmin, TalkOrderMedia
from programme.services import (
    copy_year,
    invite_contact,
    release_schedule,
    same_weekday_next_year,
    set_published,
)
from programme.spreadsheets import (
    SPREADSHEET_FORMATS,
    CommitteeResource,
    ContactResource,
    ImportRefused,
    LimitedImportForm,
    PersonResource,
    SessionResource,
    TalkResource,
)
from programme.year_choices import YearListFilter, YearMultipleChoiceField, scope_to_year


class SpreadsheetMixin(ImportExportMixin):
    """Export a year (the changelist's filter), edit it in Excel/WPS, import it back: the
    preview shows what is created, deleted and changed, then the rows changed by someone
    else since the export (applied only if ticked), then the unchanged rows, folded; a
    bad row applies nothing; a file over the limits (programme/spreadsheets/limits.py) is
    refused on the form before it is read."""

    formats = import_formats = export_formats = SPREADSHEET_FORMATS
    import_form_class = LimitedImportForm
    import_template_name = "admin/import_export/spreadsheet_import.html"

    def add_data_read_fail_error_to_form(self, form, error):
        if isinstance(error, ImportRefused):
            form.add_error("import_file", str(error))
        else:
            super().add_data_read_fail_error_to_form(form, error)

    def get_import_data_kwargs(self, request=None, **kwargs):
        """The conflicting rows staff chose to apply in the preview (their row numbers,
        ticked in the preview's table, submitted with the confirm form)."""
        kwargs = super().get_import_data_kwargs(request=request, **kwargs)
        if request is not None:
            kwargs["apply_rows"] = request.POST.getlist("apply_row")
        return kwargs

    def add_success_message(self, result, request):
        super().add_success_message(result, request)
        kept = ", ".join(str(row.number) for row in result.conflicts())
        if kept:
            messages.warning(
                request,
                _("Not applied, as changed by someone else since the export: rows %(rows)s.")
                % {"rows": kept},
            )


class OrganisationInline(admin.TabularInline):
    model = Organisation
    extra = 0
    fields = ("role", "name", "name_en", "position")


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ("name", "email", "phone", "role", "role_en", "position")


class RoomInline(admin.TabularInline):
    model = Room
    extra = 0
    fields = ("name", "name_en", "position")


class TrackInline(admin.TabularInline):
    model = Track
    extra = 0
    fields = ("code", "name_zh", "name_en", "position")


class ReleaseForm(forms.ModelForm):
    class Meta:
        model = Release
        fields = ("name",)


class NextYearForm(forms.Form):
    first_day = forms.DateField(
        label=_("first day of the new year"),
        widget=AdminDateWidget,
        help_text=_(
            "Every date of the programme moves with it: the same weekday as this year "
            "keeps each session on its weekday."
        ),
    )


@admin.register(Conference)
class ConferenceAdmin(RefusedChangeAdmin, admin.ModelAdmin):
    list_display = ("year", "name_zh", "start_date", "end_date", "venue", "published", "tools")
    list_filter = ("published",)
    search_fields = ("name_zh", "name_en", "venue")
    inlines = (OrganisationInline, ContactInline, RoomInline, TrackInline)
    actions = ("publish", "unpublish", "start_next_year")

    @admin.display(description=_("tools"))
    def tools(self, conference):
        links = (
            (reverse("admin:programme_conference_dashboard", args=[conference.pk]), _("Dashboard")),
            (reverse("admin:programme_conference_release", args=[conference.pk]), _("Release")),
            (
                conference.get_absolute_url(),
                _("Public pages") if conference.published else _("Preview"),
            ),
        )
        return format_html_join(" · ", '<a href="{}">{}</a>', links)

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/dashboard/",
                wrap(self.dashboard_view),
                name="programme_conference_dashboard",
            ),
            path("<int:pk>/release/", wrap(self.release_view), name="programme_conference_release"),
            *super().get_urls(),
        ]

    def dashboard_view(self, request, pk):
        conference = self.get_object(request, str(pk))
        if conference is None or not self.has_view_permission(request, conference):
            raise PermissionDenied
        context = {
            **self.admin_site.each_context(request),
            "title": _("Dashboard of %(conference)s") % {"conference": conference},
            "conference": conference,
            "report": year_report(conference),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/programme/conference/dashboard.html", context)

    def release_view(self, request, pk):
        """Release the schedule as it stands under a name; list earlier releases."""
        conference = self.get_object(request, str(pk))
        if conference is None or not self.has_change_permission(request, conference):
            raise PermissionDenied
        form = ReleaseForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            name = form.cleaned_data["name"]
            if conference.releases.filter(name=name).exists():
                form.add_error("name", _("This year already has a release of that name."))
            else:
                release_schedule(conference=conference, name=name, user=request.user)
                messages.success(request, _("Released %(name)s.") % {"name": name})
                return redirect("admin:programme_conference_release", pk=conference.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Schedule releases of %(conference)s") % {"conference": conference},
            "conference": conference,
            "form": form,
            "releases": conference.releases.select_related("created_by").order_by("-created_at"),
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/programme/conference/release.html", context)

    @admin.action(description=_("Publish the selected years"), permissions=["change"])
    def publish(self, request, queryset):
        for conference in queryset:
            set_published(conference=conference, published=True)
        self.message_user(request, _("Published: %(n)s.") % {"n": queryset.count()})

    @admin.action(description=_("Unpublish the selected years"), permissions=["change"])
    def unpublish(self, request, queryset):
        for conference in queryset:
            set_published(conference=conference, published=False)
        self.message_user(request, _("Unpublished: %(n)s.") % {"n": queryset.count()})

    @admin.action(description=_("Start next year from this one"), permissions=["add"])
    def start_next_year(self, request, queryset):
        """Ask for the new first day (a page between the list and the copy, like
        Django's delete confirmation), then copy the year with every date moved."""
        if queryset.count() != 1:
            self.message_user(request, _("Choose one year to start the next from."), messages.ERROR)
            return None
        conference = queryset.get()
        data = request.POST if "first_day" in request.POST else None
        form = NextYearForm(
            data, initial={"first_day": same_weekday_next_year(conference.start_date)}
        )
        if form.is_valid():
            try:
                copy = copy_year(conference=conference, first_day=form.cleaned_data["first_day"])
            except ValidationError as error:
                # Its messages, not its fields: the copy's fields are not on this form.
                form.add_error("first_day", error.messages)
            else:
                self.message_user(
                    request,
                    _("Created draft %(copy)s from %(conference)s.")
                    % {"copy": copy, "conference": conference},
                )
                return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Start next year from %(conference)s") % {"conference": conference},
            "conference": conference,
            "adminform": helpers.AdminForm(form, [(None, {"fields": ["first_day"]})], {}),
            "media": self.media + form.media,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/programme/conference/start_next_year.html", context)

    fieldsets = (
        (None, {"fields": ("year", "name_zh", "name_en", "short_name", "published")}),
        (
            _("Dates and place"),
            {
                "fields": (
                    ("start_date", "end_date"),
                    ("registration_date", "registration_times"),
                    "registration_times_en",
                    ("venue", "venue_en"),
                    ("address", "address_en"),
                    ("website", "livestream"),
                    ("hotel_name", "hotel_website", "hotel_phone"),
                )
            },
        ),
        (_("Introduction"), {"fields": ("intro_zh", "intro_en")}),
        (_("Editorial notes"), {"classes": ("collapse",), "fields": ("notes",)}),
    )


@admin.register(Person)
class PersonAdmin(RefusedChangeAdmin, SpreadsheetMixin, admin.ModelAdmin):
    resource_classes = (PersonResource,)
    list_display = ("key", "name", "name_en", "email", "slug")
    search_fields = ("key", "name", "name_en", "email")
    readonly_fields = ("slug",)
    # Django 5.2 warns unless the scheme guessed for "example.org" is chosen explicitly.
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}


@admin.register(CommitteeMembership)
class CommitteeMembershipAdmin(RefusedChangeAdmin, SpreadsheetMixin, admin.ModelAdmin):
    resource_classes = (CommitteeResource,)
    list_display = ("person", "role", "title", "title_en", "affiliation", "position", "conference")
    list_filter = ("conference", "role")
    list_select_related = ("person", "conference")
    search_fields = ("person__name", "affiliation")
    autocomplete_fields = ("person",)


@admin.register(Contact)
class ContactAdmin(RefusedChangeAdmin, SpreadsheetMixin, admin.ModelAdmin):
    resource_classes = (ContactResource,)
    list_display = ("name", "role", "role_en", "email", "phone", "conference")
    list_filter = ("conference",)
    list_select_related = ("conference",)
    search_fields = ("name", "email", "role", "role_en")


@admin.register(Room)
class RoomAdmin(RefusedChangeAdmin, admin.ModelAdmin):
    list_display = ("name", "name_en", "conference", "position")
    list_filter = ("conference",)
    list_select_related = ("conference",)
    search_fields = ("name", "name_en")


class SearchableSelector(FilteredSelectMultiple):
    """The admin's searchable two-box selector outside a change form.

    SelectFilter2.js puts the selector first in the select's parent element; a change
    form wraps the select in a div (RelatedFieldWidgetWrapper), so the label stays before
    it. Without that wrapper the label would end up after the selector."""

    def __init__(self, verbose_name):
        super().__init__(verbose_name, is_stacked=False)

    def render(self, *args, **kwargs):
        return format_html(
            '<div class="related-widget-wrapper">{}</div>', super().render(*args, **kwargs)
        )


class InviteContactForm(forms.Form):
    name = forms.CharField(label=_("name"), max_length=100)
    email = forms.EmailField(label=_("e-mail"))
    # The admin's searchable two-box selector: a year's sessions are about forty.
    tracks = YearMultipleChoiceField(
        Track, required=False, label=_("tracks"), widget=SearchableSelector(_("tracks"))
    )
    sessions = YearMultipleChoiceField(
        Session,
        required=False,
        label=_("sessions"),
        widget=SearchableSelector(_("sessions")),
    )

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("tracks") and not cleaned.get("sessions"):
            raise forms.ValidationError(_("Choose at least one track or session."))
        return cleaned


class TrackForm(forms.ModelForm):
    # Fields as the admin chooses them.
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope_to_year(self, "contacts")


@admin.register(Track)
class TrackAdmin(RefusedChangeAdmin, admin.ModelAdmin):
    form = TrackForm
    list_display = ("name_zh", "code", "conference", "session_count")
    list_filter = ("conference",)
    list_select_related = ("conference",)
    search_fields = ("name_zh", "name_en", "code")
    filter_horizontal = ("contacts", "editors")
    change_list_template = "admin/programme/track/change_list.html"

    def get_urls(self):
        invite = self.admin_site.admin_view(self.invite_view)
        return [path("invite/", invite, name="programme_track_invite"), *super().get_urls()]

    def invite_view(self, request):
        """Invite a track contact or session coordinator by e-mail."""
        if not request.user.has_perm("programme.change_track"):
            return redirect("admin:programme_track_changelist")
        form = InviteContactForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            user = invite_contact(request=request, **form.cleaned_data)
            messages.success(
                request,
                _("%(email)s is invited: a link to set a password was sent.")
                % {"email": user.email},
            )
            return redirect("admin:programme_track_changelist")
        context = {
            **self.admin_site.each_context(request),
            "title": _("Invite a track contact"),
            "form": form,
            "adminform": helpers.AdminForm(
                form, [(None, {"fields": ["name", "email", "tracks", "sessions"]})], {}
            ),
            "media": self.media + form.media,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/programme/track/invite.html", context)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_sessions=Count("sessions"))

    @admin.display(description=_("sessions"), ordering="n_sessions")
    def session_count(self, track):
        return track.n_sessions


class ItemHostInline(ConcurrentEditAdmin, admin.TabularInline):
    model = ItemHost
    extra = 0
    autocomplete_fields = ("person",)
    fields = ("position", "person", "affiliation")


class ProgrammeItemForm(ConcurrentEditForm):
    # Fields as the admin chooses them.
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope_to_year(self, "room")


@admin.register(ProgrammeItem)
class ProgrammeItemAdmin(RefusedChangeAdmin, ConcurrentEditAdmin, admin.ModelAdmin):
    form = ProgrammeItemForm
    list_display = ("title", "title_en", "kind", "date", "start", "end", "room", "conference")
    list_filter = ("conference", "kind", "date", ("room", YearListFilter))
    list_select_related = ("room", "conference")
    search_fields = ("title", "title_en", "description")
    inlines = (ItemHostInline,)


class SessionChairInline(ConcurrentEditAdmin, admin.TabularInline):
    model = SessionChair
    extra = 0
    autocomplete_fields = ("person",)
    fields = ("position", "person", "affiliation", "online")


class TalkInline(ConcurrentEditAdmin, admin.TabularInline):
    """Talks of a session in order: drag a row by its handle (or edit `order`) to reorder,
    open a talk for its speakers."""

    model = Talk
    extra = 0
    fields = ("position", "code", "title", "online")
    show_change_link = True
    ordering = ("position",)
    Media = TalkOrderMedia


class SessionForm(ConcurrentEditForm):
    class Meta:
        model = Session
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A plain select, not an autocomplete: a year has about ten rooms, and an
        # autocomplete's results cannot know the year of the page asking.
        scope_to_year(self, "room", "track")


@admin.register(Session)
class SessionAdmin(
    RenumberTalksAdmin,
    RefusedChangeAdmin,
    ConcurrentEditAdmin,
    SpreadsheetMixin,
    SimpleHistoryAdmin,
):
    resource_classes = (SessionResource,)
    form = SessionForm
    filter_horizontal = ("editors",)
    list_display = ("code", "topic", "date", "start", "end", "room", "track", "chair_names")
    list_display_links = ("code", "topic")
    list_filter = ("conference", "date", ("track", YearListFilter), ("room", YearListFilter))
    list_select_related = ("room", "track", "conference")
    search_fields = ("code", "topic", "session_chairs__person__name")
    inlines = (SessionChairInline, TalkInline)
    actions = ("renumber",)

    def get_queryset(self, request):
        chairs = SessionChair.objects.select_related("person").order_by("position")
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("session_chairs", chairs, to_attr="ordered_chairs"))
        )

    @admin.display(description=_("chairs"))
    def chair_names(self, session):
        return "、".join(chair.person.name for chair in session.ordered_chairs)


class TalkSpeakerInline(ConcurrentEditAdmin, admin.TabularInline):
    model = TalkSpeaker
    extra = 0
    autocomplete_fields = ("person",)
    fields = ("position", "person", "affiliation", "bio")


class TalkForm(ConcurrentEditForm):
    class Meta:
        model = Talk
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        scope_to_year(self, "session", "item")


@admin.register(Talk)
class TalkAdmin(RefusedChangeAdmin, ConcurrentEditAdmin, SpreadsheetMixin, SimpleHistoryAdmin):
    resource_classes = (TalkResource,)
    form = TalkForm
    list_display = ("code", "title", "speaker_names", "session", "online", "conference")
    list_display_links = ("code", "title")
    list_filter = (
        "conference",
        "session__date",
        ("session__track", YearListFilter),
        ("session__room", YearListFilter),
        "online",
    )
    list_select_related = ("session", "conference")
    search_fields = (
        "code",
        "title",
        "abstract",
        "talk_speakers__person__name",
        "talk_speakers__affiliation",
    )
    # A talk's year is its session's or item's (Talk.derive): shown, not chosen.
    readonly_fields = ("conference", "guid")
    inlines = (TalkSpeakerInline,)

    def get_queryset(self, request):
        speakers = TalkSpeaker.objects.select_related("person").order_by("position")
        return (
            super()
            .get_queryset(request)
            .prefetch_related(Prefetch("talk_speakers", speakers, to_attr="ordered_speakers"))
        )

    @admin.display(description=_("speakers"))
    def speaker_names(self, talk):
        return "、".join(speaker.person.name for speaker in talk.ordered_speakers)


@admin.register(Release)
class ReleaseAdmin(admin.ModelAdmin):
    list_display = ("name", "conference", "created_at", "created_by")
    list_filter = ("conference",)
    list_select_related = ("conference", "created_by")
    fields = readonly_fields = ("conference", "name", "created_at", "created_by")

    def has_add_permission(self, request):
        return False  # releases are made from a conference's "Release" page


admin.site.site_header = _("CSML programme administration")
admin.site.site_title = _("CSML programme")
