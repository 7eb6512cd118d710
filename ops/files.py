"""The platform's file stores and their records, and their reconciliation (SECURITY.md 30).

A store is a ``declarations.documents.FileStore`` (files named ``<32 hex>.<ext>`` under ``STORAGE_DIR/<folder>``)
and the model whose ``stored_name`` and ``sha256`` columns record its files. A new store is added here, so that
``reconcile_files``, the backup and the restore drill see it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


def stores(root: Path | None = None) -> list[tuple[object, type]]:
    from declarations.documents import FileStore
    from declarations.models import Document
    from delivery.models import ArchiveEntry

    return [(FileStore("documents", root), Document), (FileStore("archive", root), ArchiveEntry)]


@dataclass
class Reconciliation:
    orphans: list[str] = field(default_factory=list)  # "<folder>/<name>": a file without a record
    missing: list[str] = field(default_factory=list)  # "<folder>/<name>": a record without a file

    @property
    def clean(self) -> bool:
        return not self.orphans and not self.missing


def reconcile(root: Path | None = None) -> Reconciliation:
    result = Reconciliation()
    for store, model in stores(root):
        on_disk = store.stored_files()
        recorded = set(model.objects.values_list("stored_name", flat=True))
        result.orphans += [f"{store.folder}/{name}" for name in sorted(on_disk - recorded)]
        result.missing += [f"{store.folder}/{name}" for name in sorted(recorded - on_disk)]
    return result
