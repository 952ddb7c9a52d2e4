"""Open311 GeoReport v2: services, requests read and posted with a board-issued key, the GeoReport
error format, privacy of the reporter, and the board's keys page."""

from datetime import UTC, timedelta
from xml.etree import ElementTree

import pytest
import time_machine
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


def xml(response, status: int = 200):
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("text/xml")
    return ElementTree.fromstring(response.content)


def test_services_and_definitions_are_served_in_xml_too(liaison):
    root = xml(get("/open311/v2/services.xml"))
    assert root.tag == "services"
    charging = next(s for s in root.findall("service") if s.findtext("service_code") == "e_bike_charging")
    assert {child.tag for child in charging} == SERVICE_FIELDS
    assert charging.findtext("service_name") == "电动车充电" and charging.findtext("metadata") == "false"
    definition = xml(get("/open311/v2/services/lighting.xml"))
    assert definition.tag == "service_definition" and definition.findtext("service_code") == "lighting"
    error = xml(get("/open311/v2/services/nope.xml"), 404)
    assert (
        error.tag == "errors"
        and error.find("error").findtext("code") == "404"
        and "service_code" in error.find("error").findtext("description")
    )


@pytest.mark.parametrize(
    ("method", "url", "status"),
    [
        ("get", "/open311/v2/", 404),
        ("get", "/open311/v2/nothing-here", 404),
        ("get", "/open311/v2/requests.csv", 404),
        ("get", "/open311/v2/services/a/b.json", 404),
        ("delete", "/open311/v2/requests.json", 405),
        ("put", "/open311/v2/services.json", 405),
        ("post", "/open311/v2/services.json", 405),
        ("post", "/open311/v2/discovery.json", 405),
    ],
)
def test_every_error_under_open311_is_a_georeport_error_in_json(liaison, method, url, status):
    response = getattr(Client(), method)(url)
    assert response["Content-Type"].startswith("application/json")
    assert_error(response, status)


def test_errors_asked_for_in_xml_are_xml(liaison):
    assert xml(Client().delete("/open311/v2/requests.xml"), 405).find("error").findtext("code") == "405"
    assert xml(get("/open311/v2/nothing-here.xml"), 404).tag == "errors"
    assert xml(Client().get("/open311/v2/nothing-here", HTTP_ACCEPT="text/xml"), 404).tag == "errors"


def test_discovery_describes_the_endpoint(liaison):
    body = get("/open311/v2/discovery.json").json()
    endpoint = body["endpoints"][0]
    assert endpoint["url"] == "http://testserver/open311/v2/" and endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"} and endpoint["type"] == "production"
    assert body["changeset"] and "keys" in body["key_service"]
    root = xml(get("/open311/v2/discovery.xml"))
    assert [f.text for f in root.find("endpoints").find("endpoint").find("formats")] == ["text/xml", "application/json"]


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
    (pending,) = get(f"/open311/v2/requests/{unaccepted.pk}.json").json()
    assert pending["status"] == "open" and pending["description"] is None and pending["address"] == "青山苑"


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
    # The jurisdiction, (the service codes,) the matters with their latest public note.
    with django_assert_max_num_queries(2):
        assert len(get("/open311/v2/requests.json").json()) == 6
    with django_assert_max_num_queries(3):
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
    # Clients post, then poll: found at once by its id, open, with nothing the resident wrote until accepted.
    (polled,) = get(f"/open311/v2/requests/{matter.pk}.json").json()
    assert polled["status"] == "open" and polled["service_code"] == "e_bike_charging" and polled["description"] is None
    assert "待网格员受理" in polled["status_notes"] and "陈" not in str(polled) and "13900001111" not in str(polled)
    assert [r["service_request_id"] for r in get("/open311/v2/requests.json", service_request_id=str(matter.pk)).json()] == [str(matter.pk)]
    assert get("/open311/v2/requests.json").json() == []  # lists show accepted matters only
    assert xml(get(f"/open311/v2/requests/{matter.pk}.xml")).find("request").findtext("status") == "open"


def test_the_api_key_may_come_in_the_query_string(keyed):
    fields = form(keyed, api_key=None)
    response = Client().post(f"/open311/v2/requests.json?api_key={keyed['key']}", fields)
    assert response.status_code == 200, response.content
    assert Matter.objects.get().open311_client == keyed["client"]


def test_posting_in_xml_answers_in_xml(keyed):
    root = xml(Client().post("/open311/v2/requests.xml", form(keyed)))
    assert root.tag == "service_requests" and root.find("request").findtext("service_request_id") == str(Matter.objects.get().pk)


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


