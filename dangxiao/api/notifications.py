"""The caller's notifications (list, unread count, mark read), their notification preferences, and the board's
WeCom group robots. A notification is its recipient's alone: anyone else's id is a 404."""

from datetime import datetime, time

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import field_validator

from dangxiao.core import access
from dangxiao.notify import selectors, services, staff_services
from dangxiao.notify.models import Channel, Kind, Notification, WeComRobot

from .cohorts import ErrorBody
from .params import Id
from .school import PageQuery, paginate

router = Router(tags=["notifications"])


class Message(Schema):
    detail: str


class NotificationOut(Schema):
    id: int
    kind: Kind
    kind_label: str
    title: str
    body: str
    url: str
    created: datetime
    read_at: datetime | None


class NotificationPage(Schema):
    count: int
    page: int
    page_size: int
    unread: int
    items: list[NotificationOut]


class UnreadOut(Schema):
    unread: int


class MarkedOut(Schema):
    marked: int


class KindChannels(Schema):
    kind: Kind
    label: str
    offered: list[Channel] = Field(description="可选的方式（企业微信群仅限工作类通知）")
    channels: list[Channel] = Field(description="已选的方式；站内通知总会送达")


class PreferencesOut(Schema):
    kinds: list[KindChannels]
    quiet_enabled: bool
    # Local wall-clock times (Beijing), "22:00:00": JSON Schema's "time" format demands an offset, which a
    # quiet period that follows the reader's day has not.
    quiet_start: str = Field(pattern=r"^\d{2}:\d{2}:\d{2}$", examples=["22:00:00"])
    quiet_end: str = Field(pattern=r"^\d{2}:\d{2}:\d{2}$", examples=["07:00:00"])
    email: str = Field(description="邮件发送到的地址（账号上的邮箱）")
    phone: str = Field(description="短信发送到的手机号（党员档案上的手机号）")

    @field_validator("quiet_start", "quiet_end", mode="before")
    @classmethod
    def _clock(cls, value):
        return value.strftime("%H:%M:%S") if isinstance(value, time) else value


class PreferencesIn(Schema):
    channels: dict[Kind, list[Channel]] = Field(default_factory=dict, description="每类通知选用的方式；未列出的类别清空")
    quiet_enabled: bool = True
    quiet_start: time = time(22, 0)
    quiet_end: time = time(7, 0)


class RobotOut(Schema):
    id: int
    organization_id: int
    organization: str
    enabled: bool
    updated_at: datetime


class RobotPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[RobotOut]


class RobotIn(Schema):
    webhook_url: str = Field(max_length=300, description="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…")
    enabled: bool = True


def _item(n: Notification) -> dict:
    return {
        "id": n.pk,
        "kind": n.kind,
        "kind_label": n.get_kind_display(),
        "title": n.title,
        "body": n.body,
        "url": n.url,
        "created": timezone.localtime(n.created),
        "read_at": timezone.localtime(n.read_at) if n.read_at else None,
    }


def _robot(r: WeComRobot) -> dict:
    return {
        "id": r.pk,
        "organization_id": r.organization_id,
        "organization": r.organization.name,
        "enabled": r.enabled,
        "updated_at": timezone.localtime(r.updated_at),
    }


@router.get("/notifications", response={200: NotificationPage}, summary="The caller's notifications, newest first")
def notification_list(request, query: Query[PageQuery]):
    page = paginate(selectors.notifications_for(request.user), query, _item)
    return {**page, "unread": selectors.unread_count(request.user)}


@router.get("/notifications/unread-count", response={200: UnreadOut}, summary="How many of the caller's notifications are unread")
def notification_unread(request):
    return {"unread": selectors.unread_count(request.user)}


@router.post("/notifications/read-all", response={200: MarkedOut}, summary="Mark all the caller's notifications read")
def notification_read_all(request):
    return {"marked": services.notifications_mark_all_read(request.user)}


@router.post(
    "/notifications/{notification_id}/read",
    response={200: NotificationOut, 404: Message},
    summary="Mark one of the caller's notifications read (another user's is a 404)",
)
def notification_read(request, notification_id: Id):
    notification = access.get_notification_or_404(request.user, notification_id)
    return _item(services.notification_mark_read(notification))


@router.get("/notifications/preferences", response={200: PreferencesOut}, summary="The caller's channels per kind and quiet hours")
def preferences_get(request):
    return selectors.preferences_for(request.user)


@router.put(
    "/notifications/preferences",
    response={200: PreferencesOut, 422: ErrorBody},
    summary="Choose channels per kind (channels not offered for a kind are dropped) and quiet hours",
)
def preferences_put(request, body: PreferencesIn):
    services.preferences_update(
        request.user,
        channels_by_kind={str(k): [str(c) for c in v] for k, v in body.channels.items()},
        quiet_enabled=body.quiet_enabled,
        quiet_start=body.quiet_start.replace(tzinfo=None),
        quiet_end=body.quiet_end.replace(tzinfo=None),
    )
    return selectors.preferences_for(request.user)


@router.get(
    "/notifications/robots",
    response={200: RobotPage, 404: Message},
    summary="The WeCom group robots of the board's organisations (the webhook's key is not shown)",
)
def robot_list(request, query: Query[PageQuery]):
    access.require(access.scope_for(request.user).is_board)
    return paginate(selectors.robots_for(request.user), query, _robot)


@router.put(
    "/notifications/robots/{org_id}",
    response={200: RobotOut, 404: Message, 422: ErrorBody},
    summary="Set (create or change) the WeCom group robot of an organisation in the board's scope",
)
def robot_put(request, org_id: Id, body: RobotIn):
    access.require(access.scope_for(request.user).is_board)
    org = access.get_organization_or_404(request.user, org_id, access.filter_robot_organizations(request.user))
    try:
        robot = staff_services.robot_set(org, webhook_url=body.webhook_url, enabled=body.enabled, by=request.user, request=request)
    except staff_services.NotifyError as exc:
        return Status(422, {"detail": str(exc), "errors": [{"field": "webhook_url", "message": str(exc)}]})
    return _robot(robot)


@router.delete(
    "/notifications/robots/{org_id}",
    response={204: None, 404: Message},
    summary="Remove the WeCom group robot of an organisation in the board's scope",
)
def robot_delete(request, org_id: Id):
    access.require(access.scope_for(request.user).is_board)
    robot = access.filter_wecom_robots(request.user).select_related("organization").filter(organization_id=org_id).first()
    if robot is None:
        return Status(404, {"detail": _("群机器人不存在")})
    staff_services.robot_retire(robot, request=request)
    return Status(204, None)
