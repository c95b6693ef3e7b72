from django.conf import settings

from ctip.core.selectors import user_can_read_pii, user_can_read_records


def ctip(request):
    user = getattr(request, "user", None)
    authenticated = bool(user and user.is_authenticated)
    return {
        "demo_mode": settings.CTIP_DEMO_MODE,
        "can_read_records": authenticated and user_can_read_records(user),
        "can_read_pii": authenticated and user_can_read_pii(user),
    }
