"""The platform's one door to cryptography (SECURITY.md R32; 《商用密码应用安全性评估》, GB/T 39786-2021).

Every other module asks ``get_provider()`` and never imports a cipher library itself, so that switching
the platform to national algorithms (``NATIONAL_CRYPTO = True``) or to a certified cipher machine
(``CRYPTO_PROVIDER = "gmcrypto.provider.CipherMachineProvider"``) is a setting, not a code change.

Interface (agreed between the engineers)::

    p = get_provider()
    p.digest_algorithm  -> "sha256" | "sm3"            p.digest(data) -> hex str
    p.mac_algorithm     -> "hmac-sha256" | "hmac-sm3"  p.mac(key, data) -> hex str
    p.digest_with(algorithm, data) / p.mac_with(algorithm, key, data)  (values stored under an older algorithm)
    p.sm3(data) -> bytes, p.hmac_sm3(key, data) -> bytes
    p.sm4_gcm_encrypt(plaintext, aad=b"") -> bytes   (nonce 12 bytes || ciphertext || tag 16 bytes)
    p.sm4_gcm_decrypt(blob, aad=b"") -> bytes
    p.sm2_sign(data) -> bytes (r || s, 64 bytes), p.sm2_verify(data, signature, public_key=None) -> bool

Store the algorithm name (``p.digest_algorithm`` / ``p.mac_algorithm``) beside each value so that values
written before the switch still verify after it (``digest_with`` / ``mac_with``).

Libraries: SM3, HMAC-SM3 and SM4-GCM come from ``cryptography`` (OpenSSL's implementations, maintained and
constant-time). SM2 signatures are made by ``gmcrypto.sm2`` (the base point's multiples tabulated once, ≈ 15×
faster than gmssl's string arithmetic) with the random ``k`` drawn from ``secrets``, and verified by ``gmssl``
3.2.2 (the only maintained pure-Python SM2 on PyPI), an independent implementation; the Z value is computed here
so that the signer's ID is explicit (GB/T 32918.2-2016 5.5; default ID "1234567812345678", GM/T 0009-2012 10).
"""

from __future__ import annotations

import hashlib
import hmac as std_hmac
import logging
import os
import secrets
import threading
from abc import ABC, abstractmethod
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

logger = logging.getLogger(__name__)

SHA256 = "sha256"
SM3 = "sm3"
HMAC_SHA256 = "hmac-sha256"
HMAC_SM3 = "hmac-sm3"
SM4_GCM = "sm4-gcm"
SM2_SM3 = "sm2-sm3"
DIGEST_ALGORITHMS = (SHA256, SM3)
MAC_ALGORITHMS = (HMAC_SHA256, HMAC_SM3)

NONCE_BYTES = 12  # RFC 8998 / NIST SP 800-38D: 96-bit nonce, fresh for every value
TAG_BYTES = 16
DEFAULT_SM2_ID = b"1234567812345678"  # GM/T 0009-2012 第 10 章: the default user identity

# The recommended curve (GB/T 32918.5-2017, "sm2p256v1").
SM2_CURVE = {
    "p": "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFF",
    "a": "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF00000000FFFFFFFFFFFFFFFC",
    "b": "28E9FA9E9D9F5E344D5A9E4BCF6509A7F39789F515AB8F92DDBCBD414D940E93",
    "n": "FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123",
    "g": "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7"
    "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0",
}


class CryptoError(Exception):
    """A value cannot be decrypted or a key is unusable (wrong key, altered ciphertext, bad configuration)."""


def national_crypto_enabled() -> bool:
    """The switch: ``settings.NATIONAL_CRYPTO`` (bool, default False)."""
    from django.conf import settings

    return bool(getattr(settings, "NATIONAL_CRYPTO", False))


# --- pure helpers (no keys) -------------------------------------------------------------------


def sm3_bytes(data: bytes) -> bytes:
    h = hashes.Hash(hashes.SM3())
    h.update(data)
    return h.finalize()


def hmac_sm3_bytes(key: bytes, data: bytes) -> bytes:
    h = crypto_hmac.HMAC(key, hashes.SM3())
    h.update(data)
    return h.finalize()


def digest_with(algorithm: str, data: bytes) -> str:
    if algorithm == SM3:
        return sm3_bytes(data).hex()
    if algorithm == SHA256:
        return hashlib.sha256(data).hexdigest()
    raise ValueError(f"未知的摘要算法：{algorithm!r}（应为 {', '.join(DIGEST_ALGORITHMS)}）")


