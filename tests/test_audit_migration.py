"""The audit rows an install had before they named the organisation of what they touched learn it
when it upgrades: from the object they name, else from the roles their actor held; so each board
finds its school's history, and no other's."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dangxiao.core.models import AuditEvent

BEFORE = [("core", "0004_audit_material_actions")]


def migrate(targets=None):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor.loader.project_state(targets).apps if targets else None


@pytest.fixture(autouse=True)
def latest_schema_afterwards(transactional_db):
    yield
    migrate()


def test_old_audit_rows_belong_to_the_organisation_of_what_they_touched():
    apps = migrate(BEFORE)
    Organization, Member = apps.get_model("people", "Organization"), apps.get_model("people", "Member")
    User, Role = apps.get_model("people", "User"), apps.get_model("people", "Role")
    Event = apps.get_model("core", "AuditEvent")

    def node(path, code, kind="working_committee"):
        return Organization.objects.create(
            path=path, depth=len(path) // 4, numchild=0, name=code, code=code, kind=kind, unit_type="community"
        )

    wy, hx = node("0001", "WY"), node("0002", "HX")
    branch = node("00010001", "WY-1", "branch")
    member = Member.objects.create(
        organization=branch, name="党员", gender="M", birth_date="1980-01-01", phone="13700000001", status="full"
    )
    secretary = User.objects.create(username="secretary")
    Role.objects.create(user=secretary, organization=branch, kind="org_admin")
    principal = User.objects.create(username="principal")
    Role.objects.create(user=principal, organization=hx, kind="principal")
    reveal = Event.objects.create(actor=principal, action="reveal", object_type="member", object_id=str(member.pk), summary="查看")
    export = Event.objects.create(actor=secretary, action="export", object_type="roster", summary="导出")
    other = Event.objects.create(actor=principal, action="export", object_type="roster", summary="导出")
    unknown = Event.objects.create(actor=None, action="export", object_type="roster", summary="导出")

    migrate()

    found = dict(AuditEvent.objects.values_list("pk", "organization_id"))
    assert found == {reveal.pk: branch.pk, export.pk: branch.pk, other.pk: hx.pk, unknown.pk: None}
    assert wy.pk not in found.values()
