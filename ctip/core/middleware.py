from urllib.parse import urlencode

from django.conf import settings
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse

from ctip.core.selectors import user_needs_two_factor

# Paths an authenticated but not yet verified user may reach.
# The anonymous pages, feedback (/f/) and the self-screen (/screen/), are for anyone, logged in
# or not: a half-signed-in staff session on a shared phone must not stand in a person's way.
TWO_FACTOR_EXEMPT_PREFIXES = ("/account/", "/static/", "/i18n/", "/api/", "/f/", "/screen/")


class RequireTwoFactorMiddleware:
    """Users whose role reaches records must pass TOTP before anything else.

    The API is exempt here because it authenticates by token inside DRF; session access to the
    API is refused by the API's own permission when the session is not verified.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user_needs_two_factor(user)
            and not user.is_verified()
            and not request.path.startswith(TWO_FACTOR_EXEMPT_PREFIXES)
        ):
            # Only the path travels: query strings may hold a searched name or phone.
            target = reverse("core:two_factor")
            if request.method == "GET" and request.path != "/":
                target += "?" + urlencode({"next": request.path})
            return HttpResponseRedirect(target)
        return self.get_response(request)


class AdminOnlyForSysadminMiddleware:
    """The admin site does not exist for anyone but a verified system administrator."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.prefix = "/admin/"

    def __call__(self, request):
        if request.path.startswith(self.prefix):
            user = request.user
            allowed = user.is_authenticated and user.is_superuser and user.is_verified()
            if not allowed and not settings.DEBUG:
                raise Http404
        return self.get_response(request)
