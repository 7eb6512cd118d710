"""Jurisdictions, organisations (the bodies of the measures and project units), users and roles."""

import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.crypto import salted_hmac


def new_security_stamp() -> str:
    return secrets.token_hex(16)


class JurisdictionLevel(models.TextChoices):
    PROVINCE = "province", "省"
    CITY = "city", "市（州）"
    COUNTY = "county", "县（市、区）"


class Jurisdiction(models.Model):
    """An administrative area; a policy profile belongs to one (第五十三条)."""

    code = models.CharField("行政区划代码", max_length=6, unique=True)
    name = models.CharField("名称", max_length=50)
    level = models.CharField("层级", max_length=10, choices=JurisdictionLevel.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name="上级")

    class Meta:
        verbose_name = verbose_name_plural = "行政区划"
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level="province", parent__isnull=True) | ~models.Q(level="province"),
                name="province_has_no_parent",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class OrgKind(models.TextChoices):
    """The bodies of 第五条 and 第二十二条 (GLOSSARY identifiers), and project units."""

    LEADING_GROUP = "leading_group", "省政府信息化建设领导小组"
    LEADING_GROUP_OFFICE = "leading_group_office", "领导小组办公室"
    DRC = "drc", "省发展改革委"
    FINANCE = "finance", "财政厅"
    BIG_DATA_CENTER = "big_data_center", "省大数据中心"
    CYBERSPACE_OFFICE = "cyberspace_office", "省委网信办"
    SECRECY_BUREAU = "secrecy_bureau", "省国家保密局"
    CRYPTOGRAPHY_BUREAU = "cryptography_bureau", "省密码管理局"
    ECONOMY_IT_DEPARTMENT = "economy_it_department", "经济和信息化厅"
    PUBLIC_SECURITY = "public_security", "公安厅"
    AUDIT_OFFICE = "audit_office", "审计厅"
    PROJECT_UNIT = "project_unit", "项目单位"
    CITY_PROJECT_UNIT = "city_project_unit", "市（州）项目单位"
    COUNTY_PROJECT_UNIT = "county_project_unit", "县（市、区）项目单位"
    PLATFORM = "platform", "平台运维单位"


PROJECT_UNIT_KINDS = (OrgKind.PROJECT_UNIT, OrgKind.CITY_PROJECT_UNIT, OrgKind.COUNTY_PROJECT_UNIT)
# Bodies that see every submitted project because the measures put each of them in
# the review of all projects (第十七条 centralized review, 第二十二条 approval).
PORTFOLIO_BODIES = (OrgKind.LEADING_GROUP, OrgKind.LEADING_GROUP_OFFICE, OrgKind.DRC, OrgKind.FINANCE,
                    OrgKind.BIG_DATA_CENTER, OrgKind.AUDIT_OFFICE)


class Organisation(models.Model):
    name = models.CharField("名称", max_length=100, unique=True)
    short_name = models.CharField("简称", max_length=30, blank=True)
    kind = models.CharField("类型", max_length=30, choices=OrgKind.choices, db_index=True)
    jurisdiction = models.ForeignKey(Jurisdiction, on_delete=models.PROTECT, related_name="organisations",
                                     verbose_name="所属行政区划")
    code = models.CharField("单位代码", max_length=40, unique=True)

    class Meta:
        verbose_name = verbose_name_plural = "机构"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_project_unit(self) -> bool:
        return self.kind in PROJECT_UNIT_KINDS


class Role(models.TextChoices):
    FILER = "filer", "项目填报人"
    UNIT_HEAD = "unit_head", "项目单位负责人"
    REVIEWER = "reviewer", "审核人"
    AUDITOR = "auditor", "审计查阅人"
    SYSTEM_ADMIN = "system_admin", "系统管理员"
    SECURITY_ADMIN = "security_admin", "安全管理员"
    AUDIT_ADMIN = "audit_admin", "审计管理员"


# 三权分立 (SECURITY.md 11): no account combines two administrator roles.
ADMIN_ROLES = (Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN)


class User(AbstractUser):
    organisation = models.ForeignKey(Organisation, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="users", verbose_name="所属机构")
    full_name = models.CharField("姓名", max_length=50, blank=True)
    # SECURITY.md 2: the password's age counts from here; a new account or an administrator's reset
    # sets must_change_password so the first login forces a change. Accounts made in code (tests,
    # the demo) keep the defaults: a fresh, chosen password.
    password_changed_at = models.DateTimeField("密码设置时间", default=timezone.now)
    must_change_password = models.BooleanField("下次登录须修改密码", default=False)
    # SECURITY.md 5: part of the session hash; changing it ends every session of the account.
    security_stamp = models.CharField(max_length=32, default=new_security_stamp, editable=False)
    # SECURITY.md 6: the second factor (RFC 6238 TOTP, or the SM3 variant of GM/T 0021-2012).
    otp_secret = models.CharField("动态口令密钥", max_length=64, blank=True, editable=False)
    otp_algorithm = models.CharField("动态口令算法", max_length=20, blank=True, editable=False)
    otp_confirmed_at = models.DateTimeField("动态口令启用时间", null=True, blank=True, editable=False)
    otp_last_step = models.BigIntegerField(default=0, editable=False)  # a code is accepted once (no replay)

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username

    def role_set(self) -> frozenset[str]:
        # Cached per request object: a removed role takes effect on the next request.
        cached = getattr(self, "_role_cache", None)
        if cached is None:
            cached = frozenset(self.role_assignments.values_list("role", flat=True))
            self._role_cache = cached
        return cached

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_set() & set(roles))

    @property
    def org_kind(self) -> str | None:
        return self.organisation.kind if self.organisation_id else None

    @property
    def otp_enabled(self) -> bool:
        return self.otp_confirmed_at is not None

    def _get_session_auth_hash(self, secret=None):
        # Django ends a session whose stored hash no longer matches (django.contrib.auth.get_user).
        # Adding the security stamp to the password hash lets a role removal or a disablement end
        # every session of the account, not only a password change (SECURITY.md 5).
        return salted_hmac("accounts.User.get_session_auth_hash", f"{self.password}|{self.security_stamp}",
                           secret=secret, algorithm="sha256").hexdigest()


class PasswordHistory(models.Model):
    """Hashes of an account's previous passwords: the last N may not be chosen again (SECURITY.md 2)."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="password_history", verbose_name="用户")
    password = models.CharField("密码哈希", max_length=128)
    created_at = models.DateTimeField("设置时间", default=timezone.now)

    class Meta:
        verbose_name = verbose_name_plural = "历史密码"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.user} · {self.created_at:%Y-%m-%d}"


class RoleAssignment(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments", verbose_name="用户")
    role = models.CharField("角色", max_length=30, choices=Role.choices)

    class Meta:
        verbose_name = verbose_name_plural = "角色授权"
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="unique_user_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.role in ADMIN_ROLES and self.user_id:
            others = set(RoleAssignment.objects.filter(user_id=self.user_id, role__in=ADMIN_ROLES)
                         .exclude(pk=self.pk).values_list("role", flat=True))
            if others - {self.role}:
                raise ValidationError({"role": "系统管理员、安全管理员、审计管理员三种角色不能由同一账号兼任（三权分立）"})


class ApiToken(models.Model):
    """A bearer token for the REST API. Only the SHA-256 of the token is stored."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens", verbose_name="用户")
    name = models.CharField("用途", max_length=50)
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)
    revoked = models.BooleanField("已吊销", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "API 令牌"

    def __str__(self) -> str:
        return f"{self.user} · {self.name}"
