"""SQLite writers queue on the database's writer lock (dangxiao/core/sqlite/base.py) instead of SQLite's
busy polling: a thread lock within a process, a `flock` on `<name>-writer` between processes."""

import fcntl
import os
import threading
import time

import pytest
from django.db import IntegrityError, OperationalError
from django.db.utils import ConnectionHandler

from dangxiao.core.sqlite.base import DatabaseWrapper

pytestmark = pytest.mark.sqlite_only


@pytest.fixture(autouse=True)
def scratch_databases(django_db_blocker):
    """Each test's databases are its own files, not the test database."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def path(tmp_path):
    path = tmp_path / "db.sqlite3"
    setup = connect(path)
    setup.cursor().execute("CREATE TABLE t (v integer NOT NULL)")
    setup.close()
    return path


def connect(path, timeout=5.0):
    handler = ConnectionHandler()
    settings = handler.configure_settings(
        {"default": {"ENGINE": "dangxiao.core.sqlite", "NAME": str(path), "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": timeout}}}
    )
    return DatabaseWrapper(settings["default"], "default")


def begin(conn):
    """The start of a transaction as transaction.atomic makes it."""
    conn.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)


def end(conn, *, commit=True):
    try:
        conn.commit() if commit else conn.rollback()
    finally:
        conn.set_autocommit(True)


def write(conn, value, *, hold=0.0, began=None):
    begin(conn)
    try:
        if began:
            began.set()
        conn.cursor().execute("INSERT INTO t (v) VALUES (%s)", [value])
        time.sleep(hold)
    except BaseException:
        end(conn, commit=False)
        raise
    end(conn)


def lock_file_free(path) -> bool:
    """Whether another process could take the writer lock now (an fd of our own: flock conflicts with it)."""
    fd = os.open(f"{path}-writer", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def rows(path):
    check = connect(path)
    try:
        return [v for (v,) in check.cursor().execute("SELECT v FROM t ORDER BY v").fetchall()]
    finally:
        check.close()


def test_a_transaction_holds_the_writer_lock_file_until_it_ends(path):
    conn = connect(path)
    conn.ensure_connection()
    assert lock_file_free(path)
    begin(conn)
    conn.cursor().execute("INSERT INTO t (v) VALUES (1)")
    assert not lock_file_free(path)  # other processes' writers wait in the kernel, not in SQLite's polling
    end(conn)
    assert lock_file_free(path)
    conn.cursor().execute("INSERT INTO t (v) VALUES (2)")  # a single statement outside a transaction: no lock
    assert lock_file_free(path) and rows(path) == [1, 2]
    conn.close()


def test_a_second_writer_waits_its_turn(path):
    began, errors, order = threading.Event(), [], []

    def first():
        conn = connect(path)
        try:
            write(conn, 1, hold=0.3, began=began)
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
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            conn.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert errors == [] and order == [1, 2] and rows(path) == [1, 2]


def test_a_writer_waiting_past_its_timeout_is_told_the_database_is_locked(path):
    # two connections of one thread: the second can never get its turn, and says so instead of hanging
    holder, waiter = connect(path), connect(path, timeout=0.05)
    begin(holder)
    holder.cursor().execute("INSERT INTO t (v) VALUES (1)")
    with pytest.raises(OperationalError, match="database is locked"):
        write(waiter, 2)
    end(holder)
    write(waiter, 3)  # the lock is free again
    assert rows(path) == [1, 3]
    holder.close()
    waiter.close()


def test_the_lock_is_released_when_a_transaction_fails(path):
    conn = connect(path)
    with pytest.raises(IntegrityError):
        write(conn, None)  # NOT NULL: the INSERT fails, the transaction is rolled back
    assert lock_file_free(path)
    other = connect(path, timeout=0.5)
    write(other, 3)
    assert rows(path) == [3]
    conn.close()
    other.close()


def test_a_forked_child_does_not_release_its_parents_lock(path):
    conn = connect(path)
    begin(conn)
    conn.cursor().execute("INSERT INTO t (v) VALUES (1)")
    pid = os.fork()
    if pid == 0:  # the child closes its copy of the connection, as a forked worker would
        try:
            conn._close_writer_lock()
        finally:
            os._exit(0)
    os.waitpid(pid, 0)
    assert not lock_file_free(path)  # still the parent's
    end(conn)
    assert lock_file_free(path) and rows(path) == [1]
    conn.close()