def test_the_rate_limit_is_per_key_as_the_board_set_it_with_retry_after(keyed):
    open311.client_set_limit(keyed["client"], 3)
    other, other_key = open311.client_issue(name="热线", working_committee=keyed["tree"]["WY"], issued_by=None)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        # One app's server speaks for many residents from one address: the address is not what counts.
        for _ in range(3):
            assert post(form(keyed, phone=""), REMOTE_ADDR="10.9.9.9").status_code == 200
        refused = post(form(keyed, phone=""), REMOTE_ADDR="10.9.9.10")
        assert_error(refused, 429, "上限")
        assert int(refused["Retry-After"]) == 3601
        assert Matter.objects.count() == 3
        assert post(form(keyed, api_key=other_key, phone=""), REMOTE_ADDR="10.9.9.9").status_code == 200
    with time_machine.travel(start + timedelta(hours=1, seconds=1), tick=False):
        assert post(form(keyed, phone=""), REMOTE_ADDR="10.9.9.9").status_code == 200
    assert Matter.objects.filter(open311_client=other).count() == 1


def test_every_429_says_when_to_retry(keyed):
    for _ in range(services.LIMITS["phone_day"]):
        assert post(form(keyed)).status_code == 200
    refused = post(form(keyed))
    assert_error(refused, 429, "手机号")
    assert int(refused["Retry-After"]) > 0


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


def test_the_board_sets_each_keys_hourly_limit_and_bad_numbers_change_nothing(keyed):
    client = login(keyed["users"]["principal"])
    response = client.post("/liaison/open311/keys/", {"name": "网格通", "hourly_limit": "5"})
    assert response.status_code == 200 and Open311Client.objects.get(name="网格通").hourly_limit == 5
    url = f"/liaison/open311/keys/{keyed['client'].pk}/limit/"
    assert client.post(url, {"hourly_limit": "200"}).status_code == 302
    keyed["client"].refresh_from_db()
    assert keyed["client"].hourly_limit == 200
    assert AuditEvent.objects.filter(action="open311_limit", object_id=str(keyed["client"].pk)).exists()
    for bad in ("0", "-1", "abc", "99999999999999999999", "", "10001"):
        page = client.post(url, {"hourly_limit": bad}, follow=True)
        assert "1 到 10,000" in page.content.decode()
    keyed["client"].refresh_from_db()
    assert keyed["client"].hourly_limit == 200
    assert login(keyed["users"]["secretary"]).post(url, {"hourly_limit": "1"}).status_code == 404
    assert "200" in client.get("/liaison/open311/keys/").content.decode()


# --- One jurisdiction check for every endpoint ---------------------------------------------------

GET_ENDPOINTS = [
    "/open311/v2/services.json",
    "/open311/v2/services/lighting.json",
    "/open311/v2/requests.json",
    "/open311/v2/requests/{id}.json",
]


def test_jurisdiction_id_is_checked_the_same_way_on_every_endpoint(keyed):
    matter = report(keyed)
    for url in GET_ENDPOINTS:
        url = url.format(id=matter.pk)
        assert get(url, jurisdiction_id="WY").status_code == 200, url
        assert_error(get(url, jurisdiction_id="NOPE"), 404, "jurisdiction_id")
        assert_error(
            get(url, jurisdiction_id=next(o.code for o in keyed["tree"].values() if o.kind != Organization.Kind.WORKING_COMMITTEE)),
            404,
            "jurisdiction_id",
        )
    assert_error(post(form(keyed, jurisdiction_id="NOPE")), 404, "jurisdiction_id")
    # A second working committee: leaving the jurisdiction out is now ambiguous everywhere but on a POST,
    # whose key says which committee it is for.
    K, U = Organization.Kind, Organization.UnitType
    Organization.objects.add_root(
        instance=Organization(name="东塘街道党工委", code="DT", kind=K.WORKING_COMMITTEE, unit_type=U.SUB_DISTRICT)
    )
    for url in GET_ENDPOINTS:
        assert_error(get(url.format(id=matter.pk)), 400, "jurisdiction_id")
        assert get(url.format(id=matter.pk), jurisdiction_id="WY").status_code == 200
    assert_error(get(f"/open311/v2/requests/{matter.pk}.json", jurisdiction_id="DT"), 404)
    assert post(form(keyed)).status_code == 200


# --- A real GeoReport v2 client ------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_georeport_client_library_reads_services_and_requests(keyed, live_server, fmt):
    from georeport import GeoReport

    matter = report(keyed)
    client = GeoReport(f"{live_server.url}/open311/v2", jurisdiction="WY", output_format=fmt)
    services_ = client.get_service_list()
    assert "e_bike_charging" in [s["service_code"] for s in services_]
    assert client.get_service_definition("lighting")["service_code"] == "lighting"
    requests_ = client.get_service_requests(service_code="e_bike_charging")
    requests_ = requests_ if isinstance(requests_, list) else [requests_]  # XML: one request parses as a dict
    assert [r["service_request_id"] for r in requests_] == [str(matter.pk)]
    one = client.get_service_request(str(matter.pk))
    one = one[0] if isinstance(one, list) else one
    assert one["status"] == "open" and REPORTER["phone"] not in str(one)
