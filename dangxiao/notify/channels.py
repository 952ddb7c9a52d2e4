"""The outside channels: e-mail (Django's mail settings), SMS through Alibaba Cloud or Tencent Cloud (chosen
by settings), and the 企业微信 group robot. Each sender raises ChannelError with the provider's answer when a
message is not accepted; the caller records it and retries later. No SDK: the two SMS APIs are signed HTTPS
requests, written here as their documentation gives them, so that a local fake server can check them in tests.

- Alibaba Cloud SMS (dysmsapi, RPC style, version 2017-05-25): GET with the common parameters and SendSms's
  own, signed with HMAC-SHA1 over "GET&%2F&" + the percent-encoded sorted query, key = AccessKeySecret + "&";
  success is {"Code": "OK", ...}.
- Tencent Cloud SMS (SendSms, version 2021-01-11): POST of a JSON body, signed with TC3-HMAC-SHA256 in the
  Authorization header (canonical request → string to sign → key derived from the date, "sms", "tc3_request");
  success is {"Response": {"SendStatusSet": [{"Code": "Ok", ...}]}}, failure {"Response": {"Error": {...}}}.
- WeCom robot: POST {"msgtype": "text", "text": {"content": ...}} to the webhook; success is {"errcode": 0}.
"""

import base64
import hashlib
import hmac
import json
import uuid
from datetime import UTC, datetime
from urllib.error import HTTPError, URLError
from urllib.parse import quote, urlencode, urlsplit
from urllib.request import Request, urlopen

from django.conf import settings
from django.core.mail import send_mail


class ChannelError(Exception):
    """The channel did not take the message (the provider's code and message, or why it was not tried)."""


def _timeout() -> float:
    return float(settings.NOTIFY_SMS.get("timeout", 10))


def _http(request: Request) -> dict:
    try:
        with urlopen(request, timeout=_timeout()) as response:  # noqa: S310 (the URL comes from settings)
            raw = response.read()
    except HTTPError as exc:  # the providers answer their errors with a 4xx and a JSON body saying why
        raw = exc.read()
        if not raw:
            raise ChannelError(f"http {exc.code}") from exc
    except URLError as exc:
        raise ChannelError(f"network: {exc}") from exc
    except OSError as exc:
        raise ChannelError(f"network: {exc}") from exc
    try:
        return json.loads(raw.decode("utf-8"))
    except ValueError as exc:
        raise ChannelError("provider answered with something other than JSON") from exc


# --- E-mail ------------------------------------------------------------------------------------------


def send_email(address: str, title: str, body: str, url: str) -> None:
    if not address:
        raise ChannelError("no e-mail address")
    link = f"\n\n{site_url(url)}" if url else ""
    try:
        send_mail(title, body + link, settings.DEFAULT_FROM_EMAIL, [address])
    except Exception as exc:  # an SMTP server can fail in many ways; all of them are a failed attempt
        raise ChannelError(f"smtp: {exc}") from exc


