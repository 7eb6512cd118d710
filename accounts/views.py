"""Login (password, then the one-time code when the account has one), password change, second-factor
enrolment and the security administrator's lockout list. Thin: decisions are in accounts.services."""

from __future__ import annotations

import time

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model, login, update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods

from . import otp, services
from .lockout import lockout_response
from .models import Role

PENDING = "auth_otp_pending"
PENDING_SECONDS = 300


class LoginForm(AuthenticationForm):
    # One message for an unknown username, a wrong password and a disabled account (SECURITY.md 3):
    # Django's "请输入一个正确的用户名和密码……".
    def confirm_login_allowed(self, user):
        if not user.is_active:
            raise self.get_invalid_login_error()


def _safe_next(request, candidate: str) -> str:
    if candidate and url_has_allowed_host_and_scheme(candidate, allowed_hosts={request.get_host()},
                                                     require_https=request.is_secure()):
        return candidate
    return reverse(settings.LOGIN_REDIRECT_URL)


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"

    def form_valid(self, form):
        user = form.get_user()
        if user.otp_enabled:
            # The password was right; the session is not logged in until the code is too.
            self.request.session[PENDING] = {"uid": user.pk, "backend": user.backend, "at": time.time(),
                                             "next": self.get_redirect_url()}
            return redirect("accounts:otp_verify")
        return super().form_valid(form)


class OtpForm(forms.Form):
    code = forms.CharField(label="动态口令", max_length=10, strip=True,
                           widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}))


@sensitive_post_parameters("code")
@csrf_protect
@never_cache
@require_http_methods(["GET", "POST"])
def otp_verify(request):
    pending = request.session.get(PENDING)
    if not pending or time.time() - float(pending.get("at", 0)) > PENDING_SECONDS:
        request.session.pop(PENDING, None)
        messages.info(request, "请重新输入用户名和密码。")
        return redirect("login")
    user = get_user_model().objects.filter(pk=pending["uid"], is_active=True).first()
    if user is None:
        request.session.pop(PENDING, None)
        return redirect("login")
    from axes.handlers.proxy import AxesProxyHandler

    credentials = {"username": user.get_username()}
    if not AxesProxyHandler.is_allowed(request, credentials):
        request.session.pop(PENDING, None)
        return lockout_response(request)
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.otp_check_login(user=user, code=form.cleaned_data["code"]):
            request.session.pop(PENDING, None)
            login(request, user, backend=pending["backend"])
            return redirect(_safe_next(request, pending.get("next", "")))
        # A wrong code is a failed login: counted towards the lock and audited.
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            request.session.pop(PENDING, None)
            return lockout_response(request)
        form.add_error("code", "动态口令不正确或已过期，请输入验证器当前显示的 6 位数字。")
    return render(request, "accounts/otp_verify.html", {"form": form})


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(label="原密码", strip=False,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password1 = forms.CharField(label="新密码", strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password2 = forms.CharField(label="再次输入新密码", strip=False,
                                    widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password2") and data["new_password1"] != data["new_password2"]:
            self.add_error("new_password2", "两次输入的新密码不一致。")
        return data


@sensitive_post_parameters("old_password", "new_password1", "new_password2")
@login_required
@require_http_methods(["GET", "POST"])
def password_change(request):
    from django.contrib.auth.password_validation import password_validators_help_texts

    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.password_change(user=request.user, old_password=form.cleaned_data["old_password"],
                                            new_password=form.cleaned_data["new_password1"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            update_session_auth_hash(request, user)  # this session stays; every other one has ended
            messages.success(request, "密码已修改。您在其他地方的登录已全部退出。")
            return redirect("home")
    return render(request, "accounts/password_change.html", {
        "form": form, "help_texts": password_validators_help_texts(),
        "forced": request.user.must_change_password or services.password_expired(request.user)})


@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request):
    user = request.user
    form = OtpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if user.otp_enabled:
                updated = services.otp_disable(actor=user, user=user, code=form.cleaned_data["code"])
                update_session_auth_hash(request, updated)  # this session stays; the others end
                messages.success(request, "动态口令已停用。")
            else:
                services.otp_confirm_enrolment(user=user, code=form.cleaned_data["code"])
                messages.success(request, "动态口令已启用：以后登录时须在密码之后输入动态口令。")
            return redirect("accounts:otp_setup")
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                for error in errors:
                    form.add_error("code", error)
    user.refresh_from_db()
    context = {"form": form, "enabled": user.otp_enabled, "required": services.otp_required_for(user)}
    if not user.otp_enabled:
        secret = user.otp_secret or services.otp_start_enrolment(user=user)
        algorithm = user.otp_algorithm or otp.current_algorithm()
        context.update(secret=secret, algorithm=algorithm,
                       algorithm_label="SM3（GM/T 0021-2012）" if algorithm == otp.SM3 else "TOTP（RFC 6238）",
                       uri=otp.provisioning_uri(algorithm, secret, user.get_username()))
    return render(request, "accounts/otp_setup.html", context)


class UnlockForm(forms.Form):
    username = forms.CharField(label="用户名", max_length=150)


@login_required
@require_http_methods(["GET", "POST"])
def locks(request):
    if not request.user.has_role(Role.SECURITY_ADMIN):
        raise PermissionDenied("只有安全管理员可以查看和解除账号锁定")
    from .lockout import locked_usernames

    form = UnlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.account_unlock(actor=request.user, username=form.cleaned_data["username"])
        except ValidationError as exc:
            for errors in exc.message_dict.values():
                for error in errors:
                    form.add_error("username", error)
        else:
            messages.success(request, f"已解除账号“{form.cleaned_data['username']}”的锁定。")
            return redirect("accounts:locks")
    return render(request, "accounts/locks.html", {"form": form, "locked": locked_usernames()})
