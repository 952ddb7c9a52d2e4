"""Open311 GeoReport v2: services, requests read and posted with a board-issued key, the GeoReport
error format, privacy of the reporter, and the board's keys page."""

from datetime import UTC, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from dangxiao.core.models import AuditEvent
from dangxiao.liaison import open311, services
from dangxiao.liaison.models import Matter, MatterCategory, Open311Client
from dangxiao.people.models import Organization
from dangxiao.school.models import School

from .conftest import login
from .factories import make_user

pytestmark = pytest.mark.django_db

SERVICE_FIELDS = {"service_code", "service_name", "description", "metadata", "type", "keywords", "group"}
REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}
REPORTER = {"name": "陈阿姨", "phone": "13812345678"}


@pytest.fixture
def keyed(liaison):
    """The 党工委 WY's school with a live key, and a matter of 青山苑 reported and accepted."""
    School.objects.create(name="文源街道党校", organization=liaison["tree"]["WY"])
    client, key = open311.client_issue(name="市民通", working_committee=liaison["tree"]["WY"], issued_by=liaison["users"]["principal"])
    return {**liaison, "client": client, "key": key}


def report(liaison, *, accept=True, category="e_bike_charging", description="3栋楼下有人飞线充电，联系陈阿姨 13812345678", now=None):
    matter = services.matter_report(
        liaison["a"],
        category=liaison["categories"][category],
        description=description,
        household=liaison["households"]["1栋"][0],
        reporter_name=REPORTER["name"],
        reporter_phone=REPORTER["phone"],
        location="3栋楼下",
        source=Matter.Source.GRID,  # no rate limit: many reports from one phone in these tests
        now=now,
    )
    if accept:
        services.matter_accept(matter, liaison["users"]["neighbour"], note="已受理，明天上门查看", now=now)
    return matter


def get(url, **params):
    return Client().get(url, params)


def post(data: dict, **extra):
    return Client().post("/open311/v2/requests.json", data, **extra)


def assert_error(response, status: int, text: str = ""):
    assert response.status_code == status, response.content
    body = response.json()
    assert isinstance(body, list) and set(body[0]) == {"code", "description"} and body[0]["code"] == status
    assert text in body[0]["description"]


# --- Services ----------------------------------------------------------------------------------


def test_services_are_the_active_categories_with_georeport_fields(liaison):
    MatterCategory.objects.filter(code="noise").update(active=False)
    body = get("/open311/v2/services.json").json()
    codes = [s["service_code"] for s in body]
    assert "e_bike_charging" in codes and "roads_ramps" in codes and "noise" not in codes
    charging = next(s for s in body if s["service_code"] == "e_bike_charging")
    assert set(charging) == SERVICE_FIELDS
    assert charging["service_name"] == "电动车充电" and charging["metadata"] is False and charging["type"] == "realtime"
    assert charging["group"] == "关键小事"


def test_service_definition_and_unknown_code(liaison):
    assert get("/open311/v2/services/lighting.json").json() == {"service_code": "lighting", "attributes": []}
    assert_error(get("/open311/v2/services/nope.json"), 404, "service_code")


def test_only_json_is_served(liaison):
    assert_error(get("/open311/v2/services.xml"), 400, "JSON")


# --- Requests: reading -------------------------------------------------------------------------


def test_an_accepted_matter_is_listed_with_georeport_fields_and_nothing_personal(keyed):
    matter = report(keyed)
    unaccepted = report(keyed, accept=False, category="lighting")
    response = get("/open311/v2/requests.json")
    body = response.json()
    assert [r["service_request_id"] for r in body] == [str(matter.pk)]
    item = body[0]
    assert set(item) == REQUEST_FIELDS
    assert item["status"] == "open" and item["status_notes"] == "已受理，明天上门查看"
    assert item["service_code"] == "e_bike_charging" and item["service_name"] == "电动车充电"
    assert item["agency_responsible"] == "青山苑 联户网格" and item["address"] == "青山苑 3栋楼下"
    assert item["address_id"] is None and item["zipcode"] is None and item["media_url"] is None
    assert item["lat"] == 28.165 and item["long"] == 112.978
    assert item["requested_datetime"].endswith("+08:00") and item["expected_datetime"].endswith("+08:00")
    text = response.content.decode()
    for secret in (REPORTER["name"], REPORTER["phone"], "1单元101", matter.token):
        assert secret not in text
    assert "138****5678" in item["description"]
    assert get(f"/open311/v2/requests/{unaccepted.pk}.json").status_code == 404


