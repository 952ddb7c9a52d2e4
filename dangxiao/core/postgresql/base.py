"""Django's PostgreSQL backend, with a health check that costs no round trip.

Connections persist between requests (CONN_MAX_AGE) with CONN_HEALTH_CHECKS on, so that a connection
PostgreSQL has dropped (a restart, a failover, an idle timeout) is replaced before a request uses it
instead of failing that request. Django checks with a `SELECT 1` before each request's first statement: a
round trip on every request, a tenth of a check-in's server CPU (README "Benchmarks").

A server that drops a connection says so on its socket: PostgreSQL sends its FATAL message and closes it,
or the kernel closes it when the backend dies. An idle connection in good health has nothing to read, so
the check here is a zero-timeout `select()` on the connection's socket; only when something is waiting is
Django's `SELECT 1` run to tell a hang-up from a stray notice. The override is of `is_usable()`, the
public method Django's health check and its end-of-request cleanup call.
"""

import select

from django.db.backends.postgresql import base


class DatabaseWrapper(base.DatabaseWrapper):
    def is_usable(self):
        pg = self.connection
        if pg is None or pg.closed or pg.broken:
            return False
        try:
            readable, _, _ = select.select([pg.fileno()], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable or super().is_usable()
