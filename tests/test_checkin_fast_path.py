"""The member's check-in through the API, the hottest write path (README "Benchmarks"): its query budget, and
the outcomes that its one read (attendance.selectors.check_in_facts) decides."""

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import close_old_connections, connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangxiao.attendance import codes, services
from dangxiao.attendance.models import Attendance, AttendancePolicy, StudyHourEntry
from dangxiao.people import services as people_services
from dangxiao.people.models import ApiToken
from dangxiao.teaching.models import Enrollment, Session

from .factories import make_cohort, make_school
from .test_api import token_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def live(people):
    school, main, _ = make_school(people["tree"])
    AttendancePolicy.objects.create(school=school, late_after_minutes=5, device_lock_minutes=10, credit={"late": 0.5})
    cohort = make_cohort(school, people["tree"]["C1-1"])
    start = timezone.now() - timedelta(minutes=1)
    session = Session.objects.create(cohort=cohort, title="党课", starts_at=start, ends_at=start + timedelta(hours=1), venue=main)
    for m in people["members"]["c1_1"]:
        Enrollment.objects.create(cohort=cohort, member=m)
    member = people["users"]["member"]
    client = Client(headers={"Authorization": f"Bearer {token_for(member)}"})
    client.get("/api/v1/me")  # the token's first use, as when the app opens
    people_services.token_uses.flush()  # written, as the process would within TOKEN_FLUSH_SECONDS
    return {"session": session, "client": client, "member": member, "roll": people["members"]["c1_1"], **people}


def post_check_in(live, **extra):
    code = codes.current(live["session"].pk, timezone.now(), 15).token
    body = {"session_id": live["session"].pk, "code": code, "device_id": "phone-1", **extra}
    return live["client"].post("/api/v1/checkin", body, content_type="application/json")


def statements(ctx, *verbs: str) -> list[str]:
    """The SQL run, without the savepoints that the test's own transaction turns atomic() into."""
    sql = [q["sql"] or "" for q in ctx.captured_queries]
    sql = [s for s in sql if not s.upper().startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]
    return [s for s in sql if not verbs or (s.split(maxsplit=1) or [""])[0].upper() in verbs]


def test_a_first_check_in_costs_one_read_and_one_write(live):
    # the token, its user's member and the check-in's facts in one query, then the attendance row and the
    # ledger entry: on PostgreSQL one statement (prepared by psycopg once it has run a few times), in autocommit;
    # elsewhere one transaction of two INSERTs
    with CaptureQueriesContext(connection) as ctx:
        response = post_check_in(live)
    assert response.status_code == 201, response.content
    if connection.vendor == "postgresql":
        assert len(statements(ctx)) == 2, "\n".join(statements(ctx))
    else:
        assert len(statements(ctx)) == 3, "\n".join(statements(ctx))
        assert len(statements(ctx, "INSERT")) == 2
    attendance = Attendance.objects.get(member=live["member"].member)
    assert response.json()["attendance_id"] == attendance.pk and attendance.marked_by == live["member"]
    assert (attendance.status, attendance.method, attendance.device_id, attendance.is_walk_in) == ("present", "qr", "phone-1", False)
    assert attendance.checked_in_at is not None and attendance.marked_at is not None and attendance.ip_address == "127.0.0.1"
    entry = StudyHourEntry.objects.get(member=live["member"].member)
    assert (entry.session, entry.hours, entry.source, entry.created_by) == (
        live["session"],
        live["session"].hours,
        "session",
        live["member"],
    )
    assert entry.date == timezone.localdate(live["session"].starts_at) and entry.category == live["session"].cohort.mode


def test_a_check_in_that_earns_no_hours_writes_no_ledger_entry(live):
    AttendancePolicy.objects.update(credit={"late": 0})
    Session.objects.filter(pk=live["session"].pk).update(starts_at=timezone.now() - timedelta(minutes=6))
    response = post_check_in(live)
    assert response.status_code == 201 and response.json()["status"] == "late"
    assert Attendance.objects.filter(member=live["member"].member).exists() and not StudyHourEntry.objects.exists()


def test_a_repeat_reads_the_row_it_found_and_writes_nothing(live):
    post_check_in(live)
    with CaptureQueriesContext(connection) as ctx:
        response = post_check_in(live)
    assert response.status_code == 200 and not response.json()["created"]
    assert len(statements(ctx)) == 2 and not statements(ctx, "INSERT", "UPDATE", "DELETE")
    assert Attendance.objects.count() == 1


