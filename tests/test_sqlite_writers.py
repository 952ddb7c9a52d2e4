"""SQLite writers queue on a file lock (dangxiao/core/sqlite/base.py) instead of SQLite's busy polling."""

import threading
import time

import pytest
from django.db import IntegrityError
from django.db.utils import ConnectionHandler

from dangxiao.core.sqlite.base import DatabaseWrapper

pytestmark = pytest.mark.sqlite_only


@pytest.fixture(autouse=True)
def scratch_databases(django_db_blocker):
    """Each test's databases are its own files, not the test database."""
    with django_db_blocker.unblock():
        yield


def connect(path, alias="default"):
    handler = ConnectionHandler()
    settings = handler.configure_settings(
        {alias: {"ENGINE": "dangxiao.core.sqlite", "NAME": str(path), "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 0.05}}}
    )
    return DatabaseWrapper(settings[alias], alias)


def write(conn, value, *, hold=0.0, began=None):
    """One transaction as transaction.atomic runs it, holding the database `hold` seconds."""
    conn.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    try:
        if began:
            began.set()
        conn.cursor().execute("INSERT INTO t (v) VALUES (%s)", [value])
        time.sleep(hold)
        conn.commit()
    finally:
        conn.set_autocommit(True)


def test_second_writer_waits_for_the_first_instead_of_failing(tmp_path):
    """The busy timeout is 50 ms and the first writer holds the database for 600 ms: without the lock the
    second would fail with "database is locked"; with it, it waits its turn and both rows are there."""
    path = tmp_path / "db.sqlite3"
    setup = connect(path)
    setup.cursor().execute("CREATE TABLE t (v integer)")
    setup.close()
    began, errors, order = threading.Event(), [], []

    def first():
        conn = connect(path)
        try:
            write(conn, 1, hold=0.6, began=began)
            order.append(1)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            conn.close()

    def second():
        began.wait(5)
        conn = connect(path)
        try:
            write(conn, 2)
            order.append(2)
        except Exception as exc:
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == []
    assert order == [1, 2]
    check = connect(path)
    assert check.cursor().execute("SELECT v FROM t ORDER BY v").fetchall() == [(1,), (2,)]
    check.close()


def test_lock_is_released_when_a_transaction_fails(tmp_path):
    path = tmp_path / "db.sqlite3"
    conn = connect(path)
    conn.cursor().execute("CREATE TABLE t (v integer NOT NULL)")
    with pytest.raises(IntegrityError):
        write(conn, None)  # NOT NULL: the INSERT fails, the transaction is rolled back
    other = connect(path)
    write(other, 3)  # would wait forever on a lock left held
    assert other.cursor().execute("SELECT v FROM t").fetchall() == [(3,)]
    conn.close()
    other.close()
