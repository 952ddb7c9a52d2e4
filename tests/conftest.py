import pytest
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
