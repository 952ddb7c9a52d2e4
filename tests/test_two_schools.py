"""One school never sees another's: two working committees with their schools in one install, and a
board member of the first (A) sweeping every page and every API endpoint with the second's (B) ids.

The sweep is generic so that it does not go stale: the pages come from Django's URL resolver (every
named pattern), the endpoints from the API's OpenAPI document, and their parameters are filled from
what the route names (`matters/<int:pk>` → B's matter). A parameter nobody taught the sweep fails the
test, so a new kind of page is covered the day it is added. What B's records carry is marked: every
name holds MARK and every phone starts with B_PHONES. The checks:

- A's pages and endpoints without parameters answer exactly as they did before B existed (so no list,
  figure or count of A's takes in anything of B's);
- every page and endpoint given B's ids answers 4xx or shows nothing of B's;
- posting to every page and endpoint with B's ids changes none of B's records and attaches nothing
  new to them.

Addresses whose token or code is itself the credential (a compound's QR page, a reporter's link, a
calendar feed, a certificate check, Open311's public requests) are public by design and listed in
PUBLIC; the test also checks that list against the patterns that exist.
"""

import json
import re
from datetime import timedelta
from io import BytesIO

import pytest
from django.apps import apps
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from dangxiao.api.main import api
from dangxiao.core.models import AuditEvent
from dangxiao.liaison import defaults, open311, selectors, services
from dangxiao.liaison.models import CannedReply, Matter, MatterCategory
from dangxiao.people.models import Organization, Role

from .conftest import login
from .factories import make_school
from .two_schools import make_committee

pytestmark = pytest.mark.django_db

MARK = "湘江"
B_PHONES = "136"
PROJECT_APPS = {"people", "core", "school", "teaching", "attendance", "online", "liaison", "practice", "appraisal", "reports"}
PROJECT_APPS = {"people", "core", "notify", "school", "teaching", "attendance", "online", "liaison", "practice", "appraisal"}
# Named patterns that anyone holding the token or code may read, whoever they are.
PUBLIC = {
    "residents:report",
    "residents:similar",
    "residents:board",
    "residents:matter",
    "teaching:calendar_feed",
    "doc_verify_code",
    "open311:services",
    "open311:service",
    "open311:requests",
    "open311:request",
    "open311:discovery",
    "open311:not_found",
    "api:certificate_verify",
    "kiosk_enter",  # the lobby screen's sign-in link: its key is the credential
    "appraisal:code_vote",  # 民主测评: the one-time code is the credential
}


# --- The two schools -------------------------------------------------------------------------------


