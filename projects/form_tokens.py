"""One-time form tokens (SECURITY.md R36): the same create form submitted twice (a double click, a browser
retry, a replayed request) creates one record.

A token is issued with the form as a hidden field: Django's ``signing.TimestampSigner`` (kept with Django, no
new dependency) signs a random value and the form's purpose. Using it inserts a row with the token's SHA-256
into ``UsedFormToken`` (unique) inside the action's own transaction: if the action fails, the row rolls back
and the form can be corrected and sent again; if it succeeds, the same token is refused from then on.
"""

from __future__ import annotations

import hashlib
import secrets

from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

SALT = "zw.form-token"
MAX_AGE_SECONDS = 24 * 3600
REPLAYED = "该表单已经提交过（表单令牌已使用），本次没有重复创建记录；如需再新建一条，请重新打开表单填写。"


def issue(purpose: str) -> str:
    return signing.TimestampSigner(salt=SALT).sign(f"{purpose}:{secrets.token_urlsafe(18)}")


def issuer(purpose: str):
    """A callable for a form field's ``initial``: every rendering of an unbound form gets a fresh token."""
    return lambda: issue(purpose)


def consume(purpose: str, token: str) -> None:
    """Mark ``token`` used, in the caller's transaction; refuse a forged, expired, misdirected or used one."""
    from projects.models import UsedFormToken
    from projects.services import ActionRefused

    try:
        value = signing.TimestampSigner(salt=SALT).unsign(token or "", max_age=MAX_AGE_SECONDS)
    except signing.SignatureExpired as exc:
        raise ValidationError({"form_token": "表单打开已超过 24 小时，已失效：请刷新页面后重新填写提交。"}) from exc
    except signing.BadSignature as exc:
        raise ValidationError({"form_token": "表单令牌无效：请刷新页面后重新提交。"}) from exc
    if not value.startswith(f"{purpose}:"):
        raise ValidationError({"form_token": "表单令牌不属于此表单：请刷新页面后重新提交。"})
    digest = hashlib.sha256(token.encode()).hexdigest()
    try:
        with transaction.atomic():  # a savepoint: the unique violation leaves the outer transaction usable
            UsedFormToken.objects.create(digest=digest, purpose=purpose)
    except IntegrityError as exc:
        raise ActionRefused(REPLAYED, status=409) from exc
