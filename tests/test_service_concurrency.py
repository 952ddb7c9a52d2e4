"""Sign-ups for a volunteer activity landing at the same moment, on PostgreSQL: each member in their own
thread and connection, through the API as their phones would. The activity row is locked while sign-ups are
counted, so exactly the limit get in, the others are told it is full, and nobody is in twice."""

import pytest
from django.test import Client

from dangxiao.people.services import token_issue
from dangxiao.practice.models import ServiceParticipant

from .factories import make_member, make_user
from .service_fixtures import make_service
from .test_roll_concurrency import run_together

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db(transaction=True)]

MEMBERS, LIMIT = 24, 7


def test_concurrent_sign_ups_never_pass_the_limit_and_keep_one_row_per_member(people):
    tree = people["tree"]
    service = make_service(tree["C1"], limit=LIMIT)
    members = [make_member(tree["C1-1"]) for _ in range(MEMBERS)]
    clients = []
    for m in members:
        client = Client(headers={"Authorization": f"Bearer {token_issue(make_user(member=m))}"}, raise_request_exception=False)
        assert client.get("/healthz").status_code == 200
        clients.append(client)
    url = f"/api/v1/me/service/activities/{service.pk}/sign-up"
    # Every member twice at once: a double tap must not give two rows either.
    jobs = [lambda c=c: c.post(url, content_type="application/json").status_code for c in clients for _ in range(2)]
    statuses = run_together(jobs)
    assert all(isinstance(s, int) for s in statuses), statuses
    assert statuses.count(201) == LIMIT and set(statuses) == {201, 422}
    rows = ServiceParticipant.objects.filter(service=service)
    assert rows.filter(status="signed_up").count() == LIMIT
    assert rows.values("member_id").distinct().count() == rows.count() == LIMIT
