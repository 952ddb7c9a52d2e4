"""The yearly work report's pages: ask for it (organisation and year), watch it being built on the
queue, download it. Staff only; an organisation outside the user's staff subtrees is a 404 everywhere,
and the file is served only to the user who asked, while the organisation is still theirs."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from dangxiao.core import access
from dangxiao.core.params import FIRST_YEAR, id_param, year_param
from dangxiao.people.selectors import scope_root

from . import yearly_jobs


def _years() -> list[int]:
    current = timezone.localdate().year
    return list(range(current, max(FIRST_YEAR, current - 4) - 1, -1))


@login_required
def yearly_report(request):
    access.require(access.scope_for(request.user).is_staff)
    root = scope_root(request.user)
    context = {
        "active": "yearly_report",
        "organizations": [
            (o.pk, "\u3000" * (o.depth - 1) + o.name)
            for o in yearly_jobs.staff_organizations(request.user).only("id", "name", "depth").order_by("path")
        ],
        "selected": root.pk if root else None,
        "years": _years(),
        "jobs": yearly_jobs.recent(request.user),
    }
    return render(request, "reports/yearly/request.html", context)


@login_required
@require_POST
def yearly_request(request):
    organization = yearly_jobs.get_report_organization_or_404(request.user, id_param(request.POST.get("organization")))
    year = year_param(request.POST.get("year"), timezone.localdate().year)
    try:
        yearly_jobs.report_request(request.user, organization, year)
    except yearly_jobs.ReportError as exc:
        messages.error(request, str(exc))
        return redirect("yearly_report:request")
    return redirect("yearly_report:status", org_id=organization.pk, year=year)


def _job(request, org_id: int, year: int) -> yearly_jobs.Job:
    organization = yearly_jobs.get_report_organization_or_404(request.user, org_id)
    job = yearly_jobs.load(request.user.pk, organization.pk, year)
    access.require(job is not None)
    return job


@login_required
def yearly_status(request, org_id: int, year: int):
    """The job's progress; htmx asks again every two seconds until it is done or failed."""
    job = _job(request, org_id, year)
    template = "reports/yearly/_status.html" if request.headers.get("HX-Request") else "reports/yearly/status.html"
    return render(request, template, {"active": "yearly_report", "job": job})


@login_required
def yearly_download(request, org_id: int, year: int):
    job = _job(request, org_id, year)
    access.require(job.ready)
    return FileResponse(job.pdf_path.open("rb"), as_attachment=True, filename=job.filename, content_type="application/pdf")
