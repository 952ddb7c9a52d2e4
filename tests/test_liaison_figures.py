"""The liaison figures (issue 5, point 6) and the board's liaison settings (categories, state labels,
canned replies): what a user reads, who may read it, and bad input refused with nothing changed."""

from datetime import date, datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from dangxiao.liaison import services, settings_services
from dangxiao.liaison.figures import FigureFilters, Period, liaison_figures, percentile
from dangxiao.liaison.models import CannedReply, Matter, MatterCategory, MatterState

from .conftest import login

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
H = timedelta(hours=1)


def report(liaison, category="e_bike_charging", *, compound="a", household=None, at=T0, description="楼道飞线充电"):
    return services.matter_report(
        liaison[compound],
        category=liaison["categories"][category],
        description=description,
        household=household,
        source=Matter.Source.GRID,
        now=at,
    )


@pytest.fixture
def history(liaison):
    """青山苑: three fixes with known timings, one closed, one waiting past its response deadline, one
    accepted past its resolution deadline; 赤岭小区: one fix. `now` is three days after T0."""
    users, households = liaison["users"], liaison["households"]["1栋"]
    group, chief = users["group"], users["chief"]

    m1 = report(liaison, household=households[0])  # 邻长 李 covers it
    services.matter_accept(m1, users["neighbour"], now=T0 + 2 * H)
    services.matter_resolve(m1, group, households_benefited=6, now=T0 + 24 * H)

    m2 = report(liaison, household=households[1], at=T0 + H)
    services.matter_accept(m2, users["neighbour"], now=T0 + 5 * H)
    services.matter_resolve(m2, group, households_benefited=10, now=T0 + 49 * H)

    m3 = report(liaison, "lighting", at=T0 + 2 * H)  # nobody covers it: the 组长
    services.matter_accept(m3, group, now=T0 + 8 * H)
    services.matter_resolve(m3, group, households_benefited=4, now=T0 + 74 * H)

    m4 = report(liaison, "sanitation")
    services.matter_accept(m4, chief, now=T0 + 8 * H)
    services.matter_set_state(m4, chief, "not_responsible", note="属市政道路", now=T0 + 9 * H)

    m5 = report(liaison, "roads_ramps", description="单元门口台阶太高")  # respond within 48 h: late at +72 h
    m6 = report(liaison, "noise", at=T0 - 2 * H)  # resolve within 3 days
    services.matter_accept(m6, chief, now=T0)

    b1 = report(liaison, "lighting", compound="b", description="路灯不亮")
    services.matter_accept(b1, users["b_chief"], now=T0 + H)
    services.matter_resolve(b1, users["b_chief"], households_benefited=30, now=T0 + 10 * H)
    return {**liaison, "m": [m1, m2, m3, m4, m5, m6], "b1": b1, "now": T0 + 72 * H + H}


def figures_for(user, now, **kw):
    return liaison_figures(user, FigureFilters(**kw), now=now)


def test_percentile_interpolates_between_ranks():
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.9) == 7.0
    assert percentile([2, 4, 6, 8], 0.5) == 5
    assert percentile([2, 4, 6, 8], 0.9) == pytest.approx(7.4)


