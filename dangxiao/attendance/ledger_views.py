"""学时 pages: a member's progress on the phone; compliance, the year's rule and attendance analysis
for staff. Staff pages answer 404 to anyone without staff scope, and to organisations outside it."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangxiao.core import access
from dangxiao.core.params import year_param
from dangxiao.people.models import Member, Organization
from dangxiao.people.selectors import scope_root
from dangxiao.school.selectors import school_for_organization

from . import ledger
from .models import AttendancePolicy, StudyHourRule
from .services import policy_for
from .tables import AT_RISK, COHORT_RATES, COMPLIANCE_ORGS, INACTIVE, ORG_RATES, WARNINGS

YEARS_BACK = 3


def _year(request) -> int:
    current = timezone.localdate().year
    year = year_param(request.GET.get("year"), current)
    return year if year <= current + 1 else current


def _years(selected: int) -> list[int]:
    current = timezone.localdate().year
    return sorted({*range(current - YEARS_BACK, current + 2), selected}, reverse=True)


def _require_staff(request) -> None:
    access.require(access.scope_for(request.user).is_staff)


def _staff_organizations(request):
    q = access.staff_q(access.scope_for(request.user), "path")
    qs = Organization.objects.all() if q is None else Organization.objects.filter(q)
    return qs.order_by("path")


def _root(request) -> Organization:
    """The organisation chosen in the filter (404 outside the staff scope), or the highest one managed."""
    if request.GET.get("org"):
        return access.get_organization_or_404(request.user, request.GET["org"], _staff_organizations(request))
    root = scope_root(request.user)
    access.require(root is not None)
    return root


def _querystring(request, **drop) -> str:
    params = request.GET.copy()
    for key in drop:
        params.pop(key, None)
    text = params.urlencode()
    return f"{text}&" if text else ""


@login_required
def my_hours(request):
    """The member's 学时 this year against the requirement, and every credit by source (phone first)."""
    scope = access.scope_for(request.user)
    access.require(scope.member_id is not None)
    member = access.get_member_or_404(request.user, scope.member_id, Member.objects.select_related("organization"))
    year = _year(request)
    progress = ledger.member_year(member, year)
    return render(request, "attendance/ledger/my_hours.html", {"active": "hours", "p": progress, "years": _years(year)})


def _compliance(request):
    _require_staff(request)
    root, year = _root(request), _year(request)
    return ledger.compliance(request.user, root, year, timezone.localdate()), COMPLIANCE_ORGS.bind(request), AT_RISK.bind(request)


@login_required
def compliance_export(request):
    """The compliance table per organisation, or (`?table=members`) the members at risk, as shown."""
    result, orgs, members = _compliance(request)
    if request.GET.get("table") == "members":
        return members.export(result.at_risk, "study-hours-at-risk", organization_id=result.root.pk, personal=True)
    return orgs.export(result.rows, "study-hours")


@login_required
def compliance(request):
    """Compliance per child organisation for secretaries and the board, with the members at risk."""
    result, orgs, members = _compliance(request)
    page = Paginator(members.order(result.at_risk), 50).get_page(request.GET.get("page"))
    context = {
        "active": "ledger",
        "c": result,
        "rows": orgs.order(result.rows),
        "orgs_table": orgs,
        "members_table": members,
        "page": page,
        "years": _years(result.year),
        "organizations": _staff_organizations(request),
        "querystring_nopage": _querystring(request, page=True),
        "can_edit_rule": access.scope_for(request.user).is_board,
    }
    return render(request, "attendance/ledger/compliance.html", context)


class StudyHourRuleForm(forms.ModelForm):
    class Meta:
        model = StudyHourRule
        fields = ["member_hours", "leader_hours", "exempt_elderly_infirm", "note"]
        labels = {
            "member_hours": gettext_lazy("党员每年学时"),
            "leader_hours": gettext_lazy("书记、委员每年学时"),
            "exempt_elderly_infirm": gettext_lazy("年老体弱、行动不便的党员不作硬性要求"),
            "note": gettext_lazy("依据"),
        }

    def clean(self):
        data = super().clean()
        for name in ("member_hours", "leader_hours"):
            value = data.get(name)
            if value is not None and not 0 < value <= 500:
                self.add_error(name, _("学时应大于0且不超过500"))
        if data.get("member_hours") and data.get("leader_hours") and data["leader_hours"] < data["member_hours"]:
            self.add_error("leader_hours", _("书记、委员的要求不应低于普通党员"))
        return data


