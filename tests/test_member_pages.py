"""Members one at a time: the form checks as the import does, 转正, transfers (direct, requested, accepted,
refused) and leaving (kept for history, off the current rolls)."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from dangxiao.core.models import AuditEvent
from dangxiao.people import member_services as ms
from dangxiao.people import selectors, services
from dangxiao.people.models import Member, MemberTransfer
from dangxiao.people.roster import BY_KEY, parse_cells

from .conftest import login
from .factories import make_member, make_user, valid_id_number

pytestmark = pytest.mark.django_db


def form(**over) -> dict:
    data = {"organization": "", "name": "王新", "phone": "13912345678", "gender": "F", "birth_date": "1990-05-02", "status": "full"}
    data.update(over)
    return data


def test_staff_adds_a_member_in_the_form(people):
    org = people["tree"]["C1-1"]
    client = login(people["users"]["secretary"])
    response = client.post(reverse("people:member_create"), form(organization=org.pk, id_number=valid_id_number(date(1990, 5, 2))))
    member = Member.objects.get(phone="13912345678")
    assert response.status_code == 302 and response["Location"] == reverse("people:member_detail", args=[member.pk])
    assert member.organization == org and member.birth_date == date(1990, 5, 2)
    assert AuditEvent.objects.filter(action="create", object_id=str(member.pk)).exists()


@pytest.mark.parametrize(
    ("field", "value"),
    [("phone", "1234"), ("id_number", "430103198503011234"), ("birth_date", "1985年13月"), ("phone", "１３９ABC")],
)
def test_the_form_refuses_what_the_import_refuses_with_the_same_chinese_message(people, field, value):
    org = people["tree"]["C1-1"]
    before = Member.objects.count()
    response = login(people["users"]["secretary"]).post(reverse("people:member_create"), form(organization=org.pk, **{field: value}))
    assert response.status_code == 422 and Member.objects.count() == before
    _values, _failed, problems = parse_cells([(BY_KEY[field], value)])  # what the import says of that cell
    assert problems and problems[0][1] in response.content.decode()


def test_a_phone_already_on_the_roster_is_refused_and_nothing_changes(people):
    other = people["members"]["c2_1"][0]
    response = login(people["users"]["principal"]).post(
        reverse("people:member_create"), form(organization=people["tree"]["C1-1"].pk, phone=other.phone)
    )
    assert response.status_code == 422 and "手机号码已登记在另一名党员名下" in response.content.decode()
    assert Member.objects.filter(phone=other.phone).count() == 1


def test_a_secretary_cannot_add_a_member_to_an_organisation_outside_their_scope(people):
    response = login(people["users"]["secretary"]).post(reverse("people:member_create"), form(organization=people["tree"]["C2-1"].pk))
    assert response.status_code == 422 and not Member.objects.filter(phone="13912345678").exists()


def test_editing_a_member_checks_the_same_way_and_saves_good_values(people):
    member = people["members"]["c1_1"][1]
    client = login(people["users"]["secretary"])
    url = reverse("people:member_edit", args=[member.pk])
    assert client.get(url).status_code == 200
    bad = client.post(url, form(name=member.name, phone="2"))
    assert bad.status_code == 422 and "不是有效的11位大陆手机号" in bad.content.decode()
    member.refresh_from_db()
    assert member.phone != "2"
    good = client.post(url, form(name="改名了", phone=member.phone, gender="M", birth_date="1980-01-01", occupation="教师"))
    assert good.status_code == 302
    member.refresh_from_db()
    assert (member.name, member.occupation) == ("改名了", "教师")


def test_out_of_scope_member_pages_are_404(people):
    other = people["members"]["c2_1"][0]
    client = login(people["users"]["secretary"])
    for name in ("member_edit", "member_confirm", "member_transfer", "member_leave"):
        assert client.get(reverse(f"people:{name}", args=[other.pk])).status_code == 404, name
    assert login(people["users"]["member"]).get(reverse("people:member_create")).status_code == 404


def test_a_probationary_member_becomes_full_on_the_confirmation_date(people):
    member = make_member(people["tree"]["C1-1"], status=Member.Status.PROBATIONARY, joined_party_on=date(2025, 1, 10))
    client = login(people["users"]["secretary"])
    day = timezone.localdate() - timedelta(days=3)
    response = client.post(reverse("people:member_confirm", args=[member.pk]), {"confirmed_on": day.isoformat()})
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.status, member.confirmed_on) == (Member.Status.FULL, day)
    again = client.post(reverse("people:member_confirm", args=[member.pk]), {"confirmed_on": day.isoformat()})
    assert again.status_code == 422 and "该党员已是正式党员" in again.content.decode()


def test_a_confirmation_date_before_joining_is_refused(people):
    member = make_member(people["tree"]["C1-1"], status=Member.Status.PROBATIONARY, joined_party_on=date(2025, 1, 10))
    response = login(people["users"]["secretary"]).post(reverse("people:member_confirm", args=[member.pk]), {"confirmed_on": "2024-01-01"})
    assert response.status_code == 422 and "转正日期不能早于入党日期" in response.content.decode()
    member.refresh_from_db()
    assert member.status == Member.Status.PROBATIONARY


def test_a_transfer_within_scope_moves_the_member_at_once_and_is_recorded(people):
    member = people["members"]["c1_1"][1]
    target = people["tree"]["C1-2"]
    response = login(people["users"]["committee"]).post(
        reverse("people:member_transfer", args=[member.pk]),
        {"to_organization": target.pk, "transferred_on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.organization == target
    transfer = MemberTransfer.objects.get(member=member)
    assert (transfer.kind, transfer.status, transfer.from_organization.code) == ("direct", "accepted", "C1-1")
    assert AuditEvent.objects.filter(action="transfer", object_id=str(member.pk)).exists()


def test_a_transfer_out_of_scope_waits_for_the_receiver_who_accepts(people):
    member = people["members"]["c1_1"][1]
    target = people["tree"]["C2-1"]
    receiver = make_user("c2admin", role="org_admin", org=people["tree"]["C2"])
    login(people["users"]["secretary"]).post(
        reverse("people:member_transfer", args=[member.pk]),
        {"to_organization": target.pk, "transferred_on": timezone.localdate().isoformat()},
    )
    transfer = MemberTransfer.objects.get(member=member)
    member.refresh_from_db()
    assert transfer.status == "pending" and member.organization.code == "C1-1"  # stays until accepted
    # Only the receiving side sees it to accept; the sender cannot accept their own request.
    assert login(people["users"]["secretary"]).post(reverse("people:transfer_accept", args=[transfer.pk])).status_code == 404
    inbox = login(receiver).get(reverse("people:transfer_inbox"))
    assert member.name in inbox.content.decode()
    assert login(receiver).post(reverse("people:transfer_accept", args=[transfer.pk])).status_code == 302
    member.refresh_from_db()
    transfer.refresh_from_db()
    assert member.organization == target and transfer.status == "accepted" and transfer.decided_by == receiver
    actors = AuditEvent.objects.filter(action="transfer", object_id=str(member.pk)).values_list("actor__username", flat=True)
    assert sorted(actors) == ["c2admin", "secretary"]  # the request and its acceptance are both audited


def test_a_refused_transfer_leaves_the_member_where_they_were(people):
    member = people["members"]["c1_1"][1]
    receiver = make_user("c2admin", role="org_admin", org=people["tree"]["C2"])
    transfer = ms.member_transfer(people["users"]["secretary"], member, people["tree"]["C2-1"])
    client = login(receiver)
    no_reason = client.post(reverse("people:transfer_refuse", args=[transfer.pk]), {"reason": ""})
    assert no_reason.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == "pending"
    client.post(reverse("people:transfer_refuse", args=[transfer.pk]), {"reason": "查无此人"})
    transfer.refresh_from_db()
    member.refresh_from_db()
    assert (transfer.status, transfer.refusal_reason) == ("refused", "查无此人") and member.organization.code == "C1-1"
    # Decided: it can no longer be accepted.
    with pytest.raises(ms.MemberError):
        ms.transfer_accept(receiver, transfer)


def test_a_transfer_to_another_working_committee_is_refused(people):
    from dangxiao.people.models import Organization

    other = Organization.objects.add_root(
        instance=Organization(name="另一街道党工委", code="ZZ", kind="working_committee", unit_type="sub_district")
    )
    with pytest.raises(ms.MemberError) as exc:
        ms.member_transfer(people["users"]["superuser"], people["members"]["c1_1"][1], other)
    assert "本街道党工委" in str(exc.value)


def test_leaving_keeps_the_record_but_takes_the_member_off_the_rolls(people):
    member = people["members"]["c1_1"][1]
    client = login(people["users"]["secretary"])
    day = timezone.localdate() - timedelta(days=1)
    response = client.post(reverse("people:member_leave", args=[member.pk]), {"left_on": day.isoformat(), "reason": "deceased", "note": ""})
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.left_on, member.left_reason) == (day, "deceased")
    client = login(people["users"]["secretary"])  # a fresh session: no message naming the member
    roster = client.get(reverse("people:member_list")).content.decode()
    assert member.name not in roster
    assert member.name in client.get(reverse("people:member_list") + "?left=1").content.decode()
    assert client.get(reverse("people:member_detail", args=[member.pk])).status_code == 200  # history stays
    assert selectors.roster_summary(people["users"]["principal"]).total == Member.objects.count() - 1
    assert client.post(reverse("people:member_edit", args=[member.pk]), form(phone=member.phone)).status_code == 422


def test_leaving_refuses_a_future_date_and_an_unknown_reason(people):
    member = people["members"]["c1_1"][1]
    client = login(people["users"]["secretary"])
    future = client.post(
        reverse("people:member_leave", args=[member.pk]),
        {"left_on": (timezone.localdate() + timedelta(days=5)).isoformat(), "reason": "deceased"},
    )
    assert future.status_code == 422 and "离开日期不能晚于今天" in future.content.decode()
    member.refresh_from_db()
    assert member.left_on is None


def test_the_transfer_inbox_keeps_a_fixed_number_of_queries(people, django_assert_max_num_queries):
    receiver = make_user("c2admin", role="org_admin", org=people["tree"]["C2"])
    for m in people["members"]["c1_1"][1:] + people["members"]["c1_2"]:
        ms.member_transfer(people["users"]["principal"], m, people["tree"]["N1"])  # direct: decided rows
    for m in [make_member(people["tree"]["C1-1"]) for _ in range(4)]:
        ms.member_transfer(people["users"]["secretary"], m, people["tree"]["C2-1"])
    client = login(receiver)
    with django_assert_max_num_queries(8):
        response = client.get(reverse("people:transfer_inbox"))
    assert response.status_code == 200 and response.content.decode().count("data-transfer=") == 4


def test_a_member_who_left_is_out_of_enrolment_by_rule_compliance_and_activation(people):
    from dangxiao.attendance.ledger import compliance
    from dangxiao.people.activation import activatable
    from dangxiao.teaching import services as teaching
    from dangxiao.teaching.selectors import cohort_eligible_members

    from .factories import make_cohort, make_school

    tree = people["tree"]
    school, _main, _small = make_school(tree)
    stays, leaves = make_member(tree["C1-2"], is_mobile=True), make_member(tree["C1-2"], is_mobile=True)
    before = compliance(people["users"]["principal"], tree["C1"], timezone.localdate().year).total.members
    ms.member_leave(people["users"]["principal"], leaves, on=timezone.localdate(), reason="withdrew")
    cohort = make_cohort(school, tree["C1"], name="流动党员班", target_rule={"flags": ["is_mobile"]})
    assert set(cohort_eligible_members(cohort)) == {stays}
    result = teaching.cohort_enroll_by_rule(cohort)
    assert set(cohort.enrollments.values_list("member_id", flat=True)) == {stays.pk}, result
    assert compliance(people["users"]["principal"], tree["C1"], timezone.localdate().year).total.members == before - 1
    assert not activatable(Member.objects.filter(pk=leaves.pk)).exists()
    assert Member.objects.filter(pk=leaves.pk).exists()  # the row stays for history


def test_an_import_does_not_rewrite_a_member_who_left(people):
    from .test_roster_import import row, xlsx

    member = people["members"]["c1_1"][1]
    ms.member_leave(people["users"]["secretary"], member, on=timezone.localdate(), reason="other")
    result = services.roster_import(people["users"]["secretary"], xlsx([row(1, 手机号码=member.phone, 姓名="新名字", 组织编码="C1-1")]))
    assert [e.message for e in result.errors] == ["该党员已登记离开，记录仅供查阅，不能通过导入修改"]
    member.refresh_from_db()
    assert member.name != "新名字"


def test_the_sender_withdraws_a_request_before_it_is_decided(people):
    member = people["members"]["c1_1"][1]
    transfer = ms.member_transfer(people["users"]["secretary"], member, people["tree"]["C2-1"])
    stranger = make_user("c2admin", role="org_admin", org=people["tree"]["C2"])
    assert login(stranger).post(reverse("people:transfer_withdraw", args=[transfer.pk])).status_code == 404  # not theirs to withdraw
    client = login(people["users"]["secretary"])
    assert str(transfer.pk) in client.get(reverse("people:transfer_inbox")).content.decode()
    assert client.post(reverse("people:transfer_withdraw", args=[transfer.pk])).status_code == 302
    transfer.refresh_from_db()
    member.refresh_from_db()
    assert transfer.status == "withdrawn" and member.organization.code == "C1-1"
    with pytest.raises(ms.MemberError):
        ms.transfer_accept(stranger, transfer)
    # A new request can be filed once the old one is withdrawn.
    assert ms.member_transfer(people["users"]["secretary"], member, people["tree"]["N1"]).status == "pending"


def test_the_member_forms_keep_a_fixed_number_of_queries(people, django_assert_max_num_queries):
    client = login(people["users"]["principal"])
    member = people["members"]["c1_1"][1]
    for name, args in [
        ("member_create", []),
        ("member_edit", [member.pk]),
        ("member_transfer", [member.pk]),
        ("member_leave", [member.pk]),
    ]:
        with django_assert_max_num_queries(8):
            assert client.get(reverse(f"people:{name}", args=args)).status_code == 200, name


def test_an_import_that_moves_a_member_records_the_move_and_waits_for_a_pending_request(people):
    from .test_roster_import import row, xlsx

    moved, waiting = people["members"]["c1_1"][1], people["members"]["c1_1"][2]
    ms.member_transfer(people["users"]["secretary"], waiting, people["tree"]["C2-1"])
    principal = people["users"]["principal"]

    def line(n, m):
        return row(n, 手机号码=m.phone, 姓名=m.name, 性别="男", 出生日期="1980-01-01", 组织编码="C1-2", 行业="社区服务")

    refused = services.roster_import(principal, xlsx([line(1, moved), line(2, waiting)]))
    assert [(e.row, e.message) for e in refused.errors] == [(3, "该党员有一条待接收的转接申请，请先处理后再调整所在组织")]
    result = services.roster_import(principal, xlsx([line(1, moved)]))
    assert result.committed and result.updated == 1
    transfer = MemberTransfer.objects.get(member=moved)
    assert (transfer.from_organization.code, transfer.to_organization.code, transfer.status) == ("C1-1", "C1-2", "accepted")


def test_nobody_is_transferred_into_a_dissolved_organisation(people):
    from dangxiao.people.models import Organization

    empty = Organization.objects.add_child(
        people["tree"]["C1"], instance=Organization(name="青山祠临时党支部", code="C1-9", kind="branch", unit_type="community")
    )
    member = people["members"]["c1_1"][1]
    other = people["members"]["c2_1"][0]
    request = ms.member_transfer(people["users"]["secretary"], other, empty)  # a request waiting on C1
    assert request.status == MemberTransfer.Status.PENDING
    Organization.objects.filter(pk=empty.pk).update(dissolved_on=timezone.localdate(), dissolved_reason="合并")
    empty.refresh_from_db()
    with pytest.raises(ms.MemberError):
        ms.member_transfer(people["users"]["committee"], member, empty)
    with pytest.raises(ms.MemberError):
        ms.transfer_accept(people["users"]["committee"], request)
    member.refresh_from_db()
    other.refresh_from_db()
    assert member.organization.code == "C1-1" and other.organization.code == "C2-1"
    page = login(people["users"]["committee"]).get(reverse("people:member_transfer", args=[member.pk])).content.decode()
    assert "青山祠临时党支部" not in page


def test_nobody_is_added_to_a_dissolved_organisation(people):
    from dangxiao.people.models import Organization

    empty = Organization.objects.add_child(
        people["tree"]["C1"], instance=Organization(name="青山祠临时党支部", code="C1-9", kind="branch", unit_type="community")
    )
    Organization.objects.filter(pk=empty.pk).update(dissolved_on=timezone.localdate(), dissolved_reason="合并")
    response = login(people["users"]["committee"]).post(reverse("people:member_create"), form(organization=empty.pk))
    assert response.status_code == 422
    assert not Member.objects.filter(organization=empty).exists()


def test_a_secretary_cannot_lock_out_a_higher_role_by_recording_its_holder_as_left(people):
    principal = people["users"]["principal"]
    member = people["members"]["c1_1"][2]
    member.user = principal
    member.save(update_fields=["user"])
    with pytest.raises(ms.MemberError):
        ms.member_leave(people["users"]["secretary"], member, on=timezone.localdate(), reason=Member.LeftReason.values[0])
    principal.refresh_from_db()
    member.refresh_from_db()
    assert principal.is_active and member.left_on is None
    # A second principal may (one's own leaving is refused: it would lock the recorder out in the act).
    other = make_user("principal2", role="principal", org=people["tree"]["WY"])
    ms.member_leave(other, member, on=timezone.localdate(), reason=Member.LeftReason.values[0])
    principal.refresh_from_db()
    assert not principal.is_active


def test_a_secretary_cannot_rename_a_higher_account_by_editing_its_holders_phone(people):
    principal = people["users"]["principal"]
    member = people["members"]["c1_1"][2]
    member.user = principal
    member.save(update_fields=["user"])
    raw = {"name": member.name, "phone": "13912349999", "gender": member.gender}
    with pytest.raises(ms.MemberError) as refused:
        ms.member_update(people["users"]["secretary"], member, raw)
    assert "请由上级先撤销该角色" in str(refused.value.errors)
    principal.refresh_from_db()
    assert principal.username == "principal"


def test_a_secretary_cannot_deactivate_a_superuser_by_recording_its_member_as_left(people):
    admin = make_user("sa_review", is_superuser=True, is_staff=True)
    member = people["members"]["c1_1"][2]
    member.user = admin
    member.save(update_fields=["user"])
    with pytest.raises(ms.MemberError):
        ms.member_leave(people["users"]["secretary"], member, on=timezone.localdate(), reason=Member.LeftReason.values[0])
    admin.refresh_from_db()
    assert admin.is_active


def test_opening_the_edit_form_which_shows_the_full_phone_and_id_number_is_audited_as_a_reveal(people):
    member = people["members"]["c1_1"][1]
    Member.objects.filter(pk=member.pk).update(id_number=valid_id_number())
    member.refresh_from_db()
    page = login(people["users"]["secretary"]).get(reverse("people:member_edit", args=[member.pk])).content.decode()
    assert member.phone in page and member.id_number in page
    assert AuditEvent.objects.filter(action="reveal", object_type="member", object_id=str(member.pk)).count() == 1
