"""R40: SQLite in WAL mode with immediate transactions and a busy timeout of at least 5 s: 10 writer threads against
a file database (not the in-memory test database) all commit, none sees "database is locked".

The connection settings are the ones config/settings.py gives every SQLite deployment (DATABASE_URL=sqlite:///…);
the test opens a second database alias on a temporary file with exactly those options and writes through Django.
"""

from __future__ import annotations

import threading

import pytest
from django.conf import settings

WRITERS = 10
ROWS_EACH = 20


def _sqlite_options(tmp_path) -> dict:
    """The OPTIONS config/settings.py gives a SQLite database (read again with DATABASE_URL on a SQLite file
    when the suite itself runs on PostgreSQL)."""
    configured = settings.DATABASES["default"]
    if configured["ENGINE"] == "django.db.backends.sqlite3":
        return dict(configured["OPTIONS"])
    import importlib
    import os
    from unittest import mock

    import config.settings as module

    try:
        with mock.patch.dict(os.environ, {"DATABASE_URL": f"sqlite:///{tmp_path / 'probe.sqlite3'}"}):
            return dict(importlib.reload(module).DATABASES["default"]["OPTIONS"])
    finally:
        importlib.reload(module)


@pytest.fixture
def file_sqlite(tmp_path):
    """A factory of Django SQLite connections to one temporary file, with the production options. They are
    Django's own backend (django.db.backends.sqlite3), outside the test database's connection registry."""
    from django.db.backends.sqlite3.base import DatabaseWrapper

    options = _sqlite_options(tmp_path)
    params = {**settings.DATABASES["default"], "ENGINE": "django.db.backends.sqlite3",
              "NAME": str(tmp_path / "r40.sqlite3"), "OPTIONS": options, "TEST": {}, "ATOMIC_REQUESTS": False,
              "AUTOCOMMIT": True, "CONN_MAX_AGE": 0, "CONN_HEALTH_CHECKS": False, "TIME_ZONE": None}
    made = []

    def connect():
        wrapper = DatabaseWrapper(dict(params), alias="r40_file")
        made.append(wrapper)
        return wrapper

    yield connect, options
    for wrapper in made:
        if wrapper._thread_ident == threading.get_ident():  # the writer threads closed their own
            wrapper.close()


def _in_transaction(wrapper, statements):
    """One transaction the way django.db.transaction.atomic opens it on SQLite (BEGIN <transaction_mode>)."""
    wrapper.ensure_connection()
    wrapper._start_transaction_under_autocommit()
    cursor = wrapper.cursor()
    try:
        result = statements(cursor)
        cursor.execute("COMMIT")
        return result
    except Exception:
        cursor.execute("ROLLBACK")
        raise


def test_r40_the_sqlite_settings_are_wal_immediate_and_wait_at_least_5_seconds(file_sqlite):
    connect, options = file_sqlite
    assert options["transaction_mode"] == "IMMEDIATE"
    assert float(options["timeout"]) >= 5
    with connect().cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        assert cursor.fetchone()[0].lower() == "wal"
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000


def test_r40_ten_concurrent_writers_never_see_database_is_locked(file_sqlite):
    connect, _options = file_sqlite
    setup = connect()
    with setup.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS r40_counter (id INTEGER PRIMARY KEY, total INTEGER NOT NULL)")
        cursor.execute("CREATE TABLE IF NOT EXISTS r40_row (id INTEGER PRIMARY KEY, writer INTEGER, n INTEGER)")
        cursor.execute("INSERT OR REPLACE INTO r40_counter (id, total) VALUES (1, 0)")
    setup.close()

    barrier = threading.Barrier(WRITERS)
    errors: list[str] = []
    lock = threading.Lock()

    def increment(writer: int, n: int):
        def statements(cursor):
            cursor.execute("SELECT total FROM r40_counter WHERE id = 1")
            total = cursor.fetchone()[0]
            cursor.execute("UPDATE r40_counter SET total = %s WHERE id = 1", [total + 1])
            cursor.execute("INSERT INTO r40_row (writer, n) VALUES (%s, %s)", [writer, n])
        return statements

    def write(writer: int):
        wrapper = connect()
        try:
            barrier.wait(timeout=30)
            for n in range(ROWS_EACH):
                # A read-then-write transaction: with deferred transactions two of these deadlock on the upgrade
                # from the read lock and one gets "database is locked" at once; IMMEDIATE takes the write lock first.
                _in_transaction(wrapper, increment(writer, n))
        except Exception as exc:
            with lock:
                errors.append(f"{type(exc).__name__}: {exc}")
        finally:
            wrapper.close()

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)

    assert not errors, errors
    with connect().cursor() as cursor:
        cursor.execute("SELECT total FROM r40_counter WHERE id = 1")
        assert cursor.fetchone()[0] == WRITERS * ROWS_EACH  # no lost update either
        cursor.execute("SELECT COUNT(*) FROM r40_row")
        assert cursor.fetchone()[0] == WRITERS * ROWS_EACH