def test_fixed_and_closed_matters_are_closed_and_private_notes_stay_private(keyed):
    fixed = report(keyed)
    services.matter_resolve(fixed, keyed["users"]["group"], households_benefited=6, note="已安装充电桩")
    services.matter_note(fixed, keyed["users"]["group"], "陈阿姨说邻居有意见", public=False)
    leaked = report(keyed, category="repairs")
    services.matter_note(leaked, keyed["users"]["group"], "已电话联系陈阿姨 13812345678，明天维修", public=True)
    closed = report(keyed, category="noise")
    services.matter_set_state(closed, keyed["users"]["chief"], "not_responsible", note="已转交城管")
    by_id = {r["service_request_id"]: r for r in get("/open311/v2/requests.json").json()}
    assert by_id[str(fixed.pk)]["status"] == "closed" and by_id[str(fixed.pk)]["status_notes"] == "已安装充电桩"
    assert by_id[str(fixed.pk)]["expected_datetime"] is None
    assert by_id[str(closed.pk)]["status"] == "closed" and by_id[str(closed.pk)]["status_notes"] == "已转交城管"
    assert [r["service_request_id"] for r in get("/open311/v2/requests.json", status="open").json()] == [str(leaked.pk)]
    assert len(get("/open311/v2/requests.json", status="closed").json()) == 2
    note = by_id[str(leaked.pk)]["status_notes"]
    assert "138****5678" in note and REPORTER["name"] not in note and REPORTER["phone"] not in note


def test_filters_by_id_code_and_dates(keyed):
    now = timezone.now()
    old = report(keyed, category="lighting", now=now - timedelta(days=120))
    new = report(keyed)
    assert [r["service_request_id"] for r in get("/open311/v2/requests.json").json()] == [str(new.pk)]
    ids = get("/open311/v2/requests.json", service_request_id=f"{old.pk},{new.pk}").json()
    assert {r["service_request_id"] for r in ids} == {str(old.pk), str(new.pk)}
    start = (now - timedelta(days=130)).isoformat(timespec="seconds")
    end = (now - timedelta(days=100)).isoformat(timespec="seconds")
    ranged = get("/open311/v2/requests.json", start_date=start, end_date=end).json()
    assert [r["service_request_id"] for r in ranged] == [str(old.pk)]
    assert get("/open311/v2/requests.json", service_code="lighting").json() == []  # outside the default 90 days
    assert len(get("/open311/v2/requests.json", service_code="e_bike_charging,lighting", start_date=start).json()) == 2
    assert get("/open311/v2/requests.json", jurisdiction_id="WY").json()[0]["service_request_id"] == str(new.pk)
    day = timezone.localtime(new.created_at).date().isoformat()
    assert len(get("/open311/v2/requests.json", start_date=day, end_date=day).json()) == 1  # a bare date is the whole day
    utc = (now - timedelta(days=1)).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert len(get("/open311/v2/requests.json", start_date=utc).json()) == 1
    one = get(f"/open311/v2/requests/{new.pk}.json").json()
    assert len(one) == 1 and set(one[0]) == REQUEST_FIELDS


@pytest.mark.parametrize(
    ("params", "status", "text"),
    [
        ({"start_date": "yesterday"}, 400, "W3C"),
        ({"end_date": "2026-13-40"}, 400, "W3C"),
        ({"start_date": "2026-11-10", "end_date": "2026-11-01"}, 400, "start_date"),
        ({"status": "pending"}, 400, "status"),
        ({"service_code": "nope"}, 404, "nope"),
        ({"service_request_id": "abc"}, 400, "service_request_id"),
        ({"jurisdiction_id": "XX"}, 404, "jurisdiction_id"),
    ],
)
def test_bad_filters_get_the_georeport_error_format(keyed, params, status, text):
    assert_error(get("/open311/v2/requests.json", **params), status, text)


def test_unknown_request_is_404(keyed):
    assert_error(get("/open311/v2/requests/999999.json"), 404)
    assert_error(get("/open311/v2/requests/x1.json"), 404)


