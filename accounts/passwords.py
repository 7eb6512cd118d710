"""Password rules (SECURITY.md 1 and 2; GB/T 22239-2019 §8.1.4.1 a: 口令应有复杂度要求并定期更换).

Django's own validators do the checks they already do well (the common-password list of ~20,000
entries, similarity to the username); these subclasses give each a Chinese message that names the
rule, and add the rules Django lacks: a maximum length, character classes, department names and
the last N passwords. The figures come from settings (PASSWORD_MIN_LENGTH, PASSWORD_MAX_LENGTH,
PASSWORD_MIN_CHARACTER_CLASSES, PASSWORD_HISTORY_COUNT) through AUTH_PASSWORD_VALIDATORS.
"""

from __future__ import annotations

import re

from django.contrib.auth import password_validation as dj
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError


class MinimumLengthValidator(dj.MinimumLengthValidator):
    def validate(self, password, user=None):
        if len(password) < self.min_length:
            raise ValidationError(f"密码长度不足：至少 {self.min_length} 个字符（口令长度规则）。",
                                  code="password_too_short")

    def get_help_text(self):
        return f"至少 {self.min_length} 个字符。"


class MaximumLengthValidator:
    def __init__(self, max_length: int = 64):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(f"密码过长：最多 {self.max_length} 个字符（口令长度规则）。", code="password_too_long")

    def get_help_text(self):
        return f"最多 {self.max_length} 个字符。"


CHARACTER_CLASSES = (
    ("大写字母", re.compile(r"[A-Z]")),
    ("小写字母", re.compile(r"[a-z]")),
    ("数字", re.compile(r"[0-9]")),
    ("特殊字符", re.compile(r"[^A-Za-z0-9]")),
)


class CharacterClassesValidator:
    """At least ``min_classes`` of: upper case, lower case, digits, other characters."""

    def __init__(self, min_classes: int = 3):
        self.min_classes = min_classes

    def validate(self, password, user=None):
        present = [name for name, pattern in CHARACTER_CLASSES if pattern.search(password)]
        if len(present) < self.min_classes:
            raise ValidationError(
                f"密码复杂度不足：须包含大写字母、小写字母、数字、特殊字符中的至少 {self.min_classes} 类"
                f"（当前仅有 {len(present)} 类）（口令复杂度规则）。", code="password_too_simple")

    def get_help_text(self):
        return f"包含大写字母、小写字母、数字、特殊字符中的至少 {self.min_classes} 类。"


class CommonPasswordValidator(dj.CommonPasswordValidator):
    def validate(self, password, user=None):
        try:
            super().validate(password, user)
        except ValidationError:
            raise ValidationError("密码过于常见：不能使用常用密码表中的密码（常用口令规则）。",
                                  code="password_too_common") from None

    def get_help_text(self):
        return "不能是常用密码。"


class UserAttributeSimilarityValidator(dj.UserAttributeSimilarityValidator):
    DEFAULT_USER_ATTRIBUTES = ("username", "full_name", "email")

    def validate(self, password, user=None):
        if user is not None:
            username = (getattr(user, "username", "") or "").lower()
            if username and username in password.lower():
                raise ValidationError("密码不能包含用户名（与账号信息相似规则）。", code="password_too_similar")
        try:
            super().validate(password, user)
        except ValidationError:
            raise ValidationError("密码与用户名、姓名或邮箱过于相似（与账号信息相似规则）。",
                                  code="password_too_similar") from None

    def get_help_text(self):
        return "不能与用户名、姓名相似。"


class OrganisationNameValidator:
    """Not a department's name (full or short), in either direction of containment."""

    def validate(self, password, user=None):
        from .models import Organisation

        lowered = password.lower()
        compact = re.sub(r"\s+", "", lowered)
        for name, short in Organisation.objects.values_list("name", "short_name"):
            for candidate in (name, short):
                candidate = re.sub(r"\s+", "", (candidate or "").lower())
                if len(candidate) >= 2 and (candidate in compact or compact in candidate):
                    raise ValidationError(f"密码不能使用单位名称“{candidate}”（单位名称规则）。",
                                          code="password_is_organisation_name")

    def get_help_text(self):
        return "不能是单位名称。"


class PasswordHistoryValidator:
    """Not one of the account's last ``count`` passwords (the current one included)."""

    def __init__(self, count: int = 5):
        self.count = count

    def validate(self, password, user=None):
        if user is None or not getattr(user, "pk", None):
            return
        from .models import PasswordHistory, User

        current = User.objects.filter(pk=user.pk).values_list("password", flat=True).first()
        hashes = [current] if current else []
        hashes += list(PasswordHistory.objects.filter(user_id=user.pk)
                       .values_list("password", flat=True)[: max(self.count - 1, 0)])
        if any(h and check_password(password, h) for h in hashes[: self.count]):
            raise ValidationError(f"不能重复使用最近 {self.count} 次用过的密码（密码历史规则）。",
                                  code="password_reused")

    def get_help_text(self):
        return f"不能与最近 {self.count} 次的密码相同。"