def test_the_committee_reads_the_figures_of_its_compound(history):
    fig = figures_for(history["users"]["committee"], history["now"])
    assert fig.total == 6
    states = {code: count for code, _label, _type, count in fig.by_state}
    assert states == {
        "reported": 1,
        "accepted": 1,
        "assigned": 0,
        "in_progress": 0,
        "resolved": 3,
        "not_responsible": 1,
        "duplicate": 0,
        "withdrawn": 0,
    }
    assert fig.by_type == {"open": 2, "fixed": 3, "closed": 1}
    cats = {row.code: (row.total, row.open, row.resolved, row.closed, row.households) for row in fig.by_category}
    assert cats == {
        "e_bike_charging": (2, 0, 2, 0, 16),
        "lighting": (1, 0, 1, 0, 4),
        "sanitation": (1, 0, 0, 1, 0),
        "roads_ramps": (1, 1, 0, 0, 0),
        "noise": (1, 1, 0, 0, 0),
    }
    # respond: 2, 4, 6, 8 (m4) and 2 (m6) hours; resolve: 24, 48, 72 hours
    assert (fig.respond.count, fig.respond.median, fig.respond.p90) == (5, 4.0, 7.2)
    assert (fig.resolve.count, fig.resolve.median, fig.resolve.p90) == (3, 48.0, 67.2)
    bike = next(r for r in fig.by_category if r.code == "e_bike_charging")
    assert (bike.respond.median, bike.respond.p90, bike.resolve.median, bike.resolve.p90) == (3.0, 3.8, 36.0, 45.6)
    assert fig.households == 20
    assert [(r.name, r.total, r.open, r.resolved, r.closed, r.overdue, r.households) for r in fig.by_compound] == [
        ("青山苑", 6, 2, 3, 1, 2, 20)
    ]


def test_matters_recorded_by_a_handler_do_not_count_towards_the_response_time(history):
    services.matter_report(
        history["a"],
        category=history["categories"]["lighting"],
        description="邻长代登记：路灯不亮",
        source=Matter.Source.GRID,
        recorded_by=history["users"]["neighbour"],
        now=T0 + 3 * H,
    )
    fig = figures_for(history["users"]["committee"], history["now"])
    assert fig.total == 7 and (fig.respond.count, fig.respond.median) == (5, 4.0)  # accepted at once, not a 0-hour response


def test_overdue_lists_open_matters_past_either_deadline_now(history):
    m5, m6 = history["m"][4], history["m"][5]
    user = history["users"]["committee"]
    assert [m.pk for m in figures_for(user, T0 + 47 * H).overdue] == []
    fig = figures_for(user, history["now"])
    # most overdue first: m5's response was due at T0 + 48 h, m6's fix 3 days after its report
    assert [m.pk for m in fig.overdue] == [m5.pk, m6.pk]
    assert fig.overdue[0].deadline == T0 + 48 * H and fig.overdue[0].late_hours == 25.0
    assert fig.overdue[1].deadline == T0 + 70 * H
    # the period does not hide what is overdue now
    assert [m.pk for m in figures_for(user, history["now"], period=Period.year(2025)).overdue] == [m5.pk, m6.pk]


def test_top_resolvers_are_the_members_and_grid_leaders_who_fixed_most(history):
    fig = figures_for(history["users"]["principal"], history["now"])
    leader = history["roles"]["group"].member.name
    assert fig.top_members == [(leader, 3, 20)]  # the 组长 resolved all three in 青山苑; 赵片长 is no member
    assert fig.top_roles == [
        ("邻长 李邻长", "青山苑", 2, 16),
        ("片长 赵片长", "赤岭小区", 1, 30),
        ("组长 " + leader, "青山苑", 1, 4),
    ]


def test_resolved_per_month_runs_through_the_period_with_zeros(history):
    user = history["users"]["committee"]
    old = report(history, "repairs", at=datetime(2026, 1, 20, 10, 0, tzinfo=SHANGHAI))
    services.matter_resolve(old, user, households_benefited=2, now=datetime(2026, 1, 25, 10, 0, tzinfo=SHANGHAI))
    fig = figures_for(user, history["now"], period=Period.year(2026))
    assert fig.months == [("2026-01", 1, 1), ("2026-02", 0, 0), ("2026-03", 6, 3)]
    fig = figures_for(user, history["now"], period=Period(date(2026, 3, 1), date(2026, 3, 31)))
    assert fig.total == 6 and fig.months == [("2026-03", 6, 3)]
    assert figures_for(user, history["now"], period=Period.year(2025)).total == 0


