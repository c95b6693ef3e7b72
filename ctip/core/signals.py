"""Django's authentication events into the audit log (an adapter, not business logic)."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from ctip.core.audit import Action, Origin, audit_write


def _origin(request, user=None) -> Origin:
    source = f"{request.method} {request.path}" if request is not None else "unknown"
    return Origin(user=user, source=source[:255])


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    audit_write(
        origin=_origin(request, user),
        action=Action.LOGIN,
        object_type="user",
        object_ref=user.username,
    )


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_write(
            origin=_origin(request, user),
            action=Action.LOGOUT,
            object_type="user",
            object_ref=user.username,
        )


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    username = str(credentials.get("username", ""))[:150]
    audit_write(
        origin=_origin(request), action=Action.LOGIN_FAILED, object_type="user", object_ref=username
    )
