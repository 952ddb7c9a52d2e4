"""The OpenAPI document tells the truth (issue 11, point 1): each enum under its own name with the model's
values, page sizes with their effective bounds, files as files, 429 with Retry-After, and for every body an
example that is valid and works against a school like the demo."""

import datetime
import enum

import jsonschema_rs
import pytest
from django.apps import apps
from django.db import models
from django.test import Client
from ninja import NinjaAPI, Query, Router, Schema

from dangxiao.api.main import api as ninja_api
from dangxiao.api.openapi import DocumentSchema
from dangxiao.attendance import pdf
from dangxiao.school.models import Partner
from dangxiao.teaching.models import Course

from .factories import PASSWORD

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
BINARY = {"type": "string", "format": "binary"}
METHODS = {"get", "put", "post", "patch", "delete"}


@pytest.fixture(scope="module")
def document():
    return ninja_api.get_openapi_schema()


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield method, path, operation


def refs(node):
    """Every component name a schema refers to, however deep."""
    if isinstance(node, dict):
        if isinstance(node.get("$ref"), str):
            yield node["$ref"].rsplit("/", 1)[-1]
        for value in node.values():
            yield from refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from refs(value)


def model_choices() -> dict[str, list]:
    """`PartnerKind` → Partner.Kind's values, for every choices class nested in a model."""
    found = {}
    for model in apps.get_models():
        for attr, value in vars(model).items():
            if isinstance(value, type) and issubclass(value, models.Choices):
                found[f"{model.__name__}{attr}"] = [choice.value for choice in value]
    return found


def parameter(document, path, name):
    return next(p for p in document["paths"][path]["get"]["parameters"] if p["name"] == name)


def enum_values(document, schema) -> list:
    """The values an (optional) enum parameter or property accepts, following its reference."""
    components = document["components"]["schemas"]
    names = [name for name in refs(schema) if "enum" in components[name]]
    assert len(names) == 1, schema
    return components[names[0]]["enum"]


# --- Enums -------------------------------------------------------------------------------------------------


def test_partners_are_filtered_by_partner_kinds_and_courses_by_course_kinds(document):
    assert enum_values(document, parameter(document, "/api/v1/partners", "kind")["schema"]) == list(Partner.Kind.values)
    assert enum_values(document, parameter(document, "/api/v1/courses", "kind")["schema"]) == list(Course.Kind.values)
    schemas = document["components"]["schemas"]
    assert enum_values(document, schemas["PartnerIn"]["properties"]["kind"]) == list(Partner.Kind.values)
    assert enum_values(document, schemas["CourseIn"]["properties"]["kind"]) == list(Course.Kind.values)


def test_every_enum_component_is_named_after_its_model_and_has_its_values(document):
    choices = model_choices()
    enums = {name: schema for name, schema in document["components"]["schemas"].items() if "enum" in schema}
    assert {"PartnerKind", "CourseKind", "VenueKind", "TeacherSource"} <= set(enums)
    for name, schema in enums.items():
        assert schema["title"] == name
        if name in choices:
            assert schema["enum"] == choices[name], name
    # Whatever refers to an enum (parameters, bodies, answers) finds one of these.
    used = {name for _method, _path, operation in operations(document) for name in refs(operation)}
    for schema in document["components"]["schemas"].values():
        used |= set(refs(schema))
    assert used <= set(document["components"]["schemas"])


class Kind(enum.StrEnum):  # the same class name as the other module's, with other values
    A = "a"


class LeaveIn(Schema):
    kind: Kind


def test_two_classes_of_one_name_keep_their_own_schemas_in_the_document():
    from . import openapi_twin  # Kind (b, c) and LeaveIn (a reason), in another module

    router = Router()

    @router.post("/one")
    def one(request, body: LeaveIn, kind: Query[Kind | None] = None):
        return {}

    @router.post("/two")
    def two(request, body: openapi_twin.LeaveIn, kind: Query[openapi_twin.Kind | None] = None):
        return {}

    test_api = NinjaAPI(urls_namespace="twins")
    test_api.add_router("/", router)
    document = dict(DocumentSchema(test_api, ""))
    schemas = document["components"]["schemas"]
    bodies = [document["paths"][p]["post"]["requestBody"]["content"]["application/json"]["schema"] for p in ("/one", "/two")]
    first, second = (schemas[next(refs(body))] for body in bodies)
    assert set(first["properties"]) == {"kind"} and set(second["properties"]) == {"reason"}
    kinds = [enum_values(document, document["paths"][p]["post"]["parameters"][0]["schema"]) for p in ("/one", "/two")]
    assert kinds == [["a"], ["b", "c"]]


# --- Page sizes -------------------------------------------------------------------------------------------


def test_every_paged_list_says_its_page_size_is_taken_between_1_and_500(document):
    paged = [(path, op) for method, path, op in operations(document) if any(p["name"] == "page_size" for p in op.get("parameters", []))]
    assert len(paged) >= 12
    for path, operation in paged:
        size = next(p for p in operation["parameters"] if p["name"] == "page_size")
        assert "1–500" in size["description"], path
        assert size["schema"]["x-effective-minimum"] == 1 and size["schema"]["x-effective-maximum"] == 500


