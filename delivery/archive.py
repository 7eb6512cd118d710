"""Storage of the project archive's electronic files (第二十六条第二款 "探索应用电子档案").

What may be uploaded is decided by ``declarations.documents.validate_upload`` (the platform's one
allowlist: extension, leading bytes, archive members). The files live apart from the declaration
documents, under ``STORAGE_DIR/archive``, so the documents' reconciliation never sees them as orphans.
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path

from django.conf import settings

from declarations.documents import CHUNK, FILE_TYPES, FileType

__all__ = ["new_stored_name", "path_of", "write", "remove", "digest_of"]


def storage_root() -> Path:
    return (Path(settings.STORAGE_DIR) / "archive").resolve()


def new_stored_name(file_type: FileType) -> str:
    return f"{uuid.uuid4().hex}.{file_type.extension}"


def path_of(stored_name: str) -> Path:
    """A stored name is always ``<32 hex>.<ext>``, so nothing can leave the storage root."""
    stem, _, ext = stored_name.partition(".")
    if len(stem) != 32 or any(c not in "0123456789abcdef" for c in stem) or ext not in FILE_TYPES:
        raise ValueError(f"不是平台生成的存储名：{stored_name!r}")
    root = storage_root()
    path = (root / stem[:2] / stored_name).resolve()
    if root not in path.parents:
        raise ValueError("存储路径越界")
    return path


def write(stored_name: str, fileobj) -> tuple[str, int]:
    """Write the upload to its generated path (never overwriting); return its SHA-256 and size."""
    path = path_of(stored_name)
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
        remove(stored_name)
        raise
    return digest.hexdigest(), size


def remove(stored_name: str) -> None:
    try:
        path_of(stored_name).unlink(missing_ok=True)
    except ValueError:
        pass


def digest_of(stored_name: str) -> str | None:
    try:
        with path_of(stored_name).open("rb") as f:
            digest = hashlib.sha256()
            while chunk := f.read(CHUNK):
                digest.update(chunk)
    except (FileNotFoundError, ValueError):
        return None
    return digest.hexdigest()
