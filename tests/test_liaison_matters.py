"""The handlers' matter pages: the queue, one matter and its actions, recording on a resident's behalf."""

import json
import re
from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from dangxiao.core.models import AuditEvent
from dangxiao.liaison import services
from dangxiao.liaison.models import CannedReply, Matter, MatterPhoto, MatterUpdate

from .conftest import login

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 64
LIST = reverse("liaison:matter_list")
NEW = reverse("liaison:matter_new")


def report(liaison, *, compound="a", household=None, category="e_bike_charging", ago=timedelta(hours=1), **kw):
    if household is None:
        household = liaison["households"]["1栋"][0] if compound == "a" else liaison["b_households"][0]
    return services.matter_report(
        liaison[compound],
        category=liaison["categories"][category],
        description=kw.pop("description", "楼道里有人从窗户拉线给电动车充电"),
        household=household,
        reporter_name="陈阿姨",
        reporter_phone=kw.pop("phone", "13812345678"),
        now=timezone.now() - ago,
        **kw,
    )


def detail_url(matter, action=""):
    return reverse(f"liaison:matter_{action or 'detail'}", args=[matter.pk])


def listed(response) -> set[int]:
    return {int(pk) for pk in re.findall(r'data-matter="(\d+)"', response.content.decode())}


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.context["messages"]) if response.context else ""


# --- The queue ---------------------------------------------------------------------------------


def test_the_queue_shows_each_handler_the_matters_of_their_compounds_only(liaison):
    users = liaison["users"]
    a, b = report(liaison), report(liaison, compound="b")
    for name in ("committee", "chief", "group", "neighbour", "principal"):
        seen = listed(login(users[name]).get(LIST, {"type": "all"}))
        assert a.pk in seen and (b.pk in seen) == (name == "principal"), name
    assert listed(login(users["b_chief"]).get(LIST, {"type": "all"})) == {b.pk}
    response = login(users["secretary"]).get(LIST, {"type": "all"})
    assert response.status_code == 200 and listed(response) == set()
    for name in ("member", "teacher"):
        assert login(users[name]).get(LIST).status_code == 404


def test_the_queue_starts_with_the_unaccepted_tab_and_counts_each_kind(liaison):
    user = liaison["users"]["committee"]
    waiting = report(liaison)
    accepted = report(liaison, description="路灯坏了", category="lighting")
    services.matter_accept(accepted, user)
    closed = report(liaison, description="已经撤回的事")
    services.matter_set_state(closed, user, "withdrawn", note="居民撤回")
    response = login(user).get(LIST)
    html = response.content.decode()
    tabs = re.findall(r'data-tab="(\w+)"', html)
    assert tabs[0] == "reported"
    counts = dict(re.findall(r'data-count="(\w+)">(\d+)<', html))
    assert counts == {"reported": "1", "open": "2", "overdue": "0", "follow_up": "0", "fixed": "0", "closed": "1", "all": "3"}
    assert listed(response) == {waiting.pk, accepted.pk}  # open by default
    assert listed(login(user).get(LIST, {"state": "reported"})) == {waiting.pk}
    assert listed(login(user).get(LIST, {"type": "closed"})) == {closed.pk}
    assert listed(login(user).get(LIST, {"type": "all", "q": "路灯"})) == {accepted.pk}
    assert listed(login(user).get(LIST, {"type": "all", "category": liaison["categories"]["lighting"].pk})) == {accepted.pk}


def test_overdue_matters_are_filtered_and_badged(liaison):
    user = liaison["users"]["committee"]
    late = report(liaison, ago=timedelta(hours=13))  # e-bike charging: respond within 12 h
    fresh = report(liaison)
    response = login(user).get(LIST, {"overdue": "1"})
    assert listed(response) == {late.pk}
    assert "data-overdue" in response.content.decode()
    assert fresh.pk in listed(login(user).get(LIST))


def test_assigned_to_me_means_my_grid_roles(liaison):
    mine = report(liaison)  # building 1: 邻长 李 (the "neighbour" user)
    other = report(liaison, household=liaison["households"]["2栋"][0])  # nobody covers it: the 组长
    client = login(liaison["users"]["neighbour"])
    assert listed(client.get(LIST, {"mine": "1"})) == {mine.pk}
    assert listed(login(liaison["users"]["group"]).get(LIST, {"mine": "1"})) == {other.pk}


