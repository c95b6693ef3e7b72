import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_otp import login as otp_login
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from ctip.core.audit import Action, Origin, audit_write
from ctip.core.forms import AuditFilterForm, TokenForm
from ctip.core.models import AuditEntry


class LoginView(auth_views.LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


def _demo_code(device: TOTPDevice) -> str | None:
    """Only in `ctip demo`: show the current code so newcomers need no authenticator app."""
    if not settings.CTIP_DEMO_MODE:
        return None
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def _safe_next(request) -> str:
    target = request.GET.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return target if allowed else ""


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request):
    """Verify a TOTP code; enrol a device by QR code first when the user has none."""
    if request.user.is_verified():
        return redirect(settings.LOGIN_REDIRECT_URL)
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=request.user, name="default", confirmed=False)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if device.verify_token(form.cleaned_data["token"]):
            if enrolling:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                audit_write(
                    origin=Origin.from_request(request),
                    action=Action.TWO_FACTOR_ENROLLED,
                    object_type="user",
                    object_ref=request.user.username,
                )
            otp_login(request, device)
            return redirect(_safe_next(request) or settings.LOGIN_REDIRECT_URL)
        form.add_error("token", _("That code is not right. Codes change every 30 seconds."))
    context = {"form": form, "enrolling": enrolling, "demo_code": _demo_code(device)}
    if enrolling:
        context["qr_svg"] = segno.make(device.config_url, error="m").svg_inline(
            scale=4, dark="#111", light="#fff"
        )
        context["secret"] = device.config_url.split("secret=")[1].split("&")[0]
    return render(request, "core/two_factor.html", context)


@login_required
def audit_log(request):
    """The audit log, filterable, for system administrators only (404 for everyone else)."""
    if not request.user.is_superuser:
        raise Http404
    form = AuditFilterForm(request.GET or None)
    entries = AuditEntry.objects.all()
    if form.is_valid():
        entries = form.filter(entries)
    page = Paginator(entries.order_by("-id"), 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "core/audit_log.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


def logout_done(request):
    messages.info(request, _("You have been logged out."))
    return redirect("core:login")
