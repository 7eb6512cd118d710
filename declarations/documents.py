"""Attached documents: what may be uploaded, where it is stored, and how it is read back (SECURITY.md 26–30).

- An allowlist of extensions; the content's leading bytes must match the extension
  (an executable renamed to .pdf is refused); HTML and SVG are never accepted.
- Office Open XML, OFD and ZIP files are ZIP archives: their member list is checked
  (entry count, unpacked size, no absolute or ``..`` names) before anything is read.
- Files are stored under ``settings.STORAGE_DIR/documents`` with a generated name;
  the user's file name is only ever displayed.
- A file that is two things at once (a polyglot: a PDF or an image that is also a ZIP archive, or that
  carries an HTML page or a script) is refused: the allowlist is about what the content *is*.
- Optional virus scanning through clamd (``declarations.clamd``, SECURITY.md 31).
- The digest (SHA-256, or SM3 when the national-crypto provider is on) is computed while the file is
  written and checked again at download.
- A file written inside a transaction that rolls back is removed (SECURITY.md 30), however far out the
  rollback happens: see ``FileStore.write``.
"""

from __future__ import annotations

import hashlib
import logging
import os
import unicodedata
import uuid
import weakref
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from . import clamd

CHUNK = 64 * 1024
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FileType:
    extension: str
    label: str
    content_type: str
    magic: tuple[bytes, ...]
    zip_marker: tuple[str, ...] = ()  # a ZIP-based format: one of these member names or prefixes must exist


ZIP_MAGIC = (b"PK\x03\x04",)
OLE2_MAGIC = (bytes.fromhex("D0CF11E0A1B11AE1"),)

FILE_TYPES: dict[str, FileType] = {t.extension: t for t in (
    FileType("pdf", "PDF", "application/pdf", (b"%PDF-",)),
    FileType("ofd", "OFD", "application/ofd", ZIP_MAGIC, ("OFD.xml",)),
    FileType("doc", "Word 97-2003", "application/msword", OLE2_MAGIC),
    FileType("docx", "Word", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ZIP_MAGIC,
             ("word/",)),
    FileType("xls", "Excel 97-2003", "application/vnd.ms-excel", OLE2_MAGIC),
    FileType("xlsx", "Excel", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ZIP_MAGIC,
             ("xl/",)),
    FileType("jpg", "JPEG 图片", "image/jpeg", (b"\xff\xd8\xff",)),
    FileType("jpeg", "JPEG 图片", "image/jpeg", (b"\xff\xd8\xff",)),
    FileType("png", "PNG 图片", "image/png", (b"\x89PNG\r\n\x1a\n",)),
    FileType("zip", "ZIP 压缩包", "application/zip", ZIP_MAGIC, ("",)),
)}

ALLOWED_LABEL = "PDF、OFD、DOC、DOCX、XLS、XLSX、JPG、PNG、ZIP"

# What the content really is, when it is something we never accept: named in the refusal.
FORBIDDEN_CONTENT = (
    (b"MZ", "Windows 可执行程序"),
    (b"\x7fELF", "Linux 可执行程序"),
    (b"\xcf\xfa\xed\xfe", "macOS 可执行程序"),
    (b"#!", "脚本文件"),
)
MARKUP_PREFIXES = (b"<!doctype html", b"<html", b"<svg", b"<?xml", b"<script", b"<head", b"<body")

# Markup a browser would run, looked for anywhere in a PDF or an image (a "JPEG with an appended script").
# Compressed streams never spell these out by chance; a file that does is a disguise.
EMBEDDED_MARKUP = (b"<script", b"<html", b"<!doctype html", b"<svg", b"<?php", b"<iframe", b"<object", b"<embed")
SCANNED_FOR_MARKUP = ("pdf", "jpg", "jpeg", "png")


def archive_max_entries() -> int:
    """Members of one ZIP-based file (SECURITY.md 26: ≤ 1,000). (setting)"""
    return int(getattr(settings, "UPLOAD_ARCHIVE_MAX_ENTRIES", 1000))


