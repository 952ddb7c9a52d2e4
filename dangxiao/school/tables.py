"""The teacher pool, partners and venues as sortable, exportable tables (core.tables)."""

from django.utils.translation import gettext_lazy as _

from dangxiao.core.tables import Column, Table


def _affiliation(t) -> str:
    return t.affiliation or (t.partner.name if t.partner_id else "") or (t.member.organization.name if t.member_id else "")


TEACHERS = Table(
    "teachers",
    [
        Column("name", _("姓名")),
        Column("source", _("来源"), lambda t: t.get_source_display()),
        Column("affiliation", _("单位"), _affiliation),
        Column("topics", _("擅长专题"), lambda t: "、".join(x.name for x in t.topics.all()), sortable=False),
        Column("appointed_until", _("聘期至")),
        Column("session_count", _("授课")),
        Column("rating_avg", _("评分"), lambda t: round(t.rating_avg, 2) if t.rating_avg is not None else None),
        Column("rating_count", _("评分人次")),
    ],
    default="name",
    tiebreak=("pk",),
    title=_("师资库"),
)

PARTNERS = Table(
    "partners",
    [
        Column("name", _("单位")),
        Column("kind", _("类型"), lambda p: p.get_kind_display()),
        Column("agreement_count", _("协议")),
        Column("venue_count", _("共建阵地")),
        Column("teacher_count", _("提供讲师")),
        Column("session_count", _("协办课次")),
    ],
    default="kind",
    tiebreak=("name", "pk"),
    title=_("共建单位"),
)

VENUES = Table(
    "venues",
    [
        Column("name", _("名称")),
        Column("tier", _("层级"), lambda v: v.get_tier_display()),
        Column("kind", _("类型"), lambda v: v.get_kind_display()),
        Column("organization", _("管理组织"), lambda v: v.organization.name if v.organization_id else "", order=("organization__path",)),
        Column("partner", _("共建单位"), lambda v: v.partner.name if v.partner_id else "", order=("partner__name",)),
        Column("capacity", _("容纳人数")),
        Column("session_count", _("课次")),
    ],
    default="tier",
    tiebreak=("name", "pk"),
    title=_("阵地"),
)
