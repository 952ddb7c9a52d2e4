"""A local stand-in for the SMS providers and the WeCom robot: a small HTTP server in a thread that checks each
request as the real service would (Alibaba Cloud's HMAC-SHA1 query signature, Tencent Cloud's TC3-HMAC-SHA256
header, the robot's JSON) and answers success, or the provider's own error when told to fail.

The signatures are verified here from the request as received, written from the providers' documentation
apart from dangxiao/notify/channels.py, so that a mistake there fails the tests instead of repeating itself."""

import base64
import hashlib
import hmac
import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

ALIYUN_KEY, ALIYUN_SECRET = "LTAI-test-key", "aliyun-secret"
TENCENT_ID, TENCENT_KEY = "AKID-test", "tencent-secret"
WECOM_KEY = "robot-key-123"


class FakeProviders:
    def __init__(self):
        self.requests: list[dict] = []
        self.fail = 0  # answer this many requests with the provider's error, then succeed
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._server.shutdown()
        self._server.server_close()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _failing(self) -> bool:
        if self.fail > 0:
            self.fail -= 1
            return True
        return False

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _answer(self, body: dict, status: int = 200):
                raw = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def do_GET(self):
                parts = urlsplit(self.path)
                if parts.path != "/aliyun/":
                    return self._answer({"Code": "NotFound"}, 404)
                params = dict(parse_qsl(parts.query, keep_blank_values=True))
                fake.requests.append({"provider": "aliyun", "params": params})
                ok, why = aliyun_check(params)
                if not ok:
                    return self._answer({"Code": why, "Message": why, "RequestId": "r"}, 400)
                if fake._failing():
                    return self._answer({"Code": "isv.BUSINESS_LIMIT_CONTROL", "Message": "触发流控", "RequestId": "r"})
                return self._answer({"Code": "OK", "Message": "OK", "BizId": "900619746936498440^0", "RequestId": "r"})

            def do_POST(self):
                parts = urlsplit(self.path)
                raw = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if parts.path == "/tencent/":
                    headers = {k.lower(): v for k, v in self.headers.items()}
                    fake.requests.append({"provider": "tencent", "headers": headers, "body": json.loads(raw)})
                    ok, why = tencent_check(headers, raw)
                    if not ok:
                        return self._answer({"Response": {"Error": {"Code": why, "Message": why}, "RequestId": "r"}})
                    if fake._failing():
                        return self._answer(
                            {
                                "Response": {
                                    "SendStatusSet": [{"Code": "LimitExceeded.PhoneNumberDailyLimit", "Message": "limit"}],
                                    "RequestId": "r",
                                }
                            }
                        )
                    body = json.loads(raw)
                    statuses = [
                        {"Code": "Ok", "Message": "send success", "SerialNo": "2019:1", "PhoneNumber": p, "Fee": 1}
                        for p in body["PhoneNumberSet"]
                    ]
                    return self._answer({"Response": {"SendStatusSet": statuses, "RequestId": "r"}})
                if parts.path == "/cgi-bin/webhook/send":
                    key = dict(parse_qsl(parts.query)).get("key")
                    body = json.loads(raw)
                    fake.requests.append({"provider": "wecom", "key": key, "body": body})
                    if key != WECOM_KEY:
                        return self._answer({"errcode": 93000, "errmsg": "invalid webhook url"})
                    if body.get("msgtype") != "text" or not body.get("text", {}).get("content"):
                        return self._answer({"errcode": 40008, "errmsg": "invalid message type"})
                    if fake._failing():
                        return self._answer({"errcode": 45009, "errmsg": "api freq out of limit"})
                    return self._answer({"errcode": 0, "errmsg": "ok"})
                return self._answer({}, 404)

        return Handler


def _pct(value: str) -> str:
    return quote(value, safe="~")


