"""`seed_demo` deletes everything before it builds the demo school, so it refuses to run on a real database:
one holding records it did not write, or any database when DANGXIAO_DEBUG=0, unless told to wipe everything
on a terminal (or with --yes-really in a script). The build itself is tested in tests/test_demo.py."""

import io
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from dangxiao.demo.guard import record_demo, records_not_from_the_demo
from dangxiao.demo.management.commands import seed_demo
from dangxiao.demo.models import DemoSeed
from dangxiao.people.models import Member, Organization, User

from . import factories as f


class Terminal(io.StringIO):
    """Standard input as a person at a terminal types it."""

    def __init__(self, typed: str, tty: bool = True):
        super().__init__(typed)
        self.tty = tty

    def isatty(self):
        return self.tty


@pytest.fixture
def debug(settings):
    settings.DEBUG = True  # DANGXIAO_DEBUG=1, the laptop demo


@pytest.fixture
def builds(monkeypatch):
    """The builders replaced by a record of their calls: these tests are about whether seed_demo goes ahead."""
    calls = []
    builders = ("wipe_demo_school", "wipe_compounds", "build_compounds", "build_attendance", "build_online", "build_liaison")
    later = ("wipe_meetings", "build_meetings", "wipe_service", "build_service", "wipe_appraisals", "build_appraisal")
    later += ("wipe_projects", "build_projects", "build_points", "build_notify", "build_dashboards")
    for name in (*builders, *later):
        monkeypatch.setattr(seed_demo, name, lambda *a, name=name, **k: calls.append(name))
    monkeypatch.setattr(seed_demo, "build_people", lambda *a, **k: calls.append("build_people") or Member.objects.all().delete())
    monkeypatch.setattr(seed_demo, "build_school", lambda *a, **k: calls.append("build_school"))
    monkeypatch.setattr(seed_demo, "build_teaching", lambda *a, **k: calls.append("build_teaching"))
    monkeypatch.setattr(seed_demo.Command, "_print_logins", lambda self: None)
    return calls


def run(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def test_seed_demo_refuses_a_database_with_records_it_did_not_write(people, debug, builds):
    members = Member.objects.count()
    with pytest.raises(CommandError) as refused:
        run()
    assert "不是演示数据生成的记录" in str(refused.value) and f"党员（people.Member）：{members}" in str(refused.value)
    assert "--wipe-everything" in str(refused.value)
    assert builds == [] and Member.objects.count() == members


def test_make_demos_if_empty_also_refuses_an_install_that_only_has_its_administrator(db, debug, builds):
    User.objects.create_superuser("real-admin", "", "x" * 12)  # createsuperuser, then `make demo`
    with pytest.raises(CommandError):
        run("--if-empty")
    assert builds == [] and User.objects.filter(username="real-admin").exists()


def test_seed_demo_refuses_whenever_debug_is_off_even_on_an_empty_database(db, settings, builds):
    settings.DEBUG = False  # DANGXIAO_DEBUG=0
    with pytest.raises(CommandError) as refused:
        run()
    assert "DANGXIAO_DEBUG=0" in str(refused.value) and builds == []
    with pytest.raises(CommandError):
        run("--if-empty")
    assert builds == [] and not Organization.objects.exists()


def test_records_written_after_the_demo_was_built_are_not_the_demos(people, debug, builds):
    record_demo()  # as the end of a build does: everything here now is the demo's
    assert records_not_from_the_demo() == {}
    run()  # a rebuild of a demo database nobody has written to goes ahead without asking
    assert builds[0] == "wipe_meetings" and DemoSeed.objects.count() == 1

    builds.clear()
    f.make_member(people["tree"]["C1-1"], name="真实党员")  # someone started using it for real
    assert records_not_from_the_demo() == {Member: 1}
    with pytest.raises(CommandError) as refused:
        run()
    assert "党员（people.Member）：1" in str(refused.value) and builds == []
    assert Member.objects.filter(name="真实党员").exists()


def test_wipe_everything_names_what_it_deletes_and_asks_on_a_terminal(people, settings, builds, monkeypatch):
    settings.DEBUG = False
    members = Member.objects.count()
    monkeypatch.setattr("sys.stdin", Terminal("no\n"))
    out = StringIO()
    with pytest.raises(CommandError) as refused:
        call_command("seed_demo", "--wipe-everything", stdout=out)
    assert "未确认" in str(refused.value) and builds == [] and Member.objects.count() == members
    listing = out.getvalue()
    assert f"党员（people.Member）：{members}" in listing and "组织（people.Organization）：7" in listing

    monkeypatch.setattr("sys.stdin", Terminal("yes\n"))
    run("--wipe-everything")
    wipes = ["wipe_meetings", "wipe_service", "wipe_appraisals", "wipe_demo_school", "wipe_compounds", "wipe_projects"]
    assert builds[:7] == [*wipes, "build_people"] and not Member.objects.exists()
    assert DemoSeed.objects.count() == 1


def test_wipe_everything_without_a_terminal_needs_yes_really(people, debug, builds, monkeypatch):
    monkeypatch.setattr("sys.stdin", Terminal("yes\n", tty=False))  # a script piping "yes" is not a person
    with pytest.raises(CommandError) as refused:
        run("--wipe-everything")
    assert "--yes-really" in str(refused.value) and builds == [] and Member.objects.exists()

    run("--wipe-everything", "--yes-really")
    assert "build_people" in builds and not Member.objects.exists()
