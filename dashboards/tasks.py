"""The recomputation of a dashboard snapshot on the task queue (settings.TASKS; ``manage.py db_worker`` runs it with
the database backend): queued by a page that found the snapshot older than its maximum age
(dashboards.snapshots.request_refresh)."""

from __future__ import annotations

from datetime import datetime

from django_tasks import task


@task()
def refresh_snapshot_task(scope: str, requested_at: str | None = None) -> dict:
    """Arguments and result are JSON (times in ISO 8601). Does nothing if a computation that started after
    ``requested_at`` has been stored meanwhile (several pages, the daily job or a user's refresh)."""
    from .snapshots import refresh

    snapshot = refresh(scope, requested_at=datetime.fromisoformat(requested_at) if requested_at else None)
    return {"scope": snapshot.scope, "today": snapshot.today.isoformat(), "computed_at": snapshot.computed_at.isoformat()}
