"""Attached documents: what may be uploaded, where it is stored, and how it is read back (SECURITY.md 26–30).

- An allowlist of extensions; the content's leading bytes must match the extension
  (an executable renamed to .pdf is refused); HTML and SVG are never accepted.
- Office Open XML, OFD and ZIP files are ZIP archives: their member list is checked
  (entry count, unpacked size, no absolute or ``..`` names) before anything is read.
- Files are stored under ``settings.STORAGE_DIR/documents`` with a generated name;
  the user's file name is only ever displayed.
- The SHA-256 is computed while the file is written and checked again at download.
"""

from __future__ import annotations

import hashlib
import os
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.exceptions import ValidationError

CHUNK = 64 * 1024


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

ARCHIVE_MAX_ENTRIES = 1000
ARCHIVE_MAX_UNPACKED = 500 * 1024 * 1024


def max_bytes() -> int:
    return int(getattr(settings, "UPLOAD_MAX_BYTES", 100 * 1024 * 1024))


def project_quota_bytes() -> int:
    """Total size of one project's documents, all versions (SECURITY.md 26: a per-project quota). (setting)"""
    return int(getattr(settings, "UPLOAD_PROJECT_QUOTA_BYTES", 2 * 1024 * 1024 * 1024))


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
        if len(members) > ARCHIVE_MAX_ENTRIES:
            raise _refuse(name, f"包含 {len(members)} 个文件，超过上限（压缩包内不超过 {ARCHIVE_MAX_ENTRIES} 个文件）。")
        unpacked = sum(m.file_size for m in members)
        if unpacked > ARCHIVE_MAX_UNPACKED:
            raise _refuse(name, f"解压后大小为 {human_size(unpacked)}，超过上限（解压后不超过 {human_size(ARCHIVE_MAX_UNPACKED)}）。")
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
    return file_type


# --- Storage ---------------------------------------------------------------------------------

class FileStore:
    """Files under ``STORAGE_DIR/<folder>`` with server-generated names (``<32 hex>.<ext>``), written once,
    SHA-256 taken while writing. Declaration documents and the project archive (delivery) each have one,
    in separate folders, so each reconciliation sees only its own files."""

    def __init__(self, folder: str):
        self.folder = folder

    def storage_root(self) -> Path:
        # Read at each call: tests and deployments set STORAGE_DIR after import.
        return (Path(settings.STORAGE_DIR) / self.folder).resolve()

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
        """Write the upload to its generated path (never overwriting); return its SHA-256 and size."""
        path = self.path_of(stored_name)
        path.parent.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
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
        return digest.hexdigest(), size

    def remove(self, stored_name: str) -> None:
        try:
            self.path_of(stored_name).unlink(missing_ok=True)
        except ValueError:
            pass

    def digest_of(self, stored_name: str) -> str | None:
        """The SHA-256 of the stored file now; None when the file is gone."""
        try:
            with self.path_of(stored_name).open("rb") as f:
                digest = hashlib.sha256()
                while chunk := f.read(CHUNK):
                    digest.update(chunk)
        except (FileNotFoundError, ValueError):
            return None
        return digest.hexdigest()

    def stored_files(self) -> set[str]:
        """Names of every file under the storage root (for reconciliation)."""
        root = self.storage_root()
        if not root.exists():
            return set()
        return {p.name for p in root.glob("*/*") if p.is_file()}


DOCUMENTS = FileStore("documents")
storage_root = DOCUMENTS.storage_root
new_stored_name = DOCUMENTS.new_stored_name
path_of = DOCUMENTS.path_of
write = DOCUMENTS.write
remove = DOCUMENTS.remove
digest_of = DOCUMENTS.digest_of
stored_files = DOCUMENTS.stored_files
