"""The "my track" area at /track/: track contacts and session coordinators edit their own
sessions and talks, and nothing else.

Why a second Django admin site rather than permissions in the staff admin or a
hand-made area: contacts get the editing tools staff already know (ordered talk inlines,
autocomplete for people, history with revert, the concurrent-edit check), while every
queryset of this site is cut down to the user's sessions up front. The staff admin keeps
Django's plain model permissions, so nothing a contact can do depends on a check being
remembered in a staff screen, and a contact (is_staff stays False) cannot open /admin/.
"""

from django import forms
from django.contrib import admin
from django.contrib.admin import AdminSite
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from programme import permissions
from programme.concurrency import ConcurrentEditAdmin, ConcurrentEditForm
from programme.models import Person, Room, Session, SessionChair, Talk, TalkSpeaker
from programme.refused_changes import RefusedChangeAdmin


class ContactAuthenticationForm(AuthenticationForm):
    """Admits active users who look after a track or session (not only staff)."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not permissions.is_programme_contact(user):
            raise ValidationError(
                _("This account looks after no track or session. Staff sign in at /admin/."),
                code="not_a_contact",
            )


class TrackAdminSite(AdminSite):
    login_form = ContactAuthenticationForm
    site_header = _("CSML · my sessions")
    site_title = _("CSML · my sessions")
    index_title = _("Sessions and talks you look after")
    site_url = "/"

    index_template = "admin/track/index.html"

    def has_permission(self, request):
        return permissions.is_programme_contact(request.user)

    def index(self, request, extra_context=None):
        """The admin index, with the user's sessions listed first: a contact comes here to
        open one of them, not to browse models."""
        sessions = (
            permissions.editable_sessions(request.user)
            .select_related("conference", "track", "room")
            .annotate(n_talks=Count("talks"))
            .order_by("-conference__year", "date", "start", "code")
        )
        return super().index(request, {"my_sessions": sessions, **(extra_context or {})})


track_site = TrackAdminSite(name="track")


class ContactModelAdmin(RefusedChangeAdmin, admin.ModelAdmin):
    """Permission to touch an object = the object is in the user's sessions."""

    def has_module_permission(self, request):
        return permissions.is_programme_contact(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request) and (
            obj is None or self.get_queryset(request).filter(pk=obj.pk).exists()
        )

    has_change_permission = has_view_permission


class SessionForm(ConcurrentEditForm):
    class Meta:
        model = Session
        fields = ("topic", "date", "start", "end", "room", "meeting")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].queryset = Room.objects.filter(
            conference_id=self.instance.conference_id
        )

    def clean(self):
        cleaned = super().clean()
        conference = self.instance.conference
        date = cleaned.get("date")
        if date and not conference.start_date <= date <= conference.end_date:
            raise ValidationError(
                _("%(date)s is not a day of %(conference)s (%(start)s – %(end)s).")
                % {
                    "date": date,
                    "conference": conference,
                    "start": conference.start_date,
                    "end": conference.end_date,
                }
            )
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            raise ValidationError(_("The session must end after it starts."))
        return cleaned


class ChairInline(ConcurrentEditAdmin, admin.TabularInline):
    model = SessionChair
    extra = 0
    fields = ("position", "person", "affiliation", "online")
    autocomplete_fields = ("person",)
    ordering = ("position",)

    def has_add_permission(self, request, obj=None):
        return True

    def has_change_permission(self, request, obj=None):
        return True

    def has_delete_permission(self, request, obj=None):
        return True

    has_view_permission = has_change_permission


class TalkOrderInline(ChairInline):
    """The session's talks: change `order` to reorder, open a talk to edit it."""

    model = Talk
    fields = ("position", "code", "title", "online")
    autocomplete_fields = ()
    show_change_link = True
    exclude = ()


@admin.register(Session, site=track_site)
class ContactSessionAdmin(ConcurrentEditAdmin, ContactModelAdmin, SimpleHistoryAdmin):
    form = SessionForm
    list_display = ("code", "topic", "date", "start", "end", "room", "track")
    list_select_related = ("room", "track", "conference")
    list_filter = ("conference", "track")
    search_fields = ("code", "topic")
    readonly_fields = ("conference", "track", "code")
    fields = ("conference", "track", "code", "topic", "date", "start", "end", "room", "meeting")
    inlines = (ChairInline, TalkOrderInline)

    def get_queryset(self, request):
        return permissions.editable_sessions(request.user).select_related("conference")

    def has_add_permission(self, request):
        return False  # sessions are created by staff, within a track

    def has_delete_permission(self, request, obj=None):
        return False

    def save_formset(self, request, form, formset, change):
        # New talks added inline belong to the session's conference.
        for inline_form in formset.forms:
            if isinstance(inline_form.instance, Talk):
                inline_form.instance.conference_id = form.instance.conference_id
        super().save_formset(request, form, formset, change)


class TalkForm(ConcurrentEditForm):
    class Meta:
        model = Talk
        fields = ("session", "code", "position", "title", "online", "start", "end", "abstract")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the user's own sessions can be chosen: a posted id of another track's
        # session is "not one of the available choices".
        self.fields["session"].queryset = permissions.editable_sessions(user).select_related(
            "conference"
        )

    def clean(self):
        cleaned = super().clean()
        session = cleaned.get("session")
        if session is not None:
            self.instance.conference_id = session.conference_id
            code = cleaned.get("code")
            clash = Talk.objects.filter(conference_id=session.conference_id, code=code)
            if code and clash.exclude(pk=self.instance.pk).exists():
                raise ValidationError(
                    _("Talk code %(code)s is already used in %(year)s.")
                    % {"code": code, "year": session.conference.year}
                )
        return cleaned


class SpeakerInline(ChairInline):
    model = TalkSpeaker
    fields = ("position", "person", "affiliation", "bio")


@admin.register(Talk, site=track_site)
class ContactTalkAdmin(ConcurrentEditAdmin, ContactModelAdmin, SimpleHistoryAdmin):
    form = TalkForm
    list_display = ("code", "title", "session", "online")
    list_select_related = ("session",)
    list_filter = ("session",)
    search_fields = ("code", "title", "talk_speakers__person__name")
    inlines = (SpeakerInline,)

    def get_queryset(self, request):
        return permissions.editable_talks(request.user).select_related("session__conference")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)

        class UserTalkForm(form):
            def __init__(self, *args, **inner):
                super().__init__(*args, user=request.user, **inner)

        return UserTalkForm

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)


class PersonForm(forms.ModelForm):
    class Meta:
        model = Person
        fields = ("name", "name_en")

    def save(self, commit=True):
        person = super().save(commit=False)
        person.key = person.key or person.name
        if commit:
            person.save()
        return person

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if Person.objects.filter(key=name).exists():
            raise ValidationError(
                _("%(name)s is already in the list of people: choose them as speaker.")
                % {"name": name}
            )
        return name


@admin.register(Person, site=track_site)
class ContactPersonAdmin(ContactModelAdmin):
    """Contacts may look people up (for speakers and chairs) and add new ones; people are
    shared by every year, so changing them stays with staff. No e-mail addresses here."""

    form = PersonForm
    list_display = ("name", "name_en")
    search_fields = ("key", "name", "name_en")
    fields = ("name", "name_en")

    def get_queryset(self, request):
        return Person.objects.all()

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
