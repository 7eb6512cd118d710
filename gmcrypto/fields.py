"""Encrypted model fields for personal data (SECURITY.md R33; 《个人信息保护法》第五十一条 加密措施; GB/T 39786-2021 8.4 数据存储机密性).

``EncryptedCharField`` keeps the plaintext in Python and stores in its column only the envelope
``sm4-gcm:<key id>:<base64(nonce || ciphertext || tag)>``: SM4-GCM with a fresh 12-byte nonce per value (two
equal values never encrypt alike), the key outside the database (``get_provider()``), and the model and field
name as additional authenticated data so that a ciphertext copied to another column does not decrypt.
A value that does not decrypt (wrong key, altered column) raises ``CryptoError``: it is never shown as garbage.
"""

from __future__ import annotations

import base64

from django.db import models

from .provider import SM4_GCM, CryptoError, get_provider

PREFIX = f"{SM4_GCM}:"


def is_envelope(value: str) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def envelope_key_id(value: str) -> str:
    """The key id written in an envelope (for key rotation reports)."""
    return value.split(":", 3)[1] + ":" + value.split(":", 3)[2] if is_envelope(value) else ""


def encrypt_value(plaintext: str, aad: bytes) -> str:
    provider = get_provider()
    blob = provider.sm4_gcm_encrypt(plaintext.encode("utf-8"), aad)
    return f"{PREFIX}{provider.sm4_key_id}:{base64.b64encode(blob).decode('ascii')}"


def decrypt_value(envelope: str, aad: bytes) -> str:
    try:
        _algorithm, kid_prefix, kid_hex, payload = envelope.split(":", 3)
        blob = base64.b64decode(payload, validate=True)
    except (ValueError, TypeError) as exc:
        raise CryptoError("密文格式错误") from exc
    provider = get_provider()
    return provider.sm4_gcm_decrypt(blob, aad, key_id=f"{kid_prefix}:{kid_hex}").decode("utf-8")


class EncryptedCharField(models.TextField):
    """A short text (ID number, phone number) stored SM4-GCM encrypted. Not searchable, not orderable."""

    description = "SM4-GCM 加密存储的文本"

    def __init__(self, *args, plain_max_length: int = 64, **kwargs):
        self.plain_max_length = plain_max_length
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        if self.plain_max_length != 64:
            kwargs["plain_max_length"] = self.plain_max_length
        return name, path, args, kwargs

    def _aad(self) -> bytes:
        return f"{self.model._meta.label_lower}.{self.name}".encode()

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        if not is_envelope(value):
            raise CryptoError(f"{self.model._meta.label}.{self.name} 的数据库值不是密文")
        return decrypt_value(value, self._aad())

    def to_python(self, value):
        if isinstance(value, str) and is_envelope(value):
            return decrypt_value(value, self._aad())
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        if is_envelope(value):  # already encrypted (e.g. a raw copy); never double-encrypt
            return value
        if len(value) > self.plain_max_length:
            raise ValueError(f"{self.name} 超过 {self.plain_max_length} 个字符")
        return encrypt_value(value, self._aad())

    def get_lookup(self, lookup_name):
        if lookup_name not in ("isnull",):
            return None  # ciphertext is randomised: equality search would silently never match
        return super().get_lookup(lookup_name)