def test_the_follow_up_list_holds_fixes_a_week_old_without_an_answer(liaison):
    user = liaison["users"]["committee"]
    old, recent, answered = (report(liaison, description=f"第{i}件", phone="", ago=timedelta(days=10)) for i in range(3))
    now = timezone.now()
    services.matter_resolve(old, user, households_benefited=2, now=now - timedelta(days=8))
    services.matter_resolve(recent, user, households_benefited=2, now=now - timedelta(days=2))
    services.matter_resolve(answered, user, households_benefited=2, now=now - timedelta(days=9))
    services.matters_follow_up(now=now - timedelta(hours=1))
    services.matter_follow_up_answer(answered, stayed_fixed=True)
    assert listed(login(user).get(LIST, {"follow_up": "1"})) == {old.pk}


def test_the_queue_keeps_to_a_query_budget_whatever_the_number_of_matters(liaison, django_assert_max_num_queries):
    client = login(liaison["users"]["committee"])
    for i in range(3):
        report(liaison, description=f"第{i}件", phone="")
    with django_assert_max_num_queries(12) as few:
        assert client.get(LIST, {"type": "all"}).status_code == 200
    group = liaison["roles"]["group"]
    for i in range(25):
        matter = report(liaison, description=f"又一件{i}", phone="", household=liaison["households"]["2栋"][i % 12])
        if i % 3 == 0:
            services.matter_assign(matter, None, party=liaison["parties"]["owners"])
        elif i % 3 == 1:
            services.matter_assign(matter, None, member=group.member)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(LIST, {"type": "all"}).status_code == 200


# --- One matter --------------------------------------------------------------------------------


def test_a_matter_of_another_compound_is_not_found(liaison):
    matter = report(liaison)
    users = liaison["users"]
    assert login(users["committee"]).get(detail_url(matter)).status_code == 200
    for name in ("b_chief", "secretary", "member", "teacher"):
        assert login(users[name]).get(detail_url(matter)).status_code == 404, name
        assert login(users[name]).post(detail_url(matter, "accept")).status_code == 404, name
    matter.refresh_from_db()
    assert matter.state == "reported"


def test_the_detail_shows_the_reporter_with_a_masked_phone_and_the_whole_timeline(liaison):
    matter = report(liaison)
    services.matter_accept(matter, liaison["users"]["neighbour"], note="已核实")
    services.matter_note(matter, liaison["users"]["neighbour"], "内部：物业电话已打过", public=False)
    html = login(liaison["users"]["committee"]).get(detail_url(matter)).content.decode()
    assert "陈阿姨" in html and "138****5678" in html and "13812345678" not in html
    kinds = re.findall(r'data-kind="(\w+)" data-public="(\d)"', html)
    assert kinds == [("reported", "1"), ("accepted", "1"), ("note", "0")]
    assert "内部：物业电话已打过" in html


def test_revealing_the_reporters_phone_is_audited(liaison):
    matter = report(liaison)
    client = login(liaison["users"]["neighbour"])
    response = client.post(detail_url(matter, "reveal"), HTTP_HX_REQUEST="true")
    assert "13812345678" in response.content.decode()
    event = AuditEvent.objects.get()
    assert (event.action, event.object_type, event.object_id, event.actor) == (
        "reveal",
        "matter",
        str(matter.pk),
        liaison["users"]["neighbour"],
    )
    assert login(liaison["users"]["b_chief"]).post(detail_url(matter, "reveal")).status_code == 404
    assert AuditEvent.objects.count() == 1


def test_accepting_from_the_page(liaison):
    matter = report(liaison)
    response = login(liaison["users"]["neighbour"]).post(detail_url(matter, "accept"), {"note": "已到现场核实"}, follow=True)
    matter.refresh_from_db()
    assert matter.state == "accepted" and "已受理" in messages_of(response)
    assert matter.updates.last().note == "已到现场核实"


def test_accepting_twice_shows_the_reason_and_changes_nothing(liaison):
    matter = report(liaison)
    client = login(liaison["users"]["neighbour"])
    client.post(detail_url(matter, "accept"))
    response = client.post(detail_url(matter, "accept"))
    assert response.status_code == 422 and "事项已受理过了" in messages_of(response)
    assert matter.updates.filter(kind="accepted").count() == 1


