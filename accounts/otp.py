"""One-time codes for the second factor (SECURITY.md 6; GB/T 22239-2019 §8.1.4.1 d: 两种或两种以上组合的鉴别技术).

Two algorithms:

* ``totp`` — RFC 6238 TOTP (HMAC-SHA1, 30-second steps, 6 digits) through pyotp, the maintained
  implementation every authenticator app speaks.
* ``sm3`` — the SM3 one-time password of GM/T 0021-2012《动态口令密码应用技术规范》, used when the
  national-crypto switch is on (``gmcrypto.provider.national_crypto_enabled``):
  ID = T ‖ C ‖ Q with T the 64-bit time factor (floor(Unix time / step)), padded with zeros to at least
  128 bits; S = SM3(K ‖ ID); OD = (S1 + S2 + … + S8) mod 2^32 over the eight 32-bit big-endian words
  of S; P = OD mod 10^N. SM3 comes from ``cryptography`` (hashes.SM3). The standard names no
  time step; 60 seconds (the upper bound of its range) is used, as hardware tokens do.

An account keeps the algorithm it enrolled with, so turning the switch on does not lock anyone out.
"""

from __future__ import annotations

import base64
import hmac
import struct
import time
from urllib.parse import quote

import pyotp
from cryptography.hazmat.primitives import hashes
from django.conf import settings

TOTP = "totp"
SM3 = "sm3"
DIGITS = 6
TOTP_STEP = 30
SM3_STEP = 60
# Codes one step either side of now are accepted (clock drift), as RFC 6238 §5.2 recommends.
DRIFT_STEPS = 1


def current_algorithm() -> str:
    try:
        from gmcrypto.provider import national_crypto_enabled
    except ImportError:  # the national-crypto app is optional in a minimal install
        return SM3 if getattr(settings, "NATIONAL_CRYPTO", False) else TOTP
    return SM3 if national_crypto_enabled() else TOTP


def new_secret() -> str:
    """160 random bits in base32 (RFC 4226 §4 R6 recommends 160; GM/T 0021 asks for at least 128)."""
    return pyotp.random_base32(32)


def step_of(algorithm: str, at: float | None = None) -> int:
    return int((time.time() if at is None else at) // (SM3_STEP if algorithm == SM3 else TOTP_STEP))


# --- GM/T 0021-2012 with SM3 -----------------------------------------------------------------------

def sm3_otp(key: bytes, time_factor: int, *, counter: bytes = b"", challenge: bytes = b"", digits: int = DIGITS) -> str:
    if not 4 <= digits <= 8:
        raise ValueError("口令位数应为 4 至 8 位")
    ident = struct.pack(">Q", time_factor) + counter + challenge
    ident = ident.ljust(16, b"\x00")  # ID is at least 128 bits
    digest = hashes.Hash(hashes.SM3())
    digest.update(key + ident)
    s = digest.finalize()
    od = sum(struct.unpack(">8I", s)) % (1 << 32)
    return str(od % (10 ** digits)).zfill(digits)


def _key(secret: str) -> bytes:
    return base64.b32decode(secret.upper() + "=" * (-len(secret) % 8))


def code_at(algorithm: str, secret: str, step: int) -> str:
    if algorithm == SM3:
        return sm3_otp(_key(secret), step)
    return pyotp.TOTP(secret, digits=DIGITS, interval=TOTP_STEP).at(step * TOTP_STEP)


def verify(algorithm: str, secret: str, code: str, *, last_step: int = 0, at: float | None = None) -> int | None:
    """The time step the code belongs to, or None. A step at or before ``last_step`` is refused (replay)."""
    code = (code or "").strip().replace(" ", "")
    if not secret or len(code) != DIGITS or not code.isdigit():
        return None
    now = step_of(algorithm, at)
    for step in range(now - DRIFT_STEPS, now + DRIFT_STEPS + 1):
        if step > last_step and hmac.compare_digest(code_at(algorithm, secret, step), code):
            return step
    return None


def provisioning_uri(algorithm: str, secret: str, username: str) -> str:
    issuer = getattr(settings, "OTP_ISSUER", "四川省政务信息化项目管理平台")
    if algorithm == SM3:
        # No authenticator-app standard covers GM/T 0021; the URI carries what a token needs.
        return (f"otpauth://totp/{quote(issuer)}:{quote(username)}?secret={secret}&issuer={quote(issuer)}"
                f"&algorithm=SM3&digits={DIGITS}&period={SM3_STEP}")
    return pyotp.TOTP(secret, digits=DIGITS, interval=TOTP_STEP).provisioning_uri(name=username, issuer_name=issuer)
