"""Bad input is a 4xx, never a 500: every query parameter of every list endpoint of the API (found by
walking the OpenAPI document), of every page that reads one (found in the views' source) and of Open311
is sent hostile values — not a number, 10**20, negative, a NUL byte, absurd dates, a very long string —
as a member of staff and as a member. Run on PostgreSQL too: it refuses NUL in text and overflows on
huge numbers where SQLite does not."""

import inspect
import re
import sys
from datetime import timedelta

import pytest
from django.test import Client
from django.urls import URLResolver, get_resolver, reverse
from django.utils import timezone

from dangxiao.api.main import api as ninja_api
from dangxiao.attendance.models import StudyHourCertificate
from dangxiao.school.models import Partner, PartnerAgreement, Topic, TrainingPlan
from dangxiao.teaching.models import Course, Enrollment, Session

from .factories import make_cohort, make_meeting, make_reflection, make_teacher, make_themed_day
from .service_fixtures import past_service_with
from .test_api import token_for
from .test_api_liaison import report
from .test_online import make_online, make_quiz

pytestmark = pytest.mark.django_db
HOSTILE = ("abc", str(10**20), "-1", str(-(10**20)), "a\x00b", "1900-01-01", "0001-01-01", "9999-12-31", "x" * 3000)
USERS = ("principal", "member")


@pytest.fixture
def world(liaison, settings, tmp_path):
    """Something behind every id a path names, visible to the principal (and some of it to the member)."""
    w = make_online(liaison, settings, tmp_path)
    make_quiz(w["lesson"])
    school, tree = w["school"], w["tree"]
    cohort = make_cohort(school, tree["C1-1"])
    start = timezone.now() + timedelta(days=2)
    venue = school.venues.first()
    session = Session.objects.create(cohort=cohort, title="党课", starts_at=start, ends_at=start + timedelta(hours=2), venue=venue)
    Enrollment.objects.create(cohort=cohort, member=w["member"])
    matter = report(liaison)
    meeting = make_meeting(tree["C1-1"], "general", timezone.localdate())
    service = past_service_with([w["member"]], tree["C1-1"])
    reflection = make_reflection(w["member"])
    from dangxiao.appraisal import appraisal_services
    from dangxiao.people.models import Member
    from dangxiao.practice import projects_services

    today = timezone.localdate()
    other = Member.objects.filter(organization=w["member"].organization).exclude(pk=w["member"].pk).first()
    project = projects_services.project_create(
        tree["C1-1"], name="棚改项目", starts_on=today - timedelta(days=60), ends_on=today + timedelta(days=60), lead=w["member"]
    )
    mentorship = projects_services.mentorship_create(
        "cadre", tree["C1-1"], mentor=other, mentee=w["member"], goals="目标", starts_on=today - timedelta(days=30), project=project
    )
    appraisal = appraisal_services.appraisal_open(tree["C1-1"], today.year, today=today)
    ids = {
        "project_id": project.pk,
        "mentorship_id": mentorship.pk,
        "appraisal_id": appraisal.pk,
        "reflection_id": reflection.pk,
        "activity_id": service.pk,
        "participant_id": service.participants.get().pk,
        "themed_day_id": make_themed_day(tree["C1-1"], timezone.localdate()).pk,
        "meeting_id": meeting.pk,
        "year": 2026,
        "org_id": tree["C1-1"].pk,
        "member_id": w["member"].pk,
        "session_id": session.pk,
        "venue_id": venue.pk,
        "partner_id": (partner := Partner.objects.create(school=school, name="中南大学铁道学院")).pk,
        "agreement_id": PartnerAgreement.objects.create(
            partner=partner, title="共建协议", shares_venues=True, signed_on=start.date(), starts_on=start.date(), ends_on=start.date()
        ).pk,
        "plan_id": TrainingPlan.objects.create(school=school, year=2026, title="年度计划").pk,
        "teacher_id": make_teacher(school).pk,
        "course_id": Course.objects.create(school=school, title="党章", kind="theory").pk,
        "topic_id": Topic.objects.create(school=school, name="党的理论").pk,
        "cohort_id": cohort.pk,
        "matter_id": matter.pk,
        "code": StudyHourCertificate.objects.create(member=w["member"], year=2026, hours=32, code="ABCD2345").code,
    }
    pages = {  # the path of each page that reads query parameters and has one
        "teaching:cohort_detail": {"pk": cohort.pk},
        "teaching:cohort_enroll": {"pk": cohort.pk},
        "teaching:cohort_rule_create": {"pk": cohort.pk},
        "teaching:cohort_session_create": {"pk": cohort.pk},
        "home_cohort": {"cohort_id": cohort.pk},
        "online:quiz": {"pk": w["lesson"].pk},
        "liaison:matter_assign_members": {"pk": matter.pk},
        "grid:role_add": {"pk": w["a"].pk},
        "residents:similar": {"token": w["a"].public_token},
        "residents:matter": {"token": matter.token},
        "people:organization_member_picker": {"pk": tree["C1"].pk},
        "people:organization_parent_picker": {"pk": tree["C1-1"].pk},
        "practice:meeting_edit": {"pk": meeting.pk},
        "practice:service_detail": {"pk": service.pk},
        "reflections:organization": {"pk": tree["C1-1"].pk},
        "points:organization": {"pk": tree["C1-1"].pk},
        "points:member": {"pk": w["member"].pk},
        "points:organization_export": {"pk": tree["C1-1"].pk},
        "practice_projects:project_detail": {"project_id": project.pk},
        "practice_projects:mentorship_detail": {"mentorship_id": mentorship.pk},
        "practice_projects:log_new": {"project_id": project.pk},
        "practice_projects:meeting_new": {"mentorship_id": mentorship.pk},
        "appraisal:detail": {"pk": appraisal.pk},
        "appraisal:my_detail": {"pk": appraisal.pk},
        "appraisal:codes": {"pk": appraisal.pk},
        "appraisal:propose": {"pk": appraisal.pk},
        "appraisal:member_record_pdf": {"pk": w["member"].pk},
        "reflections:detail": {"pk": reflection.pk},
        "reflections:edit": {"pk": reflection.pk},
        "reflections:review": {"pk": reflection.pk},
    }
    return {**w, "ids": ids, "pages": pages, "session": session, "matter": matter}


