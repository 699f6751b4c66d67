"""Second-factor pages: enrol an authenticator app, and verify a code after the password."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django_otp import login as otp_login

from accounts.forms import OneTimeCodeForm
from accounts.mfa_models import TOTPDevice
from accounts.services import mfa
from accounts.services.audit import record_access

SETUP_SESSION_KEY = "orin_mfa_setup_device"


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("admin:index")


@never_cache
@sensitive_post_parameters("code")
@login_required
def mfa_verify(request):
    if not mfa.has_confirmed_device(request.user):
        return redirect(f"{reverse('mfa-setup')}?{urlencode({'next': _next_url(request)})}")
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = mfa.match_login_otp(request.user, form.cleaned_data["code"])
        if device is not None:
            otp_login(request, device)
            record_access(request.user, "mfa_verified", "user", request.user.pk, request=request, method=device.name)
            return redirect(_next_url(request))
        record_access(request.user, "mfa_failed", "user", request.user.pk, request=request)
        form.add_error("code", "That code is not valid (or was already used). Wait for the next code and try again.")
    return render(request, "accounts/mfa_verify.html", {"form": form, "next": _next_url(request)})


@never_cache
@sensitive_post_parameters("code")
@login_required
def mfa_setup(request):
    if mfa.has_confirmed_device(request.user) and not mfa.user_is_verified(request.user):
        # Replacing an enrolled authenticator takes the current one first.
        return redirect(f"{reverse('mfa-verify')}?{urlencode({'next': request.get_full_path()})}")
    device = TOTPDevice.objects.filter(
        pk=request.session.get(SETUP_SESSION_KEY), user=request.user, confirmed=False
    ).first()
    if device is None:
        device = mfa.start_totp_enrolment(request.user)
        request.session[SETUP_SESSION_KEY] = device.pk
    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            codes = mfa.confirm_totp_enrolment(device, form.cleaned_data["code"], request=request)
        except mfa.MFAError as exc:
            form.add_error("code", str(exc))
        else:
            request.session.pop(SETUP_SESSION_KEY, None)
            record_access(request.user, "mfa_enrolled", "user", request.user.pk, request=request)
            return render(request, "accounts/mfa_recovery_codes.html", {"codes": codes, "next": _next_url(request)})
    secret = device.config_url.split("secret=", 1)[1].split("&", 1)[0]
    context = {"form": form, "config_url": device.config_url, "secret": secret, "next": _next_url(request)}
    return render(request, "accounts/mfa_setup.html", context)