def test_assigning_to_the_property_company(liaison):
    matter = report(liaison)
    party = liaison["parties"]["property"]
    client = login(liaison["users"]["group"])
    client.post(detail_url(matter, "assign"), {"target": f"party:{party.pk}", "note": "请物业加装充电桩"})
    matter.refresh_from_db()
    assert matter.state == "assigned" and matter.assigned_party == party
    assert "青山苑物业服务中心" in matter.updates.last().note
    html = client.get(detail_url(matter)).content.decode()
    assert re.search(r'id="assignee">物业 青山苑物业服务中心<', html)


def test_assigning_to_a_member_or_grid_role_of_the_compound(liaison):
    matter = report(liaison)
    client = login(liaison["users"]["committee"])
    member = liaison["members"]["c1_1"][1]
    client.post(detail_url(matter, "assign"), {"target": f"member:{member.pk}"})
    matter.refresh_from_db()
    assert matter.assigned_member == member
    client.post(detail_url(matter, "assign"), {"target": f"role:{liaison['roles']['chief'].pk}"})
    matter.refresh_from_db()
    assert matter.assigned_role == liaison["roles"]["chief"] and matter.assigned_member is None and matter.level == "area"


def test_assigning_to_another_compounds_role_or_an_unknown_member_is_refused(liaison):
    matter = report(liaison)
    client = login(liaison["users"]["committee"])
    outsider = liaison["members"]["c2_1"][0]  # not under 青山苑's community
    for target in (f"role:{liaison['roles']['b_chief'].pk}", f"member:{outsider.pk}", "party:x", ""):
        response = client.post(detail_url(matter, "assign"), {"target": target})
        assert response.status_code == 422 and "请选择一个承办对象" in messages_of(response)
    matter.refresh_from_db()
    assert matter.state == "reported" and matter.updates.count() == 1


def test_changing_state_with_a_canned_reply(liaison):
    matter = report(liaison)
    client = login(liaison["users"]["neighbour"])
    committee = liaison["tree"]["WY"]
    own = CannedReply.objects.create(
        working_committee=committee,
        state="in_progress",
        category=liaison["categories"]["e_bike_charging"],
        title="安排电工",
        text="已联系电工上门。",
    )
    CannedReply.objects.create(
        working_committee=committee, state="in_progress", category=liaison["categories"]["noise"], title="噪音", text="别的类别"
    )
    html = client.get(detail_url(matter)).content.decode()
    canned = json.loads(re.search(r'<script id="canned-replies" type="application/json">(.*?)</script>', html, re.S).group(1))
    titles = [(c["state_id"], c["title"]) for c in canned]
    assert ("in_progress", own.title) in titles and ("in_progress", "现场查看") in titles and ("in_progress", "噪音") not in titles
    client.post(detail_url(matter, "state"), {"state": "in_progress", "note": own.text, "public": "on"})
    matter.refresh_from_db()
    update = matter.updates.last()
    assert matter.state == "in_progress" and (update.note, update.public, update.from_state) == (own.text, True, "reported")


def test_closing_without_a_reason_shows_the_message_and_keeps_the_matter_open(liaison):
    matter = report(liaison)
    response = login(liaison["users"]["neighbour"]).post(detail_url(matter, "state"), {"state": "not_responsible", "note": " "})
    assert response.status_code == 422 and "关闭事项须说明原因" in messages_of(response)
    matter.refresh_from_db()
    assert matter.state == "reported" and matter.updates.count() == 1
    response = login(liaison["users"]["neighbour"]).post(detail_url(matter, "state"), {"state": "resolved", "note": "x"})
    assert response.status_code == 422  # resolving has its own form


