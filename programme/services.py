"""Writes that touch several models: inviting track contacts."""

from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordResetForm
from django.db import transaction


@transaction.atomic
def invite_contact(*, email: str, name: str, tracks=(), sessions=(), request) -> "User":  # noqa: F821
    """Create (or reuse) the account for `email`, let it edit `tracks` and `sessions`, and
    e-mail it a link to set its password (Django's password-reset flow)."""
    User = get_user_model()
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User(username=email.lower(), email=email, first_name=name)
        user.set_unusable_password()
        user.save()
    for track in tracks:
        track.editors.add(user)
    for session in sessions:
        session.editors.add(user)
    reset = PasswordResetForm({"email": user.email})
    if reset.is_valid():
        # The reset form only mails users with a usable password or none set yet; an
        # invited account has an unusable one, so it is offered explicitly.
        reset.get_users = lambda _email: [user]
        reset.save(
            request=request,
            use_https=request.is_secure(),
            subject_template_name="registration/invitation_subject.txt",
            email_template_name="registration/invitation_email.txt",
            extra_email_context={"name": name, "tracks": list(tracks), "sessions": list(sessions)},
        )
    return user