def archive_max_unpacked() -> int:
    """Declared unpacked size of one ZIP-based file (SECURITY.md 26: ≤ 500 MB). (setting)"""
    return int(getattr(settings, "UPLOAD_ARCHIVE_MAX_UNPACKED_BYTES", 500 * 1024 * 1024))


def max_bytes() -> int:
    return int(getattr(settings, "UPLOAD_MAX_BYTES", 100 * 1024 * 1024))


def project_quota_bytes() -> int:
    """Total size of one project's documents, all versions (SECURITY.md 26: a per-project quota). (setting)"""
    return int(getattr(settings, "UPLOAD_PROJECT_QUOTA_BYTES", 2 * 1024 * 1024 * 1024))


def refuse_over_quota(project, size: int, shown: str) -> None:
    """SECURITY.md 26: one project's files (declaration documents and archive, all versions) stay within
    ``UPLOAD_PROJECT_QUOTA_BYTES``. Called inside the upload's transaction, after the project row is locked."""
    from django.db.models import Sum

    from declarations.models import Document
    from delivery.models import ArchiveEntry

    used = sum(model.objects.filter(project=project).aggregate(total=Sum("size"))["total"] or 0
               for model in (Document, ArchiveEntry))
    if used + size > project_quota_bytes():
        raise ValidationError({"file": f"文件“{shown}”上传后本项目附件总量将超过上限（每个项目不超过 "
                                       f"{human_size(project_quota_bytes())}），请压缩后再上传，或联系系统管理员。"})


def human_size(size: int) -> str:
    if size >= 1024 * 1024 * 1024:
        return f"{size / (1024 * 1024 * 1024):.1f} GB".replace(".0 GB", " GB")
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
    if size >= 1024:
        return f"{size / 1024:.1f} KB".replace(".0 KB", " KB")
    return f"{size} 字节"


def display_name(name: str) -> str:
    """The user's file name reduced to something safe to show: no directories, no control characters,
    at most 200 characters (keeping the extension). It is never used as a path."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").split("/")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    if not name:
        return "未命名文件"
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[: 200 - len(ext) - 1] + "." + ext) if dot and len(ext) <= 10 else name[:200]
    return name


def extension_of(name: str) -> str:
    _, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


def _refuse(name: str, reason: str) -> ValidationError:
    return ValidationError(f"文件“{name}”{reason}", code="invalid_file")


def _what_it_really_is(head: bytes) -> str:
    for magic, label in FORBIDDEN_CONTENT:
        if head.startswith(magic):
            return label
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith(MARKUP_PREFIXES):
        return "SVG 图片" if b"<svg" in stripped[:512] else "HTML 网页"
    for file_type in FILE_TYPES.values():
        if any(head.startswith(m) for m in file_type.magic):
            return "ZIP 压缩包" if file_type.magic == ZIP_MAGIC else file_type.label
    return ""


def _check_archive(name: str, file_type: FileType, fileobj) -> None:
    """Inspect a ZIP-based file's member list without unpacking anything."""
    try:
        archive = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _refuse(name, f"不是有效的 {file_type.label} 文件（压缩结构损坏）。") from exc
    with archive:
        members = archive.infolist()
        # Everything below reads the central directory only (zipfile parses it when the archive is opened);
        # no member is decompressed, so a zip bomb's declared sizes are refused before any byte is inflated.
        limit = archive_max_entries()
        if len(members) > limit:
            raise _refuse(name, f"包含 {len(members)} 个文件，超过上限（压缩包内不超过 {limit} 个文件）。")
        unpacked = sum(m.file_size for m in members)
        limit = archive_max_unpacked()
        if unpacked > limit:
            raise _refuse(name, f"解压后大小为 {human_size(unpacked)}，超过上限（解压后不超过 {human_size(limit)}）。")
        for member in members:
            member_name = member.filename.replace("\\", "/")
            if member_name.startswith("/") or (len(member_name) > 1 and member_name[1] == ":") \
                    or ".." in PurePosixPath(member_name).parts or "\x00" in member_name:
                raise _refuse(name, f"包含不安全的路径“{display_name(member.filename)}”（绝对路径或“..”），不能上传。")
        names = [m.filename for m in members]
        markers = [m for m in file_type.zip_marker if m]
        if markers and not any(n == m or (m.endswith("/") and n.startswith(m)) for m in markers for n in names):
            raise _refuse(name, f"的内容与扩展名 .{file_type.extension} 不符：不是 {file_type.label} 文件。")
    fileobj.seek(0)