def test_a_page_size_beyond_500_is_served_as_500_as_documented(people):
    token = Client().post(
        "/api/v1/auth/token", {"username": people["users"]["principal"].username, "password": PASSWORD}, content_type="application/json"
    )
    client = Client(headers={"Authorization": f"Bearer {token.json()['token']}"})
    assert client.get("/api/v1/members", {"page_size": 100_000}).json()["page_size"] == 500
    assert client.get("/api/v1/partners", {"page_size": -3}).json()["page_size"] == 1


# --- Files -----------------------------------------------------------------------------------------------


def test_the_spreadsheet_endpoints_declare_xlsx_bytes_not_json(document):
    for path in ("/api/v1/members/import-template", "/api/v1/members/export", "/api/v1/organization-tree/export"):
        assert document["paths"][path]["get"]["responses"][200]["content"] == {XLSX: {"schema": BINARY}}, path


def test_every_success_with_a_body_declares_its_content_type(document):
    for method, path, operation in operations(document):
        for status, response in operation["responses"].items():
            if 200 <= int(status) < 300 and int(status) != 204:
                content = response.get("content")
                assert content, (method, path, status)
                for media_type, body in content.items():
                    assert media_type == "application/json" or body["schema"] == BINARY, (method, path, media_type)


def test_a_declared_spreadsheet_arrives_with_the_declared_type(people, document):
    token = Client().post(
        "/api/v1/auth/token", {"username": people["users"]["principal"].username, "password": PASSWORD}, content_type="application/json"
    )
    client = Client(headers={"Authorization": f"Bearer {token.json()['token']}"})
    for path in ("/api/v1/members/import-template", "/api/v1/members/export", "/api/v1/organization-tree/export"):
        response = client.get(path)
        declared = next(iter(document["paths"][path]["get"]["responses"][200]["content"]))
        assert response.status_code == 200 and response["Content-Type"] == declared, path


# --- 429 ---------------------------------------------------------------------------------------------------


def test_the_throttled_operations_declare_429_with_retry_after(document):
    throttled = [("post", "/api/v1/auth/token"), ("post", "/api/v1/auth/activate"), ("get", "/api/v1/certificates/{code}")]
    for method, path in throttled:
        response = document["paths"][path][method]["responses"][429]
        assert response["headers"]["Retry-After"]["schema"]["type"] == "integer", path
        assert response["content"]["application/json"]["schema"], path
    for method, path, operation in operations(document):
        if 429 in operation["responses"]:
            assert "Retry-After" in operation["responses"][429]["headers"], (method, path)


@pytest.mark.django_db
def test_a_locked_account_is_told_when_to_come_back(people, settings):
    settings.AXES_FAILURE_LIMIT = 2
    user = people["users"]["principal"]
    for _attempt in range(2):
        Client(REMOTE_ADDR="10.9.0.1").post(
            "/api/v1/auth/token", {"username": user.username, "password": "wrong"}, content_type="application/json"
        )
    locked = Client(REMOTE_ADDR="10.9.0.2").post(
        "/api/v1/auth/token", {"username": user.username, "password": PASSWORD}, content_type="application/json"
    )
    assert locked.status_code == 429 and "detail" in locked.json()
    assert int(locked["Retry-After"]) == round(settings.AXES_COOLOFF_TIME * 3600)


@pytest.mark.django_db
def test_a_client_guessing_certificate_codes_is_told_when_to_come_back():
    for _miss in range(pdf.VERIFY_MISSES_ALLOWED):
        pdf.verification_missed("10.9.1.1")
    refused = Client(REMOTE_ADDR="10.9.1.1").get("/api/v1/certificates/ABCDEFGHJK")
    assert refused.status_code == 429 and int(refused["Retry-After"]) == pdf.VERIFY_WINDOW_SECONDS


# --- Examples ----------------------------------------------------------------------------------------------


def _validator(document, schema):
    # JSON Schema's "time" wants an offset; the API takes a wall-clock time ("19:00:00"), as pydantic does.
    formats = {"time": lambda value: bool(datetime.time.fromisoformat(value))}
    return jsonschema_rs.Draft202012Validator({**schema, "components": document["components"]}, validate_formats=True, formats=formats)


def test_every_json_body_has_an_example_valid_against_its_own_schema(document):
    checked = 0
    for method, path, operation in operations(document):
        body = (operation.get("requestBody") or {}).get("content", {}).get("application/json")
        if body is None:
            continue
        assert "example" in body, (method, path)
        errors = [error.message for error in _validator(document, body["schema"]).iter_errors(body["example"])]
        assert not errors, (method, path, errors)
        checked += 1
    assert checked >= 50


def test_every_path_parameter_has_an_example_valid_against_its_schema(document):
    for method, path, operation in operations(document):
        for parameter in operation.get("parameters", []):
            if parameter["in"] == "path":
                assert "example" in parameter, (method, path, parameter["name"])
                assert _validator(document, parameter["schema"]).is_valid(parameter["example"]), (method, path)


# --- Refusals from the layers around an operation -------------------------------------------------------------


def test_every_404_accepts_the_plain_detail_that_http404_answers_anywhere(document):
    for method, path, operation in operations(document):
        schema = operation["responses"][404]["content"]["application/json"]["schema"]
        assert _validator(document, schema).is_valid({"detail": "未找到，或不在您的权限范围内"}), (method, path)


def test_every_operation_declares_the_servers_414_for_a_request_line_too_long(document):
    for method, path, operation in operations(document):
        assert "content" not in operation["responses"][414], (method, path)  # the server's page, not the API's