def mac_with(algorithm: str, key: bytes, data: bytes) -> str:
    if algorithm == HMAC_SM3:
        return hmac_sm3_bytes(key, data).hex()
    if algorithm == HMAC_SHA256:
        return std_hmac.new(key, data, hashlib.sha256).hexdigest()
    raise ValueError(f"未知的消息鉴别算法：{algorithm!r}（应为 {', '.join(MAC_ALGORITHMS)}）")


def key_id(key_material: bytes, prefix: str) -> str:
    """A public identifier of a key (never the key): SM3 of the key, first 8 bytes."""
    return f"{prefix}:{sm3_bytes(b'key-id|' + key_material)[:8].hex()}"


def sm2_public_key_from_private(private_hex: str) -> str:
    """The public key (x || y, 128 hex digits, no 04 prefix) of an SM2 private key."""
    from . import sm2

    x, y = sm2.public_key(int(private_hex, 16))
    return f"{x:064X}{y:064X}"


def sm2_z(public_key_hex: str, user_id: bytes = DEFAULT_SM2_ID) -> bytes:
    """Z_A = SM3(ENTL_A || ID_A || a || b || x_G || y_G || x_A || y_A) (GB/T 32918.2-2016 5.5)."""
    entl = (len(user_id) * 8).to_bytes(2, "big")
    material = entl + user_id + b"".join(
        bytes.fromhex(SM2_CURVE[k]) for k in ("a", "b", "g")
    ) + bytes.fromhex(_strip_04(public_key_hex))
    return sm3_bytes(material)


def sm2_sign_raw(private_hex: str, data: bytes, *, user_id: bytes = DEFAULT_SM2_ID, k_hex: str | None = None,
                 public_hex: str | None = None) -> bytes:
    """SM2 signature (r || s, 64 bytes) of ``data`` with e = SM3(Z_A || M). ``k_hex`` only for known-answer tests.

    ``public_hex``: the key pair's public key when the caller already holds it (the provider derives it once);
    deriving it is a full point multiplication in pure Python, about as costly as the signature itself (issue #8)."""
    from . import sm2

    public_hex = public_hex or sm2_public_key_from_private(private_hex)
    private = int(private_hex, 16)
    e = int.from_bytes(sm3_bytes(sm2_z(public_hex, user_id) + data), "big")
    while True:
        k = int(k_hex, 16) if k_hex is not None else secrets.randbelow(sm2.N - 1) + 1
        signature = sm2.sign(private, e, k)
        if signature is not None:
            r, s = signature
            return r.to_bytes(32, "big") + s.to_bytes(32, "big")
        if k_hex is not None:  # pragma: no cover - a fixed k that gives r = 0 is a bad test vector
            raise CryptoError("所给 k 产生了无效签名")


def sm2_verify_raw(public_hex: str, data: bytes, signature: bytes, *, user_id: bytes = DEFAULT_SM2_ID) -> bool:
    if len(signature) != 64:
        return False
    r, s = int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    n = int(SM2_CURVE["n"], 16)
    if not (1 <= r < n and 1 <= s < n):  # GB/T 32918.2-2016 7.1 B1, B2
        return False
    try:
        public_hex = _strip_04(public_hex)
        verifier = _gmssl_signer(None, public_hex)
        e = sm3_bytes(sm2_z(public_hex, user_id) + data)
        return bool(verifier.verify(signature.hex(), e))
    except (ValueError, TypeError):
        return False


def _strip_04(public_hex: str) -> str:
    public_hex = public_hex.strip()
    if len(public_hex) == 130 and public_hex[:2] == "04":
        public_hex = public_hex[2:]
    if len(public_hex) != 128:
        raise ValueError("SM2 公钥应为 128 位十六进制（x||y），可带 04 前缀")
    bytes.fromhex(public_hex)
    return public_hex


def _gmssl_table() -> dict:
    return {k: v for k, v in SM2_CURVE.items()}


def _gmssl_signer(private_hex, public_hex):
    from gmssl import sm2

    signer = sm2.CryptSM2(private_key=private_hex, public_key="00" * 64, ecc_table=_gmssl_table())
    # gmssl 3.2.2 strips the "04" prefix with str.lstrip("04"), which also eats leading 0/4 digits of x:
    # set the key directly instead.
    signer.public_key = public_hex.lower()
    return signer