@pytest.fixture
def two(liaison, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    settings.VAR_DIR = tmp_path  # B's background export file (two_schools.make_committee)
    make_school(liaison["tree"])
    return liaison


def b_values(b) -> dict:
    """What a route's parameter stands for in B: by the parameter's name, or for `pk`, `id` and
    `object_id` by the path segment before it."""
    return {
        "members": b["members"][0].pk,
        "member_id": b["members"][0].pk,
        "cohorts": b["cohort"].pk,
        "cohort_id": b["cohort"].pk,
        "courses": b["course"].pk,
        "course_id": b["course"].pk,
        "materials": b["material"].pk,
        "surveys": b["survey"].pk,
        "sessions": b["session"].pk,
        "session_id": b["session"].pk,
        "c": b["session"].pk,
        "leave": b["leave"].pk,
        "leave-requests": b["leave"].pk,
        "leave_id": b["leave"].pk,
        "pairs": b["pair"].pk,
        "visits": b["visit"].pk,
        "lessons": b["lesson"].pk,
        "lesson_id": b["lesson"].pk,
        "practice": b["task"].pk,
        "submissions": b["submission"].pk,
        "reflections": b["reflection"].pk,
        "reflection_id": b["reflection"].pk,
        "photo_id": b["reflection_photo"].pk,
        "plans": b["plan"].pk,
        "venues": b["venue"].pk,
        "venue_id": b["venue"].pk,
        "partners": b["partner"].pk,
        "partner_id": b["partner"].pk,
        "agreements": b["agreement"].pk,
        "agreement_id": b["agreement"].pk,
        "plan_id": b["plan"].pk,
        "teachers": b["teacher"].pk,
        "teacher_id": b["teacher"].pk,
        "topics": b["topic"].pk,
        "topic_id": b["topic"].pk,
        "organizations": b["branch"].pk,
        "org_id": b["branch"].pk,
        "matters": b["matter"].pk,
        "matter_id": b["matter"].pk,
        "request_id": b["matter"].pk,
        "photo_pk": b["photo"].pk,
        "compounds": b["compound"].pk,
        "household_pk": b["households"][0].pk,
        "role_pk": b["roles"]["neighbour"].pk,
        # people.Role (a principal's, a secretary's): /roles/<pk>/withdraw/ and the API's /roles/{role_id}
        "roles": Role.objects.filter(user=b["users"]["secretary"]).values_list("pk", flat=True).get(),
        "role_id": Role.objects.filter(user=b["users"]["principal"]).values_list("pk", flat=True).get(),
        "party_pk": b["party"].pk,
        "keys": b["open311_client"].pk,
        "tokens": b["api_token"].pk,
        "transfers": b["transfer"].pk,
        "transfer_id": b["transfer"].pk,
        "token_id": b["api_token"].pk,
        "year": timezone.localdate().year,
        "themed-days": b["themed_day"].pk,
        "themed_day_id": b["themed_day"].pk,
        "meetings": b["meeting"].pk,
        "meeting_id": b["meeting"].pk,
        "calendar/feed": b["feed"].token,
        "r": b["compound"].public_token,
        "m": b["matter"].token,
        "verify": b["certificate"].code,
        "certificates": b["certificate"].code,
        "services": b["category"].code,
        "name": "requests",
        # The admin is for superusers; a board member is sent to its sign-in page whatever the id.
        "object_id": b["members"][0].pk,
        "content_type_id": 1,
        "app_label": "people",
        "url": "people/member/",
        "parent_id": b["root"].pk,
        "id": b["users"]["principal"].pk,
        "project_id": b["project"].pk,
        "phase_id": b["phase"].pk,
        "trainee_id": b["trainee"].pk,
        "log_id": b["project_log"].pk,
        "mentorship_id": b["mentorship"].pk,
        # Volunteer service: /practice/service/<pk>/…, …/participants/<pk>/…, the check-in QR's link.
        "service": b["volunteer_service"].pk,
        "activity_id": b["volunteer_service"].pk,
        "participants": b["service_participant"].pk,
        "participant_id": b["service_participant"].pk,
        "scan": f"{int(timezone.now().timestamp() // 30)}.forged",
        "screens": b["kiosk"].pk,
        "kiosk_id": b["kiosk"].pk,
        "appraisals": b["appraisal"].pk,
        "appraisal_id": b["appraisal"].pk,
        "appraisal-follow-ups": b["follow_up"].pk,
        "follow_up_id": b["follow_up"].pk,
        "notifications": b["notification"].pk,
        "notification_id": b["notification"].pk,
        "exports": b["export"].token,
        "robots": b["robot"].pk,
        "member_pk": b["members"][0].pk,
    }


# --- Walking the routes ----------------------------------------------------------------------------


def page_patterns() -> list[tuple[str, str, list[str]]]:
    """(name, route, parameter names) of every named page pattern; the API's own are walked from its
    OpenAPI document instead."""
    found = []

    def walk(patterns, prefix: str, namespace: str):
        for p in patterns:
            if isinstance(p, URLResolver):
                ns = ":".join(x for x in (namespace, p.namespace) if x)
                walk(p.url_patterns, prefix + str(p.pattern), ns)
            elif isinstance(p, URLPattern) and p.name:
                name = f"{namespace}:{p.name}" if namespace else p.name
                if not name.startswith("api:"):
                    route = prefix + str(p.pattern)
                    found.append((name, route, list(p.pattern.converters) or re.findall(r"\(\?P<(\w+)>", route)))

    walk(get_resolver().url_patterns, "", "")
    return found


def fill(route: str, params: list[str], values: dict) -> str:
    """The route with B's values for its parameters; KeyError names a parameter the sweep does not know."""
    path = route.replace("^", "").replace("$", "")
    for name in params:
        match = re.search(rf"<(?:\w+:)?{name}>|\(\?P<{name}>[^)]*\)", path)
        before = [s for s in path[: match.start()].split("/") if s]
        if name == "token" and len(before) > 1 and before[-2] == "c":
            value = "a-stale-code"  # a session's QR code of long ago
        elif name in ("pk", "token", "code"):
            value = values["calendar/feed" if before[-1] == "feed" else before[-1]]
        else:
            value = values[name]
        path = path[: match.start()] + str(value) + path[match.end() :]
    return "/" + path.replace("\\", "")


def api_operations() -> list[tuple[str, str, dict]]:
    """(method, path, operation) of every endpoint in the API's OpenAPI document."""
    schema = api.get_openapi_schema()
    return [(method, path, operation) for path, methods in schema["paths"].items() for method, operation in methods.items()]


def api_name(url: str) -> str:
    return f"api:{resolve(url.split('?')[0]).url_name}"


def api_url(path: str, values: dict) -> str:
    def value(match):
        name = match.group(1)
        return str(values["certificates" if name == "code" else name])

    return re.sub(r"\{(\w+)\}", value, path)


def api_body(operation: dict, values: dict) -> dict | None:
    """A request body naming B's objects wherever an id goes, plausible values elsewhere."""
    content = operation.get("requestBody", {}).get("content", {})
    schema = content.get("application/json", {}).get("schema")
    if schema is None:
        return None
    components = api.get_openapi_schema()["components"]["schemas"]

    def build(s):
        if "$ref" in s:
            return build(components[s["$ref"].rsplit("/", 1)[-1]])
        if "allOf" in s:
            return build(s["allOf"][0])
        if "anyOf" in s:
            return build(next((x for x in s["anyOf"] if x.get("type") != "null"), s["anyOf"][0]))
        if s.get("type") == "object" or "properties" in s:
            return {name: field(name, prop) for name, prop in s.get("properties", {}).items()}
        return sample(s)

    def field(name, prop):
        if name.endswith("_ids"):
            return [id_for(name[:-4])]
        if name.endswith("_id"):
            return id_for(name[:-3])
        return build(prop)

    def id_for(kind):
        return {
            "compound": values["compounds"],
            "building": values["compounds"],
            "household": values["household_pk"],
            "role": values["role_pk"],
            "party": values["party_pk"],
            "into": values["matters"],
            "member": values["members"],
            "cohort": values["cohorts"],
            "course": values["courses"],
            "venue": values["venues"],
            "teacher": values["teachers"],
            "co_host": values["partners"],
            "partner": values["partners"],
            "session": values["sessions"],
            "leave": values["leave"],
            "organization": values["organizations"],
            "plan": values["plans"],
            "topic": values["topics"],
            "parent": values["topics"],
            "project": values["project_id"],
            "participant": values["participants"],
        }.get(kind, values["members"])

    def sample(s):
        if "enum" in s:
            return s["enum"][0]
        kind, fmt = s.get("type"), s.get("format")
        if kind == "string":
            return {"date-time": timezone.now().isoformat(), "date": timezone.localdate().isoformat(), "time": "19:00"}.get(fmt, "湖南")
        if kind in ("integer", "number"):
            return 1
        if kind == "boolean":
            return True
        if kind == "array":
            return [build(s.get("items", {}))] if s.get("items") else []
        return None

    return build(schema)


def page_post_data(values: dict) -> dict:
    """A form naming B's objects under the field names our forms use."""
    return {
        "committee": values["parent_id"],
        "compound": values["compounds"],
        "community": values["organizations"],
        "organization": values["organizations"],
        "member": values["members"],
        "members": [values["members"]],
        "cohort": values["cohorts"],
        "course": values["courses"],
        "venue": values["venues"],
        "teacher": values["teachers"],
        "topic": values["topics"],
        "topics": [values["topics"]],
        "parent": values["topics"],
        "member_id": values["members"],
        "kind": "member",
        "source": "member",
        "owner": values["organizations"],
        "ends_on": "2030-01-01",
        "default_hours": "2",
        "leave": [values["leave"]],
        "reason": "原因",
        "category": values["services"],
        "into": values["matters"],
        "target": f"member:{values['members']}",
        "state": "in_progress",
        "note": "备注",
        "name": "名称",
        "title": "标题",
        "households_benefited": 1,
        "action": "withdraw",
        "decision": "approve",
        "status": "present",
        "code": values["verify"],
    }


# --- What a response shows -------------------------------------------------------------------------


def shows_b(response, b) -> str | None:
    """The first sign of B's records in a response, or None: a name (also as JSON escapes), a phone."""
    if response.streaming:
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind:
        from openpyxl import load_workbook

        book = load_workbook(BytesIO(body), read_only=True)
        text = " ".join(str(c) for ws in book.worksheets for row in ws.iter_rows(values_only=True) for c in row if c is not None)
    elif kind.startswith(("text/", "application/json", "application/xml", "application/javascript")) or not body:
        text = body.decode("utf-8", "replace")
    else:
        return f"a {kind} file"  # a file answered for B's ids: nothing of B's may be handed out
    phones = {m.phone for m in b["members"]} | {h.contact_phone for h in b["households"]}
    for needle in (MARK, json.dumps(MARK)[1:-1], *phones, *(p[:3] + "****" + p[-4:] for p in phones)):
        if needle in text:
            return needle
    return None


def normalised(response) -> str:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    text = (
        body.decode("utf-8", "replace") if not response.get("Content-Type", "").startswith(("application/pdf", "application/vnd")) else ""
    )
    text = re.sub(r"[A-Za-z0-9_-]{32,}", "TOKEN", text)  # CSRF tokens, signed codes
    return re.sub(r"\d{1,2}:\d{2}(:\d{2})?", "HH:MM", text)


# --- Snapshots of the database ---------------------------------------------------------------------


def rows() -> dict:
    """Every row of the project's tables (and their many-to-many tables), by model and primary key."""
    found = {}
    for model in apps.get_models(include_auto_created=True):
        if model._meta.app_label in PROJECT_APPS:
            names = [f.attname for f in model._meta.concrete_fields]
            found[model] = {r[0]: r for r in model.objects.order_by("pk").values_list("pk", *names)}
    return found


def changes_to_b(before: dict, b_rows: dict, after: dict) -> list[str]:
    """B's rows that changed or went, and new rows pointing at one of B's."""
    found = []
    for model, owned in b_rows.items():
        for pk, row in owned.items():
            if after[model].get(pk) != row:
                found.append(f"{model._meta.label} #{pk} changed")
    for model, current in after.items():
        new = [r for pk, r in current.items() if pk not in before[model]]
        fields = list(model._meta.concrete_fields)
        for row in new:
            for i, f in enumerate(fields, start=1):
                if f.is_relation and row[i] in b_rows.get(f.related_model, {}):
                    found.append(f"new {model._meta.label} #{row[0]} points at B's {f.related_model._meta.label} #{row[i]}")
    return found


# --- The sweep -------------------------------------------------------------------------------------


def filters(values: dict) -> dict:
    """The query parameters our lists filter by, naming B's objects."""
    return {
        "compound": values["compounds"],
        "community": values["community"],
        "organization": values["organizations"],
        "org": values["organizations"],
        "cohort": values["cohorts"],
        "venue": values["venues"],
        "teacher": values["teachers"],
        "course": values["courses"],
        "category": values["category"],
        "member": values["members"],
        "committee": values["parent_id"],
        "survey": values["surveys"],
    }


def test_a_board_member_of_one_school_sees_and_changes_nothing_of_the_other(two):
    board = login(two["users"]["principal"])
    pages = page_patterns()
    operations = api_operations()
    plain = [fill(route, [], {}) for name, route, params in pages if not params and name not in PUBLIC]
    plain += [path for method, path, _o in operations if method == "get" and "{" not in path and api_name(path) not in PUBLIC]
    # The audit log first: the exports among these pages are audited, and A's own are not the point.
    plain.sort(key=lambda url: url != reverse("audit_log"))
    before_b = {url: normalised(board.get(url)) for url in plain}
    AuditEvent.objects.filter(actor=two["users"]["principal"]).delete()
    before = rows()

    b = make_committee()
    after_b = rows()
    b_rows = {model: {pk: r for pk, r in current.items() if pk not in before[model]} for model, current in after_b.items()}
    values = {**b_values(b), "community": b["community"].pk, "category": b["category"].pk}
    seen = {name for name, _r, _p in pages}
    problems = []  # every leak at once, not the first only

    def check(response, what: str) -> None:
        if response.status_code >= 500:
            problems.append(f"{what} answers {response.status_code}")
        elif response.status_code == 200 and (sign := shows_b(response, b)):
            problems.append(f"{what} shows {sign}")

    # A's own lists, figures and counts are what they were before B existed.
    for url, body in before_b.items():
        if normalised(board.get(url)) != body:
            problems.append(f"{url} changed once another school exists")

    # Every page and endpoint, given B's ids (as parameters or as filters), shows nothing of B's.
    for name, route, params in pages:
        if name in PUBLIC:
            continue
        url = fill(route, params, values)
        for query in ({}, filters(values)):
            check(board.get(url, query), f"GET {url} ({name})")
    for method, path, _operation in operations:
        url = api_url(path, values)
        if method != "get" or api_name(url) in PUBLIC:
            continue
        for query in ({}, filters(values)):
            check(board.get(url, query), f"GET {url}")

    # Posting to every page and endpoint with B's ids changes nothing of B's.
    for name, route, params in pages:
        if name in PUBLIC or name.startswith("admin:") or name == "logout":
            continue
        url = fill(route, params, values)
        check(board.post(url, page_post_data(values)), f"POST {url} ({name})")
    for method, path, operation in operations:
        if method == "get":
            continue
        body = api_body(operation, values)
        url = api_url(path, values)
        check(
            getattr(board, method)(url, json.dumps(body) if body is not None else None, content_type="application/json"), f"{method} {url}"
        )
    problems += changes_to_b(after_b, b_rows, rows())
    assert "\n".join(problems) == ""

    # The sweep walked what exists, and the public addresses are still there.
    assert PUBLIC <= seen | {api_name(api_url(path, values)) for _m, path, _o in operations}
    assert len(seen) > 100 and len(operations) > 50


# --- What each school has of its own ----------------------------------------------------------------


@pytest.fixture
def b(two):
    return make_committee()


def test_each_board_reads_the_audit_rows_of_its_own_committee(two, b):
    a_member = two["members"]["c1_1"][1]
    assert login(two["users"]["principal"]).post(reverse("people:member_reveal", args=[a_member.pk])).status_code == 200
    event = AuditEvent.objects.get(object_type="member", object_id=str(a_member.pk))
    assert event.organization_id == a_member.organization_id
    a_log = login(two["users"]["principal"]).get(reverse("audit_log")).content.decode()
    b_log = login(b["users"]["principal"]).get(reverse("audit_log")).content.decode()
    assert a_member.name in a_log and MARK not in a_log
    assert f"{MARK}党员" in b_log and a_member.name not in b_log
    everything = login(two["users"]["superuser"]).get(reverse("audit_log")).content.decode()
    assert a_member.name in everything and MARK in everything


def test_each_board_edits_the_liaison_settings_of_its_own_committee(two, b):
    url = reverse("liaison_figures:settings")
    a_page = login(two["users"]["principal"]).get(url)
    assert "电动车充电" in a_page.content.decode() and MARK not in a_page.content.decode()
    assert f"{MARK}电动车充电" in login(b["users"]["principal"]).get(url).content.decode()
    assert login(two["users"]["principal"]).get(url, {"committee": b["root"].pk}).status_code == 404
    # A's form posted back with one of B's categories slipped in: nothing is saved, B's row least of all.
    client = login(two["users"]["principal"])
    data = settings_form(client)
    data["categories-0-respond_hours"] = "6"
    data["categories-1-id"], data["categories-1-name"] = str(b["category"].pk), "改名"
    before = list(MatterCategory.objects.order_by("pk").values_list())
    assert client.post(url, data).status_code == 200
    assert list(MatterCategory.objects.order_by("pk").values_list()) == before
    data = settings_form(client)
    data["categories-0-respond_hours"] = "6"
    assert client.post(url, data).status_code == 302
    assert MatterCategory.objects.get(working_committee=two["tree"]["WY"], code="e_bike_charging").respond_hours == 6
    assert MatterCategory.objects.get(working_committee=b["root"], code="e_bike_charging").respond_hours == 12


def settings_form(client) -> dict:
    context = client.get(reverse("liaison_figures:settings")).context
    data = {"committee": context["committee"].pk}
    for name in ("categories", "states", "replies"):
        formset = context[name]
        data.update({f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()})
        for form in formset.forms:
            for field in form:
                value = field.value()
                if field.name != "DELETE" and not (field.name == "active" and not value):
                    data[field.html_name] = "on" if field.name == "active" else ("" if value is None else value)
    return data


def test_a_matter_follows_the_deadlines_and_labels_of_its_own_committee(two, b):
    MatterCategory.objects.filter(working_committee=b["root"], code="e_bike_charging").update(respond_hours=2)
    now = timezone.now()
    bike = {c: MatterCategory.objects.get(working_committee=c, code="e_bike_charging") for c in (two["tree"]["WY"], b["root"])}
    a = services.matter_report(two["a"], category=bike[two["tree"]["WY"]], description="飞线充电", now=now)
    theirs = services.matter_report(b["compound"], category=bike[b["root"]], description="飞线充电", now=now)
    assert a.respond_by == now + timedelta(hours=12) and theirs.respond_by == now + timedelta(hours=2)
    assert (
        selectors.state_labels(b["root"].pk)["reported"] == f"{MARK}待受理"
        and selectors.state_labels(two["tree"]["WY"].pk)["reported"] == "待受理"
    )
    page = login(b["users"]["principal"]).get(reverse("liaison:matter_detail", args=[theirs.pk])).content.decode()
    assert f"{MARK}待受理" in page and json.dumps(f"{MARK}回复")[1:-1] in page  # the canned replies are in a JSON script
    with pytest.raises(services.MatterError, match="不属于本小区所在党工委"):
        services.matter_report(two["a"], category=bike[b["root"]], description="飞线充电", now=now)


def test_the_residents_page_offers_the_compounds_own_categories(two, b):
    a_page = Client().get(reverse("residents:report", args=[two["a"].public_token])).content.decode()
    b_page = Client().get(reverse("residents:report", args=[b["compound"].public_token])).content.decode()
    assert "电动车充电" in a_page and MARK not in a_page
    assert f"{MARK}电动车充电" in b_page


def test_open311_services_belong_to_a_jurisdiction(two, b):
    services_url = "/open311/v2/services.json"
    answer = Client().get(services_url)
    assert answer.status_code == 400 and "jurisdiction_id" in answer.json()[0]["description"]
    names = {s["service_name"] for s in Client().get(services_url, {"jurisdiction_id": "WY"}).json()}
    assert "电动车充电" in names and not any(MARK in n for n in names)
    assert all(MARK in s["service_name"] for s in Client().get(services_url, {"jurisdiction_id": "HX"}).json())
    # A key posts only to its own committee's services: a code only B has is unknown to A's key.
    MatterCategory.objects.create(working_committee=b["root"], code="parking", name=f"{MARK}停车")
    _client, key = open311.client_issue(name="市民通", working_committee=two["tree"]["WY"], issued_by=two["users"]["principal"])
    refused = Client().post(
        "/open311/v2/requests.json", {"api_key": key, "service_code": "parking", "description": "乱停车", "address_string": "青山苑"}
    )
    assert refused.status_code == 404 and not Matter.objects.filter(description="乱停车").exists()
    keys = login(two["users"]["principal"]).get(reverse("open311_keys:keys")).content.decode()
    assert "市民通" in keys and f"{MARK}热线" not in keys


def test_a_new_working_committee_starts_with_the_default_settings(db):
    K, U = Organization.Kind, Organization.UnitType
    committee = Organization.objects.add_root(
        instance=Organization(name="东塘街道党工委", code="DT", kind=K.WORKING_COMMITTEE, unit_type=U.SUB_DISTRICT)
    )
    assert set(MatterCategory.objects.filter(working_committee=committee).values_list("code", flat=True)) == {
        c[0] for c in defaults.CATEGORIES
    }
    assert selectors.state_labels(committee.pk) == dict(defaults.STATES)
    assert CannedReply.objects.filter(working_committee=committee).count() == len(defaults.REPLIES)
