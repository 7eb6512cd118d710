"""API authentication: the browser session (with CSRF) or a bearer token."""

import hashlib
import secrets

from django.utils import timezone
from ninja.security import HttpBearer, django_auth

from accounts.models import ApiToken


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(user, name: str) -> str:
    """Create a token and return it once; only its digest is kept."""
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, name=name, digest=hash_token(token))
    return token


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        try:
            record = ApiToken.objects.select_related("user", "user__organisation").get(
                digest=hash_token(token), revoked=False, user__is_active=True)
        except ApiToken.DoesNotExist:
            return None
        # A token does not get round a login lockout (SECURITY.md 3): a locked username is refused here too.
        from accounts.lockout import username_locked

        if username_locked(record.user.get_username()):
            return None
        ApiToken.objects.filter(pk=record.pk).update(last_used_at=timezone.now())
        request.user = record.user
        return record.user


AUTH = [TokenAuth(), django_auth]
