"""The matter lifecycle: report, accept, assign, resolve, confirm, reopen, merge, escalate, follow up;
and who may handle which matters."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from dangxiao.core import access
from dangxiao.liaison import selectors, services
from dangxiao.liaison.models import Level, Matter, MatterUpdate
from dangxiao.liaison.services import MatterError

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64


def report(liaison, *, household=None, category="e_bike_charging", now=T0, **kw):
    household = household if household is not None else liaison["households"]["1栋"][0]
    return services.matter_report(
        liaison["a"],
        category=liaison["categories"][category],
        description=kw.pop("description", "楼道里有人从窗户拉线给电动车充电"),
        household=household,
        reporter_name="陈阿姨",
        reporter_phone=kw.pop("reporter_phone", "13812345678"),
        now=now,
        **kw,
    )


def test_a_report_waits_for_acceptance_with_the_households_neighbour_leader(liaison):
    matter = report(liaison)
    assert matter.state == "reported" and matter.assigned_role == liaison["roles"]["n1"] and matter.level == Level.NEIGHBOUR
    assert matter.respond_by == T0 + timedelta(hours=12) and matter.resolve_by == T0 + timedelta(days=7)
    assert [u.kind for u in matter.updates.all()] == ["reported"]
    assert matter not in selectors.public_board(liaison["a"])


def test_a_household_nobody_covers_goes_to_the_group_leader(liaison):
    matter = report(liaison, household=liaison["households"]["2栋"][0])
    assert matter.assigned_role == liaison["roles"]["group"] and matter.level == Level.GROUP


def test_recording_on_a_residents_behalf_accepts_at_once(liaison):
    matter = report(liaison, source=Matter.Source.GRID, recorded_by=liaison["users"]["neighbour"])
    assert matter.state == "accepted" and matter.accepted_at == T0
    assert [u.kind for u in matter.updates.all()] == ["reported", "accepted"]
    assert "李邻长（邻长）" in matter.updates.last().actor_label


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"description": "  "}, "请描述"),
        ({"description": "长" * 1001}, "1000"),
        ({"reporter_phone": "12345"}, "手机号码格式不对"),
        ({"photos": [SimpleUploadedFile("a.gif", b"GIF89a....")]}, "第 1 张照片"),
        ({"photos": [SimpleUploadedFile(f"{i}.png", PNG) for i in range(4)]}, "最多上传 3 张"),
    ],
)
def test_bad_reports_are_refused_and_change_nothing(liaison, kw, message):
    phone = kw.pop("reporter_phone", "13812345678")
    with pytest.raises(MatterError, match=message):
        services.matter_report(
            liaison["a"],
            category=liaison["categories"]["lighting"],
            description=kw.pop("description", "路灯不亮"),
            reporter_phone=phone,
            now=T0,
            **kw,
        )
    assert not Matter.objects.exists() and not MatterUpdate.objects.exists()


def test_a_household_of_another_compound_is_refused(liaison):
    with pytest.raises(MatterError, match="住户不属于该小区"):
        report(liaison, household=liaison["b_households"][0])


def test_public_reports_are_rate_limited_per_address_and_phone(liaison):
    fp = services.fingerprint("203.0.113.9")
    for i in range(services.LIMITS["address_hour"]):
        report(liaison, reporter_phone="", address_fingerprint=fp, now=T0 + timedelta(minutes=i), description=f"第{i}次")
    with pytest.raises(MatterError, match="提交过于频繁"):
        report(liaison, reporter_phone="", address_fingerprint=fp, now=T0 + timedelta(minutes=10))
    # another address is not held back, and an hour later the first one may report again
    report(liaison, reporter_phone="", address_fingerprint=services.fingerprint("198.51.100.1"), now=T0 + timedelta(minutes=11))
    report(liaison, reporter_phone="", address_fingerprint=fp, now=T0 + timedelta(hours=1, minutes=5))
    for i in range(services.LIMITS["phone_day"]):
        report(liaison, reporter_phone="13900001111", now=T0 + timedelta(hours=2, minutes=i))
    with pytest.raises(MatterError, match="这个手机号今天已提交多条"):
        report(liaison, reporter_phone="139 0000 1111", now=T0 + timedelta(hours=4))


def test_the_full_life_of_a_matter(liaison):
    users, roles = liaison["users"], liaison["roles"]
    matter = report(liaison, photos=[SimpleUploadedFile("wire.png", PNG)])
    services.matter_accept(matter, users["neighbour"], note="已核实", now=T0 + timedelta(hours=2))
    services.matter_assign(
        matter, users["neighbour"], party=liaison["parties"]["property"], note="协调物业加装充电桩", now=T0 + timedelta(hours=3)
    )
    services.matter_set_state(matter, users["group"], "in_progress", note="施工中", now=T0 + timedelta(days=1))
    services.matter_resolve(
        matter,
        users["group"],
        households_benefited=48,
        note="新装充电桩 2 处",
        photos=[SimpleUploadedFile("done.png", PNG)],
        now=T0 + timedelta(days=3),
    )
    matter.refresh_from_db()
    assert (matter.state, matter.households_benefited, matter.resolved_at) == ("resolved", 48, T0 + timedelta(days=3))
    assert matter.accepted_at == T0 + timedelta(hours=2) and matter.resolved_by == roles["group"].member  # the acting member
    assert [p.stage for p in matter.photos.all()] == ["report", "resolution"]
    assert [u.kind for u in matter.updates.all()] == ["reported", "accepted", "assigned", "state", "resolved"]
    assert "青山苑物业服务中心" in matter.updates.get(kind="assigned").note
    services.matter_confirm_fixed(matter, now=T0 + timedelta(days=4))
    matter.refresh_from_db()
    assert matter.confirmed_fixed_at == T0 + timedelta(days=4)
    with pytest.raises(MatterError, match="已解决，不能再办理"):
        services.matter_set_state(matter, users["group"], "in_progress", now=T0 + timedelta(days=5))


def test_the_resolver_is_the_member_who_was_assigned(liaison):
    member = liaison["members"]["c1_1"][1]
    matter = report(liaison)
    services.matter_assign(matter, liaison["users"]["committee"], member=member, now=T0 + timedelta(hours=1))
    services.matter_resolve(matter, liaison["users"]["committee"], households_benefited=1, now=T0 + timedelta(days=1))
    matter.refresh_from_db()
    assert matter.resolved_by == member


def test_resolving_needs_a_count_of_households(liaison):
    matter = report(liaison)
    for bad in (0, "abc", -3):
        with pytest.raises(MatterError, match="受益户数"):
            services.matter_resolve(matter, liaison["users"]["neighbour"], households_benefited=bad, now=T0)
    matter.refresh_from_db()
    assert matter.state == "reported"


def test_closing_needs_a_reason(liaison):
    matter = report(liaison)
    with pytest.raises(MatterError, match="须说明原因"):
        services.matter_set_state(matter, liaison["users"]["neighbour"], "not_responsible", now=T0)
    services.matter_set_state(matter, liaison["users"]["neighbour"], "not_responsible", note="属市政道路，已转交城管", now=T0)
    matter.refresh_from_db()
    assert matter.state_type == "closed" and matter.closed_at == T0


def test_the_reporter_reopens_a_fix_that_did_not_hold(liaison):
    matter = report(liaison)
    services.matter_resolve(matter, liaison["users"]["neighbour"], households_benefited=6, now=T0 + timedelta(days=1))
    with pytest.raises(MatterError, match="说明重新打开的原因"):
        services.matter_reopen(matter, note="", now=T0 + timedelta(days=2))
    services.matter_reopen(matter, note="又有人拉线了", now=T0 + timedelta(days=2))
    matter.refresh_from_db()
    assert matter.state == "accepted" and matter.resolved_at is None and matter.households_benefited == 0
    assert matter.resolve_by == T0 + timedelta(days=9)
    assert matter.updates.last().actor_label == "反映人"


def test_a_week_after_the_fix_the_reporter_is_asked_and_no_reopens(liaison):
    matter = report(liaison)
    services.matter_resolve(matter, liaison["users"]["neighbour"], households_benefited=6, now=T0)
    assert services.matters_follow_up(now=T0 + timedelta(days=6)) == 0
    assert services.matters_follow_up(now=T0 + timedelta(days=7, minutes=1)) == 1
    assert services.matters_follow_up(now=T0 + timedelta(days=8)) == 0  # asked once
    services.matter_follow_up_answer(matter, stayed_fixed=False, note="上周又出现了", now=T0 + timedelta(days=8))
    matter.refresh_from_db()
    assert matter.is_open and matter.stayed_fixed is None
    assert [u.kind for u in matter.updates.all()][-3:] == ["follow_up", "follow_up", "reopened"]


def test_a_follow_up_answered_yes_is_kept(liaison):
    matter = report(liaison)
    services.matter_resolve(matter, liaison["users"]["neighbour"], households_benefited=6, now=T0)
    services.matters_follow_up(now=T0 + timedelta(days=8))
    services.matter_follow_up_answer(matter, stayed_fixed=True, now=T0 + timedelta(days=9))
    matter.refresh_from_db()
    assert matter.state == "resolved" and matter.stayed_fixed is True
    with pytest.raises(MatterError, match="已回答过"):
        services.matter_follow_up_answer(matter, stayed_fixed=False, now=T0 + timedelta(days=9))


def test_overdue_matters_climb_the_grid_one_level_at_a_time(liaison):
    roles = liaison["roles"]
    matter = report(liaison)  # 邻长 李, respond within 12 h
    assert services.matters_escalate(now=T0 + timedelta(hours=11)) == 0
    assert services.matters_escalate(now=T0 + timedelta(hours=13)) == 1
    matter.refresh_from_db()
    assert (matter.level, matter.assigned_role) == (Level.GROUP, roles["group"])
    assert matter.respond_by == T0 + timedelta(hours=25)
    assert services.matters_escalate(now=T0 + timedelta(hours=14)) == 0  # a fresh deadline at the new level
    services.matters_escalate(now=T0 + timedelta(hours=26))
    matter.refresh_from_db()
    assert (matter.level, matter.assigned_role) == (Level.AREA, roles["chief"])
    services.matters_escalate(now=T0 + timedelta(hours=39))
    services.matters_escalate(now=T0 + timedelta(hours=52))
    matter.refresh_from_db()
    assert (matter.level, matter.assigned_role) == (Level.SUB_DISTRICT, None)
    assert services.matters_escalate(now=T0 + timedelta(days=30)) == 0  # nowhere higher to go
    notes = list(matter.updates.filter(kind="escalated").values_list("note", flat=True))
    assert notes == [
        "响应超时，已升级至组长 " + roles["group"].name,
        "响应超时，已升级至片长 周片长",
        "响应超时，已升级至社区",
        "响应超时，已升级至街道",
    ]


def test_an_accepted_matter_escalates_when_the_resolve_deadline_passes(liaison):
    matter = report(liaison)
    services.matter_accept(matter, liaison["users"]["neighbour"], now=T0 + timedelta(hours=1))
    assert services.matters_escalate(now=T0 + timedelta(days=6)) == 0
    assert services.matters_escalate(now=T0 + timedelta(days=7, hours=1)) == 1
    matter.refresh_from_db()
    assert matter.level == Level.GROUP and matter.resolve_by == T0 + timedelta(days=14, hours=1)
    assert matter.updates.last().note.startswith("办结超时")


def test_duplicates_nearby_are_suggested_and_merged(liaison):
    first = report(liaison, now=T0)
    other_category = report(liaison, category="lighting", now=T0 + timedelta(days=1))
    old = report(liaison, now=T0 - timedelta(days=40))
    second = report(liaison, now=T0 + timedelta(days=2), description="又看到飞线充电")
    assert selectors.nearby_duplicates(second) == [first]
    assert other_category not in selectors.nearby_duplicates(second) and old not in selectors.nearby_duplicates(second)
    services.matter_merge(second, first, liaison["users"]["neighbour"], now=T0 + timedelta(days=2, hours=1))
    second.refresh_from_db()
    assert (second.state, second.duplicate_of, second.state_type) == ("duplicate", first, "closed")
    assert first.updates.filter(kind="merged").exists()
    with pytest.raises(MatterError, match="同一小区"):
        b_matter = services.matter_report(liaison["b"], category=liaison["categories"]["e_bike_charging"], description="飞线", now=T0)
        services.matter_merge(b_matter, first, liaison["users"]["principal"], now=T0)
    with pytest.raises(MatterError, match="重复事项已合并"):
        services.matter_reopen(second, note="还在", now=T0 + timedelta(days=3))


def test_each_user_handles_exactly_their_compounds_matters(liaison):
    a = report(liaison)
    b = services.matter_report(liaison["b"], category=liaison["categories"]["noise"], description="夜间施工", now=T0)
    users = liaison["users"]
    seen = {name: set(access.filter_matters(users[name]).values_list("pk", flat=True)) for name in users}
    assert seen["principal"] == seen["superuser"] == {a.pk, b.pk}
    assert seen["committee"] == seen["neighbour"] == seen["chief"] == seen["group"] == {a.pk}
    assert seen["b_chief"] == {b.pk}
    assert seen["secretary"] == seen["member"] == seen["teacher"] == set()
    assert set(access.filter_managed_compounds(users["neighbour"])) == set()
    assert set(access.filter_managed_compounds(users["committee"])) == {liaison["a"]}
    with pytest.raises(access.Http404):
        access.get_matter_or_404(users["neighbour"], b.pk)


def test_the_history_is_written_in_chinese_whatever_the_handler_reads(liaison):
    from django.utils import translation

    matter = report(liaison)
    with translation.override("en"):
        services.matter_assign(matter, liaison["users"]["neighbour"], role=liaison["roles"]["group"], now=T0 + timedelta(hours=1))
    update = matter.updates.get(kind="assigned")
    assert update.actor_label == "李邻长（邻长）" and update.note.startswith("指派给组长 ")
