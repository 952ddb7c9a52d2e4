"""Documents: the sign-in sheet, the roll as a spreadsheet and its import, 学时证明, and checking one.

The sheet and the roll belong to the staff who manage the session's cohort and to the session's
own teacher; a certificate to its member, or to staff whose roster holds the member. Anyone may
check a certificate by its code, and learns only the name, the year and the hours.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from dangxiao.core import access
from dangxiao.core.audit import client_ip
from dangxiao.core.uploads import check_upload
from dangxiao.teaching.models import Session

from . import pdf, roll_import

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FIRST_YEAR = 2000


def _session_for_staff(user, pk) -> Session:
    """The session, if the user manages its cohort or teaches it (the roll page's rule); 404 otherwise.

    Being staff somewhere is not enough: a secretary enrolled as a member in another branch's
    class can see that session, but not print or mark its roll.
    """
    session = access.get_session_or_404(user, pk, Session.objects.select_related("cohort__school", "venue", "teacher", "course"))
    access.require(access.can_mark_session(user, session))
    return session


def _file(content: bytes, content_type: str, filename: str, *, attachment: bool) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(attachment, filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _stamp(session: Session) -> str:
    return f"{session.title}-{timezone.localtime(session.starts_at):%Y%m%d}"


@login_required
@require_GET
def sign_in_sheet(request, pk: int):
    session = _session_for_staff(request.user, pk)
    return _file(pdf.sign_in_sheet_pdf(session), "application/pdf", f"签到表-{_stamp(session)}.pdf", attachment=False)


@login_required
@require_GET
def roll_template(request, pk: int):
    session = _session_for_staff(request.user, pk)
    members = pdf.sign_in_sheet_members(session)
    return _file(roll_import.template_workbook(session, members), XLSX, f"考勤表-{_stamp(session)}.xlsx", attachment=True)


@login_required
def roll_import_view(request, pk: int):
    """Upload a filled-in roll: every problem listed by row and column, nothing changed; or the roll marked."""
    session = _session_for_staff(request.user, pk)
    context = {"session": session, "when": timezone.localtime(session.starts_at)}
    if request.method != "POST":
        return render(request, "attendance/documents/roll_import.html", context)
    upload = request.FILES.get("file")
    try:
        if upload is None:
            raise ValidationError(_("请选择要上传的考勤表（.xlsx）"))
        check_upload(upload, ("xlsx",))
        result = roll_import.roll_import(session, upload.read(), by=request.user, ip=client_ip(request))
    except (ValidationError, roll_import.RollFileError) as exc:
        context["file_error"] = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
        return render(request, "attendance/documents/roll_import.html", context, status=422)
    context.update(result=result, filename=upload.name)
    if result.errors or not result.committed:
        return render(request, "attendance/documents/roll_import.html", context, status=422 if result.errors else 200)
    messages.success(
        request,
        _("考勤表已导入：%(marked)d 人标记考勤，其中 %(changed)d 人有变化；%(skipped)d 行未填写考勤状态，保持不变。")
        % {"marked": result.marked, "changed": result.changed, "skipped": result.skipped},
    )
    return redirect("attendance:roll", pk=session.pk)


# --- 学时证明 -----------------------------------------------------------------------------------------


def _certificate_response(request, member, year: int):
    access.require(FIRST_YEAR <= year <= timezone.localdate().year)
    certificate = pdf.certificate_for(member, year, by=request.user)
    verify_url = request.build_absolute_uri(reverse("doc_verify_code", args=[certificate.code]))
    content = pdf.certificate_pdf(certificate, verify_url)
    return _file(content, "application/pdf", f"学时证明-{member.name}-{year}.pdf", attachment=False)


@login_required
@require_GET
def my_certificate(request, year: int):
    scope = access.scope_for(request.user)
    access.require(scope.member_id is not None)
    member = access.get_member_or_404(request.user, scope.member_id)
    return _certificate_response(request, member, year)


@login_required
@require_GET
def member_certificate(request, pk: int, year: int):
    member = access.get_member_or_404(request.user, pk, access.filter_roster(request.user))
    return _certificate_response(request, member, year)


# --- Checking a certificate (no sign-in) --------------------------------------------------------------


def _public(response: HttpResponse) -> HttpResponse:
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "no-referrer"
    response["Cache-Control"] = "no-store"
    return response


@require_GET
def verify_form(request):
    code = pdf.normalize_code(request.GET.get("code", ""))
    if code:
        return redirect("doc_verify_code", code=code)
    context = {"typed": "code" in request.GET}
    return _public(render(request, "attendance/documents/verify.html", context, status=422 if context["typed"] else 200))


@require_GET
def verify_code(request, code: str):
    found, refused = pdf.verify(code, client_ip(request) or "unknown")
    context = {"checked": True, "found": found, "refused": refused, "code": pdf.normalize_code(code)}
    status = 429 if refused else 200 if found else 404
    response = render(request, "attendance/documents/verify.html", context, status=status)
    if refused:
        response["Retry-After"] = str(pdf.VERIFY_WINDOW_SECONDS)  # the block lasts at most one window
    return _public(response)
