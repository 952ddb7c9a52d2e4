import pytest
from django.db import connection
from django.test import Client

from . import factories as f


@pytest.fixture
def tree(db):
    return f.make_tree()


@pytest.fixture
def people(tree):
    return f.make_people(tree)


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def client_for():
    return login


@pytest.fixture
def liaison(people):
    return f.make_liaison(people)


def pytest_collection_modifyitems(config, items):
    """A test for one database is deselected on the other (never skipped: a skip would hide it)."""
    vendor = connection.vendor
    wrong = "postgres_only" if vendor != "postgresql" else "sqlite_only"
    kept = [item for item in items if wrong not in item.keywords]
    if len(kept) != len(items):
        config.hook.pytest_deselected(items=[item for item in items if wrong in item.keywords])
        items[:] = kept


def pytest_sessionfinish(session, exitstatus):
    """A green run that skipped tests is not green: any skip fails the run."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = reporter.stats.get("skipped", []) if reporter is not None else []
    if skipped and exitstatus == 0:
        reporter.write_line(f"{len(skipped)} test(s) skipped: a run with skips does not pass", red=True)
        session.exitstatus = 1
