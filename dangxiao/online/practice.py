"""Write paths of offline practice (线下实践): tasks set by staff, submissions reviewed by the secretary."""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.core.uploads import PHOTO_KINDS
from dangxiao.people.models import Member, User
from dangxiao.teaching.models import Cohort

from .models import PracticeSubmission, PracticeTask
from .services import OnlineError, checked_upload


def practice_task_create(cohort: Cohort, *, title: str, instructions: str = "", by: User | None = None) -> PracticeTask:
    if cohort.mode != Cohort.Mode.ONLINE:
        raise OnlineError(_("只有“网上班级”方式的班次才能布置线下实践"))
    title = (title or "").strip()
    if not title:
        raise OnlineError(_("请填写实践任务名称"))
    return PracticeTask.objects.create(cohort=cohort, title=title[:120], instructions=(instructions or "").strip(), created_by=by)


@transaction.atomic
def practice_submit(task: PracticeTask, member: Member, *, text: str, photo=None, now: datetime | None = None) -> PracticeSubmission:
    """Hand in (or, after a rejection, hand in again) what the member did, with an optional photo.

    The photo must be a JPEG or PNG within the size limit, checked on its content. Refused when
    the text is empty or the submission was already approved; nothing is saved then.
    """
    now = now or timezone.now()
    text = (text or "").strip()
    if not text:
        raise OnlineError(_("请写一写您做了什么"))
    kind = checked_upload(photo, PHOTO_KINDS) if photo else None
    submission = PracticeSubmission.objects.select_for_update().filter(task=task, member=member).first()
    if submission is not None and submission.status == PracticeSubmission.Status.APPROVED:
        raise OnlineError(_("该实践已审核通过，不能再修改"))
    submission = submission or PracticeSubmission(task=task, member=member)
    submission.text = text[:5000]
    if kind is not None:
        replaced = submission.photo.name if submission.photo else ""
        submission.photo, submission.photo_content_type = photo, kind.content_type
        if replaced:
            storage = submission.photo.storage
            transaction.on_commit(lambda: storage.delete(replaced))
    submission.status = PracticeSubmission.Status.PENDING
    submission.reviewed_by, submission.reviewed_at, submission.review_note = None, None, ""
    submission.submitted_at = now
    try:
        with transaction.atomic():
            submission.save()
    except IntegrityError:  # a double tap on a slow connection: the first one is in
        raise OnlineError(_("已经提交过了，请刷新页面查看")) from None
    return submission


@transaction.atomic
def practice_review(
    submission: PracticeSubmission, *, approve: bool, note: str = "", by: User, now: datetime | None = None
) -> PracticeSubmission:
    """Approve or reject a pending submission; a rejection must say why, so the member can redo it."""
    note = (note or "").strip()
    submission = PracticeSubmission.objects.select_for_update().get(pk=submission.pk)
    if submission.status != PracticeSubmission.Status.PENDING:
        raise OnlineError(_("该实践已审核过了"))
    if not approve and not note:
        raise OnlineError(_("不通过时请填写原因，方便党员修改后重新提交"))
    submission.status = PracticeSubmission.Status.APPROVED if approve else PracticeSubmission.Status.REJECTED
    submission.review_note = note[:300]
    submission.reviewed_by = by
    submission.reviewed_at = now or timezone.now()
    submission.save(update_fields=["status", "review_note", "reviewed_by", "reviewed_at"])
    return submission
