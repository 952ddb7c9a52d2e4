"""Django's SQLite backend, with writers queued by the operating system instead of SQLite's polling.

SQLite lets one writer at a time hold the database; a connection that finds it taken sleeps and tries
again (its busy timeout), for 1, 2, 5 … up to 100 ms at a time, so a writer that is unlucky a few times
running waits far longer than the others, whatever the order they came in. Under a burst of check-ins
that made the slowest hundredth of requests wait for a second (README "Benchmarks"). Here every
transaction (`transaction.atomic`, which begins IMMEDIATE) first takes an exclusive `flock` on a file
beside the database, held until it commits or rolls back: a waiting writer sleeps in the kernel and is
woken as soon as the lock is free, in every thread and process that uses the database. A single
statement outside a transaction does not take it and still relies on the busy timeout, as before.
An in-memory database has one process and takes no lock. The file is opened per connection and per
process: a lock inherited across a fork would be shared with the parent, not exclusive.
"""

import fcntl
import os

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    _writer_fd: int | None = None
    _writer_pid = 0
    _writer_held = False

    def get_new_connection(self, conn_params):
        conn = super().get_new_connection(conn_params)
        self._close_writer_lock()
        if not self.is_in_memory_db():
            self._open_writer_lock()
        return conn

    def _open_writer_lock(self):
        self._writer_fd = os.open(f"{self.settings_dict['NAME']}-writer", os.O_RDWR | os.O_CREAT, 0o600)
        self._writer_pid = os.getpid()

    def _start_transaction_under_autocommit(self):
        if self._writer_fd is not None and self._writer_pid != os.getpid():  # forked with the connection open
            self._writer_held = False
            self._close_writer_lock()
            self._open_writer_lock()
        if self._writer_fd is not None and not self._writer_held:
            fcntl.flock(self._writer_fd, fcntl.LOCK_EX)  # waits with the GIL released
            self._writer_held = True
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._release_writer()
            raise

    def _set_autocommit(self, autocommit):
        try:
            super()._set_autocommit(autocommit)
        finally:
            if autocommit:  # the transaction is over: committed or rolled back
                self._release_writer()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._close_writer_lock()

    def _release_writer(self):
        if self._writer_held:
            self._writer_held = False
            fcntl.flock(self._writer_fd, fcntl.LOCK_UN)

    def _close_writer_lock(self):
        self._release_writer()
        if self._writer_fd is not None:
            os.close(self._writer_fd)
            self._writer_fd = None