def aliyun_check(params: dict) -> tuple[bool, str]:
    """The SendSms request's parameters and its HMAC-SHA1 signature over the sorted, encoded query."""
    for name in ("AccessKeyId", "Action", "PhoneNumbers", "SignName", "TemplateCode", "SignatureMethod", "SignatureNonce",
                 "SignatureVersion", "Timestamp", "Version", "Format", "Signature"):  # fmt: skip
        if not params.get(name):
            return False, f"MissingParameter.{name}"
    if params["Action"] != "SendSms" or params["Version"] != "2017-05-25" or params["SignatureMethod"] != "HMAC-SHA1":
        return False, "InvalidParameter"
    if params["AccessKeyId"] != ALIYUN_KEY:
        return False, "InvalidAccessKeyId.NotFound"
    datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ")
    signed = {k: v for k, v in params.items() if k != "Signature"}
    query = "&".join(f"{_pct(k)}={_pct(signed[k])}" for k in sorted(signed))
    to_sign = "GET&%2F&" + _pct(query)
    expected = base64.b64encode(hmac.new(f"{ALIYUN_SECRET}&".encode(), to_sign.encode(), hashlib.sha1).digest()).decode()
    if not hmac.compare_digest(expected, params["Signature"]):
        return False, "SignatureDoesNotMatch"
    json.loads(params.get("TemplateParam", "{}"))
    return True, ""


def tencent_check(headers: dict, raw: bytes) -> tuple[bool, str]:
    """The headers of API 3.0 and the TC3-HMAC-SHA256 signature over content-type and host."""
    if headers.get("x-tc-action") != "SendSms" or headers.get("x-tc-version") != "2021-01-11":
        return False, "InvalidAction"
    auth = headers.get("authorization", "")
    if not auth.startswith("TC3-HMAC-SHA256 "):
        return False, "AuthFailure.SignatureFailure"
    fields = dict(part.strip().split("=", 1) for part in auth[len("TC3-HMAC-SHA256 ") :].split(","))
    secret_id, day, service, terminator = fields["Credential"].split("/")
    if secret_id != TENCENT_ID or service != "sms" or terminator != "tc3_request" or fields["SignedHeaders"] != "content-type;host":
        return False, "AuthFailure.SecretIdNotFound"
    timestamp = int(headers["x-tc-timestamp"])
    if datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d") != day:
        return False, "AuthFailure.SignatureFailure"
    canonical = f"POST\n/\n\ncontent-type:{headers['content-type'].lower()}\nhost:{headers['host'].lower()}\n\ncontent-type;host\n{hashlib.sha256(raw).hexdigest()}"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{day}/sms/tc3_request\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = hmac.new(f"TC3{TENCENT_KEY}".encode(), day.encode(), hashlib.sha256).digest()
    key = hmac.new(key, b"sms", hashlib.sha256).digest()
    key = hmac.new(key, b"tc3_request", hashlib.sha256).digest()
    if not hmac.compare_digest(hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), fields["Signature"]):
        return False, "AuthFailure.SignatureFailure"
    body = json.loads(raw)
    if not (body.get("PhoneNumberSet") and body.get("SmsSdkAppId") and body.get("SignName") and body.get("TemplateId")):
        return False, "MissingParameter"
    return True, ""


def aliyun_settings(fake: FakeProviders, **extra) -> dict:
    return {
        "provider": "aliyun",
        "endpoint": fake.url("/aliyun/"),
        "access_key_id": ALIYUN_KEY,
        "access_key_secret": ALIYUN_SECRET,
        "sign_name": "文源党校",
        "template": "SMS_0000",
        "templates": {"session_changed": "SMS_1001", "activation": "SMS_2001"},
        "timeout": 5,
        **extra,
    }


def tencent_settings(fake: FakeProviders, **extra) -> dict:
    return {
        "provider": "tencent",
        "endpoint": fake.url("/tencent/"),
        "access_key_id": TENCENT_ID,
        "access_key_secret": TENCENT_KEY,
        "sign_name": "文源党校",
        "sdk_app_id": "1400006666",
        "region": "ap-guangzhou",
        "template": "449739",
        "templates": {"activation": "449740"},
        "timeout": 5,
        **extra,
    }