def validate_upload(name: str, size: int, fileobj) -> FileType:
    """Check an upload before anything is stored; raise ValidationError with a Chinese message naming the file."""
    shown = display_name(name)
    if "\x00" in (name or ""):
        raise _refuse(shown, "的文件名包含非法字符，不能上传。")
    ext = extension_of(shown)
    file_type = FILE_TYPES.get(ext)
    if file_type is None:
        kind = {"html": "HTML 网页", "htm": "HTML 网页", "svg": "SVG 图片", "exe": "可执行程序"}.get(ext)
        what = f"（{kind}）" if kind else (f"（.{ext}）" if ext else "（没有扩展名）")
        raise _refuse(shown, f"的类型不允许上传{what}：只接受 {ALLOWED_LABEL} 文件。")
    if size <= 0:
        raise _refuse(shown, "是空文件，不能上传。")
    if size > max_bytes():
        raise _refuse(shown, f"大小为 {human_size(size)}，超过上限（单个文件不超过 {human_size(max_bytes())}）。")
    fileobj.seek(0)
    head = fileobj.read(1024)
    fileobj.seek(0)
    if not any(head.startswith(m) for m in file_type.magic):
        actual = _what_it_really_is(head)
        if actual:
            really = f"文件实际是 {actual}" if actual[0].isascii() else f"文件实际是{actual}"
        else:
            really = f"不是 {file_type.label} 文件"
        raise _refuse(shown, f"的内容与扩展名 .{ext} 不符：{really}，不能上传。")
    if file_type.zip_marker:
        _check_archive(shown, file_type, fileobj)
    else:
        _refuse_polyglot(shown, file_type, fileobj)
    clamd.check_upload(shown, fileobj)  # SECURITY.md 31: optional, off unless CLAMD_SOCKET or CLAMD_HOST is set
    fileobj.seek(0)
    return file_type


def _refuse_polyglot(name: str, file_type: FileType, fileobj) -> None:
    """A PDF, image or Office 97 file must not also be something else.

    - A hidden ZIP (its end-of-central-directory record at the end, which is what every unzip tool and a
      browser's ``jar:`` handler look for) would smuggle in an archive whose members were never checked.
    - HTML or script inside a PDF or an image is what a "JPEG with an appended script" or a
      PDF/HTML polyglot carries; downloads are always ``attachment`` with ``nosniff`` (SECURITY.md 28),
      but a file that spells out ``<script`` is a disguise, not a document.
    """
    fileobj.seek(0)
    try:
        hidden_zip = zipfile.is_zipfile(fileobj)
    finally:
        fileobj.seek(0)
    if hidden_zip:
        raise _refuse(name, f"的内容不止是 {file_type.label}：文件中还夹带了 ZIP 压缩包（多格式伪装文件），不能上传。")
    if file_type.extension not in SCANNED_FOR_MARKUP:
        return
    overlap = max(len(m) for m in EMBEDDED_MARKUP) - 1
    tail = b""
    while chunk := fileobj.read(CHUNK):
        window = (tail + chunk).lower()
        for marker in EMBEDDED_MARKUP:
            if marker in window:
                fileobj.seek(0)
                shown_marker = marker.decode("ascii") + ">"
                raise _refuse(name, f"的内容不止是 {file_type.label}：文件中夹带了网页或脚本代码（{shown_marker}），不能上传。")
        tail = window[-overlap:]
    fileobj.seek(0)


