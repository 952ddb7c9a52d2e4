"""The OpenAPI document tells the truth about errors.

Each operation declares what it answers on success and its own refusals (a 409 for a conflict, a 422 with
its own body). What every operation can also answer comes from the layers around it, the same for all, so
it is added here once instead of in 60 decorators:

  400  a body or query that cannot be read (not JSON, nested too deep, a NUL character, a broken multipart)
  401  no token, or one that is unknown, expired or revoked (operations that need one)
  403  a signed-in account that may not do this (a password change pending, a role too low)
  404  not found, or out of the caller's scope — the API never tells the two apart
  414  a request line too long for the web server, refused before the application (no JSON body)
  422  a parameter or field that fails validation: `{detail, errors: [{field, message}]}`; where an
       operation answers one of these with a body of its own too, the document offers both (anyOf)
  429  too many attempts (the operations that throttle say so themselves)
"""

from copy import deepcopy

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
    422: "参数或字段校验未通过",
    414: "请求地址过长（由 Web 服务器拒绝，正文为其 HTML 页面）",
    429: "尝试过于频繁，请稍后再试",
}
THROTTLED_SIGN_IN = ("/auth/token", "/auth/activate")
HTTP_METHODS = {"get", "put", "post", "patch", "delete", "head", "options"}


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
            # The web server itself (gunicorn) refuses a request line over 4 KB before the application sees it.
            responses.setdefault(414, {"description": DESCRIPTIONS[414]})
            operation["responses"] = dict(sorted(responses.items()))
    return schema
