"""Seed a scratch database for the check-in load runs; run in a subprocess with the server's environment.

    python bench/seed_checkin.py SPEC_JSON OUT_JSON

SPEC: {"members": 20000, "cohorts": {"small": 1000, "big": 20000}, "sessions": {"first_pass": "small", …}}
— `members` members with accounts and API tokens; each cohort enrols the first n of them; each session
belongs to a cohort and is happening now. OUT gets the tokens (in member order), the session ids, the one
code that stays valid for the whole run, and the table names to count rows in.

The school's policy gets the longest code step that still has at least MARGIN seconds to run, so a single
code is valid for the whole load run (steps are aligned to the epoch, so a fixed step could end mid-run).
Rows are bulk-created with unusable passwords: hashing 20,000 passwords would take minutes.
"""

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARGIN = 30 * 60
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "dangxiao.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth.hashers import make_password  # noqa: E402
from django.db import transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from dangxiao.attendance import codes  # noqa: E402
from dangxiao.attendance.models import Attendance, AttendancePolicy, StudyHourEntry  # noqa: E402
from dangxiao.people.models import ApiToken, Member, Organization, User  # noqa: E402
from dangxiao.people.services import token_hash  # noqa: E402
from dangxiao.school.models import School  # noqa: E402
from dangxiao.teaching.models import Cohort, Course, Enrollment, Session  # noqa: E402


def code_step(now) -> int:
    """The longest step (PositiveSmallIntegerField: ≤ 32767 s) whose current window has MARGIN left."""
    ts = now.timestamp()
    return next(step for step in range(32_767, MARGIN, -1) if (step - ts % step) >= MARGIN)


@transaction.atomic
def seed(spec: dict) -> dict:
    n = spec["members"]
    K, U = Organization.Kind, Organization.UnitType
    root = Organization.add_root(name="压测街道党工委", code="LOAD", kind=K.WORKING_COMMITTEE, unit_type=U.SUB_DISTRICT)
    branch = root.add_child(name="压测党支部", code="LOAD-1", kind=K.BRANCH, unit_type=U.COMMUNITY)
    school = School.objects.create(name="压测党校", organization=root)
    now = timezone.now()
    step = code_step(now)
    AttendancePolicy.objects.create(school=school, code_step_seconds=step)

    unusable = make_password(None)
    users = User.objects.bulk_create([User(username=f"load{i:06d}", password=unusable) for i in range(n)], batch_size=1000)
    members = Member.objects.bulk_create(
        [Member(name=f"党员{i}", gender="M", phone=f"139{i:08d}", organization=branch, user=u) for i, u in enumerate(users)],
        batch_size=1000,
    )
    keys = [f"load-{i:06d}-{os.urandom(16).hex()}" for i in range(n)]
    ApiToken.objects.bulk_create([ApiToken(user=u, key_hash=token_hash(k), name="load") for u, k in zip(users, keys)], batch_size=1000)

    cohorts = {}
    for name, size in spec["cohorts"].items():
        cohorts[name] = Cohort.objects.create(school=school, organization=root, name=f"压测班 {name}")
        Enrollment.objects.bulk_create([Enrollment(cohort=cohorts[name], member=m) for m in members[:size]], batch_size=1000)
    course = Course.objects.create(school=school, title="压测课程", kind=Course.Kind.THEORY)  # as scheduled sessions have
    sessions, shown = {}, {}
    for name, cohort in spec["sessions"].items():
        start = now - timedelta(minutes=1)
        s = Session.objects.create(
            cohort=cohorts[cohort], course=course, title=f"压测课次 {name}", starts_at=start, ends_at=start + timedelta(hours=3)
        )
        sessions[name] = s.pk
        code = codes.current(s.pk, now, step)
        shown[name] = {"token": code.token, "digits": code.digits}
    return {
        "tokens": keys,
        "member_ids": [m.pk for m in members],
        "sessions": sessions,
        "codes": shown,
        "code_step_seconds": step,
        "code_valid_for_seconds": int(code.expires_at - now.timestamp()),
        "tables": {"attendance": Attendance._meta.db_table, "study_hours": StudyHourEntry._meta.db_table},
    }


if __name__ == "__main__":
    spec_json, out = sys.argv[1:3]
    Path(out).write_text(json.dumps(seed(json.loads(spec_json))))