# --- Storage ---------------------------------------------------------------------------------

# --- Digests (SECURITY.md 29) ---------------------------------------------------------------------

SHA256 = "sha256"
SM3 = "sm3"
DIGEST_ALGORITHMS = (SHA256, SM3)


def digest_algorithm() -> str:
    """The algorithm new files are digested with: SM3 when the national-crypto provider is on
    (``settings.NATIONAL_CRYPTO``), SHA-256 otherwise. The name is written into the upload's audit event."""
    try:
        from gmcrypto.provider import get_provider
    except ImportError:  # the provider app is not installed: keep SHA-256
        return SHA256
    return get_provider().digest_algorithm


class _Hasher:
    """Incremental digest. A digest has no key, so the software SM3 of ``cryptography`` gives the same value
    as a cipher machine would; streaming keeps a 100 MB file out of memory (the provider's ``digest`` takes
    bytes)."""

    def __init__(self, algorithm: str):
        self.algorithm = algorithm
        if algorithm == SHA256:
            self._h = hashlib.sha256()
        elif algorithm == SM3:
            from cryptography.hazmat.primitives import hashes

            self._h = hashes.Hash(hashes.SM3())
        else:
            raise ValueError(f"未知的摘要算法：{algorithm!r}")

    def update(self, data: bytes) -> None:
        self._h.update(data)

    def hexdigest(self) -> str:
        return self._h.hexdigest() if self.algorithm == SHA256 else self._h.finalize().hex()


def _remove_unless_committed(store: FileStore, stored_name: str, state: dict) -> None:
    if not state["committed"]:
        store.remove(stored_name)