def client(user, *, bearer: bool = False) -> Client:
    if bearer:
        return Client(raise_request_exception=False, headers={"Authorization": f"Bearer {token_for(user)}"})
    c = Client(raise_request_exception=False)
    c.force_login(user)
    return c


def assert_no_server_error(responses) -> None:
    failures = [f"{status} {who} {url} {name}={value[:24]!r}" for who, url, name, value, status in responses if status >= 500]
    assert not failures, f"{len(failures)} answers were a server error:\n" + "\n".join(failures[:40])


# --- The API -------------------------------------------------------------------------------------------


def api_get_operations() -> list[tuple[str, list[dict]]]:
    schema = ninja_api.get_openapi_schema()
    return [(path, ops["get"].get("parameters", [])) for path, ops in schema["paths"].items() if "get" in ops]


def test_the_walk_finds_every_list_endpoint_and_its_parameters():
    operations = dict(api_get_operations())
    assert len(operations) >= 30
    names = {(path, p["name"]) for path, params in operations.items() for p in params if p["in"] == "query"}
    assert {("/api/v1/members", "page"), ("/api/v1/sessions", "date_from"), ("/api/v1/liaison/matters", "compound")} <= names
    assert {("/api/v1/me/study-hours", "year"), ("/api/v1/teachers", "topic"), ("/api/v1/sessions", "venue")} <= names


def test_every_api_get_parameter_answers_hostile_values_without_a_server_error(world):
    responses = []
    for who in USERS:
        api = client(world["users"][who], bearer=True)
        for path, params in api_get_operations():
            missing = set(re.findall(r"\{(\w+)\}", path)) - set(world["ids"])
            assert not missing, f"no object for {missing} of {path}: add one to the `world` fixture"
            url = re.sub(r"\{(\w+)\}", lambda m: str(world["ids"][m.group(1)]), path)
            for p in params:
                for value in HOSTILE:
                    if p["in"] == "query":
                        status = api.get(url, {p["name"]: value}).status_code
                    else:  # a path parameter: the hostile value in its place
                        hostile = path.replace("{" + p["name"] + "}", value.replace("\x00", "%00"))
                        status = api.get(re.sub(r"\{(\w+)\}", lambda m: str(world["ids"][m.group(1)]), hostile)).status_code
                    responses.append((who, path, p["name"], value, status))
    assert_no_server_error(responses)


def test_huge_page_numbers_ids_and_dates_are_422_naming_the_parameter(world):
    api = client(world["users"]["principal"], bearer=True)
    for url, params, field in (
        ("/api/v1/members", {"page": str(10**20)}, "page"),
        ("/api/v1/venues", {"page": "99999999999999999999"}, "page"),
        ("/api/v1/liaison/matters", {"compound": "9999999999999999999999"}, "compound"),
        ("/api/v1/sessions", {"date_to": "9999-12-31"}, "date_to"),
        ("/api/v1/me/study-hours", {"year": "abc"}, "year"),
    ):
        response = api.get(url, params)
        assert response.status_code == 422, (url, response.content)
        body = response.json()
        assert body["detail"] == "请求参数有误" and [e["field"] for e in body["errors"]] == [field]
        assert re.search(r"[\u4e00-\u9fff]", body["errors"][0]["message"]), body  # said in Chinese


