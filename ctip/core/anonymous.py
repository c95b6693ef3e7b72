"""Anonymous, traceless pages (the feedback form, the self-screen): `no_trace` makes a view one.

The request loses its client address, user agent, referer and cookies before the view sees it;
the session is replaced by an empty one that is never saved (so no Set-Cookie); the view is
CSRF-exempt (its forms carry a signed token instead); the response says `no-store` and
`no-referrer` and carries no cookie. One implementation, so the rule that protects anonymous
senders is proved once and holds for every such page.
"""

from functools import wraps

from django.contrib.auth.models import AnonymousUser
from django.views.decorators.csrf import csrf_exempt

# Request headers that could tell who or where a sender is: dropped before any view code runs.
TRACE_KEYS = (
    "REMOTE_ADDR",
    "REMOTE_HOST",
    "REMOTE_PORT",
    "HTTP_USER_AGENT",
    "HTTP_REFERER",
    "HTTP_COOKIE",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_REAL_IP",
    "HTTP_FORWARDED",
    "HTTP_CF_CONNECTING_IP",
    "HTTP_TRUE_CLIENT_IP",
    "HTTP_SEC_CH_UA",
    "HTTP_SEC_CH_UA_PLATFORM",
    "HTTP_SEC_CH_UA_MOBILE",
)


class NoSession:
    """Stands in for request.session: empty, never accessed, never saved."""

    accessed = False
    modified = False
    session_key = None

    def is_empty(self) -> bool:
        return True

    def get(self, key, default=None):
        return default

    def __contains__(self, key) -> bool:
        return False

    def __getitem__(self, key):
        raise KeyError(key)

    def __setitem__(self, key, value):
        raise RuntimeError("anonymous pages keep no session")

    def flush(self) -> None:
        return None

    def cycle_key(self) -> None:
        return None


def no_trace(view):
    """Make a view an anonymous, traceless page (see the module docstring)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        for key in TRACE_KEYS:
            request.META.pop(key, None)
        request.COOKIES = {}
        request.session = NoSession()
        request.user = AnonymousUser()
        response = view(request, *args, **kwargs)
        response["Cache-Control"] = "no-store"
        response["Referrer-Policy"] = "no-referrer"
        response.cookies.clear()
        return response

    return csrf_exempt(wrapped)
