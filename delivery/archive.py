"""Storage of the project archive's electronic files (第二十六条第二款 "探索应用电子档案").

What may be uploaded is decided by ``declarations.documents.validate_upload`` (the platform's one
allowlist: extension, leading bytes, archive members, polyglots, optional virus scan). The files live apart
from the declaration documents, under ``STORAGE_DIR/archive``, so the documents' reconciliation never sees
them as orphans; ``manage.py reconcile_files`` checks both stores. Writing inside a transaction that rolls
back removes the file (``FileStore.write``); ``matches`` accepts the digest under SHA-256 or SM3.
"""

from __future__ import annotations

from declarations.documents import FileStore, publish

ARCHIVE = FileStore("archive")
__all__ = ["ARCHIVE", *publish(ARCHIVE, globals())]