class FileStore:
    """Files under ``STORAGE_DIR/<folder>`` with server-generated names (``<32 hex>.<ext>``), written once,
    digest taken while writing. Declaration documents and the project archive (delivery) each have one,
    in separate folders, so each reconciliation sees only its own files."""

    def __init__(self, folder: str, root: Path | None = None):
        self.folder = folder
        self.root = root  # another storage (a restore drill's); None: settings.STORAGE_DIR

    def storage_root(self) -> Path:
        # Read at each call: tests and deployments set STORAGE_DIR after import.
        return (Path(self.root or settings.STORAGE_DIR) / self.folder).resolve()

    @staticmethod
    def new_stored_name(file_type: FileType) -> str:
        return f"{uuid.uuid4().hex}.{file_type.extension}"

    def path_of(self, stored_name: str) -> Path:
        """The file's path; a stored name is always ``<32 hex>.<ext>``, so nothing can leave the storage root."""
        stem, _, ext = stored_name.partition(".")
        if len(stem) != 32 or any(c not in "0123456789abcdef" for c in stem) or ext not in FILE_TYPES:
            raise ValueError(f"不是平台生成的存储名：{stored_name!r}")
        root = self.storage_root()
        path = (root / stem[:2] / stored_name).resolve()
        if root not in path.parents:
            raise ValueError("存储路径越界")
        return path

    def write(self, stored_name: str, fileobj) -> tuple[str, int]:
        """Write the upload to its generated path (never overwriting); return its digest and size.

        Inside a transaction the file is removed again if that transaction rolls back, at whatever depth
        (SECURITY.md 30). Django has no rollback hook, but it documents that a rolled-back transaction's
        ``on_commit`` callbacks are *discarded*: the callback registered here is the file's only
        confirmation, and a finalizer on it removes the file when it is dropped without having run.
        Callers still remove the file themselves when their own block fails (immediate, and covers
        autocommit); ``reconcile_files`` is the safety net for a crash between the two."""
        path = self.path_of(stored_name)
        path.parent.mkdir(parents=True, exist_ok=True)
        digest = _Hasher(digest_algorithm())
        size = 0
        fileobj.seek(0)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := fileobj.read(CHUNK):
                    digest.update(chunk)
                    size += len(chunk)
                    out.write(chunk)
        except BaseException:
            self.remove(stored_name)
            raise
        self._remove_on_rollback(stored_name)
        return digest.hexdigest(), size

    def _remove_on_rollback(self, stored_name: str) -> None:
        if not connection.in_atomic_block:
            return
        state = {"committed": False}

        def confirm() -> None:
            state["committed"] = True

        weakref.finalize(confirm, _remove_unless_committed, self, stored_name, state)
        transaction.on_commit(confirm)

    def remove(self, stored_name: str) -> None:
        try:
            self.path_of(stored_name).unlink(missing_ok=True)
        except ValueError:
            pass

    @staticmethod
    def _digests(handle) -> dict[str, str]:
        hashers = [_Hasher(a) for a in DIGEST_ALGORITHMS]
        while chunk := handle.read(CHUNK):
            for h in hashers:
                h.update(chunk)
        return {h.algorithm: h.hexdigest() for h in hashers}

    def digests_of(self, stored_name: str) -> dict[str, str] | None:
        """The file's digest now under every known algorithm (one read); None when the file is gone."""
        try:
            with self.path_of(stored_name).open("rb") as f:
                return self._digests(f)
        except (FileNotFoundError, ValueError):
            return None

    def open_verified(self, stored_name: str, expected: str):
        """Open the file for a download and check it in the same handle that will be served (no window in
        which it could be swapped): (handle rewound, digest now) when it matches, (None, digest now or None
        when missing) when it does not. The caller closes the handle (FileResponse does)."""
        try:
            handle = self.path_of(stored_name).open("rb")
        except (FileNotFoundError, ValueError):
            return None, None
        try:
            digests = self._digests(handle)
            handle.seek(0)
        except BaseException:
            handle.close()
            raise
        if expected in digests.values():
            return handle, digests[digest_algorithm()]
        handle.close()
        return None, digests[digest_algorithm()]

    def digest_of(self, stored_name: str, algorithm: str | None = None) -> str | None:
        """The file's digest now (the current algorithm unless named); None when the file is gone."""
        digests = self.digests_of(stored_name)
        return None if digests is None else digests[algorithm or digest_algorithm()]

    def verify(self, stored_name: str, expected: str) -> tuple[bool, str | None]:
        """Does the stored file still have the digest taken at upload? The record keeps the value, not the
        algorithm (the column predates the switch), so the value is compared under each known algorithm:
        switching NATIONAL_CRYPTO on does not make older files look tampered. Returns (ok, digest now
        under the current algorithm, or None when the file is missing)."""
        digests = self.digests_of(stored_name)
        if digests is None:
            return False, None
        ok = any(value == expected for value in digests.values())
        return ok, digests[digest_algorithm()]

    def matches(self, stored_name: str, expected: str) -> bool:
        return self.verify(stored_name, expected)[0]

    def stored_files(self) -> set[str]:
        """Names of every file under the storage root (for reconciliation)."""
        root = self.storage_root()
        if not root.exists():
            return set()
        return {p.name for p in root.rglob("*") if p.is_file()}  # at any depth: a planted file is an orphan too


# The functions a store's module offers (``documents.write(...)``, ``delivery.archive.path_of(...)``): the
# store's methods, bound once here so that the declaration documents and the archive cannot drift apart.
STORE_FUNCTIONS = ("storage_root", "new_stored_name", "path_of", "write", "remove", "digest_of", "verify", "matches",
                   "open_verified", "stored_files")


def publish(store: FileStore, namespace: dict) -> list[str]:
    """Make ``store``'s methods the functions of the module whose globals are ``namespace``; returns their
    names (for ``__all__``). Bound methods, not copies: the module's functions act on that store's folder."""
    for name in STORE_FUNCTIONS:
        namespace[name] = getattr(store, name)
    return list(STORE_FUNCTIONS)


DOCUMENTS = FileStore("documents")
publish(DOCUMENTS, globals())
