"""An install upgraded to per-committee liaison settings keeps what its board had set: every existing
working committee gets the install's categories, state labels and canned replies as they stood, and
every matter keeps a category of its own committee with the same code."""

from datetime import datetime
from importlib import import_module
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dangxiao.liaison import selectors
from dangxiao.liaison.models import CannedReply, Matter, MatterCategory

BEFORE = [("liaison", "0005_matter_first_deadlines")]
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def migrate(targets=None):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets or executor.loader.graph.leaf_nodes())
    return executor.loader.project_state(targets).apps if targets else None


def node(Organization, path: str, code: str, kind: str):
    return Organization.objects.create(path=path, depth=len(path) // 4, numchild=0, name=code, code=code, kind=kind, unit_type="community")


@pytest.fixture(autouse=True)
def latest_schema_afterwards(transactional_db):
    """Whatever happens, the database is left migrated to the end for the tests after these."""
    yield
    migrate()


def test_every_committee_gets_the_settings_the_install_had():
    apps = migrate(BEFORE)
    Organization = apps.get_model("people", "Organization")
    Compound, Matter_ = apps.get_model("liaison", "Compound"), apps.get_model("liaison", "Matter")
    Category, State = apps.get_model("liaison", "MatterCategory"), apps.get_model("liaison", "MatterState")
    Reply = apps.get_model("liaison", "CannedReply")
    wy, hx = node(Organization, "0001", "WY", "working_committee"), node(Organization, "0002", "HX", "working_committee")
    c1, c2 = node(Organization, "00010001", "WY-C1", "committee"), node(Organization, "00020001", "HX-C1", "committee")
    a, b = (
        Compound.objects.create(community=c1, name="青山苑", public_token="a"),
        Compound.objects.create(community=c2, name="湘江苑", public_token="b"),
    )
    # the install's settings as the board left them: 0003's defaults (a test's flush emptied them), edited
    import_module("dangxiao.liaison.migrations.0003_compound_token_and_defaults").ensure_defaults(apps)
    Category.objects.filter(code="noise").update(respond_hours=6, name="噪音")
    parking = Category.objects.create(code="parking", name="停车", respond_hours=24, resolve_days=5, order=9)
    State.objects.filter(code="reported").update(label="待核实")
    Reply.objects.create(state_id="in_progress", category=parking, title="已联系物业", text="已联系物业处理。")
    for compound, code in ((a, "noise"), (b, "noise"), (b, "parking")):
        Matter_.objects.create(
            compound=compound,
            category=Category.objects.get(code=code),
            description="事项",
            created_at=T0,
            updated_at=T0,
            token=f"{compound.pk}{code}",
        )

    migrate()

    for committee in (wy, hx):
        own = {c.code: c for c in MatterCategory.objects.filter(working_committee_id=committee.pk)}
        assert len(own) == 8 and (own["noise"].name, own["noise"].respond_hours) == ("噪音", 6)
        assert (own["parking"].name, own["parking"].resolve_days) == ("停车", 5)
        assert selectors.state_labels(committee.pk)["reported"] == "待核实"
        replies = CannedReply.objects.filter(working_committee_id=committee.pk)
        assert replies.count() == 6 and replies.get(title="已联系物业").category == own["parking"]
    for matter in Matter.objects.select_related("category", "compound"):
        committee = wy.pk if matter.compound.name == "青山苑" else hx.pk
        assert matter.category.working_committee_id == committee
    assert sorted(Matter.objects.values_list("category__code", flat=True)) == ["noise", "noise", "parking"]


def test_an_install_without_organisations_keeps_no_install_wide_settings():
    migrate(BEFORE)
    migrate()
    assert not MatterCategory.objects.exists() and not CannedReply.objects.exists()
