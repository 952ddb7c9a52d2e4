"""Cohorts and sessions as sortable, filterable, exportable tables (core.tables)."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangxiao.core.tables import Column, Table


def _local(value):
    return timezone.localtime(value) if value else None


COHORTS = Table(
    "cohorts",
    [
        Column("name", _("班次")),
        Column("organization", _("主办组织"), lambda c: c.organization.name, order=("organization__path",)),
        Column("mode", _("方式"), lambda c: c.get_mode_display()),
        Column("starts_on", _("开始日期")),
        Column("ends_on", _("结束日期")),
        Column("enrolled", _("报名")),
        Column("seat_limit", _("名额")),
        Column("waitlisted", _("候补")),
        Column("session_count", _("课次")),
    ],
    default="-starts_on",
    tiebreak=("name", "pk"),
    title=_("班次"),
)

SESSIONS = Table(
    "sessions",
    [
        Column("starts_at", _("开始时间"), lambda s: _local(s.starts_at)),
        Column("title", _("课次名称")),
        Column("cohort", _("班次"), lambda s: s.cohort.name, order=("cohort__name",)),
        Column("organization", _("主办组织"), lambda s: s.cohort.organization.name, order=("cohort__organization__path",)),
        Column("venue", _("教学点"), lambda s: s.venue.name if s.venue else "", order=("venue__name",)),
        Column("teacher", _("讲师"), lambda s: s.teacher.name if s.teacher else "", order=("teacher__name",)),
        Column("hours", _("学时")),
        Column("status", _("状态"), lambda s: s.phase_label),
    ],
    default="starts_at",
    tiebreak=("pk",),
    title=_("课次"),
)