def test_follow_up_outcomes_count_confirmations_and_answers(history):
    m1, m2, m3 = history["m"][:3]
    services.matter_confirm_fixed(m1, now=T0 + 30 * H)
    assert services.matters_follow_up(now=T0 + timedelta(days=11)) == 4  # 赤岭小区's fix too
    services.matter_follow_up_answer(m1, stayed_fixed=True, now=T0 + timedelta(days=12))
    services.matter_follow_up_answer(m2, stayed_fixed=False, note="又有人拉线", now=T0 + timedelta(days=12))
    fig = figures_for(history["users"]["committee"], T0 + timedelta(days=13))
    assert fig.follow_up == {"confirmed": 1, "asked": 3, "answered": 2, "stayed_fixed": 1, "came_back": 1}
    assert fig.by_type["fixed"] == 2 and fig.households == 10  # m2 is open again
    assert m3.pk not in {m.pk for m in fig.overdue}


def test_each_user_reads_only_their_compounds(history):
    users = history["users"]
    assert [r.name for r in figures_for(users["b_chief"], history["now"]).by_compound] == ["赤岭小区"]
    b = figures_for(users["b_chief"], history["now"])
    assert (b.total, b.households, b.overdue) == (1, 30, [])
    assert figures_for(users["chief"], history["now"]).total == 6
    secretary = figures_for(users["secretary"], history["now"])
    assert (secretary.total, secretary.by_compound, secretary.overdue) == (0, [], [])
    everyone = figures_for(users["principal"], history["now"])
    assert (everyone.total, everyone.households) == (7, 50)
    only_b = figures_for(users["principal"], history["now"], compound_id=history["b"].pk)
    assert (only_b.total, [r.name for r in only_b.by_compound]) == (1, ["赤岭小区"])
    by_community = figures_for(users["principal"], history["now"], community_id=history["tree"]["C1"].pk)
    assert by_community.total == 6


# --- The page -----------------------------------------------------------------------------------