def test_a_token_used_within_the_hour_is_not_written_again(live):
    token = ApiToken.objects.get(user=live["member"])
    first_use = token.last_used_at
    assert first_use is not None
    post_check_in(live)
    assert people_services.token_uses.flush() == 0
    token.refresh_from_db()
    assert token.last_used_at == first_use
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first_use - timedelta(hours=2))
    live["client"].get("/api/v1/me")
    assert people_services.token_uses.flush() == 1
    token.refresh_from_db()
    assert token.last_used_at > first_use


def test_stale_tokens_are_written_together_once_the_flush_interval_has_passed(live, people, monkeypatch):
    # a request that finds its token stale writes nothing itself; the first request after
    # TOKEN_FLUSH_SECONDS writes every token noted meanwhile, in one UPDATE
    uses = people_services.token_uses
    ApiToken.objects.update(last_used_at=None)
    other = Client(headers={"Authorization": f"Bearer {token_for(people['users']['secretary'])}"})
    monkeypatch.setattr(people_services, "TOKEN_FLUSH_SECONDS", 3600)
    uses.flushed_at = time.monotonic()
    with CaptureQueriesContext(connection) as ctx:
        assert post_check_in(live).status_code == 201
        assert other.get("/api/v1/me").status_code == 200
    assert not statements(ctx, "UPDATE")
    assert not ApiToken.objects.filter(last_used_at__isnull=False).exists()
    monkeypatch.setattr(people_services, "TOKEN_FLUSH_SECONDS", 0)
    with CaptureQueriesContext(connection) as ctx:
        assert live["client"].get("/api/v1/me").status_code == 200
    assert len(statements(ctx, "UPDATE")) == 1 and not uses.pending
    assert ApiToken.objects.filter(last_used_at__isnull=False).count() == 2
    with CaptureQueriesContext(connection) as ctx:  # written within the hour: neither noted nor written
        assert other.get("/api/v1/me").status_code == 200
    assert not statements(ctx, "UPDATE") and not uses.pending
    # nor do they wait for the interval once TOKEN_FLUSH_BATCH of them are noted
    ApiToken.objects.update(last_used_at=None)
    monkeypatch.setattr(people_services, "TOKEN_FLUSH_SECONDS", 3600)
    monkeypatch.setattr(people_services, "TOKEN_FLUSH_BATCH", 2)
    assert live["client"].get("/api/v1/me").status_code == 200 and uses.pending
    with CaptureQueriesContext(connection) as ctx:
        assert other.get("/api/v1/me").status_code == 200
    assert len(statements(ctx, "UPDATE")) == 1 and not uses.pending
    assert ApiToken.objects.filter(last_used_at__isnull=False).count() == 2


def test_an_unknown_deactivated_or_revoked_token_is_refused(live):
    # the check-in checks its token in its own read (selectors.token_check_in_facts): the same refusals as
    # every other operation's token lookup
    unknown = Client(headers={"Authorization": "Bearer not-a-token"})
    body = {"session_id": live["session"].pk, "code": codes.current(live["session"].pk, timezone.now(), 15).token}
    response = unknown.post("/api/v1/checkin", body, content_type="application/json")
    assert response.status_code == 401 and response.json()["detail"] == "未登录或令牌无效"
    live["member"].is_active = False
    live["member"].save()
    assert post_check_in(live).status_code == 401
    live["member"].is_active = True
    live["member"].save()
    assert post_check_in(live).status_code == 401  # deactivating revoked the token for good
    live["client"] = Client(headers={"Authorization": f"Bearer {token_for(live['member'])}"})
    assert live["client"].delete("/api/v1/auth/token").status_code == 204
    assert post_check_in(live).status_code == 401
    assert not Attendance.objects.exists()


def test_a_user_without_a_member_record_cannot_check_in(live, people):
    staff = Client(headers={"Authorization": f"Bearer {token_for(people['users']['secretary'])}"})
    body = {"session_id": live["session"].pk, "code": codes.current(live["session"].pk, timezone.now(), 15).token}
    assert staff.post("/api/v1/checkin", body, content_type="application/json").status_code == 404
    assert not Attendance.objects.exists()


