"""Open311 GeoReport v2 over the matters: services (our categories), requests (accepted matters,
nothing personal), posting a request with a board-issued API key, and issuing/revoking those keys.

Field names and formats follow GeoReport v2 so that existing Open311 clients work unchanged:
datetimes are W3C (ISO 8601 with offset, Asia/Shanghai), errors are `[{"code", "description"}]`.
What leaves here never carries the reporter's name, phone, household or room.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from dangxiao.core.params import is_sane_date, sane_date_message
from dangxiao.people.models import Organization

from . import services
from .geo import distance_km
from .models import OPEN_STATES, STATE_TYPES, Compound, Matter, MatterCategory, MatterUpdate, Open311Client, StateType

GROUP = "关键小事"
DEFAULT_DAYS = 90
MAX_RESULTS = 1000
NEAREST_KM = 2.0
SHORT = 200
PHONE_IN_TEXT = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")


class Open311Error(Exception):
    """A refusal in the GeoReport error format: HTTP status and a Chinese description (and, for a 429,
    the seconds after which a retry can succeed)."""

    def __init__(self, code: int, description: str, *, retry_after: int | None = None):
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def as_list(self) -> list[dict]:
        return [{"code": self.code, "description": self.description}]


def w3c(dt: datetime | None) -> str | None:
    return timezone.localtime(dt).isoformat(timespec="seconds") if dt is not None else None


# --- Services ------------------------------------------------------------------------------------


def _committee(params, client: Open311Client | None = None) -> Organization:
    """The working committee an Open311 call is about, checked the same way on every endpoint:
    `jurisdiction_id` (the committee's code) must name a working committee — the key's own when a key
    is given — and may be left out when the key says which, or when the install serves one committee
    only, as GeoReport v2 allows."""
    code = str(params.get("jurisdiction_id") or "").strip()
    if code:
        committee = _jurisdiction(code)
        if client is not None and committee.pk != client.working_committee_id:
            raise Open311Error(404, "未找到该辖区（jurisdiction_id），或本应用的密钥不适用于该辖区")
        return committee
    if client is not None:
        return client.working_committee
    committees = list(Organization.objects.filter(kind=Organization.Kind.WORKING_COMMITTEE).order_by("path")[:2])
    if len(committees) != 1:
        raise Open311Error(400, "本系统服务多个辖区，请提供 jurisdiction_id（党工委的组织编码）")
    return committees[0]


def service_list(params) -> list[dict]:
    return [
        {
            "service_code": c.code,
            "service_name": c.name,
            "description": c.description,
            "metadata": False,
            "type": "realtime",
            "keywords": ",".join(k for k in (c.name, c.code.replace("_", " ")) if k),
            "group": GROUP,
        }
        for c in MatterCategory.objects.filter(working_committee=_committee(params), active=True).order_by("order", "code")
    ]


def service_definition(code: str, params) -> dict:
    if not MatterCategory.objects.filter(working_committee=_committee(params), code=code, active=True).exists():
        raise Open311Error(404, "未找到该服务类别（service_code）")
    # No extra attributes are required; a compound may be given as attribute[compound_id].
    return {"service_code": code, "attributes": []}


# --- Requests: reading ---------------------------------------------------------------------------


def _matters(*, confirmed_only: bool) -> QuerySet:
    """Matters with what a GeoReport request shows, the latest public note included (one query)."""
    latest_note = MatterUpdate.objects.filter(matter=OuterRef("pk"), public=True).exclude(note="").order_by("-at", "-id").values("note")[:1]
    qs = Matter.objects.exclude(state="reported") if confirmed_only else Matter.objects.all()
    return qs.select_related("compound", "category").annotate(status_notes=Subquery(latest_note)).order_by("-created_at", "-id")


def public_matters() -> QuerySet:
    """Accepted matters: what lists show."""
    return _matters(confirmed_only=True)


def _in_committee(qs: QuerySet, committee: Organization) -> QuerySet:
    return qs.filter(compound__community__path__startswith=committee.path)


def _scrub(text: str, name: str, limit: int = SHORT) -> str:
    """Public text (a short description, a note): phone numbers masked, the reporter's name taken out."""
    text = PHONE_IN_TEXT.sub(r"\1****\2", text or "")
    if name and len(name) >= 2:
        text = text.replace(name, "居民")
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _notice(category: MatterCategory) -> str:
    return f"响应时限 {category.respond_hours} 小时，办结时限 {category.resolve_days} 天"


UNCONFIRMED_NOTE = "已收到，待网格员受理后公开"


def request_out(m: Matter) -> dict:
    """One matter as a GeoReport v2 service request. Never the reporter's name, phone or household.
    A request not yet accepted by a grid leader (待受理) is `open` with its category and compound only:
    its words are the resident's, unreviewed, so they stay private until it is accepted."""
    open_ = STATE_TYPES.get(m.state, StateType.OPEN) == StateType.OPEN
    confirmed = m.state != "reported"
    address = m.compound.name + (f" {m.location}" if m.location and confirmed else "")
    notes = getattr(m, "status_notes", None) if confirmed else UNCONFIRMED_NOTE
    return {
        "service_request_id": str(m.pk),
        "status": "open" if open_ else "closed",
        "status_notes": _scrub(notes, m.reporter_name, limit=1000) if notes else None,
        "service_name": m.category.name,
        "service_code": m.category.code,
        "description": _scrub(m.description, m.reporter_name) if confirmed else None,
        "agency_responsible": f"{m.compound.name} 联户网格",
        "service_notice": _notice(m.category),
        "requested_datetime": w3c(m.created_at),
        "updated_datetime": w3c(m.updated_at),
        "expected_datetime": w3c(m.resolve_by) if open_ else None,
        "address": address,
        "address_id": None,
        "zipcode": None,
        "lat": float(m.latitude) if m.latitude is not None else None,
        "long": float(m.longitude) if m.longitude is not None else None,
        "media_url": None,
    }


def _when(value: str, *, end: bool) -> datetime:
    """A W3C datetime (or a bare date: its start, or the end of it for end_date)."""
    value = (value or "").strip().replace(" ", "+")  # a '+' offset left unescaped in a query string arrives as a space
    parsed = None
    try:
        if len(value) == 10 and (day := parse_date(value)) is not None:
            parsed = datetime.combine(day, time.min)
        else:
            parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise Open311Error(400, "日期格式不对，应为 W3C 格式，如 2026-11-02T09:00:00+08:00")
    if not is_sane_date(parsed):  # before any arithmetic: 9999-12-31 plus a day overflows
        raise Open311Error(400, sane_date_message())
    if end and len(value) == 10:
        parsed += timedelta(days=1)
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _id(value: str) -> int | None:
    value = str(value or "").strip()
    return int(value) if value.isdigit() and len(value) <= 9 else None


def _split(value: str) -> list[str]:
    return [v.strip() for v in (value or "").split(",") if v.strip()]


def _jurisdiction(code: str) -> Organization:
    org = Organization.objects.filter(code=code, kind=Organization.Kind.WORKING_COMMITTEE).first()
    if org is None:
        raise Open311Error(404, "未找到该辖区（jurisdiction_id）")
    return org


def request_list(params, *, now: datetime | None = None) -> list[dict]:
    """GET requests.json: by ids (other filters then ignored, as the spec says), or by service_code,
    status and dates (the last 90 days when no date is given), at most 1000, newest first."""
    now = now or timezone.now()
    committee = _committee(params)
    ids = _split(params.get("service_request_id", ""))
    if ids:
        # By id, a request is found from the moment it is posted (clients post, then poll).
        if any(_id(i) is None for i in ids):
            raise Open311Error(400, "service_request_id 应为以逗号分隔的数字")
        found = _in_committee(_matters(confirmed_only=False), committee).filter(pk__in=[_id(i) for i in ids])
        return [request_out(m) for m in found[:MAX_RESULTS]]
    qs = _in_committee(public_matters(), committee)
    codes = _split(params.get("service_code", ""))
    if codes:
        categories = MatterCategory.objects.filter(code__in=codes, working_committee=committee)
        known = set(categories.values_list("code", flat=True))
        if unknown := [c for c in codes if c not in known]:
            raise Open311Error(404, f"未找到服务类别：{', '.join(unknown)}")
        qs = qs.filter(category__code__in=codes)
    statuses = set(_split(params.get("status", "")))
    if statuses - {"open", "closed"}:
        raise Open311Error(400, "status 只能是 open 或 closed")
    if statuses == {"open"}:
        qs = qs.filter(state__in=OPEN_STATES)
    elif statuses == {"closed"}:
        qs = qs.exclude(state__in=OPEN_STATES)
    start = _when(params["start_date"], end=False) if params.get("start_date") else None
    end = _when(params["end_date"], end=True) if params.get("end_date") else None
    if start and end and start > end:
        raise Open311Error(400, "start_date 不能晚于 end_date")
    if start is None and end is None:
        start = now - timedelta(days=DEFAULT_DAYS)
    if start is not None:
        qs = qs.filter(created_at__gte=start)
    if end is not None:
        qs = qs.filter(created_at__lte=end)
    return [request_out(m) for m in qs[:MAX_RESULTS]]


def request_detail(request_id: str, params) -> list[dict]:
    """GET requests/{id}: one request of the jurisdiction, found from the moment it was posted."""
    committee = _committee(params)
    pk = _id(request_id)
    matter = _in_committee(_matters(confirmed_only=False), committee).filter(pk=pk).first() if pk is not None else None
    if matter is None:
        raise Open311Error(404, "未找到该事项（service_request_id）")
    return [request_out(matter)]


# --- Requests: posting ---------------------------------------------------------------------------


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def client_for_key(key: str) -> Open311Client | None:
    """The live client holding this API key; revoked or unknown keys find nothing."""
    key = (key or "").strip()
    if not key:
        return None
    return Open311Client.objects.select_related("working_committee").filter(key_hash=key_hash(key), revoked_at__isnull=True).first()


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if number == number else None  # NaN


def locate(client: Open311Client, params) -> tuple[Compound, str]:
    """The compound a request is about, inside the client's working committee: attribute[compound_id],
    else the nearest compound to lat/long within 2 km, else one named in address_string."""
    compounds = Compound.objects.filter(community__path__startswith=client.working_committee.path)
    address = (params.get("address_string") or "").strip()
    compound_id = (params.get("attribute[compound_id]") or params.get("compound_id") or "").strip()
    attribute = params.get("attribute")
    if not compound_id and isinstance(attribute, dict):
        compound_id = str(attribute.get("compound_id") or "").strip()
    if compound_id:
        found = compounds.filter(pk=_id(compound_id)).first() if _id(compound_id) is not None else None
        if found is None:
            raise Open311Error(404, "未找到该小区（compound_id），或不在本应用的辖区内")
        return found, address
    lat, lon = params.get("lat"), params.get("long")
    if lat not in (None, "") or lon not in (None, ""):
        lat, lon = _number(lat), _number(lon)
        if lat is None or lon is None or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise Open311Error(400, "lat/long 须为有效的经纬度数字")
        located = [
            (distance_km(lat, lon, c.latitude, c.longitude), c.pk, c)
            for c in compounds.filter(latitude__isnull=False, longitude__isnull=False)
        ]
        nearest = min(located, default=None, key=lambda t: (t[0], t[1]))
        if nearest is None or nearest[0] > NEAREST_KM:
            raise Open311Error(400, f"该位置 {NEAREST_KM:g} 公里内没有本辖区的小区，请在地址中写明小区名称")
        return nearest[2], address
    if address:
        named = sorted((c for c in compounds if c.name in address), key=lambda c: (-len(c.name), c.pk))
        if not named:
            raise Open311Error(400, "地址中没有找到本辖区的小区名称，请写明小区名称或提供经纬度")
        compound = named[0]
        return compound, address.replace(compound.name, "", 1).strip(" ，,")
    raise Open311Error(400, "缺少位置：请提供 lat 和 long、address_string，或 attribute[compound_id]")


@dataclass
class Posted:
    matter: Matter

    def as_list(self) -> list[dict]:
        return [{"service_request_id": str(self.matter.pk), "service_notice": UNCONFIRMED_NOTE, "account_id": None}]


@transaction.atomic
def request_create(params, *, client_ip: str | None, now: datetime | None = None) -> Posted:
    """POST requests.json: a new matter (unconfirmed until a grid leader accepts it), within the key's
    hourly limit (and the reporter phone's daily one). Refusals raise Open311Error and save nothing."""
    now = now or timezone.now()
    client = client_for_key(str(params.get("api_key") or ""))
    if client is None:
        raise Open311Error(403, "API 密钥无效或已吊销")
    _committee(params, client)
    # One writer per key at a time, so that simultaneous posts cannot all slip under the limit.
    client = Open311Client.objects.select_for_update().select_related("working_committee").get(pk=client.pk)
    _check_key_limit(client, now)
    code = (params.get("service_code") or "").strip()
    if not code:
        raise Open311Error(400, "缺少 service_code")
    # The key's working committee's categories: another committee's codes are not its services.
    category = MatterCategory.objects.filter(working_committee=client.working_committee, code=code, active=True).first()
    if category is None:
        raise Open311Error(404, "未找到该服务类别（service_code）")
    compound, location = locate(client, params)
    name = " ".join(p for p in ((params.get("last_name") or "").strip(), (params.get("first_name") or "").strip()) if p)
    fingerprint = services.fingerprint(client_ip)
    lat, lon = _number(params.get("lat")), _number(params.get("long"))
    located = lat is not None and lon is not None and -90 <= lat <= 90 and -180 <= lon <= 180
    try:
        with transaction.atomic():
            matter = services.matter_report(
                compound,
                category=category,
                description=params.get("description") or "",
                location=location,
                reporter_name=name,
                reporter_phone=(params.get("phone") or "").strip(),
                source=Matter.Source.OPEN311,
                address_fingerprint=fingerprint,
                open311_client=client,
                latitude=Decimal(f"{lat:.6f}") if located else None,
                longitude=Decimal(f"{lon:.6f}") if located else None,
                now=now,
            )
            media = (params.get("media_url") or "").strip()[:500]
            services.matter_note(
                matter,
                None,
                f"经 Open311 应用「{client.name}」提交" + (f"；附件链接：{media}" if media else ""),
                label=f"Open311：{client.name}",
                now=now,
            )
    except services.RateLimited as exc:
        raise Open311Error(429, str(exc), retry_after=exc.retry_after) from None
    except services.MatterError as exc:
        raise Open311Error(400, str(exc)) from None
    return Posted(matter)


def _check_key_limit(client: Open311Client, now: datetime) -> None:
    """429 once the key has posted its hourly limit within the last hour, saying when one slot frees."""
    window = now - timedelta(hours=1)
    recent = list(
        client.matters.filter(created_at__gt=window).order_by("-created_at").values_list("created_at", flat=True)[: client.hourly_limit]
    )
    if len(recent) >= client.hourly_limit:
        frees_at = recent[-1] + timedelta(hours=1)
        wait = max(1, int((frees_at - now).total_seconds()) + 1)
        raise Open311Error(429, f"本应用一小时内提交已达上限（{client.hourly_limit} 条），请 {wait} 秒后再试", retry_after=wait)


# --- Discovery -----------------------------------------------------------------------------------

CHANGESET = "2026-12-07T00:00:00+08:00"
SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"


def discovery(endpoint_url: str) -> dict:
    """GET discovery: where the endpoint is, what it speaks, and how to get a key."""
    return {
        "changeset": CHANGESET,
        "contact": "所在街道党工委（党校校委）",
        "key_service": "向党工委申请，由校委在系统的“Open311 接入密钥”页面签发（/liaison/open311/keys/）",
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": endpoint_url,
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


# --- Keys the board issues -----------------------------------------------------------------------


def client_list(committees) -> QuerySet:
    return (
        Open311Client.objects.filter(working_committee__in=committees)
        .select_related("working_committee", "issued_by")
        .order_by("-created_at", "-id")
    )


@transaction.atomic
def client_issue(*, name: str, working_committee: Organization, issued_by, hourly_limit: int = 60) -> tuple[Open311Client, str]:
    """A new client and its key. The key is returned once; only its hash and 8-character prefix are kept."""
    name = (name or "").strip()
    if not name:
        raise services.MatterError("请填写应用名称")
    if len(name) > 80:
        raise services.MatterError("应用名称不能超过 80 字")
    key = secrets.token_urlsafe(30)
    client = Open311Client.objects.create(
        name=name,
        key_prefix=key[:8],
        key_hash=key_hash(key),
        working_committee=working_committee,
        issued_by=issued_by,
        hourly_limit=hourly_limit,
    )
    return client, key


MAX_HOURLY_LIMIT = 10_000


def parse_hourly_limit(value) -> int:
    """The board's per-key hourly limit from a form field: a whole number from 1 to 10,000."""
    text = str(value if value is not None else "").strip()
    if not text.isdigit() or len(text) > 6 or not 1 <= int(text) <= MAX_HOURLY_LIMIT:
        raise services.MatterError(f"每小时提交上限应为 1 到 {MAX_HOURLY_LIMIT:,} 之间的整数")
    return int(text)


@transaction.atomic
def client_set_limit(client: Open311Client, hourly_limit: int) -> Open311Client:
    """Set how many requests the key may post per hour; a revoked key keeps its history unchanged."""
    client = Open311Client.objects.select_for_update().get(pk=client.pk)
    if client.revoked_at is not None:
        raise services.MatterError("该密钥已吊销")
    client.hourly_limit = hourly_limit
    client.save(update_fields=["hourly_limit"])
    return client


@transaction.atomic
def client_revoke(client: Open311Client, *, now: datetime | None = None) -> Open311Client:
    client = Open311Client.objects.select_for_update().get(pk=client.pk)
    if client.revoked_at is not None:
        raise services.MatterError("该密钥已吊销")
    client.revoked_at = now or timezone.now()
    client.save(update_fields=["revoked_at"])
    return client