# --- the interface --------------------------------------------------------------------------


class CryptoProvider(ABC):
    """What every provider offers. Subclasses implement the primitives; the generic helpers are shared."""

    name = "abstract"

    # primitives -------------------------------------------------------------------------------
    @abstractmethod
    def sm3(self, data: bytes) -> bytes: ...

    @abstractmethod
    def hmac_sm3(self, key: bytes, data: bytes) -> bytes: ...

    @abstractmethod
    def sm4_gcm_encrypt(self, plaintext: bytes, aad: bytes = b"") -> bytes: ...

    @abstractmethod
    def sm4_gcm_decrypt(self, blob: bytes, aad: bytes = b"") -> bytes: ...

    @abstractmethod
    def sm2_sign(self, data: bytes) -> bytes: ...

    @abstractmethod
    def sm2_verify(self, data: bytes, signature: bytes, public_key: str | None = None) -> bool: ...

    # identifiers stored beside each value -----------------------------------------------------
    sm4_key_id: str = ""
    sm2_key_id: str = ""
    sm2_public_key: str = ""
    encryption_algorithm = SM4_GCM
    signature_algorithm = SM2_SM3

    # generic, switchable ----------------------------------------------------------------------
    @property
    def digest_algorithm(self) -> str:
        return SM3 if national_crypto_enabled() else SHA256

    @property
    def mac_algorithm(self) -> str:
        return HMAC_SM3 if national_crypto_enabled() else HMAC_SHA256

    @property
    def algorithm(self) -> str:
        """Alias of ``digest_algorithm`` (the name to store beside a digest)."""
        return self.digest_algorithm

    def digest(self, data: bytes) -> str:
        return self.digest_with(self.digest_algorithm, data)

    def mac(self, key: bytes, data: bytes) -> str:
        return self.mac_with(self.mac_algorithm, key, data)

    def digest_with(self, algorithm: str, data: bytes) -> str:
        if algorithm == SM3:
            return self.sm3(data).hex()
        return digest_with(algorithm, data)

    def mac_with(self, algorithm: str, key: bytes, data: bytes) -> str:
        if algorithm == HMAC_SM3:
            return self.hmac_sm3(key, data).hex()
        return mac_with(algorithm, key, data)


class SoftwareCryptoProvider(CryptoProvider):
    """Software implementation: keys from the environment or key files (never the database)."""

    name = "software"

    def __init__(self, *, sm4_key: bytes, sm2_private_key: str, retired_sm4_keys: tuple[bytes, ...] = ()):
        if len(sm4_key) != 16:
            raise CryptoError("SM4 密钥必须是 16 字节（32 位十六进制）")
        self._sm4_key = sm4_key
        self.sm4_key_id = key_id(sm4_key, "sm4")
        self._sm4_keys = {self.sm4_key_id: sm4_key}
        for old in retired_sm4_keys:
            self._sm4_keys.setdefault(key_id(old, "sm4"), old)
        self._sm2_private = sm2_private_key.lower()
        self.sm2_public_key = sm2_public_key_from_private(self._sm2_private)
        self.sm2_key_id = key_id(bytes.fromhex(self.sm2_public_key), "sm2")

    def sm3(self, data: bytes) -> bytes:
        return sm3_bytes(data)

    def hmac_sm3(self, key: bytes, data: bytes) -> bytes:
        return hmac_sm3_bytes(key, data)

    def sm4_gcm_encrypt(self, plaintext: bytes, aad: bytes = b"", *, nonce: bytes | None = None) -> bytes:
        nonce = nonce if nonce is not None else os.urandom(NONCE_BYTES)
        encryptor = Cipher(algorithms.SM4(self._sm4_key), modes.GCM(nonce)).encryptor()
        encryptor.authenticate_additional_data(aad)
        body = encryptor.update(plaintext) + encryptor.finalize()
        return nonce + body + encryptor.tag

    def sm4_gcm_decrypt(self, blob: bytes, aad: bytes = b"", *, key_id: str | None = None) -> bytes:
        key = self._sm4_keys.get(key_id) if key_id else self._sm4_key
        if key is None:
            raise CryptoError(f"找不到密钥 {key_id}：请在 SM4_RETIRED_KEYS 中保留轮换前的密钥")
        if len(blob) < NONCE_BYTES + TAG_BYTES:
            raise CryptoError("密文长度不足")
        nonce, body, tag = blob[:NONCE_BYTES], blob[NONCE_BYTES:-TAG_BYTES], blob[-TAG_BYTES:]
        decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
        decryptor.authenticate_additional_data(aad)
        try:
            return decryptor.update(body) + decryptor.finalize()
        except InvalidTag as exc:
            raise CryptoError("解密失败：密钥错误或密文被篡改") from exc

    def sm2_sign(self, data: bytes) -> bytes:
        return sm2_sign_raw(self._sm2_private, data, public_hex=self.sm2_public_key)

    def sm2_verify(self, data: bytes, signature: bytes, public_key: str | None = None) -> bool:
        return sm2_verify_raw(public_key or self.sm2_public_key, data, signature)


