"""Phone and ID numbers are masked by default; reveals and exports are audited and readable by the board."""

import pytest
from django.urls import reverse

from dangxiao.core.models import AuditEvent

from .conftest import login
from .factories import make_member, valid_id_number

pytestmark = pytest.mark.django_db


@pytest.fixture
def person(people):
    return make_member(people["tree"]["C1-1"], name="隐私测试", phone="13812341234", id_number=valid_id_number())


def test_roster_and_member_page_mask_phone_and_id(people, person):
    client = login(people["users"]["secretary"])
    roster = client.get(reverse("people:member_list")).content.decode()
    page = client.get(reverse("people:member_detail", args=[person.pk])).content.decode()
    for body in (roster, page):
        assert "13812341234" not in body
        assert person.id_number not in body
    assert "138****1234" in roster and "138****1234" in page
    assert f"{person.id_number[:6]}********{person.id_number[-4:]}" in page


def test_reveal_shows_one_record_and_is_audited(people, person):
    client = login(people["users"]["secretary"])
    response = client.post(reverse("people:member_reveal", args=[person.pk]))
    body = response.content.decode()
    assert "13812341234" in body and person.id_number in body
    event = AuditEvent.objects.get(action="reveal")
    assert event.actor == people["users"]["secretary"] and event.object_id == str(person.pk)


@pytest.mark.parametrize("role", ["committee", "principal"])
def test_reveal_within_subtree_is_allowed(people, person, role):
    assert login(people["users"][role]).post(reverse("people:member_reveal", args=[person.pk])).status_code == 200


def test_reveal_outside_scope_or_without_permission_is_404_and_not_audited(people, person):
    outsider = people["members"]["c2_1"][0]
    assert login(people["users"]["secretary"]).post(reverse("people:member_reveal", args=[outsider.pk])).status_code == 404
    assert login(people["users"]["member"]).post(reverse("people:member_reveal", args=[person.pk])).status_code == 404
    assert login(people["users"]["teacher"]).post(reverse("people:member_reveal", args=[person.pk])).status_code == 404
    assert not AuditEvent.objects.exists()


def test_reveal_needs_post(people, person):
    assert login(people["users"]["secretary"]).get(reverse("people:member_reveal", args=[person.pk])).status_code == 405


def test_export_is_audited_with_its_filters(people, person):
    client = login(people["users"]["principal"])
    client.get(reverse("people:member_export"), {"organization": people["tree"]["C1"].pk})
    event = AuditEvent.objects.get(action="export")
    assert event.actor == people["users"]["principal"]
    assert event.detail["count"] == 6  # 3 + 2 members of C1's branches + the one made here
    assert "青山祠社区党委" in event.summary


def test_board_reads_the_audit_log_and_others_cannot(people, person):
    login(people["users"]["secretary"]).post(reverse("people:member_reveal", args=[person.pk]))
    log = login(people["users"]["principal"]).get(reverse("audit_log"))
    assert log.status_code == 200 and "隐私测试" in log.content.decode()
    for role in ("secretary", "committee", "teacher", "member"):
        assert login(people["users"][role]).get(reverse("audit_log")).status_code == 404


def test_the_audit_log_survives_a_deleted_actor(people, person):
    login(people["users"]["secretary"]).post(reverse("people:member_reveal", args=[person.pk]))
    people["users"]["secretary"].delete()
    response = login(people["users"]["principal"]).get(reverse("audit_log"))
    assert response.status_code == 200 and "隐私测试" in response.content.decode()
