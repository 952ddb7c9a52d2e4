"""The matters queue and the liaison figures as sortable, exportable tables (core.tables)."""

from django.db.models import Case, F, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangxiao.core.tables import Column, Table

from .models import STATE_TYPES, StateType


def _local(value):
    return timezone.localtime(value) if value else None


def _assignee(m) -> str:
    if m.assigned_party_id:
        return m.assigned_party.name
    if m.assigned_member_id:
        return m.assigned_member.name
    if m.assigned_role_id:
        return f"{m.assigned_role.get_kind_display()} {m.assigned_role.name}"
    return ""


def with_deadline(matters):
    """Matters annotated with `deadline_at`, the current level's deadline (as Matter.current_deadline):
    to respond while reported, to resolve while open, none once fixed or closed; so it can sort."""
    open_codes = [code for code, kind in STATE_TYPES.items() if kind == StateType.OPEN and code != "reported"]
    return matters.annotate(
        deadline_at=Case(When(state="reported", then=F("respond_by")), When(state__in=open_codes, then=F("resolve_by")), default=None)
    )


MATTERS = Table(
    "matters",
    [
        Column("id", _("编号"), lambda m: m.pk, order=("pk",)),
        Column("compound", _("小区"), lambda m: m.compound.name, order=("compound__name",)),
        Column("category", _("类别"), lambda m: m.category.name, order=("category__name",)),
        Column("description", _("描述"), sortable=False),
        Column("state", _("状态"), lambda m: getattr(m, "state_label", m.state)),
        Column("level", _("层级"), lambda m: m.get_level_display()),
        Column("assignee", _("责任人"), _assignee, sortable=False),
        Column("created_at", _("反映时间"), lambda m: _local(m.created_at)),
        Column("deadline", _("期限"), lambda m: _local(m.deadline_at), order=("deadline_at",)),
        Column("households", _("受益户数"), lambda m: m.households_benefited, order=("households_benefited",)),
    ],
    default="-created_at",
    tiebreak=("-pk",),
    title=_("关键小事"),
)

FIGURES_COMPOUNDS = Table(
    "liaison_figures",
    [
        Column("name", _("小区")),
        Column("community", _("社区")),
        Column("total", _("反映")),
        Column("open", _("处理中")),
        Column("resolved", _("已解决")),
        Column("closed", _("已关闭")),
        Column("overdue", _("当前逾期")),
        Column("households", _("受益户数")),
    ],
    default="community",
    title=_("各小区事项"),
)

FIGURES_CATEGORIES = Table(
    "liaison_figures_categories",
    [
        Column("name", _("类别")),
        Column("total", _("反映")),
        Column("open", _("处理中")),
        Column("resolved", _("已解决")),
        Column("closed", _("已关闭")),
        Column("households", _("受益户数")),
        Column("respond_median", _("响应中位（小时）"), lambda r: r.respond.median),
        Column("resolve_median", _("办结中位（小时）"), lambda r: r.resolve.median),
    ],
    default="-total",
    param="csort",
    title=_("各类别事项"),
)
