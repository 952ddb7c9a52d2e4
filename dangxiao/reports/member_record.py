"""Sections of a member's staff page contributed by the apps above people (people.record): cohorts,
attendance, 学时 by year with the certificate, home delivery, and the residents' liaison work.

Eight queries in all, whatever the member's history: lists are capped and totals are aggregates."""

from django.db.models import Count, Q, Sum
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _

from dangxiao.attendance.models import Attendance, HomeDeliveryPair, StudyHourEntry
from dangxiao.liaison.models import GridRole, Matter
from dangxiao.people.models import Member
from dangxiao.people.record import Section
from dangxiao.teaching.models import Enrollment

SHOWN = 20


def cohorts(member: Member) -> list[Section]:
    enrollments = list(
        Enrollment.objects.filter(member=member).select_related("cohort__organization").order_by("-cohort__starts_on", "-id")[:SHOWN]
    )
    return [Section("cohorts", _("参加的班次"), "reports/record/_cohorts.html", {"enrollments": enrollments}, 10)]


def attendance(member: Member) -> list[Section]:
    marks = Attendance.objects.filter(member=member)
    counts = dict(marks.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    recent = list(marks.select_related("session__cohort").order_by("-session__starts_at", "-id")[:SHOWN])
    summary = [(label, counts.get(value, 0)) for value, label in Attendance.Status.choices]
    return [Section("attendance", _("考勤"), "reports/record/_attendance.html", {"summary": summary, "recent": recent}, 20)]


def study_hours(member: Member) -> list[Section]:
    years = list(
        StudyHourEntry.objects.filter(member=member)
        .annotate(year=ExtractYear("date"))
        .values("year")
        .annotate(hours=Sum("hours"))
        .order_by("-year")
        .values_list("year", "hours")
    )
    return [Section("study_hours", _("学时（按年度）"), "reports/record/_study_hours.html", {"years": years, "member": member}, 30)]


def home_delivery(member: Member) -> list[Section]:
    pairs = list(
        HomeDeliveryPair.objects.filter(Q(elder=member) | Q(helper=member))
        .select_related("elder", "helper", "cohort")
        .order_by("-active", "-created_at")[:SHOWN]
    )
    return [Section("home_delivery", _("送学上门结对"), "reports/record/_home_delivery.html", {"pairs": pairs, "member": member}, 40)]


def liaison(member: Member) -> list[Section]:
    roles = list(GridRole.objects.filter(member=member).select_related("compound").order_by("compound__name", "kind"))
    handled = Matter.objects.filter(Q(assigned_member=member) | Q(resolved_by=member) | Q(assigned_role__member=member)).distinct()
    total = handled.count()
    matters = list(handled.select_related("category", "compound").order_by("-created_at", "-id")[:SHOWN]) if total else []
    data = {"roles": roles, "matters": matters, "total": total}
    return [Section("liaison", _("联户网格职务与经办的关键小事"), "reports/record/_liaison.html", data, 50)]


PROVIDERS = (cohorts, attendance, study_hours, home_delivery, liaison)
