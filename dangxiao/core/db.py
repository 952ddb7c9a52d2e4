"""Database helpers shared by the hot paths."""

from functools import cache

from django.db import InterfaceError, OperationalError, connection


@cache
def _preparing_cursor_class():
    import psycopg

    class PreparingCursor(psycopg.Cursor):
        """Server-side binding, and every statement prepared (psycopg keeps them per connection)."""

        def execute(self, query, params=None, **kwargs):
            return super().execute(query, params, prepare=True, **kwargs)

    return PreparingCursor


def prepared_cursor():
    """A cursor for a fixed, hand-written statement run on every request, planned once per connection.

    On PostgreSQL, a server-side binding cursor that prepares what it runs: planning the check-in's
    read and the API token lookup cost the server four times as much as running them. The rest of the
    project keeps Django's default client-side binding, which never prepares, so only the statements
    sent here are prepared. Elsewhere, Django's usual cursor. Either way
    it is Django's wrapper: queries are logged and errors translated as usual.
    """
    if connection.vendor != "postgresql":
        return connection.cursor()
    # What Django's own cursor() does first: a persistent connection that died (PostgreSQL restarted) is
    # replaced here, when health checks are on, rather than failing this request.
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    pg = connection.connection
    if pg.prepare_threshold is None:  # Django's default turns preparing off even when asked for
        pg.prepare_threshold = 2**31  # still no automatic preparing: only what this cursor asks for
    raw = _preparing_cursor_class()(pg)
    return connection.make_debug_cursor(raw) if connection.queries_logged else connection.make_cursor(raw)


def prepared_read(sql: str, params) -> tuple | None:
    """The first row of a read-only statement run through `prepared_cursor`, the statement doubling as the
    connection's health check.

    With CONN_HEALTH_CHECKS, Django checks a persistent connection with a SELECT 1 before the first
    statement of each request: a round trip on every request, a tenth of a check-in's server CPU (README
    "Benchmarks"). The API token lookup, every API request's first statement, is read-only and so safe
    to run again: it is sent without that check, and if it fails because the connection has died (a
    PostgreSQL restart) the connection is replaced and the statement run once more, as Django's check
    would have replaced it first. Inside a transaction, or once the request's check is done, it is
    `prepared_cursor` as usual.
    """
    probe = (
        connection.vendor == "postgresql"
        and connection.connection is not None
        and connection.health_check_enabled
        and not connection.health_check_done
        and not connection.in_atomic_block
    )
    if probe:
        connection.health_check_done = True
    try:
        with prepared_cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()
    except (OperationalError, InterfaceError):
        if not probe or connection.is_usable():
            raise
        connection.close()
    with prepared_cursor() as cursor:  # on a new connection
        cursor.execute(sql, params)
        return cursor.fetchone()
