"""The OpenAPI document tells the truth about errors.

Each operation declares what it answers on success and its own refusals (a 409 for a conflict, a 422 with
its own body). What every operation can also answer comes from the layers around it, the same for all, so
it is added here once instead of in 60 decorators:

  400  a body or query that cannot be read (not JSON, nested too deep, a NUL character, a broken multipart)
  401  no token, or one that is unknown, expired or revoked (operations that need one)
  403  a signed-in account that may not do this (a password change pending, a role too low)
  404  not found, or out of the caller's scope — the API never tells the two apart; `{detail}`, and where an
       operation answers 404 with a body of its own too, the document offers both (anyOf)
  414  a request line too long for the server in front (gunicorn: over 4094 bytes), refused there in HTML
  422  a parameter or field that fails validation: `{detail, errors: [{field, message}]}`; where an
       operation answers one of these with a body of its own too, the document offers both (anyOf)
  429  too many attempts (the operations that throttle say so themselves, with `Retry-After`)

Component names are unique (`DocumentSchema`): django-ninja files every schema under its class name, so two
classes of one name (the partners' and the courses' `Kind`) overwrote each other and one operation was
documented with the other's type.
"""

import re
import sys
from copy import deepcopy

from ninja.openapi.schema import OpenAPISchema
from ninja.schema import NinjaGenerateJsonSchema

from . import examples

DETAIL = {
    "title": "Detail",
    "type": "object",
    "properties": {"detail": {"title": "Detail", "type": "string"}},
    "required": ["detail"],
}
VALIDATION_ERROR = {
    "title": "ValidationError",
    "type": "object",
    "properties": {
        "detail": {"title": "Detail", "type": "string"},
        "errors": {
            "title": "Errors",
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "field": {"title": "Field", "anyOf": [{"type": "string"}, {"type": "null"}]},
                    "message": {"title": "Message", "type": "string"},
                },
                "required": ["field", "message"],
            },
        },
    },
    "required": ["detail", "errors"],
}
DESCRIPTIONS = {
    400: "请求无法解析（不是有效的 JSON、嵌套过深、含 NUL 字符或 multipart 格式错误）",
    401: "未登录或令牌无效、已过期、已吊销",
    403: "无权进行此操作（如须先修改初始密码）",
    404: "未找到，或不在您的权限范围内",
    414: "请求地址过长（请求行超过 4094 字节），由前端服务器拒绝（HTML 页面）",
    422: "参数或字段校验未通过",
    429: "尝试过于频繁，请稍后再试",
}
THROTTLED_SIGN_IN = ("/auth/token", "/auth/activate")
HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}
RETRY_AFTER = {
    "description": "再试之前应等待的秒数（至多）",
    "schema": {"type": "integer", "minimum": 1},
}


def binary(content_type: str, description: str) -> dict:
    """`openapi_extra` for an operation that answers a file: its 200 is that type's bytes, not JSON."""
    return {"responses": {200: {"description": description, "content": {content_type: {"schema": {"type": "string", "format": "binary"}}}}}}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _schema_of(response: dict) -> dict | None:
    return ((response.get("content") or {}).get("application/json") or {}).get("schema")


def document_errors(schema: dict) -> dict:
    """The schema with every operation's common refusals declared (a copy; the input is left as it was)."""
    schema = deepcopy(schema)
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("Detail", DETAIL)
    components["ValidationError"] = VALIDATION_ERROR
    for path, path_item in schema.get("paths", {}).items():
        for method, operation in path_item.items():
            if method not in HTTP_METHODS:
                continue
            responses = {int(k): v for k, v in operation.get("responses", {}).items()}  # as django-ninja keys them
            statuses = [400, 404, 422]
            if operation.get("security"):
                statuses += [401, 403]
            if path.endswith(THROTTLED_SIGN_IN):  # the sign-in counters (people.throttle) lock an address out
                statuses.append(429)
            for status in statuses:
                key = status
                common = _ref("ValidationError") if status == 422 else _ref("Detail")
                if key not in responses:
                    responses[key] = _json(common, DESCRIPTIONS[status])
                elif (own := _schema_of(responses[key])) is not None and own != common:
                    # The operation's own refusal, or the framework's for a body it could not even read.
                    responses[key] = _json({"anyOf": [own, common]}, responses[key].get("description") or DESCRIPTIONS[status])
            if 429 in responses:
                responses[429].setdefault("headers", {})["Retry-After"] = RETRY_AFTER
                if responses[429].get("description") in (None, "Too Many Requests"):
                    responses[429]["description"] = DESCRIPTIONS[429]
            # No content declared: the page is the server's (gunicorn's or the proxy's), not the API's.
            responses.setdefault(414, {"description": DESCRIPTIONS[414]})
            operation["responses"] = dict(sorted(responses.items()))
    return schema


