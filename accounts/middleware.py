"""Session limits and forced steps, checked on every request after authentication.

* SECURITY.md 4: a session idle longer than SESSION_IDLE_SECONDS or older than SESSION_ABSOLUTE_SECONDS
  ends (logout deletes its row). The idle limit is also the cookie's age, renewed whenever the last-seen time
  moves, at most once every SESSION_TOUCH_SECONDS (60), so the database row expires on its own as well; the
  limit is measured from the recorded last-seen time, so it can end a session up to a minute early, never late.
* SECURITY.md 2: a password older than PASSWORD_MAX_AGE_DAYS, or one set by an administrator, sends
  every page to the password change page.
* SECURITY.md 6: an account holding a role listed in OTP_REQUIRED_ROLES without a second factor is
  sent to the enrolment page.

Sessions ended by a password change, a role removal or a disablement need nothing here: the security
stamp is part of the session hash that django.contrib.auth checks (accounts.models.User).
"""

from __future__ import annotations

import time
from functools import lru_cache
from urllib.parse import quote

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import NoReverseMatch, get_script_prefix, get_urlconf, reverse

from .services import otp_required_for, password_expired
from .signals import LOGIN_AT, SEEN_AT

# Pages that stay reachable while a password change or a second factor is owed.
EXEMPT_VIEWS = {"logout", "login", "accounts:password_change", "accounts:otp_setup", "accounts:otp_verify",
                "healthz"}


@lru_cache(maxsize=8)
def _exempt_paths(urlconf, script_prefix: str) -> frozenset[str]:
    # The exempt pages' paths, reversed once per URLconf and script prefix (reverse depends on both): comparing
    # the path costs nothing, resolving it on every signed-in request cost a fifth of the request floor (issue #8).
    paths = set()
    for name in EXEMPT_VIEWS:
        try:
            paths.add(reverse(name))
        except NoReverseMatch:
            continue
    return frozenset(paths)


def _exempt(request) -> bool:
    return request.path in _exempt_paths(get_urlconf(), get_script_prefix())


def _is_api(request) -> bool:
    return request.path_info.startswith("/api/")


class SessionSecurityMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        session = request.session
        now = time.time()
        login_at = session.get(LOGIN_AT)
        seen_at = session.get(SEEN_AT)
        absolute = int(getattr(settings, "SESSION_ABSOLUTE_SECONDS", 8 * 3600))
        idle = int(getattr(settings, "SESSION_IDLE_SECONDS", 1800))
        if login_at is not None and now - float(login_at) > absolute:
            return self._end(request, f"登录已超过 {absolute // 3600} 小时，请重新登录。")
        if seen_at is not None and now - float(seen_at) > idle:
            return self._end(request, f"超过 {idle // 60} 分钟未操作，已自动退出，请重新登录。")
        if login_at is None:
            session[LOGIN_AT] = now
        if seen_at is None or now - float(seen_at) >= int(getattr(settings, "SESSION_TOUCH_SECONDS", 60)):
            session[SEEN_AT] = now  # marks the session modified: its row and cookie are renewed with this response

        static = settings.STATIC_URL or "/static/"
        if request.path_info.startswith(static) or _exempt(request):
            return self.get_response(request)
        if user.must_change_password or password_expired(user):
            message = ("管理员为您设置了初始密码，请先修改密码。" if user.must_change_password
                       else f"密码已使用超过 {getattr(settings, 'PASSWORD_MAX_AGE_DAYS', 90)} 天，请先修改密码。")
            return self._send_to(request, "accounts:password_change", message)
        if otp_required_for(user) and not user.otp_enabled:
            return self._send_to(request, "accounts:otp_setup", "您的角色须使用动态口令，请先完成动态口令绑定。")
        return self.get_response(request)

    def _send_to(self, request, url_name: str, message: str):
        if _is_api(request):
            return JsonResponse({"detail": message}, status=403)
        messages.warning(request, message)
        return redirect(reverse(url_name))

    def _end(self, request, message: str):
        request.logout_reason = message
        logout(request)  # flushes the session: its row is deleted
        if _is_api(request):
            return JsonResponse({"detail": message}, status=401)
        messages.info(request, message)
        return redirect(f"{reverse('login')}?next={quote(request.get_full_path())}")