class CipherMachineProvider(CryptoProvider):
    """Adapter point for a certified cipher machine (服务器密码机) through its GM/T 0018-2012 SDF interface.

    A 密评 at level 3 expects keys to live in a certified device. Wire the vendor's SDF binding here:
    ``SDF_OpenDevice``/``SDF_OpenSession`` in ``__init__``, ``SDF_HashInit/Update/Final`` (SGD_SM3) for ``sm3``,
    ``SDF_CalculateMAC`` or HMAC over SM3 for ``hmac_sm3``, ``SDF_Encrypt``/``SDF_Decrypt`` with SGD_SM4_GCM
    (or the vendor's AEAD call) and the key index ``CRYPTO_MACHINE_SM4_KEY_INDEX``, and
    ``SDF_InternalSign_ECC``/``SDF_InternalVerify_ECC`` with ``CRYPTO_MACHINE_SM2_KEY_INDEX``.
    Until that is done every primitive refuses with a clear message, so a misconfiguration never silently
    falls back to software keys.
    """

    name = "cipher-machine"

    def __init__(self, *, endpoint: str = "", library: str = "", **_ignored):
        self.endpoint = endpoint
        self.library = library
        self.sm4_key_id = f"sdf:{os.environ.get('CRYPTO_MACHINE_SM4_KEY_INDEX', '?')}"
        self.sm2_key_id = f"sdf:{os.environ.get('CRYPTO_MACHINE_SM2_KEY_INDEX', '?')}"

    def _refuse(self, operation: str):
        where = self.library or self.endpoint
        if not where:
            raise NotImplementedError(
                f"密码机未配置：{operation} 需要设置 CRYPTO_MACHINE_SDF_LIBRARY（厂商 SDF 动态库路径）或 "
                "CRYPTO_MACHINE_ENDPOINT，并在 gmcrypto.provider.CipherMachineProvider 中接入厂商的 "
                "GM/T 0018 SDF 调用（见 docs/admin-guide.md「国密」一节）。"
            )
        raise NotImplementedError(
            f"密码机适配尚未接入：已配置 {where}，但 {operation} 的 GM/T 0018 SDF 调用还需按厂商接口实现"
            "（gmcrypto.provider.CipherMachineProvider）。"
        )

    def sm3(self, data: bytes) -> bytes:
        self._refuse("SM3 摘要")

    def hmac_sm3(self, key: bytes, data: bytes) -> bytes:
        self._refuse("HMAC-SM3")

    def sm4_gcm_encrypt(self, plaintext: bytes, aad: bytes = b"") -> bytes:
        self._refuse("SM4-GCM 加密")

    def sm4_gcm_decrypt(self, blob: bytes, aad: bytes = b"", *, key_id: str | None = None) -> bytes:
        self._refuse("SM4-GCM 解密")

    def sm2_sign(self, data: bytes) -> bytes:
        self._refuse("SM2 签名")

    def sm2_verify(self, data: bytes, signature: bytes, public_key: str | None = None) -> bool:
        self._refuse("SM2 验签")

    # SHA-256 / HMAC-SHA256 stay in software when national crypto is off.


# --- keys and the singleton -----------------------------------------------------------------

DEV_KEY_WARNING = (
    "国密密钥使用的是由 SECRET_KEY 派生的开发默认值（SM4_KEY / SM2_PRIVATE_KEY 未配置）：只可用于演示和测试，生产环境必须配置。"
)


