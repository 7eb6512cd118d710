"""Committed data that other processes can see (transactional database), with the reference data put back after
each flush, exactly as tests/concurrency does."""

from tests.concurrency.conftest import _committed_db, _reference_data_survives_flush  # noqa: F401


def pytest_collection_modifyitems(config, items):
    """Two application processes need one server database: these tests belong to the PostgreSQL leg of .ci/run.

    On the embedded SQLite leg they are deselected (reported as such), not skipped at run time: SQLite's
    in-memory test database cannot be shared with other processes, so there is nothing to show there.
    """
    import os

    if os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        return
    mine = [item for item in items if "tests/multiprocess/" in str(item.fspath).replace("\\", "/")]
    if mine:
        config.hook.pytest_deselected(items=mine)
        items[:] = [item for item in items if item not in mine]
