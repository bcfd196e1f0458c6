"""A change the database refuses, on an admin page: the form again, with the reason.

Validation on the models stops bad input first (each rule has its home there). What
still slips past it reaches the database as an IntegrityError or a DataError: two new
rows of one form given the same new code (each row alone is valid), two people saving at
the same moment, a rule not yet written on its model. That is the user's input, not an
outage (only a lost connection is "database unavailable", programme.middleware), so the
page is shown again with what the user typed and a message naming the problem; nothing
is saved, and the error is logged for us to add the missing rule.

The form again rather than an error page: the person keeps their typing and corrects it
where they typed it, as with any other refused value.
"""

import logging

from django.apps import apps
from django.db import DataError, IntegrityError
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

REFUSAL = "refused_change"  # the request attribute that carries the message to the form


def refusal_message(error: IntegrityError | DataError) -> str:
    """What to tell the user: a constraint's own message where we wrote one, else the
    database's words."""
    diag = getattr(error.__cause__, "diag", None)
    constraint = getattr(diag, "constraint_name", None)
    message = constraint_messages().get(constraint)
    if message is not None:
        return str(message)
    detail = getattr(diag, "message_detail", None) or getattr(diag, "message_primary", None)
    detail = detail or str(error)
    if isinstance(error, IntegrityError):
        return _("This change clashes with data already saved (%(detail)s). Nothing was saved.") % {
            "detail": detail
        }
    return _("A value of this change does not fit (%(detail)s). Nothing was saved.") % {
        "detail": detail
    }


def constraint_messages() -> dict:
    """{constraint name: its violation_error_message} for the constraints given one."""
    messages = {}
    for model in apps.get_app_config("programme").get_models():
        for constraint in model._meta.constraints:
            if constraint.violation_error_message != constraint.default_violation_error_message:
                messages[constraint.name] = constraint.violation_error_message
    return messages


class RefusedChangeAdmin:
    """For a ModelAdmin: a save the database refuses shows the page again with the
    reason. The save ran in the admin's transaction, so nothing of it remains."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except (IntegrityError, DataError) as error:
            if request.method != "POST" or hasattr(request, REFUSAL):
                raise
            logger.warning("The database refused a change at %s", request.path, exc_info=error)
            setattr(request, REFUSAL, refusal_message(error))
            # Once more with the same post: the form is refused with the message this
            # time (get_form), so the page is drawn again and nothing is saved.
            return super().changeform_view(request, object_id, form_url, extra_context)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        message = getattr(request, REFUSAL, None)
        if message is None:
            return form

        class RefusedForm(form):
            def clean(self):
                cleaned = super().clean()
                self.add_error(None, message)
                return cleaned

        return RefusedForm