# --- The pages -----------------------------------------------------------------------------------------

READS = re.compile(r"""GET(?:\.get|\.getlist)?[\(\[]\s*["'](\w+)["']|["'](\w+)["']\s+in\s+request\.GET""")
CALLS = re.compile(r"\b([_a-zA-Z]\w*)\(")
GET_FORMS = re.compile(r"(\w+Form)\(request\.GET")
EXTRA = {"grid:role_add": {"kind", "parent"}}  # read in a dict comprehension the pattern above does not see


def _walk(resolver, prefix: str = "", namespace: str | None = None):
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            inner = ":".join(filter(None, (namespace, p.namespace)))
            yield from _walk(p, prefix + str(p.pattern), inner or None)
        else:
            yield prefix + str(p.pattern), p, f"{namespace}:{p.name}" if namespace else p.name


def _parameters(view) -> set[str]:
    """The query parameters a view reads: by name in its source and in the functions of its module it
    calls, and the fields of a form it binds to request.GET."""
    view = inspect.unwrap(view)
    module = sys.modules[view.__module__]
    seen, names, todo = set(), set(), [view]
    while todo:
        function = todo.pop()
        if function in seen:
            continue
        seen.add(function)
        source = inspect.getsource(function)
        names |= {a or b for a, b in READS.findall(source)}
        for form in GET_FORMS.findall(source):
            names |= set(getattr(module, form).base_fields)
        todo += [
            f
            for f in (getattr(module, n, None) for n in CALLS.findall(source))
            if inspect.isfunction(f) and f.__module__ == module.__name__
        ]
    return names


def page_parameters() -> dict[str, tuple[str, set[str]]]:
    """Each page that reads query parameters: its route and those parameters."""
    found = {}
    for route, pattern, name in _walk(get_resolver()):
        if route.startswith(("admin/", "api/", "open311/", "i18n/")):
            continue
        names = _parameters(pattern.callback) | EXTRA.get(name, set())
        if names:
            found[name] = (route, names)
    return found


def test_the_search_finds_the_pages_and_their_query_parameters():
    found = page_parameters()
    assert len(found) >= 25
    for name, param in (
        ("school:network", "year"),
        ("teaching:calendar", "date"),
        ("liaison:matter_list", "compound"),
        ("liaison_figures:figures", "start"),
        ("people:member_list", "organization"),
        ("grid:compound_list", "community"),
        ("ledger_compliance", "org"),
        ("audit_log", "page"),
    ):
        assert param in found.get(name, ("", set()))[1], (name, param)


def test_every_page_parameter_answers_hostile_values_without_a_server_error(world):
    responses = []
    for who in USERS:
        browser = client(world["users"][who])
        for name, (route, params) in page_parameters().items():
            assert "<" not in route or name in world["pages"], f"no path for {name} ({route}): add one to the `world` fixture"
            url = reverse(name, kwargs=world["pages"].get(name, {}))
            for param in sorted(params):
                for value in HOSTILE:
                    responses.append((who, url, param, value, browser.get(url, {param: value}).status_code))
    assert_no_server_error(responses)


def test_hostile_page_parameters_fall_back_to_a_sane_page(world):
    browser = client(world["users"]["principal"])
    network = browser.get(reverse("school:network"), {"year": str(10**20)})
    assert network.status_code == 200 and network.context["year"] == timezone.localdate().year
    calendar = browser.get(reverse("teaching:calendar"), {"date": "9999-12-31"})
    assert calendar.status_code == 200
    matters = browser.get(reverse("liaison:matter_list"), {"compound": "9999999999999999999999"})
    assert matters.status_code == 200


# --- Open311 -------------------------------------------------------------------------------------------

OPEN311 = ("service_request_id", "service_code", "status", "start_date", "end_date", "jurisdiction_id")


def test_open311_answers_hostile_parameters_with_its_own_errors(world):
    anyone = Client(raise_request_exception=False)
    responses = []
    for param in OPEN311:
        for value in HOSTILE:
            response = anyone.get("/open311/v2/requests.json", {param: value})
            responses.append(("anyone", "requests.json", param, value, response.status_code))
            if 400 <= response.status_code < 500:
                assert set(response.json()[0]) == {"code", "description"}
    for value in HOSTILE:
        path = value.replace("\x00", "%00")
        for url in (f"/open311/v2/requests/{path}.json", f"/open311/v2/services/{path}.json"):
            responses.append(("anyone", url, "path", value, anyone.get(url).status_code))
    assert_no_server_error(responses)
    far = anyone.get("/open311/v2/requests.json", {"end_date": "9999-12-31"})
    assert far.status_code == 400 and far.json() == [{"code": 400, "description": "日期须在2000年至2100年之间"}]
