"""Storage of the project archive's electronic files (第二十六条第二款 "探索应用电子档案").

What may be uploaded is decided by ``declarations.documents.validate_upload`` (the platform's one
allowlist: extension, leading bytes, archive members). The files live apart from the declaration
documents, under ``STORAGE_DIR/archive``, so the documents' reconciliation never sees them as orphans.
"""

from __future__ import annotations

from declarations.documents import FileStore

__all__ = ["new_stored_name", "path_of", "write", "remove", "digest_of"]

ARCHIVE = FileStore("archive")
new_stored_name = ARCHIVE.new_stored_name
path_of = ARCHIVE.path_of
write = ARCHIVE.write
remove = ARCHIVE.remove
digest_of = ARCHIVE.digest_of
