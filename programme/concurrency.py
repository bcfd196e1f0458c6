"""Two people editing one record: the second save is stopped and shown what changed.

Forms carry the id of the record's latest history entry (django-simple-history) as it
was when the form was opened. If another save happened since, the form is refused with
the other person's changes listed; saving again then deliberately applies this version.
"""

from django import forms
from django.utils.formats import localize
from django.utils.timezone import localtime
from django.utils.translation import gettext as _


def history_token(instance) -> str:
    latest = instance.history.order_by("-history_id").values_list("history_id", flat=True)
    return str(latest.first() or 0)


class ConcurrentEditForm(forms.ModelForm):
    edit_token = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["edit_token"].initial = history_token(self.instance)

    def clean(self):
        cleaned = super().clean()
        if not self.instance.pk:
            return cleaned
        submitted = self.data.get(self.add_prefix("edit_token")) or ""
        current = history_token(self.instance)
        if submitted and submitted != current:
            message = self.conflict_message(submitted)
            # The next save is a deliberate overwrite: it carries the current token.
            self.data = self.data.copy()
            self.data[self.add_prefix("edit_token")] = current
            raise forms.ValidationError(message, code="edited_meanwhile")
        return cleaned

    def conflict_message(self, since: str) -> str:
        history = self.instance.history
        latest = history.order_by("-history_id").first()
        earlier = history.filter(history_id=int(since)).first() if since.isdigit() else None
        who = str(latest.history_user) if latest.history_user else _("someone")
        when = localize(localtime(latest.history_date))
        changes = []
        if earlier is not None:
            model = self.instance._meta.model
            for change in latest.diff_against(earlier).changes:
                label = model._meta.get_field(change.field).verbose_name
                changes.append(f"{label}: “{change.old}” → “{change.new}”")
        return _(
            "%(who)s changed this record at %(when)s while you were editing it. "
            "Your changes are not saved yet. Their changes: %(changes)s. "
            "Save again to replace them with yours."
        ) % {"who": who, "when": when, "changes": "; ".join(changes) or _("(not recorded)")}
