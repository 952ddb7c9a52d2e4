"""An install upgrading to appointments on record (school.0003) keeps each teacher's term as it stood:
it becomes their first appointment, so renewing and ending start from it."""

from datetime import date

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("school", "0002_network_lifecycle")]
AFTER = [("school", "0003_teacher_pool")]


def migrate(targets=None):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor.loader.project_state(targets).apps if targets else None


@pytest.fixture(autouse=True)
def latest_schema_afterwards(transactional_db):
    yield
    migrate()


def test_each_teachers_recorded_term_becomes_their_first_appointment():
    apps = migrate(BEFORE)
    Organization, School, Teacher = (apps.get_model(*m) for m in (("people", "Organization"), ("school", "School"), ("school", "Teacher")))
    root = Organization.objects.create(
        path="0001", depth=1, numchild=0, name="WY", code="WY", kind="working_committee", unit_type="community"
    )
    school = School.objects.create(name="党校", organization=root)
    term = Teacher.objects.create(
        school=school, name="有聘期", source="expert", appointed_from=date(2025, 1, 1), appointed_until=date(2026, 12, 31)
    )
    end_only = Teacher.objects.create(school=school, name="只有结束日", source="expert", appointed_until=date(2026, 6, 30))
    Teacher.objects.create(school=school, name="未聘任", source="expert")
    apps = migrate(AFTER)
    Appointment = apps.get_model("school", "TeacherAppointment")
    rows = {a.teacher_id: (a.kind, a.starts_on, a.ends_on) for a in Appointment.objects.all()}
    assert rows == {
        term.pk: ("appoint", date(2025, 1, 1), date(2026, 12, 31)),
        end_only.pk: ("appoint", date(2026, 6, 30), date(2026, 6, 30)),
    }
    assert apps.get_model("school", "Teacher").objects.filter(is_active=True).count() == 3
