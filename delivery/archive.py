"""Storage of the project archive's electronic files (第二十六条第二款 "探索应用电子档案").

What may be uploaded is decided by ``declarations.documents.validate_upload`` (the platform's one
allowlist: extension, leading bytes, archive members, polyglots, optional virus scan). The files live apart
from the declaration documents, under ``STORAGE_DIR/archive``, so the documents' reconciliation never sees
them as orphans; ``manage.py reconcile_files`` checks both stores. Writing inside a transaction that rolls
back removes the file (``FileStore.write``); ``matches`` accepts the digest under SHA-256 or SM3.
"""

from __future__ import annotations

from declarations.documents import FileStore

__all__ = ["ARCHIVE", "new_stored_name", "path_of", "write", "remove", "digest_of", "matches", "open_verified",
           "stored_files"]

ARCHIVE = FileStore("archive")
new_stored_name = ARCHIVE.new_stored_name
path_of = ARCHIVE.path_of
write = ARCHIVE.write
remove = ARCHIVE.remove
digest_of = ARCHIVE.digest_of
matches = ARCHIVE.matches
open_verified = ARCHIVE.open_verified
stored_files = ARCHIVE.stored_files