def test_the_schools_own_policy_sets_lateness_and_credit(live):
    Session.objects.filter(pk=live["session"].pk).update(starts_at=timezone.now() - timedelta(minutes=6))
    response = post_check_in(live)
    assert response.status_code == 201 and response.json()["status"] == "late"
    assert StudyHourEntry.objects.get().hours == Decimal("1.0")  # 2 study hours × the policy's 0.5 for late


def test_a_member_marked_absent_who_comes_after_all_is_present_and_credited(live):
    member = live["member"].member
    services.roll_mark(live["session"], {member.pk: "absent"}, by=live["users"]["secretary"])
    assert not StudyHourEntry.objects.exists()
    response = post_check_in(live)
    assert response.status_code == 201 and response.json()["status"] == "present"
    attendance = Attendance.objects.get(member=member)
    assert attendance.method == "qr" and attendance.marked_by == live["member"] and attendance.device_id == "phone-1"
    assert StudyHourEntry.objects.get(member=member).hours == Decimal("2.0")


def test_the_phone_lock_lasts_the_policys_minutes(live):
    _me, earlier, recent = live["roll"]
    session = live["session"]
    Attendance.objects.create(
        session=session, member=earlier, status="present", device_id="phone-1", checked_in_at=timezone.now() - timedelta(minutes=11)
    )
    assert post_check_in(live).status_code == 201
    Attendance.objects.filter(member=live["member"].member).delete()
    Attendance.objects.create(
        session=session, member=recent, status="present", device_id="phone-1", checked_in_at=timezone.now() - timedelta(minutes=9)
    )
    refused = post_check_in(live)
    assert refused.status_code == 422 and refused.json()["reason"] == "device"


def test_an_unknown_session_is_404_and_a_walk_in_is_marked_as_such(live, people):
    assert post_check_in(live, session_id=live["session"].pk + 1000).status_code == 404
    Enrollment.objects.filter(member=live["member"].member).delete()
    assert post_check_in(live).json()["reason"] == "not_enrolled"
    Session.objects.filter(pk=live["session"].pk).update(admits_walk_ins=True)
    response = post_check_in(live)
    assert response.status_code == 201 and response.json()["is_walk_in"]


def test_a_ledger_entry_left_behind_by_a_deleted_attendance_is_updated_not_duplicated(live):
    member = live["member"].member
    post_check_in(live)
    Attendance.objects.filter(member=member).delete()  # an admin removed the row; its credit stayed
    StudyHourEntry.objects.filter(member=member).update(hours=Decimal("0.5"))
    response = post_check_in(live)
    assert response.status_code == 201 and response.json()["created"]
    assert StudyHourEntry.objects.get(member=member).hours == Decimal("2.0")


def _terminate_backend(pid: int) -> None:
    """PostgreSQL drops the connection (a restart, a failover), and is done with it before we go on."""
    admin = connection.get_new_connection(connection.get_connection_params())
    admin.autocommit = True
    admin.execute("SELECT pg_terminate_backend(%s)", [pid])
    for _ in range(500):
        if admin.execute("SELECT count(*) FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone()[0] == 0:
            break
        time.sleep(0.01)
    admin.close()


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_an_api_request_after_postgresql_dropped_the_connection_succeeds(people):
    # Django's health check (CONN_HEALTH_CHECKS) replaces the dead connection before the request uses it
    client = Client(headers={"Authorization": f"Bearer {token_for(people['users']['member'])}"})
    assert client.get("/api/v1/me").status_code == 200
    for _ in range(2):  # twice: the replacement connection prepares its statements anew
        _terminate_backend(connection.connection.info.backend_pid)
        close_old_connections()  # a new request, as Django's request_started signal does (the test client does not)
        response = client.get("/api/v1/me")
        assert response.status_code == 200, response.content


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_health_check_of_a_live_connection_sends_nothing_to_postgresql():
    # the check before each request's first statement (core/postgresql/base.py): a look at the socket, not a SELECT 1
    connection.ensure_connection()
    sent = []
    real_cursor = connection.connection.cursor
    connection.connection.cursor = lambda *a, **k: sent.append(a) or real_cursor(*a, **k)
    try:
        assert connection.is_usable() and sent == []
        _terminate_backend(connection.connection.info.backend_pid)
        assert not connection.is_usable()
    finally:
        connection.connection.cursor = real_cursor
        connection.close()
