"""Login lockout (SECURITY.md 3; GB/T 22239-2019 §8.1.4.1 b: 登录失败处理功能).

django-axes (a maintained Jazzband package) counts failures per username in the database and refuses
a locked username before any password is checked, so the right password is refused too. The settings
(config/settings.py) make it lock a username after LOGIN_FAILURE_LIMIT failures for
LOGIN_LOCKOUT_MINUTES; a later failure does not extend the lock. Failures count while no more than
LOGIN_LOCKOUT_MINUTES separate one from the next, which includes every run of 5 within 30 minutes.

Axes has one limit for all its parameters, so the IP throttle (a higher limit, LOGIN_IP_FAILURE_LIMIT
failures from one address in the same window) is added here over axes' own failure log. Unknown
usernames are counted and locked exactly like real ones: the pages cannot tell them apart.
"""

from __future__ import annotations

from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.http import HttpRequest
from django.shortcuts import render
from django.utils import timezone


def lockout_minutes() -> int:
    return int(getattr(settings, "LOGIN_LOCKOUT_MINUTES", 30))


LOCKOUT_MESSAGE = "登录失败次数过多，该账号或该地址已被暂停登录 {minutes} 分钟。请稍后再试，或联系安全管理员解锁。"


def lockout_message() -> str:
    return LOCKOUT_MESSAGE.format(minutes=lockout_minutes())


class LockoutBackend(AxesStandaloneBackend):
    """Axes' check, also for authentication without a request (the test client's ``login()``, the
    shell): a locked username stays locked whatever calls ``authenticate``."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            request = HttpRequest()
        return super().authenticate(request, username=username, password=password, **kwargs)


def ip_throttled(request) -> bool:
    ip = getattr(request, "axes_ip_address", None)
    limit = int(getattr(settings, "LOGIN_IP_FAILURE_LIMIT", 50))
    if not ip or limit <= 0:
        return False
    from axes.models import AccessFailureLog

    since = timezone.now() - timedelta(minutes=lockout_minutes())
    return AccessFailureLog.objects.filter(ip_address=ip, attempt_time__gte=since).count() >= limit


class LockoutHandler(AxesDatabaseHandler):
    def is_locked(self, request, credentials=None) -> bool:
        return super().is_locked(request, credentials) or ip_throttled(request)


def username_locked(username: str) -> bool:
    """For credentials other than the password (API tokens): is this username locked now?"""
    from axes.models import AccessAttempt

    since = timezone.now() - timedelta(minutes=lockout_minutes())
    failures = sum(AccessAttempt.objects.filter(username=username, attempt_time__gte=since)
                   .values_list("failures_since_start", flat=True))
    return failures >= int(getattr(settings, "AXES_FAILURE_LIMIT", 5))


def locked_usernames() -> list[dict]:
    from axes.models import AccessAttempt
    from django.db.models import Max, Sum

    since = timezone.now() - timedelta(minutes=lockout_minutes())
    rows = (AccessAttempt.objects.filter(attempt_time__gte=since).values("username")
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time")).order_by("username"))
    limit = int(getattr(settings, "AXES_FAILURE_LIMIT", 5))
    return [{"username": r["username"], "failures": r["failures"],
             "until": r["last"] + timedelta(minutes=lockout_minutes())}
            for r in rows if r["username"] and r["failures"] >= limit]


def lockout_response(request, original_response=None, credentials=None):
    """The login page again, with the lock message (the same for every username)."""
    from .views import LoginForm

    form = LoginForm(request)
    return render(request, "registration/login.html", {"form": form, "lockout_message": lockout_message(),
                                                       "next": request.POST.get("next", "")}, status=429)