def document_examples(schema: dict, prefix: str) -> dict:
    """The schema with the demo's examples (api/examples.py) on path parameters and JSON bodies (in place)."""
    for path, path_item in schema.get("paths", {}).items():
        short = path.removeprefix(prefix.rstrip("/"))
        for method, operation in path_item.items():
            if method not in HTTP_METHODS:
                continue
            ids = {**examples.PATH, **examples.PATH_FOR.get((method, short), {})}
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path" and parameter["name"] in ids:
                    parameter["example"] = ids[parameter["name"]]
            body = (operation.get("requestBody") or {}).get("content", {}).get("application/json")
            if body is not None and (method, short) in examples.BODIES:
                body["example"] = examples.BODIES[(method, short)]
    return schema


# --- Unique component names -----------------------------------------------------------------------------

_SIMPLE_REF = re.compile(r"(?P<path>[\w.]+):(?P<id>\d+)")


def _split_path(path: str) -> tuple[str, list[str]]:
    """("dangxiao.school.models", ["Partner", "Kind"]) for "dangxiao.school.models.Partner.Kind"."""
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        if ".".join(parts[:cut]) in sys.modules:
            return ".".join(parts[:cut]), parts[cut:]
    return "", parts


class _Names:
    """The names given in one document, so that a class never takes a name another class holds."""

    def __init__(self):
        self.holder: dict[str, str] = {}  # name → the class path (module.qualname) it stands for

    def name(self, path: str) -> str:
        """A nested class is named by its outer classes (`Partner.Kind` → `PartnerKind`); a name another
        class already holds is prefixed with its module (`members.LeaveIn` → `MembersLeaveIn`), then its
        whole path."""
        module, qualname = _split_path(path)
        candidates = ["".join(qualname)]
        if module:
            candidates.append(module.rsplit(".", 1)[-1].title().replace("_", "") + candidates[0])
            candidates.append("".join(p.title().replace("_", "") for p in module.split(".")) + candidates[0])
        for candidate in candidates:
            if self.holder.setdefault(candidate, path) == path:
                return candidate
        return candidates[-1]


def _generator(names: _Names) -> type[NinjaGenerateJsonSchema]:
    class UniqueNames(NinjaGenerateJsonSchema):
        def get_defs_ref(self, core_mode_ref):
            core_ref, mode = core_mode_ref
            if match := _SIMPLE_REF.fullmatch(core_ref):
                # pydantic names a definition after what follows the last dot: give it the unique name there.
                core_ref = f"{match['path']}.{names.name(match['path'])}:{match['id']}"
            return super().get_defs_ref((core_ref, mode))

    return UniqueNames


class _WithGenerator:
    """A model whose JSON schema is made by the given generator (django-ninja names its own)."""

    def __init__(self, model, generator):
        self._model, self._generator = model, generator

    def __getattr__(self, name):
        return getattr(self._model, name)

    def model_json_schema(self, **kwargs):
        return self._model.model_json_schema(**{**kwargs, "schema_generator": self._generator})


class DocumentSchema(OpenAPISchema):
    """django-ninja's document, with one name per class among its components."""

    def __init__(self, api, path_prefix: str):
        self._generator = _generator(_Names())
        super().__init__(api, path_prefix)

    def _wrap(self, model):
        return model if isinstance(model, _WithGenerator) else _WithGenerator(model, self._generator)

    def _extract_parameters(self, model):
        return super()._extract_parameters(self._wrap(model))

    def _create_schema_from_model(self, model, *args, **kwargs):
        return super()._create_schema_from_model(self._wrap(model), *args, **kwargs)

    def add_schema_definitions(self, definitions: dict) -> None:
        # An enum's title is its class name (`Kind`): a client generator names the type after it.
        super().add_schema_definitions({name: {**d, "title": name} if "enum" in d else d for name, d in definitions.items()})
