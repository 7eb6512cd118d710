"""Write paths for accounts: password changes and resets, roles, disablement, second factor, unlocks.

Each action is one function: permission, lock, rules, write and exactly one audit record in one
transaction (SECURITY.md 14, 20). Ending an account's sessions is done by rotating its security
stamp, which is part of the session hash Django checks on every request (accounts.models.User).
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from audit.services import record

from . import otp
from .models import PasswordHistory, Role, RoleAssignment, User, new_security_stamp


def _locked(user_id: int) -> User:
    return User.objects.select_for_update().get(pk=user_id)


def _require(actor, *roles: str, message: str) -> None:
    if actor is None or not (actor.is_superuser or actor.has_role(*roles)):
        raise PermissionDenied(message)


def _push_history(user: User) -> None:
    """Keep the hash being replaced; the current one plus count-1 older ones make the last N."""
    if user.password:
        PasswordHistory.objects.create(user=user, password=user.password)
    keep = max(int(getattr(settings, "PASSWORD_HISTORY_COUNT", 5)) - 1, 0)
    old = list(PasswordHistory.objects.filter(user=user).values_list("pk", flat=True)[keep:])
    if old:
        PasswordHistory.objects.filter(pk__in=old).delete()


def _set_password(user: User, new_password: str, *, field: str, must_change: bool) -> None:
    """Validate (the errors under the form's ``field``), keep the replaced hash in the history, set the
    password and end every session (a new security stamp). The caller holds the user's row lock and audits."""
    try:
        password_validation.validate_password(new_password, user)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from None
    _push_history(user)
    user.set_password(new_password)
    user.password_changed_at = timezone.now()
    user.must_change_password = must_change
    user.security_stamp = new_security_stamp()
    user.save(update_fields=["password", "password_changed_at", "must_change_password", "security_stamp"])


def password_expired(user: User, now=None) -> bool:
    days = int(getattr(settings, "PASSWORD_MAX_AGE_DAYS", 90))
    if days <= 0:
        return False
    return (now or timezone.now()) - user.password_changed_at >= timedelta(days=days)


def password_change(*, user: User, old_password: str, new_password: str) -> User:
    """The account holder changes the password. Other sessions end; the caller keeps its own
    (``update_session_auth_hash``)."""
    with transaction.atomic():
        user = _locked(user.pk)
        if not check_password(old_password, user.password):
            raise ValidationError({"old_password": "原密码不正确。"})
        if old_password == new_password:
            raise ValidationError({"new_password1": "新密码不能与原密码相同（密码历史规则）。"})
        _set_password(user, new_password, field="new_password1", must_change=False)
        record(actor=user, action="auth.password_changed", obj=user, object_label=user.username,
               after={"password_changed_at": user.password_changed_at})
    return user


def password_reset_by_admin(*, actor, user: User, new_password: str) -> User:
    """An administrator sets a password: the holder must change it at the next login."""
    _require(actor, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, message="只有系统管理员或安全管理员可以重置密码")
    with transaction.atomic():
        user = _locked(user.pk)
        _set_password(user, new_password, field="password1", must_change=True)
        record(actor=actor, action="auth.password_reset", obj=user, object_label=user.username,
               after={"must_change_password": True})
    return user


def role_grant(*, actor, user: User, role: str) -> RoleAssignment:
    _require(actor, Role.SYSTEM_ADMIN, message="只有系统管理员可以授予角色")
    if role not in Role.values:
        raise ValidationError({"role": f"未知角色：{role}"})
    with transaction.atomic():
        user = _locked(user.pk)
        if RoleAssignment.objects.filter(user=user, role=role).exists():
            raise ValidationError({"role": f"该用户已有角色“{Role(role).label}”。"})
        assignment = RoleAssignment(user=user, role=role)
        assignment.full_clean()  # 三权分立
        assignment.save()
        record(actor=actor, action="accounts.role_granted", obj=user, object_label=user.username,
               after={"role": role})
    return assignment


def role_remove(*, actor, user: User, role: str) -> None:
    """Takes effect on the user's next request: roles are read per request and every session ends."""
    _require(actor, Role.SYSTEM_ADMIN, message="只有系统管理员可以撤销角色")
    with transaction.atomic():
        user = _locked(user.pk)
        deleted, _ = RoleAssignment.objects.filter(user=user, role=role).delete()
        if not deleted:
            raise ValidationError({"role": "该用户没有这个角色。"})
        user.security_stamp = new_security_stamp()
        user.save(update_fields=["security_stamp"])
        record(actor=actor, action="accounts.role_removed", obj=user, object_label=user.username,
               before={"role": role})


def account_disable(*, actor, user: User, reason: str) -> User:
    """``actor=None`` is the daily job (dormant accounts)."""
    if actor is not None:
        _require(actor, Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, message="只有系统管理员或安全管理员可以停用账号")
    with transaction.atomic():
        user = _locked(user.pk)
        if not user.is_active:
            return user
        user.is_active = False
        user.security_stamp = new_security_stamp()
        user.save(update_fields=["is_active", "security_stamp"])
        record(actor=actor, action="accounts.disabled", obj=user, object_label=user.username,
               before={"is_active": True}, after={"is_active": False, "reason": reason})
    return user


def dormant_accounts(now=None):
    """Enabled accounts with no login for DORMANT_ACCOUNT_DAYS (never logged in: since creation)."""
    from django.db.models import Q

    days = int(getattr(settings, "DORMANT_ACCOUNT_DAYS", 90))
    cutoff = (now or timezone.now()) - timedelta(days=days)
    return User.objects.filter(is_active=True).filter(
        Q(last_login__lt=cutoff) | Q(last_login__isnull=True, date_joined__lt=cutoff)).order_by("username")


def disable_dormant_accounts(now=None) -> list[str]:
    days = int(getattr(settings, "DORMANT_ACCOUNT_DAYS", 90))
    disabled = []
    for user in dormant_accounts(now):
        account_disable(actor=None, user=user, reason=f"超过 {days} 天未登录，自动停用")
        disabled.append(user.username)
    return disabled


# --- the second factor ----------------------------------------------------------------------------

def otp_start_enrolment(*, user: User) -> str:
    """A new secret, kept unconfirmed until the holder proves a code from it."""
    with transaction.atomic():
        user = _locked(user.pk)
        if user.otp_enabled:
            raise ValidationError({"code": "已启用动态口令；如需更换，请先停用。"})
        user.otp_secret = otp.new_secret()
        user.otp_algorithm = otp.current_algorithm()
        user.save(update_fields=["otp_secret", "otp_algorithm"])
    return user.otp_secret


def otp_confirm_enrolment(*, user: User, code: str) -> User:
    with transaction.atomic():
        user = _locked(user.pk)
        if user.otp_enabled:
            raise ValidationError({"code": "已启用动态口令。"})
        if not user.otp_secret:
            raise ValidationError({"code": "请先生成动态口令密钥。"})
        step = otp.verify(user.otp_algorithm, user.otp_secret, code, last_step=user.otp_last_step)
        if step is None:
            raise ValidationError({"code": "动态口令不正确或已过期，请输入验证器当前显示的 6 位数字。"})
        user.otp_confirmed_at = timezone.now()
        user.otp_last_step = step
        user.save(update_fields=["otp_confirmed_at", "otp_last_step"])
        record(actor=user, action="auth.otp_enrolled", obj=user, object_label=user.username,
               after={"algorithm": user.otp_algorithm})
    return user


def otp_disable(*, actor, user: User, code: str | None = None) -> User:
    """The holder (with a current code) or a security administrator turns the second factor off."""
    own = actor is not None and actor.pk == user.pk
    if not own:
        _require(actor, Role.SECURITY_ADMIN, message="只有本人或安全管理员可以停用动态口令")
    with transaction.atomic():
        user = _locked(user.pk)
        if not user.otp_enabled:
            raise ValidationError({"code": "尚未启用动态口令。"})
        if own and otp.verify(user.otp_algorithm, user.otp_secret, code or "", last_step=user.otp_last_step) is None:
            raise ValidationError({"code": "动态口令不正确或已过期。"})
        algorithm = user.otp_algorithm
        user.otp_secret = ""
        user.otp_algorithm = ""
        user.otp_confirmed_at = None
        user.otp_last_step = 0
        user.security_stamp = new_security_stamp()
        user.save(update_fields=["otp_secret", "otp_algorithm", "otp_confirmed_at", "otp_last_step",
                                 "security_stamp"])
        record(actor=actor, action="auth.otp_disabled", obj=user, object_label=user.username,
               before={"algorithm": algorithm})
    return user


def otp_check_login(*, user: User, code: str) -> bool:
    """The login's second step: accept a code once (its time step is remembered)."""
    with transaction.atomic():
        user = _locked(user.pk)
        step = otp.verify(user.otp_algorithm, user.otp_secret, code, last_step=user.otp_last_step)
        if step is None:
            return False
        User.objects.filter(pk=user.pk).update(otp_last_step=step)
    return True


def otp_required_for(user: User) -> bool:
    required = set(getattr(settings, "OTP_REQUIRED_ROLES", []) or [])
    return bool(required & set(user.role_set()))


# --- lockouts ---------------------------------------------------------------------------------------

def account_unlock(*, actor, username: str) -> int:
    """A security administrator lifts a lockout before its time runs out."""
    _require(actor, Role.SECURITY_ADMIN, message="只有安全管理员可以解除账号锁定")
    from axes.models import AccessAttempt

    with transaction.atomic():
        count, _ = AccessAttempt.objects.filter(username=username).delete()
        if not count:
            raise ValidationError({"username": f"账号“{username}”当前没有被锁定。"})
        target = User.objects.filter(username=username).first()
        record(actor=actor, action="auth.unlocked", obj=target, object_label=username,
               after={"unlocked_by": actor.get_username()})
    return count
