"""Optional virus scanning of uploads through clamd (SECURITY.md 31).

Off unless ``CLAMD_SOCKET`` (a Unix socket path) or ``CLAMD_HOST`` (with ``CLAMD_PORT``, default 3310) is set.
The client speaks clamd's ``INSTREAM`` command itself: the ``clamd`` package on PyPI has been unmaintained
since 2017 and the protocol is a dozen lines (clamd(8), "INSTREAM"):

    client: b"zINSTREAM\\0", then chunks  <4-byte big-endian length><bytes> …,  then <0 0 0 0>
    clamd:  b"stream: OK\\0"  |  b"stream: <signature> FOUND\\0"  |  b"<reason> ERROR\\0"

When scanning is configured but clamd cannot be reached or answers an error, the upload is refused
(fail closed) unless ``CLAMD_REQUIRED = False``, in which case it is accepted and a warning is logged.
clamd's own ``StreamMaxLength`` (default 25 MB) must be at least ``UPLOAD_MAX_BYTES`` (docs/admin-guide.md).
"""

from __future__ import annotations

import logging
import socket
import struct
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError

log = logging.getLogger(__name__)

CHUNK = 64 * 1024


class ScanUnavailable(Exception):
    """clamd could not be reached or did not give a verdict."""


@dataclass(frozen=True)
class Verdict:
    clean: bool
    signature: str = ""


def enabled() -> bool:
    return bool(getattr(settings, "CLAMD_SOCKET", "") or getattr(settings, "CLAMD_HOST", ""))


def _connect() -> socket.socket:
    timeout = float(getattr(settings, "CLAMD_TIMEOUT", 30))
    path = getattr(settings, "CLAMD_SOCKET", "")
    if path:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(path)
        return sock
    return socket.create_connection((settings.CLAMD_HOST, int(getattr(settings, "CLAMD_PORT", 3310))),
                                    timeout=timeout)


def scan(fileobj) -> Verdict:
    """Stream the file to clamd and return its verdict; raise ScanUnavailable when there is none."""
    fileobj.seek(0)
    try:
        with _connect() as sock:
            sock.sendall(b"zINSTREAM\0")
            while chunk := fileobj.read(CHUNK):
                sock.sendall(struct.pack("!L", len(chunk)) + chunk)
            sock.sendall(struct.pack("!L", 0))
            reply = b""
            while not reply.endswith(b"\0"):
                part = sock.recv(4096)
                if not part:
                    break
                reply += part
    except OSError as exc:
        raise ScanUnavailable(f"无法连接病毒扫描服务：{exc.__class__.__name__}") from exc
    finally:
        fileobj.seek(0)
    answer = reply.rstrip(b"\0").decode("utf-8", "replace").strip()
    # "stream: OK" / "stream: Eicar-Test-Signature FOUND" (the "stream: " prefix names the INSTREAM source).
    _, _, result = answer.partition(": ")
    result = result or answer
    if result == "OK":
        return Verdict(True)
    if result.endswith(" FOUND"):
        return Verdict(False, result[: -len(" FOUND")].strip())
    raise ScanUnavailable(f"病毒扫描服务没有给出结论：{answer[:200] or '无应答'}")


def check_upload(name: str, fileobj) -> None:
    """Refuse an infected upload with a Chinese message naming the file and the signature."""
    if not enabled():
        return
    try:
        verdict = scan(fileobj)
    except ScanUnavailable as exc:
        if getattr(settings, "CLAMD_REQUIRED", True):
            log.error("virus scan unavailable, upload refused: %s", exc)
            raise ValidationError(f"文件“{name}”未能完成病毒扫描（病毒扫描服务暂不可用），为安全起见未上传。"
                                  "请稍后重试，或联系系统管理员。", code="scan_unavailable") from exc
        log.warning("virus scan unavailable, upload accepted because CLAMD_REQUIRED is off: %s", exc)
        return
    if not verdict.clean:
        log.warning("virus scan found %s in an upload", verdict.signature)
        raise ValidationError(f"文件“{name}”未通过病毒扫描（检出 {verdict.signature}），不能上传。",
                              code="infected")