def site_url(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path if path.startswith("/") else path


# --- SMS ---------------------------------------------------------------------------------------------


def template_for(kind: str) -> str:
    conf = settings.NOTIFY_SMS
    return conf.get("templates", {}).get(kind) or conf.get("template", "")


def sms_configured() -> bool:
    return settings.NOTIFY_SMS.get("provider") in PROVIDERS


def send_sms(phone: str, kind: str, params: dict[str, str]) -> str:
    """Send one SMS through the configured provider; returns the provider's id of the message."""
    conf = settings.NOTIFY_SMS
    provider = PROVIDERS.get(conf.get("provider", ""))
    if provider is None:
        raise ChannelError("no SMS provider configured")
    if not phone:
        raise ChannelError("no phone number")
    template = template_for(kind)
    if not template:
        raise ChannelError(f"no SMS template for {kind}")
    return provider(conf, phone, template, params)


def aliyun_percent(value: str) -> str:
    """RFC 3986 encoding as the Alibaba Cloud signature wants it (space %20, * %2A, ~ kept)."""
    return quote(str(value), safe="~")


def aliyun_signature(secret: str, method: str, params: dict[str, str]) -> str:
    canonical = "&".join(f"{aliyun_percent(k)}={aliyun_percent(params[k])}" for k in sorted(params))
    string_to_sign = f"{method}&{aliyun_percent('/')}&{aliyun_percent(canonical)}"
    digest = hmac.new((secret + "&").encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def send_aliyun(conf: dict, phone: str, template: str, params: dict[str, str], *, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    query = {
        "AccessKeyId": conf.get("access_key_id", ""),
        "Action": "SendSms",
        "Format": "JSON",
        "PhoneNumbers": phone,
        "RegionId": conf.get("region") or "cn-hangzhou",
        "SignName": conf.get("sign_name", ""),
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": uuid.uuid4().hex,
        "SignatureVersion": "1.0",
        "TemplateCode": template,
        "TemplateParam": json.dumps(params, ensure_ascii=False, separators=(",", ":")),
        "Timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "Version": "2017-05-25",
    }
    query["Signature"] = aliyun_signature(conf.get("access_key_secret", ""), "GET", query)
    endpoint = conf.get("endpoint") or "https://dysmsapi.aliyuncs.com/"
    answer = _http(Request(f"{endpoint}?{urlencode(query, quote_via=quote, safe='~')}", method="GET"))
    if answer.get("Code") != "OK":
        raise ChannelError(f"aliyun {answer.get('Code', '?')}: {answer.get('Message', '')}"[:300])
    return str(answer.get("BizId", ""))


def tc3_signature(secret_key: str, *, host: str, payload: str, timestamp: int, service: str = "sms") -> tuple[str, str]:
    """(signature, credential scope) of a TC3-HMAC-SHA256 POST with content-type and host signed."""
    day = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:application/json; charset=utf-8\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(payload.encode()).hexdigest(),
        ]
    )
    scope = f"{day}/{service}/tc3_request"
    string_to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"

    def sign(key: bytes, msg: str) -> bytes:
        return hmac.new(key, msg.encode(), hashlib.sha256).digest()

    key = sign(sign(sign(("TC3" + secret_key).encode(), day), service), "tc3_request")
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest(), scope


def send_tencent(conf: dict, phone: str, template: str, params: dict[str, str], *, now: datetime | None = None) -> str:
    timestamp = int((now or datetime.now(UTC)).timestamp())
    endpoint = conf.get("endpoint") or "https://sms.tencentcloudapi.com/"
    host = conf.get("host") or urlsplit(endpoint).netloc
    body = {
        "PhoneNumberSet": [phone if phone.startswith("+") else f"+86{phone}"],
        "SmsSdkAppId": conf.get("sdk_app_id", ""),
        "SignName": conf.get("sign_name", ""),
        "TemplateId": template,
        "TemplateParamSet": [str(v) for v in params.values()],
    }
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
    signature, scope = tc3_signature(conf.get("access_key_secret", ""), host=host, payload=payload, timestamp=timestamp)
    headers = {
        "Authorization": f"TC3-HMAC-SHA256 Credential={conf.get('access_key_id', '')}/{scope}, "
        f"SignedHeaders=content-type;host, Signature={signature}",
        "Content-Type": "application/json; charset=utf-8",
        "Host": host,
        "X-TC-Action": "SendSms",
        "X-TC-Timestamp": str(timestamp),
        "X-TC-Version": "2021-01-11",
        "X-TC-Region": conf.get("region") or "ap-guangzhou",
    }
    answer = _http(Request(endpoint, data=payload.encode(), headers=headers, method="POST")).get("Response", {})
    if "Error" in answer:
        error = answer["Error"]
        raise ChannelError(f"tencent {error.get('Code', '?')}: {error.get('Message', '')}"[:300])
    statuses = answer.get("SendStatusSet") or [{}]
    if statuses[0].get("Code") != "Ok":
        raise ChannelError(f"tencent {statuses[0].get('Code', '?')}: {statuses[0].get('Message', '')}"[:300])
    return str(statuses[0].get("SerialNo", ""))


PROVIDERS = {"aliyun": send_aliyun, "tencent": send_tencent}


# --- WeCom group robot -------------------------------------------------------------------------------


def webhook_allowed(url: str) -> bool:
    """Only the hosts listed in settings (WeCom's own by default): a webhook must not reach the intranet."""
    try:
        parts = urlsplit(url)
        return parts.scheme in {"https", "http"} and parts.hostname in settings.NOTIFY_WECOM_HOSTS
    except ValueError:  # "http://[::1" and the like
        return False


def send_wecom(webhook_url: str, title: str, body: str, url: str) -> None:
    if not webhook_allowed(webhook_url):
        raise ChannelError("webhook host not allowed")
    content = f"{title}\n{body}" + (f"\n{site_url(url)}" if url else "")
    payload = json.dumps({"msgtype": "text", "text": {"content": content[:2000]}}, ensure_ascii=False).encode()
    answer = _http(Request(webhook_url, data=payload, headers={"Content-Type": "application/json"}, method="POST"))
    if answer.get("errcode") != 0:
        raise ChannelError(f"wecom {answer.get('errcode', '?')}: {answer.get('errmsg', '')}"[:300])