def _read_key(name: str) -> str | None:
    """A key from ``settings.<NAME>`` / the environment, or from the file named by ``<NAME>_FILE``."""
    from django.conf import settings

    value = getattr(settings, name, None) or os.environ.get(name)
    if value:
        return str(value).strip()
    path = getattr(settings, f"{name}_FILE", None) or os.environ.get(f"{name}_FILE")
    if path:
        try:
            return Path(path).read_text(encoding="ascii").strip()
        except OSError as exc:
            raise CryptoError(f"无法读取密钥文件 {name}_FILE={path}：{exc}") from exc
    return None


def _dev_key(label: str, length: int) -> bytes:
    from django.conf import settings

    return sm3_bytes(f"zwxm-dev-key|{label}|{settings.SECRET_KEY}".encode())[:length]


def key_configuration() -> dict:
    """The configured keys (hex) and whether they are development defaults."""
    from django.conf import settings

    sm4 = _read_key("SM4_KEY")
    sm2 = _read_key("SM2_PRIVATE_KEY")
    retired = getattr(settings, "SM4_RETIRED_KEYS", None) or os.environ.get("SM4_RETIRED_KEYS", "")
    if isinstance(retired, str):
        retired = [r.strip() for r in retired.split(",") if r.strip()]
    return {
        "sm4_key": sm4 or _dev_key("sm4", 16).hex(),
        "sm2_private_key": sm2 or f"{(int.from_bytes(_dev_key('sm2', 32), 'big') % (int(SM2_CURVE['n'], 16) - 2)) + 1:064x}",
        "retired_sm4_keys": tuple(retired),
        "sm4_is_dev_default": sm4 is None,
        "sm2_is_dev_default": sm2 is None,
        "sm2_public_key": _read_key("SM2_PUBLIC_KEY"),
    }


_lock = threading.Lock()
_cache: dict = {}
_warned = False


def _build(path: str, config: dict) -> CryptoProvider:
    from django.conf import settings
    from django.utils.module_loading import import_string

    cls = import_string(path)
    if issubclass(cls, CipherMachineProvider):
        return cls(
            endpoint=getattr(settings, "CRYPTO_MACHINE_ENDPOINT", "") or os.environ.get("CRYPTO_MACHINE_ENDPOINT", ""),
            library=getattr(settings, "CRYPTO_MACHINE_SDF_LIBRARY", "")
            or os.environ.get("CRYPTO_MACHINE_SDF_LIBRARY", ""),
        )
    try:
        sm4_key = bytes.fromhex(config["sm4_key"])
        retired = tuple(bytes.fromhex(k) for k in config["retired_sm4_keys"])
        int(config["sm2_private_key"], 16)
    except ValueError as exc:
        raise CryptoError("SM4_KEY / SM4_RETIRED_KEYS / SM2_PRIVATE_KEY 必须是十六进制字符串") from exc
    provider = cls(sm4_key=sm4_key, sm2_private_key=config["sm2_private_key"], retired_sm4_keys=retired)
    expected = config.get("sm2_public_key")
    if expected and _strip_04(expected).upper() != provider.sm2_public_key.upper():
        raise CryptoError("SM2_PUBLIC_KEY 与 SM2_PRIVATE_KEY 不匹配")
    global _warned
    if (config["sm4_is_dev_default"] or config["sm2_is_dev_default"]) and not _warned:
        _warned = True  # once per process; `check --deploy` repeats it as gmcrypto.W001/W002
        logger.warning(DEV_KEY_WARNING)
    return provider


def get_provider() -> CryptoProvider:
    """The configured provider (``settings.CRYPTO_PROVIDER``), built once per key configuration."""
    from django.conf import settings

    path = getattr(settings, "CRYPTO_PROVIDER", "gmcrypto.provider.SoftwareCryptoProvider")
    config = key_configuration()
    machine = tuple(getattr(settings, name, "") or os.environ.get(name, "")
                    for name in ("CRYPTO_MACHINE_ENDPOINT", "CRYPTO_MACHINE_SDF_LIBRARY"))
    cache_key = (path, config["sm4_key"], config["sm2_private_key"], config["retired_sm4_keys"],
                 config["sm2_public_key"], machine)
    with _lock:
        provider = _cache.get(cache_key)
        if provider is None:
            provider = _build(path, config)
            _cache.clear()
            _cache[cache_key] = provider
        return provider


def digest(data: bytes) -> str:
    """Shortcut: ``get_provider().digest(data)``."""
    return get_provider().digest(data)


def mac(key: bytes, data: bytes) -> str:
    """Shortcut: ``get_provider().mac(key, data)``."""
    return get_provider().mac(key, data)
