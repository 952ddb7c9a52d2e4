"""Concurrent check-ins through a real server: nothing lost, nothing duplicated, never "database is locked".

pytest-django's test database cannot be used here (an in-memory SQLite is private to one process), so each
database is a scratch one: a SQLite file in a temporary directory, or a dedicated PostgreSQL database
(`dangxiao_concurrency_<pid>`, dropped afterwards). Each is migrated with `manage.py migrate`, seeded by
bench/seed_checkin.py and served by gunicorn, as deployed (bench/stack.py). PostgreSQL must be running:
if it is not, this test fails rather than skips.
"""

import http.client
import json
import random
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench.stack import Stack

# It runs both databases itself whatever DATABASE_URL says, so once per `make test` (the SQLite pass) is enough.
pytestmark = pytest.mark.sqlite_only

MEMBERS, DUPLICATED = 220, 20  # 240 clients at once; 20 members send two check-ins at the same moment
SPEC = {"members": MEMBERS, "cohorts": {"all": MEMBERS}, "sessions": {"now": "all"}}
VENDORS = ("sqlite", "postgres")


@pytest.fixture(scope="module", params=VENDORS)
def stack(request, tmp_path_factory):
    """A migrated and seeded database of each kind, for the module; dropped afterwards whatever happens.
    One per parameter, so that pytest-xdist workers each prepare only the database they test."""
    vendor = request.param
    with Stack(vendor, tmp_path_factory.mktemp(vendor), tag="concurrency", axes=False) as prepared:
        prepared.prepare(SPEC)
        yield prepared


def fire(stack: Stack, jobs: list[int]) -> list[tuple[int, int, str]]:
    """One thread per job, each with its connection open, all sending at the same instant."""
    seeded = stack.seeded
    session_id, code = seeded["sessions"]["now"], seeded["codes"]["now"]
    start = threading.Barrier(len(jobs))

    def check_in(i: int) -> tuple[int, int, str]:
        conn = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=60)
        try:
            conn.connect()
            start.wait(timeout=60)
            body = {"session_id": session_id, "code": code["token"] if i % 2 else code["digits"], "device_id": f"phone-{i}"}
            headers = {"Authorization": f"Bearer {seeded['tokens'][i]}", "Content-Type": "application/json"}
            conn.request("POST", "/api/v1/checkin", body=json.dumps(body), headers=headers)
            response = conn.getresponse()
            return i, response.status, response.read().decode(errors="replace")
        finally:
            conn.close()

    with ThreadPoolExecutor(len(jobs)) as pool:
        return list(pool.map(check_in, jobs))


def test_concurrent_checkins_lose_nothing_duplicate_nothing_and_never_lock(stack):
    twice = random.Random(7).sample(range(MEMBERS), DUPLICATED)
    jobs = list(range(MEMBERS)) + twice
    random.Random(8).shuffle(jobs)
    stack.start(workers=2, threads=8, preload=True)
    try:
        answers = fire(stack, jobs)
    finally:
        stack.stop()

    assert len(jobs) >= 200
    log = stack.log()
    assert "database is locked" not in log and "Traceback" not in log, log[-3000:]
    unexpected = [(i, status, body[:300]) for i, status, body in answers if status not in (200, 201)]
    assert not unexpected, unexpected
    assert not [body for _, _, body in answers if "database is locked" in body]

    by_member = defaultdict(list)
    for i, status, body in answers:
        by_member[i].append((status, json.loads(body)))
    assert all([status for status, _ in by_member[i]] == [201] for i in set(range(MEMBERS)) - set(twice))
    for i in twice:  # one created it, the other was told it was already done, and both name the same row
        (s1, b1), (s2, b2) = sorted(by_member[i], key=lambda a: a[0])
        assert (s1, s2) == (200, 201) and not b1["created"] and b2["created"]
        assert b1["attendance_id"] == b2["attendance_id"]

    tables, session_id = stack.seeded["tables"], stack.seeded["sessions"]["now"]
    for table in tables.values():
        rows = stack.query(f"SELECT member_id, COUNT(*) FROM {table} WHERE session_id = ? GROUP BY member_id", (session_id,))
        assert sorted(member for member, _ in rows) == sorted(stack.seeded["member_ids"]), table
        assert all(count == 1 for _, count in rows), table
        assert stack.query(f"SELECT COUNT(*) FROM {table}") == [(MEMBERS,)], table
