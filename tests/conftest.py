import pytest
from django.test import Client

from . import factories as f


@pytest.fixture
def tree(db):
    return f.make_tree()


@pytest.fixture
def people(tree):
    """Members in every branch and a user for each role:
    principal on WY, secretary (org_admin) on C1-1, committee admin on C1, teacher on C1, a plain member in C1-1."""
    members = {
        "c1_1": [f.make_member(tree["C1-1"]) for _ in range(3)],
        "c1_2": [f.make_member(tree["C1-2"]) for _ in range(2)],
        "c2_1": [f.make_member(tree["C2-1"]) for _ in range(2)],
        "n1": [f.make_member(tree["N1"], is_new_employment=True) for _ in range(2)],
    }
    users = {
        "principal": f.make_user("principal", role="principal", org=tree["WY"]),
        "secretary": f.make_user("secretary", role="org_admin", org=tree["C1-1"]),
        "committee": f.make_user("committee", role="org_admin", org=tree["C1"]),
        "teacher": f.make_user("teacher", role="teacher", org=tree["C1"]),
        "member": f.make_user(member=members["c1_1"][0]),
        "superuser": f.make_user("root", is_superuser=True, is_staff=True),
    }
    return {"tree": tree, "members": members, "users": users}


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
