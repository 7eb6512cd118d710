"""Formats of personal identifiers, pure Python (no Django).

- 公民身份号码 (GB 11643-1999): 17 digits of address, birth date and sequence, then the ISO 7064 MOD 11-2 check
  character (0-9 or X).
- 手机号码: 11 digits starting with 1 and a 3-9 second digit (the mainland numbering plan, 《电信网编号计划》).
"""

from __future__ import annotations

import re
from datetime import date

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
ID_RE = re.compile(r"^\d{17}[\dX]$")
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")


def id_check_character(first17: str) -> str:
    """GB 11643-1999 6.2: the MOD 11-2 check character of the first 17 digits."""
    return ID_CHECK[sum(int(c) * w for c, w in zip(first17, ID_WEIGHTS, strict=True)) % 11]


def normalise_id_number(value: str) -> str:
    return (value or "").strip().upper().replace(" ", "")


def id_number_problem(value: str) -> str | None:
    """None if ``value`` is a well-formed 18-digit 公民身份号码, else the reason in Chinese."""
    value = normalise_id_number(value)
    if not ID_RE.match(value):
        return "身份证号应为 18 位：17 位数字加 1 位校验码（数字或 X）（GB 11643）"
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return "身份证号中的出生日期不存在（第 7 至 14 位，GB 11643）"
    if born > date.today() or born.year < 1900:
        return "身份证号中的出生日期不合理（第 7 至 14 位，GB 11643）"
    if id_check_character(value[:17]) != value[17]:
        return "身份证号校验码错误（第 18 位，GB 11643 MOD 11-2）"
    return None


def normalise_mobile(value: str) -> str:
    value = re.sub(r"[\s-]", "", value or "")
    if value.startswith("+86"):
        value = value[3:]
    return value


def mobile_problem(value: str) -> str | None:
    value = normalise_mobile(value)
    if not MOBILE_RE.match(value):
        return "手机号码应为 11 位数字、以 1 开头、第二位为 3 至 9"
    return None


def mask_id_number(value: str) -> str:
    """5101**********1234: the first 4 and last 4 characters only (GB/T 35273-2020 附录 A 去标识化示例)."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_mobile(value: str) -> str:
    """138****5678: the first 3 and last 4 digits only."""
    if not value:
        return ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