def test_the_figures_page_shows_the_committees_compound(history):
    response = login(history["users"]["committee"]).get(reverse("liaison_figures:figures"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "青山苑" in body and "赤岭小区" not in body
    assert 'data-stat="households">20<' in body
    assert "vendor/echarts/dist/echarts.min.js" in body and 'id="figures-data"' in body
    charts = response.context["charts"]
    assert charts["resolved"][-1] == 3 and charts["months"][-1] == "2026-03"
    m5 = history["m"][4]  # still waiting for acceptance: overdue today, linked to its page
    assert f'href="{reverse("liaison:matter_detail", args=[m5.pk])}"' in body


def test_the_page_filters_by_year_and_compound(history):
    client = login(history["users"]["principal"])
    response = client.get(reverse("liaison_figures:figures"), {"year": 2026, "compound": history["b"].pk})
    assert response.context["figures"].total == 1
    response = client.get(reverse("liaison_figures:figures"), {"year": 2025})
    assert response.context["figures"].total == 0


def test_a_compound_out_of_scope_is_404(history):
    client = login(history["users"]["committee"])
    assert client.get(reverse("liaison_figures:figures"), {"compound": history["b"].pk}).status_code == 404
    assert client.get(reverse("liaison_figures:figures"), {"compound": "x"}).status_code == 404
    assert client.get(reverse("liaison_figures:figures_export"), {"compound": history["b"].pk}).status_code == 404


def test_staff_without_compounds_get_an_empty_page_and_others_404(history):
    users = history["users"]
    response = login(users["secretary"]).get(reverse("liaison_figures:figures"))
    assert response.status_code == 200 and response.context["figures"].total == 0
    assert "您负责的范围内还没有小区" in response.content.decode()
    for name in ("member", "teacher"):
        assert login(users[name]).get(reverse("liaison_figures:figures")).status_code == 404
        assert login(users[name]).get(reverse("liaison_figures:figures_export")).status_code == 404
    response = login(users["b_chief"]).get(reverse("liaison_figures:figures"))
    assert response.status_code == 200 and [r.name for r in response.context["figures"].by_compound] == ["赤岭小区"]


def test_the_export_holds_the_per_compound_table(history):
    response = login(history["users"]["principal"]).get(reverse("liaison_figures:figures_export"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("小区", "所属社区", "反映总数", "办理中", "已解决", "已关闭", "当前逾期", "受益户数")
    by_name = {r[0]: r[2:] for r in rows[1:]}
    assert by_name["赤岭小区"] == (1, 0, 1, 0, 0, 30)
    assert by_name["合计"][0] == 7 and by_name["合计"][-1] == 50
    assert not any("陈" in str(v) or "138" in str(v) for r in rows for v in r)  # nothing personal


def _page_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_the_page_costs_the_same_queries_for_more_matters(history):
    client = login(history["users"]["principal"])
    url = reverse("liaison_figures:figures")
    few = _page_queries(client, url)
    now = timezone.now()
    households = history["households"]["1栋"]
    for i in range(12):
        m = report(history, ["lighting", "repairs", "e_bike_charging"][i % 3], household=households[i % 12], at=now - timedelta(days=i + 5))
        if i % 2:
            services.matter_resolve(m, history["users"]["group"], households_benefited=i, now=now - timedelta(days=i + 4))
        services.matters_follow_up(now=now)
    assert _page_queries(client, url) == few
    assert few <= 13  # session, user, scope (3), compounds, labels, categories, matters, overdue, names (2), follow-ups
    export = reverse("liaison_figures:figures_export")
    assert _page_queries(client, export) == few


# --- Settings -----------------------------------------------------------------------------------


def _settings_data(client) -> dict:
    """The settings form as the page renders it, ready to post back."""
    context = client.get(reverse("liaison_figures:settings")).context
    data = {}
    for name in ("categories", "states", "replies"):
        formset = context[name]
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
        for form in formset.forms:
            for field in form:
                value = field.value()
                if field.name == "DELETE" or (field.name == "active" and not value):
                    continue
                if field.name == "active":
                    value = "on"
                data[field.html_name] = "" if value is None else value
    return data


def test_settings_are_for_the_board_only(liaison):
    users = liaison["users"]
    for name in ("committee", "secretary", "chief", "member", "b_chief"):
        assert login(users[name]).get(reverse("liaison_figures:settings")).status_code == 404
    response = login(users["principal"]).get(reverse("liaison_figures:settings"))
    assert response.status_code == 200 and "电动车充电" in response.content.decode()


def test_the_board_edits_categories_labels_and_replies(liaison):
    client = login(liaison["users"]["principal"])
    data = _settings_data(client)
    data["categories-0-respond_hours"] = "6"  # e_bike_charging
    data["categories-0-name"] = "飞线充电"
    n = int(data["categories-TOTAL_FORMS"]) - 1  # the empty row for a new category
    data.update({f"categories-{n}-code": "parking", f"categories-{n}-name": "停车", f"categories-{n}-respond_hours": "24"})
    data.update({f"categories-{n}-resolve_days": "5", f"categories-{n}-order": "9", f"categories-{n}-active": "on"})
    data["states-0-label"] = "待核实"
    r = int(data["replies-TOTAL_FORMS"]) - 1
    data.update({f"replies-{r}-state": "in_progress", f"replies-{r}-title": "已联系物业", f"replies-{r}-text": "已联系物业上门处理。"})
    data["replies-0-DELETE"] = "on"
    first_reply = settings_services.replies_for_settings(liaison["tree"]["WY"]).first()
    response = client.post(reverse("liaison_figures:settings"), data)
    assert response.status_code == 302
    bike = MatterCategory.objects.get(code="e_bike_charging")
    assert (bike.name, bike.respond_hours) == ("飞线充电", 6)
    parking = MatterCategory.objects.get(code="parking")
    assert (parking.name, parking.resolve_days, parking.active) == ("停车", 5, True)
    assert MatterState.objects.get(code="reported").label == "待核实"
    assert CannedReply.objects.filter(title="已联系物业", state="in_progress", working_committee=liaison["tree"]["WY"]).exists()
    assert not CannedReply.objects.filter(pk=first_reply.pk).exists()


def _snapshot():
    return (
        list(MatterCategory.objects.order_by("pk").values_list()),
        list(MatterState.objects.order_by("pk").values_list()),
        list(CannedReply.objects.order_by("pk").values_list()),
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"categories-0-respond_hours": "-3"}, "响应时限须为 1 至 720 小时"),
        ({"categories-1-resolve_days": "0"}, "办结时限须为 1 至 365 天"),
        ({"categories-0-code": "lighting"}, "类别代码“lighting”重复"),
        ({"NEW-code": "noise", "NEW-name": "噪音2"}, "类别代码“noise”重复"),
        ({"NEW-code": "Bad Code", "NEW-name": "坏代码"}, "代码只能用小写字母"),
        ({"states-1-label": "待受理"}, "状态名称不能重复"),
        ({"states-2-label": " "}, "请填写状态名称"),
        ({"replies-0-title": ""}, "请填写回复标题"),
    ],
)
def test_bad_settings_are_refused_with_a_message_and_nothing_changes(liaison, change, message):
    client = login(liaison["users"]["principal"])
    data = _settings_data(client)
    # a good edit alongside the bad one must not be saved either
    data["states-4-label"] = "已办结"
    data["categories-2-name"] = "路灯照明"
    n = int(data["categories-TOTAL_FORMS"]) - 1
    for key, value in change.items():
        data[key.replace("NEW", f"categories-{n}")] = value
    before = _snapshot()
    response = client.post(reverse("liaison_figures:settings"), data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert _snapshot() == before


def test_a_category_code_cannot_change_once_matters_use_it(liaison):
    report(liaison)  # an e_bike_charging matter
    client = login(liaison["users"]["principal"])
    data = _settings_data(client)
    assert "categories-0-code" not in data or data["categories-0-code"] == "e_bike_charging"
    data["categories-0-code"] = "charging"  # a forged post: the field is disabled
    data["categories-1-code"] = "roads"  # no matters yet: may change
    assert client.post(reverse("liaison_figures:settings"), data).status_code == 302
    assert MatterCategory.objects.filter(code="e_bike_charging").exists() and not MatterCategory.objects.filter(code="charging").exists()
    assert MatterCategory.objects.filter(code="roads").exists()


def test_the_settings_page_costs_few_queries(liaison):
    client = login(liaison["users"]["principal"])
    url = reverse("liaison_figures:settings")
    first = _page_queries(client, url)
    for i in range(5):
        CannedReply.objects.create(working_committee=liaison["tree"]["WY"], state="accepted", title=f"回复{i}", text="内容")
    assert _page_queries(client, url) == first


def test_a_matter_reported_while_the_board_edits_still_locks_the_code(liaison):
    """The form read no matters, one arrived before the save: the service refuses and saves nothing."""
    from dangxiao.liaison.figures_forms import CannedReplyFormSet, CategoryFormSet, StateFormSet

    client = login(liaison["users"]["principal"])
    data = _settings_data(client)
    data["categories-0-code"] = "charging"
    data["states-0-label"] = "待核实"
    committee = liaison["tree"]["WY"]
    stale = MatterCategory.objects.filter(working_committee=committee).order_by("order", "code")  # no matter_count: the form sees none
    categories = CategoryFormSet(data, queryset=stale, prefix="categories", committee=committee)
    states = StateFormSet(data, queryset=settings_services.states_for_settings(committee), prefix="states")
    state_list, category_list = list(states.queryset), list(stale)
    replies = CannedReplyFormSet(
        data,
        queryset=settings_services.replies_for_settings(committee),
        prefix="replies",
        form_kwargs={"states": state_list, "categories": category_list, "committee": committee},
    )
    assert categories.is_valid() and states.is_valid() and replies.is_valid()
    report(liaison)  # an e_bike_charging matter arrives
    before = _snapshot()
    with pytest.raises(settings_services.SettingsError, match="e_bike_charging”已有事项"):
        settings_services.settings_save(committee, categories=categories, states=states, replies=replies)
    assert _snapshot() == before
