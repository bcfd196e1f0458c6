"""The "renumber codes to follow the order" tool of a session's page, for the staff admin
and /track/ alike: a button on the page (and, for staff, an action on the list)."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from programme.renumbering import renumber_talks


class RenumberTalksAdmin:
    """For a Session ModelAdmin of either admin site. Who may renumber is who may change
    the session (`has_change_permission`): staff with the permission, or the session's
    contacts on /track/. The page's button posts to `<id>/renumber/`; the page's
    template (admin/programme/session/change_form.html) shows it."""

    def get_urls(self):
        renumber = self.admin_site.admin_view(self.renumber_view)
        return [
            path("<path:object_id>/renumber/", renumber, name="programme_session_renumber"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        url = reverse(f"{self.admin_site.name}:programme_session_renumber", args=[object_id])
        extra = {"renumber_url": url, **(extra_context or {})}
        return super().change_view(request, object_id, form_url, extra)

    def renumber_view(self, request, object_id):
        session = self.get_object(request, object_id)
        if session is None or not self.has_change_permission(request, session):
            raise PermissionDenied
        if request.method == "POST":
            self.renumber_and_report(request, session)
        return redirect(f"{self.admin_site.name}:programme_session_change", session.pk)

    def renumber_and_report(self, request, session):
        try:
            changes = renumber_talks(session=session)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
            return
        if changes:
            pairs = "、".join(f"{old} → {new}" for old, new in changes)
            self.message_user(
                request,
                _("%(session)s: codes now follow the order (%(pairs)s); old links still work.")
                % {"session": session.code, "pairs": pairs},
            )
        else:
            self.message_user(
                request,
                _("%(session)s: codes already follow the order.") % {"session": session.code},
            )

    @admin.action(
        description=gettext_lazy("Renumber talk codes to follow the order"), permissions=["change"]
    )
    def renumber(self, request, queryset):
        for session in queryset.order_by("code"):
            self.renumber_and_report(request, session)


class TalkOrderMedia:
    """Drag-and-drop ordering of a session's talk rows (the staff and /track/ inlines):
    progressive, the order inputs stay and are what the page posts."""

    js = ("programme/talk-order.js",)
    css = {"all": ("programme/talk-order.css",)}
