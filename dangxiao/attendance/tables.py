"""学时 compliance and attendance analysis as sortable, exportable tables (core.tables).

Their rows are computed in Python (ledger.compliance, ledger.attendance_rates), so each column sorts
by its value; a page with several tables gives each its own sort parameter."""

from django.utils.translation import gettext_lazy as _

from dangxiao.core.tables import Column, Table


def _percent(rate: float | None) -> float | None:
    return round(rate * 100, 1) if rate is not None else None


def _org_name(row) -> str:
    return f"{row.organization.name}（本级）" if row.is_self else row.organization.name


COMPLIANCE_ORGS = Table(
    "compliance",
    [
        Column("organization", _("组织"), _org_name, sort_by=lambda r: r.organization.path),
        Column("members", _("党员")),
        Column("exempt", _("免于考核")),
        Column("met", _("已达标")),
        Column("met_rate", _("达标率"), lambda r: _percent(r.met_rate)),
        Column("at_risk", _("有风险")),
        Column("hours", _("累计学时")),
    ],
    default="organization",
    title=_("学时达标情况"),
)

AT_RISK = Table(
    "study_hours_at_risk",
    [
        Column("name", _("姓名")),
        Column("organization", _("组织")),
        Column("position", _("职务"), lambda m: m.position_label),
        Column("hours", _("已获学时")),
        Column("required", _("要求")),
        Column("projected", _("预计全年")),
        Column("shortfall", _("尚差")),
    ],
    default="-shortfall",
    param="msort",
    title=_("学时预警党员"),
)


def _group_name(row) -> str:
    return f"{row.subject.name}（本级）" if row.is_self else row.subject.name


RATE_COLUMNS = [
    Column("attended", _("出勤")),
    Column("held", _("已举行")),
    Column("rate_held", _("出勤率（已举行）"), lambda r: _percent(r.rate_held)),
    Column("planned", _("全部计划")),
    Column("rate_planned", _("出勤率（全部计划）"), lambda r: _percent(r.rate_planned)),
]

ORG_RATES = Table(
    "attendance_by_organization",
    [
        Column("organization", _("组织"), _group_name, sort_by=lambda r: r.subject.path),
        Column("members", _("党员")),
        *RATE_COLUMNS,
    ],
    default="organization",
    title=_("按组织出勤率"),
)

COHORT_RATES = Table(
    "attendance_by_cohort",
    [
        Column("cohort", _("班次"), lambda r: r.subject.name),
        Column("organization", _("主办组织"), lambda r: r.subject.organization.name),
        Column("members", _("报名")),
        *RATE_COLUMNS,
    ],
    default="-rate_held",
    param="csort",
    title=_("按班次出勤率"),
)

WARNINGS = Table(
    "absentee_warnings",
    [
        Column("name", _("姓名")),
        Column("organization", _("组织")),
        *RATE_COLUMNS,
    ],
    default="rate_held",
    param="wsort",
    page_params=("wpage",),
    title=_("缺勤预警"),
)

INACTIVE = Table(
    "inactive_members",
    [
        Column("name", _("姓名")),
        Column("organization", _("组织"), lambda m: m.organization.name, order=("organization__path",)),
        Column("is_mobile", _("流动党员"), lambda m: str(_("是")) if m.is_mobile else ""),
        Column("last_attended", _("最近出勤")),
        Column("last_credit", _("最近学时记录")),
    ],
    default="organization",
    param="isort",
    tiebreak=("name", "pk"),
    title=_("连续6个月未参加组织生活的党员"),
)
