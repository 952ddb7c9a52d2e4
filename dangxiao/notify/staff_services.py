"""Staff's writes in the notify app: the organisation's WeCom group robot, and an activation code sent to a
member by SMS (the code goes only to the provider: it is written nowhere, not even in the notice)."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.core import access
from dangxiao.core.audit import audit_record
from dangxiao.people import activation
from dangxiao.people.models import ActivationCode, Member, Organization, User

from . import channels
from .models import Channel, Delivery, Kind, WeComRobot


class NotifyError(Exception):
    """What the user asked cannot be done; the message says why, in Chinese."""


def _check_webhook(url: str) -> str:
    url = (url or "").strip()
    if not channels.webhook_allowed(url):
        raise NotifyError(_("Webhook 地址须是企业微信群机器人的地址（https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…）"))
    return url


@transaction.atomic
def robot_set(organization: Organization, *, webhook_url: str, enabled: bool = True, by: User, request=None) -> WeComRobot:
    """Create or change the organisation's group robot (one per organisation), audited."""
    url = _check_webhook(webhook_url)
    robot = WeComRobot.objects.select_for_update().filter(organization=organization).first()
    created = robot is None
    if created:
        robot = WeComRobot(organization=organization)
    robot.webhook_url, robot.enabled, robot.updated_by = url, enabled, by
    try:
        with transaction.atomic():
            robot.save()
    except IntegrityError:
        raise NotifyError(_("该组织已设置群机器人")) from None
    audit_record(
        request,
        "record_create" if created else "record_update",
        organization_id=organization.pk,
        object_type="wecom_robot",
        object_id=robot.pk,
        summary=f"{'设置' if created else '修改'}企业微信群机器人：{organization.name}",
        detail={"enabled": enabled},  # the webhook's key is a secret: not in the log
    )
    return robot


@transaction.atomic
def robot_retire(robot: WeComRobot, *, request=None) -> None:
    org = robot.organization
    audit_record(
        request,
        "record_retire",
        organization_id=org.pk,
        object_type="wecom_robot",
        object_id=robot.pk,
        summary=f"删除企业微信群机器人：{org.name}",
    )
    robot.delete()


def activation_sms_send(actor: User, member: Member, *, request=None, now: datetime | None = None) -> Delivery:
    """Issue a new code for the member (the previous one stops working) and send it to their phone by SMS.
    The code exists only in this call and the provider's message; the delivery records that it was sent (or
    why not), and the audit log both the issue and the sending. NotifyError when no SMS provider is set up,
    or the member may not get a code."""
    now = now or timezone.now()
    if not channels.sms_configured():
        raise NotifyError(_("未配置短信服务，请打印或导出激活码发放"))
    issued = activation.activation_codes_issue(
        actor, access.filter_roster(actor).filter(pk=member.pk), replace=True, request=request, description="短信发送"
    )
    if not issued:
        raise NotifyError(_("该党员的账号已在使用，不能发放激活码。"))
    code = issued[0]
    delivery = Delivery.objects.create(
        event_key=f"activation:{member.pk}:{now:%Y%m%d%H%M%S%f}",
        user=member.user,
        member=member,
        channel=Channel.SMS,
        kind=Kind.ACTIVATION,
        title=str(_("账号激活码")),
        body="",
        due_at=now,
        created=now,
        status=Delivery.Status.SENDING,
        attempts=1,
    )
    try:
        channels.send_sms(member.phone, Kind.ACTIVATION, {"code": code.code})
    except channels.ChannelError as exc:
        delivery.status, delivery.last_error = Delivery.Status.FAILED, str(exc)[:300]
        # Nobody will ever read the code: void it, so that the secretary's message tells the truth.
        ActivationCode.objects.filter(member=member, used_at__isnull=True, revoked_at__isnull=True).update(revoked_at=now)
    else:
        delivery.status, delivery.sent_at = Delivery.Status.SENT, now
    delivery.save(update_fields=["status", "last_error", "sent_at"])
    audit_record(
        request,
        "create",
        organization_id=member.organization_id,
        object_type="member",
        object_id=member.pk,
        summary=f"短信发送激活码：{member.name}（{delivery.get_status_display()}）",
        detail={"delivery": delivery.pk, "status": delivery.status},
    )
    if delivery.status == Delivery.Status.FAILED:
        raise NotifyError(_("短信未能发出（%(error)s），激活码已作废，请稍后再试或改为打印发放。") % {"error": delivery.last_error})
    return delivery
