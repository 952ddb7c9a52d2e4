""" "Mark all present" against QR check-ins landing at the same moment, on PostgreSQL: each writer in its own
thread and connection, as gunicorn's workers would be. Whichever writer wins a member, there is one roll row
(and one ledger entry) per member and session, and neither the page nor the API answers 500.

(tests/test_concurrency.py drives check-ins alone through a real server; here the page and the API run in the
test's own process, with threads, against a committed database: django_db(transaction=True).)
"""

import threading
from datetime import timedelta

import pytest
from django.db import connections
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dangxiao.attendance import codes
from dangxiao.attendance.models import Attendance, AttendancePolicy, StudyHourEntry
from dangxiao.people.services import token_issue
from dangxiao.teaching.models import Enrollment, Session

from .conftest import login
from .factories import make_cohort, make_member, make_school, make_user

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

MEMBERS, CHECKERS, ROUNDS = 60, 6, 3


def run_together(jobs) -> list:
    """Each job in its own thread with its own connection, all released at once; their results in order."""
    start = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def run(i, job):
        try:
            start.wait(timeout=60)
            results[i] = job()
        except Exception as exc:  # noqa: BLE001 — reported by the assertions, not lost in a thread
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    return results


def test_mark_all_present_against_check_ins_keeps_one_row_per_member_and_never_fails(people):
    tree = people["tree"]
    school, main, _small = make_school(tree)
    AttendancePolicy.objects.create(school=school, code_step_seconds=3600)  # one code for the whole run
    cohort = make_cohort(school, tree["C1-1"], name="并发班")
    members = [make_member(tree["C1-1"]) for _ in range(MEMBERS)]
    Enrollment.objects.bulk_create([Enrollment(cohort=cohort, member=m) for m in members])
    tokens = {m.pk: token_issue(make_user(member=m)) for m in members}
    staff = login(people["users"]["secretary"])
    # One client per thread, ready before the race (a client's first request loads the middleware); a 500
    # is an answer to count, not an exception lost in a thread.
    checkers = [Client(raise_request_exception=False) for _ in range(CHECKERS)]
    for client in [staff, *checkers]:
        client.raise_request_exception = False
        assert client.get("/healthz").status_code == 200

    for round_ in range(ROUNDS):
        start = timezone.now() - timedelta(minutes=1)
        session = Session.objects.create(
            cohort=cohort, title=f"第{round_ + 1}次课", starts_at=start, ends_at=start + timedelta(hours=2), venue=main
        )
        code = codes.current(session.pk, timezone.now(), 3600).token
        # The check-ins run from the end of the roll while mark-all writes from its start: they meet.
        queue = list(reversed(members))
        slices = [queue[i::CHECKERS] for i in range(CHECKERS)]

        def mark_all(session=session):
            response = staff.post(reverse("attendance:roll", args=[session.pk]), {"all_present": "1", "confirm": "1"})
            return [response.status_code]

        def check_in(client, batch, session=session, code=code):
            body = {"session_id": session.pk, "code": code}
            headers = [{"Authorization": f"Bearer {tokens[m.pk]}"} for m in batch]
            return [client.post("/api/v1/checkin", body, content_type="application/json", headers=h).status_code for h in headers]

        results = run_together([mark_all] + [lambda c=c, b=b: check_in(c, b) for c, b in zip(checkers, slices, strict=True)])
        errors = [r for r in results if isinstance(r, Exception)]
        assert not errors, errors
        marked, *checked = results
        assert marked == [302], marked
        assert all(status in (200, 201) for statuses in checked for status in statuses), checked

        rows = list(Attendance.objects.filter(session=session).values_list("member_id", "status"))
        assert sorted(m for m, _s in rows) == sorted(m.pk for m in members)  # one row each, nobody lost
        assert {s for _m, s in rows} == {"present"}
        credited = list(StudyHourEntry.objects.filter(session=session).values_list("member_id", flat=True))
        assert sorted(credited) == sorted(m.pk for m in members)
        first_check_ins = sum(statuses.count(201) for statuses in checked)
        assert Attendance.objects.filter(session=session, method="qr").count() == first_check_ins
