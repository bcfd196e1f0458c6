"""Two people editing one record: the second save is stopped and shown what changed.

Every form that edits a saved record carries an edit token, as it was when the page was
opened: the page's own record (a session, a talk) and each saved row of its inlines (a
session's chairs and talks, a talk's speakers), since a parent page saves its rows too.
The token is the id of the record's latest history entry (django-simple-history); a
model without history (a programme item, its hosts) uses a digest of the record's values.

Saving compares the posted token with the current one. When they differ (someone saved
the record since), or the token is missing or malformed (a form posted without its page,
or tampered with), the form is refused: nothing of the page is saved, and the message
says who changed what. The refused form then carries the current token, so saving again
deliberately applies this version. New rows have nothing to compare and pass.

`ConcurrentEditForm` is that form, for a page and for an inline alike;
`ConcurrentEditAdmin` (for a ModelAdmin or an inline) uses it and puts the token among
the fields the page shows, as a hidden input, so that a browser posts it back.
"""

import hashlib
import re

from django import forms
from django.contrib import messages
from django.contrib.admin.utils import flatten_fieldsets
from django.core.exceptions import ValidationError
from django.utils.formats import localize
from django.utils.timezone import localtime
from django.utils.translation import gettext as _

TOKEN_FIELD = "edit_token"  # noqa: S105 (a form field name, not a secret)
# A history id as this module writes it: ASCII digits that fit a bigint.
HISTORY_ID = re.compile(r"[0-9]{1,18}")


def history_of(instance):
    """The instance's history manager, or None for a model without history."""
    attribute = getattr(instance._meta, "simple_history_manager_attribute", None)
    return getattr(instance, attribute) if attribute else None


def edit_token(instance) -> str:
    history = history_of(instance)
    if history is None:
        fields = instance._meta.concrete_fields
        values = [(field.attname, field.value_from_object(instance)) for field in fields]
        return "v" + hashlib.sha256(repr(values).encode()).hexdigest()[:24]
    latest = history.order_by("-history_id").values_list("history_id", flat=True).first()
    return str(latest or 0)


class ConcurrentEditForm(forms.ModelForm):
    edit_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read once per request: the check compares the post with the record as it is now.
        self.current_token = edit_token(self.instance) if self.instance.pk else None
        self.fields[TOKEN_FIELD].initial = self.current_token

    def clean(self):
        cleaned = super().clean()
        if self.current_token is None:
            return cleaned
        submitted = self.data.get(self.add_prefix(TOKEN_FIELD)) or ""
        if submitted != self.current_token:
            message = self.conflict_message(submitted)
            # The next save is a deliberate overwrite: it carries the current token.
            self.data = self.data.copy()
            self.data[self.add_prefix(TOKEN_FIELD)] = self.current_token
            raise ValidationError(message, code="edited_meanwhile")
        return cleaned

    def conflict_message(self, submitted: str) -> str:
        history = history_of(self.instance)
        if history is None:
            return self.values_conflict_message()
        latest = history.order_by("-history_id").select_related("history_user").first()
        earlier = None
        if HISTORY_ID.fullmatch(submitted):
            earlier = history.filter(history_id=int(submitted)).first()
        if latest is None or earlier is None:
            return self.unknown_token_message(latest)
        return _(
            "%(who)s changed this record at %(when)s while you were editing it. "
            "Your changes are not saved yet. Their changes: %(changes)s. "
            "Save again to replace them with yours."
        ) % {
            "who": who_made(latest),
            "when": localize(localtime(latest.history_date)),
            "changes": "; ".join(describe_changes(latest, earlier)) or _("(not recorded)"),
        }

    def unknown_token_message(self, latest) -> str:
        """The post does not say which version it was made from."""
        if latest is None:
            last_change = _("Its last change is not recorded.")
        else:
            last_change = _("It was last changed by %(who)s at %(when)s.") % {
                "who": who_made(latest),
                "when": localize(localtime(latest.history_date)),
            }
        return " ".join(
            (
                _(
                    "This form came without a valid edit check, so changes made by others "
                    "since it was opened cannot be ruled out."
                ),
                last_change,
                _("Your changes are not saved yet: check them and save again to apply them."),
            )
        )

    def values_conflict_message(self) -> str:
        """No history to tell who: the record's current values where they differ from the
        post (the form's initial values are the record as it is now)."""
        now = [
            f"{self.fields[name].label}: “{display(self.instance, name)}”"
            for name in self.changed_data
            if name != TOKEN_FIELD
        ]
        return _(
            "Someone changed this record while you were editing it. "
            "Your changes are not saved yet. It now reads: %(values)s. "
            "Save again to replace it with yours."
        ) % {"values": "; ".join(now) or _("(as you see it)")}


def who_made(record) -> str:
    return str(record.history_user) if record.history_user else _("someone")


def describe_changes(latest, earlier) -> list[str]:
    """`label: “old” → “new”` for each field changed between two history entries."""
    model = latest.instance_type
    changes = []
    for change in latest.diff_against(earlier, foreign_keys_are_objs=True).changes:
        label = model._meta.get_field(change.field).verbose_name
        changes.append(f"{label}: “{shown(change.old)}” → “{shown(change.new)}”")
    return changes


def shown(value) -> str:
    return "" if value is None else str(value)


def display(instance, name: str) -> str:
    field = instance._meta.get_field(name)
    if field.choices:
        return str(getattr(instance, f"get_{name}_display")())
    return shown(getattr(instance, name))


class ConcurrentEditAdmin:
    """For a ModelAdmin or an inline: its forms check the edit token (a custom `form`
    must subclass ConcurrentEditForm), and the token is one of the fields the page shows
    (hidden), so the browser posts it back even where `fields` are listed by hand."""

    form = ConcurrentEditForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        # Not on an add page (nothing saved to compare with), nor where the page only
        # shows the record (a read-only "edit token" row would be noise).
        if (
            obj is None
            or TOKEN_FIELD in flatten_fieldsets(fieldsets)
            or not self.has_change_permission(request, obj)
        ):
            return fieldsets
        name, options = fieldsets[-1]
        fieldsets[-1] = (name, {**options, "fields": (*options["fields"], TOKEN_FIELD)})
        return fieldsets

    def render_change_form(self, request, context, *args, **kwargs):
        # A refused row's message sits on its row, maybe far down the page: repeat it at
        # the top, named by the row, where the person looks after saving.
        for inline in context.get("inline_admin_formsets", ()):
            for form in inline.formset.forms:
                for error in form.non_field_errors().as_data():
                    if error.code == "edited_meanwhile":
                        messages.warning(request, f"{form.instance}: {' '.join(error.messages)}")
        return super().render_change_form(request, context, *args, **kwargs)
