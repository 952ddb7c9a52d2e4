"""Database helpers shared by the hot paths."""

from functools import cache

from django.db import connection


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
