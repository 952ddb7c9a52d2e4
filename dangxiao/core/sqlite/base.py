"""Django's SQLite backend, with writers queued by a lock instead of SQLite's polling.

SQLite lets one writer at a time hold the database; a connection that finds it taken sleeps and tries
again (its busy timeout), for 1, 2, 5 … up to 100 ms at a time, so a writer that is unlucky a few times
running waits far longer than the others, whatever the order they came in. Under a burst of check-ins
that made the slowest hundredth of requests wait for over half a second (README "Benchmarks"). Here every
transaction (`transaction.atomic`, which begins IMMEDIATE) first takes the database's writer lock, held
until it commits or rolls back:

- within a process, a `threading.Lock` per database file: a waiting thread sleeps until the lock is
  released and is woken at once;
- between processes (gunicorn's workers, the task worker, a management command), an exclusive `flock` on
  a file beside the database (`<name>-writer`), which the one thread of each process holding the
  process's lock polls every millisecond or two.

As with SQLite's own lock, a writer that waits longer than the connection's `timeout` option gets
"database is locked" (two connections of one thread, or a transaction left open in a shell).

Only Django's public backend methods are overridden (`get_new_connection`, `set_autocommit`, `commit`,
`rollback`, `close`, as Django's documentation allows for a subclassed backend): atomic() begins its
transaction through `set_autocommit`, and the lock is released as soon as the driver reports no transaction
open (`sqlite3.Connection.in_transaction`) — after the COMMIT or ROLLBACK, before any on_commit hook runs. A single
statement outside a transaction does not take the lock and relies on SQLite's busy timeout, as before. An
in-memory database has one process and takes no lock. The file is opened per connection and per process,
and only the process that took the `flock` releases it: a lock inherited across a fork is the parent's.
"""

import fcntl
import os
import sqlite3
import threading
import time

from django.db import OperationalError
from django.db.backends.sqlite3 import base

_process_locks: dict[tuple[int, str], threading.Lock] = {}
_process_locks_guard = threading.Lock()


def _process_lock(path: str) -> threading.Lock:
    """The process's lock for this database file; a forked child gets its own (a copy of the parent's might
    be held by a thread the child does not have)."""
    with _process_locks_guard:
        return _process_locks.setdefault((os.getpid(), path), threading.Lock())


class DatabaseWrapper(base.DatabaseWrapper):
    _writer_fd: int | None = None
    _writer_pid = 0
    _writer_held = False

    def get_new_connection(self, conn_params):
        conn = super().get_new_connection(conn_params)
        self._close_writer_lock()
        if not self.is_in_memory_db():
            try:
                self._open_writer_lock()
            except OSError:
                conn.close()
                raise
        return conn

    def _open_writer_lock(self):
        name = str(self.settings_dict["NAME"])
        mode = os.stat(name).st_mode & 0o666  # whoever may write the database may queue to (as SQLite's -wal)
        self._writer_fd = os.open(f"{name}-writer", os.O_RDWR | os.O_CREAT, mode)
        self._writer_pid = os.getpid()
        self._writer_process_lock = _process_lock(os.path.realpath(name))

    def set_autocommit(self, autocommit, force_begin_transaction_with_broken_autocommit=False):
        # atomic() begins its transaction here (BEGIN IMMEDIATE under autocommit, SQLite's way) and ends it
        # here too, after its COMMIT or ROLLBACK: the writer lock is taken before the BEGIN.
        begins = force_begin_transaction_with_broken_autocommit and not autocommit
        if begins:
            self.ensure_connection()  # the lock file is opened with the connection
            if self._writer_fd is not None and self._writer_pid != os.getpid():  # forked with the connection open
                self._writer_held = False  # the parent's, if anything: not ours to release
                self._close_writer_lock()
                self._open_writer_lock()
            if self._writer_fd is not None and not self._writer_held:
                self._acquire_writer()
        try:
            super().set_autocommit(autocommit, force_begin_transaction_with_broken_autocommit)
        finally:
            self._release_writer_if_idle()

    def commit(self):
        try:
            super().commit()
        finally:
            self._release_writer_if_idle()  # before atomic()'s on_commit hooks run, not after

    def rollback(self):
        try:
            super().rollback()
        finally:
            self._release_writer_if_idle()

    def _acquire_writer(self):
        timeout = float(self.settings_dict["OPTIONS"].get("timeout", 5))
        deadline = time.monotonic() + timeout
        if not self._writer_process_lock.acquire(timeout=timeout):
            raise OperationalError("database is locked")
        try:
            delay = 0.0005
            while True:
                try:
                    fcntl.flock(self._writer_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise OperationalError("database is locked") from None
                    time.sleep(delay)
                    delay = min(delay * 2, 0.002)
        except BaseException:
            self._writer_process_lock.release()
            raise
        self._writer_held = True

    def close(self):
        try:
            super().close()
        finally:
            if self.connection is None or self.closed_in_transaction:  # not when another thread's connection refused to close
                self._close_writer_lock()

    def _release_writer_if_idle(self):
        """Release the writer lock once SQLite has no transaction open (the driver's `in_transaction`)."""
        if not self._writer_held:
            return
        try:
            idle = self.connection is None or not self.connection.in_transaction
        except sqlite3.ProgrammingError:  # closed
            idle = True
        if idle:
            self._release_writer()

    def _release_writer(self):
        if self._writer_held:
            self._writer_held = False
            if self._writer_pid == os.getpid():
                fcntl.flock(self._writer_fd, fcntl.LOCK_UN)
                self._writer_process_lock.release()

    def _close_writer_lock(self):
        self._release_writer()
        if self._writer_fd is not None:
            os.close(self._writer_fd)
            self._writer_fd = None