def test_request_list_keeps_to_a_query_budget(keyed, django_assert_max_num_queries):
    for _ in range(6):
        matter = report(keyed)
        services.matter_note(matter, keyed["users"]["neighbour"], "进展", public=True)
    with django_assert_max_num_queries(2):
        assert len(get("/open311/v2/requests.json").json()) == 6
    with django_assert_max_num_queries(2):
        assert len(get("/open311/v2/requests.json", service_code="e_bike_charging", status="open").json()) == 6


# --- Requests: posting -------------------------------------------------------------------------


def form(keyed, **fields) -> dict:
    data = {
        "api_key": keyed["key"],
        "service_code": "e_bike_charging",
        "lat": "28.1652",
        "long": "112.9783",
        "description": "2栋门口飞线充电",
        "first_name": "阿姨",
        "last_name": "陈",
        "phone": "13900001111",
        "email": "x@example.com",
    }
    data.update(fields)
    return {k: v for k, v in data.items() if v is not None}


def test_posting_with_a_key_reports_a_matter_in_the_nearest_compound(keyed):
    response = post(form(keyed, media_url="https://example.com/a.jpg"), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200, response.content
    body = response.json()
    assert len(body) == 1 and set(body[0]) == {"service_request_id", "service_notice", "account_id"}
    assert body[0]["account_id"] is None
    matter = Matter.objects.get(pk=int(body[0]["service_request_id"]))
    assert matter.compound == keyed["a"] and matter.source == Matter.Source.OPEN311 and matter.state == "reported"
    assert matter.reporter_name == "陈 阿姨" and matter.reporter_phone == "13900001111"
    assert matter.reporter_fingerprint == services.fingerprint("10.1.2.3")
    assert float(matter.latitude) == 28.1652
    private = matter.updates.get(kind="note")
    assert not private.public and "市民通" in private.note and "a.jpg" in private.note
    # Unconfirmed until a grid leader accepts it.
    assert_error(get(f"/open311/v2/requests/{matter.pk}.json"), 404)


def test_posting_json_and_choosing_the_compound_by_attribute_or_address(keyed):
    by_attr = Client().post(
        "/open311/v2/requests.json",
        {"api_key": keyed["key"], "service_code": "lighting", "description": "路灯不亮", "attribute": {"compound_id": keyed["b"].pk}},
        content_type="application/json",
    )
    assert by_attr.status_code == 200, by_attr.content
    assert Matter.objects.get(pk=by_attr.json()[0]["service_request_id"]).compound == keyed["b"]
    by_form_attr = post(form(keyed, lat=None, long=None, **{"attribute[compound_id]": str(keyed["b"].pk)}))
    assert Matter.objects.get(pk=by_form_attr.json()[0]["service_request_id"]).compound == keyed["b"]
    by_address = post(form(keyed, lat=None, long=None, address_string="赤岭小区 3号门岗旁"))
    matter = Matter.objects.get(pk=by_address.json()[0]["service_request_id"])
    assert matter.compound == keyed["b"] and matter.location == "3号门岗旁"


@pytest.mark.parametrize("key", [None, "", "wrong-key-123"])
def test_posting_without_a_valid_key_is_403_and_saves_nothing(keyed, key):
    assert_error(post(form(keyed, api_key=key)), 403, "密钥")
    assert not Matter.objects.exists()


def test_a_revoked_key_is_refused(keyed):
    open311.client_revoke(keyed["client"])
    assert_error(post(form(keyed)), 403)
    assert not Matter.objects.exists()


@pytest.mark.parametrize(
    ("fields", "status", "text"),
    [
        ({"service_code": "nope"}, 404, "service_code"),
        ({"service_code": ""}, 400, "service_code"),
        ({"lat": None, "long": None}, 400, "缺少位置"),
        ({"lat": "28.30", "long": "113.20"}, 400, "公里"),
        ({"lat": "abc"}, 400, "lat/long"),
        ({"lat": None, "long": None, "address_string": "某某花园"}, 400, "小区名称"),
        ({"lat": None, "long": None, "attribute[compound_id]": "999999"}, 404, "compound_id"),
        ({"description": " "}, 400, "请描述"),
        ({"phone": "12345"}, 400, "手机号码"),
        ({"jurisdiction_id": "DT"}, 404, "jurisdiction_id"),
    ],
)
def test_bad_posts_get_the_georeport_error_format_and_save_nothing(keyed, fields, status, text):
    assert_error(post(form(keyed, **fields)), status, text)
    assert not Matter.objects.exists()


def test_a_compound_outside_the_keys_working_committee_is_not_found(keyed):
    K, U = Organization.Kind, Organization.UnitType
    other = Organization.objects.add_root(
        instance=Organization(name="东塘街道党工委", code="DT", kind=K.WORKING_COMMITTEE, unit_type=U.SUB_DISTRICT)
    )
    _client, key = open311.client_issue(name="东塘", working_committee=other, issued_by=None)
    assert_error(post(form(keyed, api_key=key)), 400, "公里")
    assert_error(post(form(keyed, api_key=key, lat=None, long=None, **{"attribute[compound_id]": str(keyed["a"].pk)})), 404)
    assert not Matter.objects.exists()


def test_the_rate_limit_applies_per_address(keyed):
    for _ in range(services.LIMITS["address_hour"]):
        assert post(form(keyed, phone=""), REMOTE_ADDR="10.9.9.9").status_code == 200
    assert_error(post(form(keyed, phone=""), REMOTE_ADDR="10.9.9.9"), 429, "频繁")
    assert Matter.objects.count() == services.LIMITS["address_hour"]
    assert post(form(keyed, phone=""), REMOTE_ADDR="10.9.9.10").status_code == 200


# --- The board's keys page ---------------------------------------------------------------------


@pytest.mark.parametrize("who", ["secretary", "committee", "member", "teacher", "chief", "neighbour"])
def test_the_keys_page_is_for_the_board_only(keyed, who):
    client = login(keyed["users"][who])
    assert client.get("/liaison/open311/keys/").status_code == 404
    assert client.post("/liaison/open311/keys/", {"name": "x"}).status_code == 404
    assert client.post(f"/liaison/open311/keys/{keyed['client'].pk}/revoke/").status_code == 404
    assert Open311Client.objects.count() == 1 and Open311Client.objects.get().revoked_at is None


def test_a_key_is_shown_once_and_only_its_hash_is_kept(keyed, django_assert_max_num_queries):
    client = login(keyed["users"]["principal"])
    response = client.post("/liaison/open311/keys/", {"name": "12345 热线"})
    assert response.status_code == 200
    issued = Open311Client.objects.get(name="12345 热线")
    key = response.context["new_key"]
    assert key and key in response.content.decode() and issued.key_hash == open311.key_hash(key) and key.startswith(issued.key_prefix)
    assert key not in str(Open311Client.objects.filter(pk=issued.pk).values().get())
    assert issued.working_committee == keyed["tree"]["WY"] and issued.issued_by == keyed["users"]["principal"]
    assert AuditEvent.objects.filter(action="open311_issue", object_id=str(issued.pk)).exists()
    with django_assert_max_num_queries(12):
        page = client.get("/liaison/open311/keys/")
    text = page.content.decode()
    assert key not in text and issued.key_prefix in text and "市民通" in text
    # The new key works, until it is revoked.
    assert post(form(keyed, api_key=key)).status_code == 200
    assert client.post(f"/liaison/open311/keys/{issued.pk}/revoke/").status_code == 302
    assert AuditEvent.objects.filter(action="open311_revoke", object_id=str(issued.pk)).exists()
    assert_error(post(form(keyed, api_key=key)), 403)


def test_issuing_without_a_name_is_refused(keyed):
    response = login(keyed["users"]["principal"]).post("/liaison/open311/keys/", {"name": " "}, follow=True)
    assert "请填写应用名称" in response.content.decode() and Open311Client.objects.count() == 1


def test_a_board_member_of_another_school_cannot_revoke_our_key(keyed):
    K, U = Organization.Kind, Organization.UnitType
    other = Organization.objects.add_root(
        instance=Organization(name="东塘街道党工委", code="DT", kind=K.WORKING_COMMITTEE, unit_type=U.SUB_DISTRICT)
    )
    School.objects.create(name="东塘街道党校", organization=other)
    outsider = login(make_user("dt_principal", role="principal", org=other))
    assert "市民通" not in outsider.get("/liaison/open311/keys/").content.decode()
    assert outsider.post(f"/liaison/open311/keys/{keyed['client'].pk}/revoke/").status_code == 404
    assert Open311Client.objects.get().revoked_at is None
