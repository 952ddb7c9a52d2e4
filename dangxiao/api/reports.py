"""The yearly work report (年度党员教育培训工作报告) over the API: ask for it, follow it, fetch the PDF.

Staff only. The organisation must lie in the caller's staff subtrees (404 otherwise, as in the pages);
a report is built on the task queue, so asking answers 202 with the job's state, and the PDF is fetched
once the state is `done` (409 before). One report per caller, organisation and year: asking again
rebuilds it (reports.yearly_jobs).
"""

from typing import Literal

from django.http import FileResponse, Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from dangxiao.reports import yearly_jobs

from .openapi import binary
from .params import Id

router = Router(tags=["reports"])

Year = Field(..., ge=2000, le=2100, description="年度（2000 年至今年）")


class YearlyReportIn(Schema):
    organization_id: Id = Field(description="报告所针对的组织（含下级），须在本人管理范围内；党校的报告即党工委")
    year: int = Year


class YearlyReportOut(Schema):
    organization_id: int
    organization: str
    year: int
    status: Literal["queued", "running", "done", "failed"]
    progress: int = Field(description="0–100")
    requested_at: str
    finished_at: str
    pdf_url: str | None = Field(description="完成后下载 PDF 的地址；未完成时为 null")


class Detail(Schema):
    detail: str


def _out(job: yearly_jobs.Job) -> dict:
    return {
        "organization_id": job.organization_id,
        "organization": job.organization_name,
        "year": job.year,
        "status": job.status,
        "progress": job.progress,
        "requested_at": job.requested_at,
        "finished_at": job.finished_at,
        "pdf_url": f"/api/v1/reports/yearly/{job.organization_id}/{job.year}/pdf" if job.ready else None,
    }


@router.post(
    "/reports/yearly",
    response={202: YearlyReportOut, 404: Detail, 422: Detail},
    summary="Ask for the yearly work report of an organisation (built on the task queue)",
)
def yearly_report_request(request, body: YearlyReportIn):
    organization = yearly_jobs.get_report_organization_or_404(request.user, body.organization_id)
    try:
        job = yearly_jobs.report_request(request.user, organization, body.year)
    except yearly_jobs.ReportError as exc:
        return Status(422, {"detail": str(exc)})
    return Status(202, _out(job))


def _job(request, org_id: int, year: int) -> yearly_jobs.Job:
    organization = yearly_jobs.get_report_organization_or_404(request.user, org_id)
    job = yearly_jobs.load(request.user.pk, organization.pk, year) if 2000 <= year <= timezone.localdate().year else None
    if job is None:
        raise Http404
    return job


@router.get(
    "/reports/yearly/{org_id}/{year}",
    response={200: YearlyReportOut, 404: Detail},
    summary="The state of the caller's yearly report for an organisation and year",
)
def yearly_report_status(request, org_id: Id, year: int):
    return Status(200, _out(_job(request, org_id, year)))


@router.get(
    "/reports/yearly/{org_id}/{year}/pdf",
    response={200: None, 404: Detail, 409: Detail},
    summary="The yearly report as PDF, once built",
    openapi_extra=binary("application/pdf", "年度党员教育培训工作报告（PDF）"),
)
def yearly_report_pdf(request, org_id: Id, year: int):
    job = _job(request, org_id, year)
    if not job.ready:
        return Status(409, {"detail": _("报告尚未生成完成，请稍后再试")})
    return FileResponse(job.pdf_path.open("rb"), as_attachment=True, filename=job.filename, content_type="application/pdf")
