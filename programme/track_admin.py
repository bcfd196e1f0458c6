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
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from programme import permissions
from programme.concurrency import ConcurrentEditAdmin, ConcurrentEditForm
from programme.models import Person, Session, SessionChair, Talk, TalkSpeaker
from programme.refused_changes import RefusedChangeAdmin
from programme.renumber_admin import RenumberTalksAdmin, TalkOrderMedia
from programme.year_choices import YearListFilter, scope_to_year


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
        # What a contact may change (README, "What a track contact may and may not
        # change"): the grid of days, times and rooms is the conference's, kept by staff.
        fields = ("topic", "meeting")


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
    """The session's talks: drag a row by its handle (or change `order`) to reorder, open
    a talk to edit it. A contact adds talks but does not delete them: a withdrawn talk is
    taken out by staff, who publish the change as a release."""

    model = Talk
    fields = ("position", "code", "title", "online")
    autocomplete_fields = ()
    show_change_link = True
    exclude = ()
    Media = TalkOrderMedia

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Session, site=track_site)
class ContactSessionAdmin(
    RenumberTalksAdmin, ConcurrentEditAdmin, ContactModelAdmin, SimpleHistoryAdmin
):
    form = SessionForm
    list_display = ("code", "topic", "date", "start", "end", "room", "track")
    list_select_related = ("room", "track", "conference")
    list_filter = ("conference", ("track", YearListFilter))
    search_fields = ("code", "topic")
    readonly_fields = ("conference", "track", "code", "date", "start", "end", "room")
    fields = ("conference", "track", "code", "topic", "date", "start", "end", "room", "meeting")
    inlines = (ChairInline, TalkOrderInline)

    def get_queryset(self, request):
        return permissions.editable_sessions(request.user).select_related("conference")

    def has_add_permission(self, request):
        return False  # sessions are created by staff, within a track

    def has_delete_permission(self, request, obj=None):
        return False


class TalkForm(ConcurrentEditForm):
    class Meta:
        model = Talk
        fields = ("session", "code", "position", "title", "online", "start", "end", "abstract")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the user's own sessions can be chosen (a posted id of another track's
        # session is "not one of the available choices"), and of the talk's own year.
        self.fields["session"].queryset = permissions.editable_sessions(user)
        scope_to_year(self, "session")


class SpeakerInline(ChairInline):
    model = TalkSpeaker
    fields = ("position", "person", "affiliation", "bio")


@admin.register(Talk, site=track_site)
class ContactTalkAdmin(ConcurrentEditAdmin, ContactModelAdmin, SimpleHistoryAdmin):
    form = TalkForm
    list_display = ("code", "title", "session", "online")
    list_select_related = ("session",)
    list_filter = (("session", YearListFilter),)
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
        return False  # as on the session page (TalkOrderInline)


class PersonForm(forms.ModelForm):
    """Someone new, known by their name: the model makes the name their key (a key
    already taken is refused by the model's unique check, in the words below)."""

    class Meta:
        model = Person
        fields = ("name", "name_en")
        error_messages = {
            NON_FIELD_ERRORS: {
                "unique": _(
                    "Someone of this name is already in the list of people: choose them "
                    "as speaker or chair. For another person of the same name, ask the "
                    "conference staff."
                )
            }
        }


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