def test_resolving_with_a_photo_and_the_photo_is_for_handlers_only(liaison, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    matter = report(liaison)
    client = login(liaison["users"]["group"])
    response = client.post(
        detail_url(matter, "resolve"),
        {"households_benefited": "6", "note": "加装充电桩 2 处", "photos": [SimpleUploadedFile("done.png", PNG, "image/png")]},
        follow=True,
    )
    matter.refresh_from_db()
    assert (matter.state, matter.households_benefited) == ("resolved", 6)
    assert "已记录解决情况" in messages_of(response)
    photo = matter.photos.get()
    assert photo.stage == MatterPhoto.Stage.RESOLUTION
    html = response.content.decode()
    assert reverse("liaison:matter_photo", args=[matter.pk, photo.pk]) in html and "尚未确认" in html
    url = reverse("liaison:matter_photo", args=[matter.pk, photo.pk])
    got = client.get(url)
    assert got.status_code == 200 and got["Content-Type"] == "image/png" and b"".join(got.streaming_content) == PNG
    assert login(liaison["users"]["b_chief"]).get(url).status_code == 404
    other = report(liaison, compound="b")
    assert client.get(reverse("liaison:matter_photo", args=[other.pk, photo.pk])).status_code == 404


def test_a_bad_resolution_changes_nothing(liaison, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    matter = report(liaison)
    client = login(liaison["users"]["group"])
    response = client.post(detail_url(matter, "resolve"), {"households_benefited": "0", "note": "好了"})
    assert response.status_code == 422 and "受益户数" in messages_of(response)
    assert 'value="好了"' in response.content.decode() or "好了</textarea>" in response.content.decode()
    response = client.post(
        detail_url(matter, "resolve"), {"households_benefited": "3", "photos": [SimpleUploadedFile("a.gif", b"GIF89a....")]}
    )
    assert response.status_code == 422 and "第 1 张照片" in messages_of(response)
    matter.refresh_from_db()
    assert matter.state == "reported" and not MatterPhoto.objects.exists() and matter.updates.count() == 1


def test_merging_into_a_nearby_duplicate(liaison):
    first = report(liaison, ago=timedelta(days=2))
    second = report(liaison, household=liaison["households"]["1栋"][1])
    client = login(liaison["users"]["neighbour"])
    html = client.get(detail_url(second)).content.decode()
    assert f'data-merge-into="{first.pk}"' in html
    client.post(detail_url(second, "merge"), {"into": first.pk})
    second.refresh_from_db()
    assert (second.state, second.duplicate_of) == ("duplicate", first)
    assert f"合并了重复反映 #{second.pk}" in first.updates.last().note


def test_merging_into_a_matter_out_of_scope_is_refused(liaison):
    matter = report(liaison)
    elsewhere = report(liaison, compound="b")
    response = login(liaison["users"]["neighbour"]).post(detail_url(matter, "merge"), {"into": elsewhere.pk})
    assert response.status_code == 422 and f"找不到事项 #{elsewhere.pk}" in messages_of(response)
    response = login(liaison["users"]["principal"]).post(detail_url(matter, "merge"), {"into": elsewhere.pk})
    assert response.status_code == 422 and "只能合并同一小区的事项" in messages_of(response)
    matter.refresh_from_db()
    assert matter.state == "reported" and matter.duplicate_of is None


def test_the_follow_up_answer_is_shown(liaison):
    matter = report(liaison, ago=timedelta(days=10))
    services.matter_resolve(matter, liaison["users"]["group"], households_benefited=2, now=timezone.now() - timedelta(days=8))
    services.matter_confirm_fixed(matter)
    services.matters_follow_up()
    client = login(liaison["users"]["committee"])
    html = client.get(detail_url(matter)).content.decode()
    assert "已确认解决" in html and "居民尚未答复" in html
    services.matter_follow_up_answer(matter, stayed_fixed=True)
    assert "问题未再出现" in client.get(detail_url(matter)).content.decode()


def test_the_detail_keeps_to_a_query_budget_whatever_the_history(liaison, settings, tmp_path, django_assert_max_num_queries):
    settings.MEDIA_ROOT = tmp_path
    client = login(liaison["users"]["committee"])
    matter = report(liaison, photos=[SimpleUploadedFile("a.png", PNG)])
    with django_assert_max_num_queries(17) as few:
        assert client.get(detail_url(matter)).status_code == 200
    user = liaison["users"]["group"]
    for i in range(20):
        services.matter_note(matter, user, f"备注{i}", public=bool(i % 2))
        report(liaison, description=f"重复{i}", phone="", photos=[SimpleUploadedFile("b.png", PNG)])
    services.matter_assign(matter, user, member=liaison["roles"]["group"].member)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(detail_url(matter)).status_code == 200


# --- Recording on a resident's behalf ----------------------------------------------------------------


def record_data(liaison, **kw):
    return {
        "compound": liaison["a"].pk,
        "category": liaison["categories"]["lighting"].pk,
        "description": "3 栋门口路灯不亮",
        "household": liaison["households"]["1栋"][2].pk,
        "reporter_name": "刘大爷",
        "reporter_phone": "13900002222",
        **kw,
    }


def test_a_neighbour_leader_records_a_matter_that_is_accepted_at_once(liaison, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = login(liaison["users"]["neighbour"])
    page = client.get(NEW)
    assert page.status_code == 200 and "我联系的住户" in page.content.decode()  # one compound: no choosing
    data = record_data(liaison, photos=[SimpleUploadedFile("lamp.png", PNG)])
    response = client.post(NEW, data)
    matter = Matter.objects.get()
    assert response.status_code == 302 and response["Location"] == detail_url(matter)
    assert (matter.state, matter.source, matter.recorded_by) == ("accepted", "grid", liaison["users"]["neighbour"])
    assert matter.household == liaison["households"]["1栋"][2] and matter.building == liaison["buildings"][0]
    assert matter.photos.count() == 1 and matter.reporter_phone == "13900002222"


def test_recording_shows_recent_matters_first_and_can_merge_into_one(liaison):
    earlier = report(liaison, category="lighting", description="路灯不亮", ago=timedelta(days=3))
    client = login(liaison["users"]["neighbour"])
    snippet = client.get(NEW, {"compound": liaison["a"].pk, "category": liaison["categories"]["lighting"].pk}, HTTP_HX_REQUEST="true")
    assert f'value="{earlier.pk}"' in snippet.content.decode()
    response = client.post(NEW, record_data(liaison))
    assert response.status_code == 200 and f'value="{earlier.pk}"' in response.content.decode()
    assert Matter.objects.count() == 1  # nothing recorded until the leader has seen them
    response = client.post(NEW, record_data(liaison, dup_checked="1", merge_into=earlier.pk))
    new = Matter.objects.exclude(pk=earlier.pk).get()
    assert response["Location"] == detail_url(earlier)
    assert (new.state, new.duplicate_of) == ("duplicate", earlier)


def test_recording_refuses_bad_input_and_other_compounds(liaison):
    client = login(liaison["users"]["neighbour"])
    response = client.post(NEW, record_data(liaison, reporter_phone="12345"))
    assert response.status_code == 422 and "手机号码格式不对" in messages_of(response)
    response = client.post(NEW, record_data(liaison, household=liaison["b_households"][0].pk))
    assert response.status_code == 422
    assert client.post(NEW, record_data(liaison, compound=liaison["b"].pk)).status_code == 404
    assert not Matter.objects.exists() and not MatterUpdate.objects.exists()
    assert login(liaison["users"]["member"]).get(NEW).status_code == 404
    assert login(liaison["users"]["secretary"]).get(NEW).status_code == 404


def test_staff_over_several_compounds_choose_one_first(liaison):
    client = login(liaison["users"]["principal"])
    html = client.get(NEW).content.decode()
    assert "青山苑" in html and "赤岭小区" in html and 'name="description"' not in html
    assert 'name="description"' in client.get(NEW, {"compound": liaison["b"].pk}).content.decode()


def test_the_record_page_keeps_to_a_query_budget(liaison, django_assert_max_num_queries):
    client = login(liaison["users"]["neighbour"])
    for i in range(10):
        report(liaison, category="lighting", description=f"路灯{i}", phone="")
    with django_assert_max_num_queries(12):
        assert client.get(NEW).status_code == 200
    with django_assert_max_num_queries(14):
        response = client.post(NEW, record_data(liaison))
    assert response.status_code == 200 and len(re.findall(r'name="merge_into" value="\d+"', response.content.decode())) == 5


# --- Navigation --------------------------------------------------------------------------------


def test_the_liaison_menu_is_for_staff_and_grid_leaders(liaison):
    users = liaison["users"]
    for name in ("committee", "neighbour", "b_chief"):
        html = login(users[name]).get(reverse("home")).content.decode()
        assert 'data-nav-group="liaison"' in html and f'href="{LIST}"' in html, name
    for name in ("member", "teacher"):
        response = login(users[name]).get(reverse("home"))
        assert response.status_code == 200 and 'data-nav-group="liaison"' not in response.content.decode(), name
    # every page of the group is linked; the board also gets the Open311 keys and the settings
    board = login(users["principal"]).get(reverse("home")).content.decode()
    for name in ("liaison:matter_list", "grid:compound_list", "liaison_figures:figures", "open311_keys:keys"):
        assert f'href="{reverse(name)}"' in board, name
    committee = login(users["committee"]).get(reverse("home")).content.decode()
    assert f'href="{reverse("open311_keys:keys")}"' not in committee


def test_a_grid_leaders_home_page_says_what_waits_for_them(liaison):
    from datetime import timedelta

    from django.utils import timezone

    users, households = liaison["users"], liaison["households"]["1栋"]
    now = timezone.now()
    services.matter_report(
        liaison["a"], category=liaison["categories"]["lighting"], description="路灯不亮", household=households[0], now=now
    )
    late = services.matter_report(
        liaison["a"], category=liaison["categories"]["noise"], description="夜间施工", household=households[1], now=now - timedelta(days=5)
    )
    services.matter_accept(late, users["neighbour"], now=now - timedelta(days=5))
    html = login(users["neighbour"]).get(reverse("home")).content.decode()
    assert 'id="my-matters"' in html
    counts = dict(re.findall(r'data-matters="(\w+)">[^<]*<span class="badge text-bg-light">(\d+)</span>', html))
    assert counts == {"reported": "1", "mine": "2", "overdue": "1"}  # 李邻长 covers both households; the noise matter is 2 days late
    assert 'id="my-matters"' not in login(users["member"]).get(reverse("home")).content.decode()
    other = login(users["b_chief"]).get(reverse("home")).content.decode()  # 赤岭小区: nothing waits there
    assert dict(re.findall(r'data-matters="(\w+)">[^<]*<span class="badge text-bg-light">(\d+)</span>', other)) == {
        "reported": "0",
        "mine": "0",
        "overdue": "0",
    }


def test_a_member_the_select_does_not_list_is_found_by_name_and_assigned(liaison, monkeypatch):
    # a community of thousands: the select lists a page of members, the rest are found by name
    from dangxiao.liaison import views

    from .factories import make_member

    monkeypatch.setattr(views, "ASSIGN_MEMBERS_SHOWN", 2)
    matter = report(liaison)
    far = make_member(liaison["tree"]["C1-2"], name="赵志远")  # under 青山苑's community, sorted after 党员…
    outsider = make_member(liaison["tree"]["C2-1"], name="赵志强")  # another community
    client = login(liaison["users"]["committee"])
    html = client.get(detail_url(matter)).content.decode()
    assert len(re.findall(r'value="member:\d+"', html)) == 2 and "其他党员请按姓名查找" in html
    assert f'value="member:{far.pk}"' not in html
    search = reverse("liaison:matter_assign_members", args=[matter.pk])
    found = client.get(search, {"q": "赵志"}).content.decode()
    assert f'value="member:{far.pk}">赵志远<' in found and f"member:{outsider.pk}" not in found
    assert f"role:{liaison['roles']['chief'].pk}" in found  # the grid and the parties stay offered
    assert "没有姓名含“钱”的党员" in client.get(search, {"q": "钱"}).content.decode()
    response = client.post(detail_url(matter, "assign"), {"target": f"member:{far.pk}", "q": "赵志"})
    matter.refresh_from_db()
    assert response.status_code == 302 and matter.assigned_member == far
    response = client.post(detail_url(matter, "assign"), {"target": f"member:{outsider.pk}"})
    assert response.status_code == 422 and "请选择一个承办对象" in messages_of(response)


def test_the_member_search_is_for_handlers_of_the_matter_only(liaison):
    matter = report(liaison, compound="b")  # 赤岭小区, under C2
    search = reverse("liaison:matter_assign_members", args=[matter.pk])
    assert login(liaison["users"]["committee"]).get(search, {"q": "党员"}).status_code == 404  # C1's committee
    assert login(liaison["users"]["member"]).get(search, {"q": "党员"}).status_code == 404  # not a handler