@login_required
def rules(request):
    """The board edits the year's requirement; saving creates the year's rule if it was still the default."""
    access.require(access.scope_for(request.user).is_board)
    school = access.board_schools(request.user).select_related("organization").order_by("organization__depth", "pk").first()
    access.require(school is not None)
    year = _year(request)
    rule = ledger.rule_for(school, year)
    form = StudyHourRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                form.save()
        except IntegrityError:  # another board member saved the same year at the same moment
            messages.error(request, _("该年度的学时要求刚被他人保存，请刷新后再改"))
        else:
            messages.success(request, _("%(year)s年学时要求已保存") % {"year": year})
            return redirect(f"{reverse('ledger_rules')}?year={year}")
    saved = StudyHourRule.objects.filter(school=school).order_by("-year")
    context = {"active": "ledger", "form": form, "rule": rule, "school": school, "year": year, "years": _years(year), "saved": saved}
    return render(request, "attendance/ledger/rules.html", context, status=422 if form.errors else 200)


WARNINGS_PER_PAGE = 50


@login_required
def analysis(request):
    """Attendance per cohort and organisation over sessions held and planned, side by side; members
    below the warning threshold; members with six months without organisational life or contact."""
    a = _analysis(request)
    inactive = Paginator(a["inactive"], 50).get_page(request.GET.get("page"))
    warnings = Paginator(a["warnings"], WARNINGS_PER_PAGE).get_page(request.GET.get("wpage"))
    root, year, today, rates, policy = a["root"], a["year"], a["today"], a["rates"], a["policy"]
    context = {
        "active": "analysis",
        "root": root,
        "year": year,
        "years": _years(year),
        "organizations": _staff_organizations(request),
        "rates": rates,
        "org_rows": a["organizations"],
        "cohort_rows": a["cohorts"],
        **{f"{name}_table": table for name, table in a["tables"].items()},
        "policy": policy,
        "warnings": warnings,
        "page": inactive,
        "cutoff": ledger.months_before(today, ledger.INACTIVE_MONTHS),
        "querystring_nopage": _querystring(request, page=True),
        "querystring_nowpage": _querystring(request, wpage=True),
    }
    return render(request, "attendance/ledger/analysis.html", context)


def _analysis(request) -> dict:
    """The analysis page's four tables, each ordered as its own sort parameter asks."""
    _require_staff(request)
    root, year = _root(request), _year(request)
    today = timezone.localdate()
    rates = ledger.attendance_rates(request.user, root, year=year)
    school = school_for_organization(root)
    policy = policy_for(school.pk) if school else AttendancePolicy()
    bound = {
        "organizations": ORG_RATES.bind(request),
        "cohorts": COHORT_RATES.bind(request),
        "warnings": WARNINGS.bind(request),
        "inactive": INACTIVE.bind(request),
    }
    rows = {
        "organizations": bound["organizations"].order(rates.organizations),
        "cohorts": bound["cohorts"].order(rates.cohorts),
        "warnings": bound["warnings"].order(ledger.absentee_warnings(rates, policy)),
        "inactive": bound["inactive"].order(ledger.inactive_members(request.user, today, root)),
    }
    return {"root": root, "year": year, "today": today, "rates": rates, "policy": policy, "tables": bound, **rows}


@login_required
def analysis_export(request):
    """One of the analysis tables (`?table=organizations|cohorts|warnings|inactive`), as shown."""
    a = _analysis(request)
    name = request.GET.get("table") if request.GET.get("table") in a["tables"] else "organizations"
    personal = name in ("warnings", "inactive")  # members by name
    return a["tables"][name].export(a[name], f"attendance-{name}", organization_id=a["root"].pk, personal=personal)
