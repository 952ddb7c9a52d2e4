"""Write paths of reflections (学习心得): a member writes and revises; the secretary of the member's
organisation approves, returns with a comment, or shows an approved one to the organisation."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from dangxiao.core.uploads import PHOTO_KINDS, check_upload
from dangxiao.online.models import Lesson
from dangxiao.people.models import Member, User
from dangxiao.teaching.models import Enrollment, Session

from .models import Reflection, ReflectionPhoto
from .models.reflections import MAX_PHOTOS
from .reflections_subjects import SUBJECTS

MAX_TEXT = 5000


class ReflectionError(ValueError):
    """A refusal with a message in Chinese; nothing was saved."""


def parse_link(value: str | None) -> tuple[str, int] | None:
    """ "session:12" → ("session", 12); "" → None; anything else is refused."""
    if not value:
        return None
    kind, _sep, raw = str(value).partition(":")
    if (kind not in ("session", "lesson") and kind not in SUBJECTS) or not (raw.isascii() and raw.isdigit()) or len(raw) > 12:
        raise ReflectionError(_("关联的学习活动无效"))
    return kind, int(raw)


def _check_link(member: Member, link: tuple[str, int] | None) -> dict:
    """The link's fields, after checking the member may link it (a session or lesson of a cohort they are
    enrolled in or attended, or a registered kind's record they may choose)."""
    fields = {"session": None, "lesson": None, "subject_kind": "", "subject_id": None}
    if link is None:
        return fields
    kind, pk = link
    cohorts = Enrollment.objects.filter(member=member, status=Enrollment.Status.ENROLLED).values("cohort")
    if kind == "session":
        attended = Session.objects.filter(attendances__member=member).values("pk")
        session = Session.objects.filter(Q(pk__in=attended) | Q(cohort__in=cohorts), pk=pk).first()
        if session is None:
            raise ReflectionError(_("只能关联您报名或参加过的课次"))
        fields["session"] = session
    elif kind == "lesson":
        lesson = Lesson.objects.filter(pk=pk, cohort__in=cohorts).first()
        if lesson is None:
            raise ReflectionError(_("只能关联您所在网上班级的课程"))
        fields["lesson"] = lesson
    else:
        if pk not in dict(SUBJECTS[kind].choices(member)):
            raise ReflectionError(_("关联的学习活动无效"))
        fields["subject_kind"], fields["subject_id"] = kind, pk
    return fields


def _checked_photos(photos) -> list[tuple[object, str]]:
    out = []
    for photo in photos or []:
        try:
            out.append((photo, check_upload(photo, PHOTO_KINDS).content_type))
        except ValidationError as exc:
            raise ReflectionError(exc.messages[0]) from None
    return out


def _clean(title: str, text: str) -> tuple[str, str]:
    title, text = (title or "").strip(), (text or "").strip()
    if not title:
        raise ReflectionError(_("请填写标题"))
    if len(title) > 60:
        raise ReflectionError(_("标题不能超过 60 个字"))
    if not text:
        raise ReflectionError(_("请写一写您的学习心得"))
    if len(text) > MAX_TEXT:
        raise ReflectionError(_("心得内容不能超过 5000 个字"))
    return title, text


@transaction.atomic
def reflection_submit(
    member: Member, *, title: str, text: str, link: str | None = None, photos=(), now: datetime | None = None
) -> Reflection:
    """Write a reflection (pending review) with up to three JPEG/PNG photos checked on their content."""
    title, text = _clean(title, text)
    fields = _check_link(member, parse_link(link))
    checked = _checked_photos(photos)
    if len(checked) > MAX_PHOTOS:
        raise ReflectionError(_("最多上传 3 张照片"))
    reflection = Reflection.objects.create(member=member, title=title, text=text, submitted_at=now or timezone.now(), **fields)
    for order, (photo, content_type) in enumerate(checked):
        ReflectionPhoto.objects.create(reflection=reflection, file=photo, content_type=content_type, order=order)
    return reflection


@transaction.atomic
def reflection_revise(
    reflection: Reflection,
    *,
    title: str,
    text: str,
    link: str | None = None,
    photos=(),
    remove_photo_ids=(),
    now: datetime | None = None,
) -> Reflection:
    """Revise one's own pending or returned reflection; it goes (back) to pending review. An approved one
    is final (the secretary may withdraw the approval first)."""
    reflection = Reflection.objects.select_for_update().get(pk=reflection.pk)
    if reflection.status == Reflection.Status.APPROVED:
        raise ReflectionError(_("已通过审核的心得不能再修改"))
    title, text = _clean(title, text)
    fields = _check_link(reflection.member, parse_link(link))
    checked = _checked_photos(photos)
    kept = list(
        reflection.photos.exclude(pk__in=[int(p) for p in remove_photo_ids if str(p).isascii() and str(p).isdigit() and len(str(p)) < 13])
    )
    if len(kept) + len(checked) > MAX_PHOTOS:
        raise ReflectionError(_("最多上传 3 张照片"))
    removed = list(reflection.photos.exclude(pk__in=[p.pk for p in kept]))
    for photo in removed:
        name, storage = photo.file.name, photo.file.storage
        transaction.on_commit(lambda name=name, storage=storage: storage.delete(name))
        photo.delete()
    for order, (photo, content_type) in enumerate(checked, start=len(kept)):
        ReflectionPhoto.objects.create(reflection=reflection, file=photo, content_type=content_type, order=order)
    for name, value in fields.items():
        setattr(reflection, name, value)
    reflection.title, reflection.text = title, text
    reflection.status = Reflection.Status.PENDING
    reflection.submitted_at = now or timezone.now()
    reflection.save()
    return reflection


@transaction.atomic
def reflection_photo_add(reflection: Reflection, photo) -> ReflectionPhoto:
    """Add one JPEG/PNG photo to one's own pending or returned reflection (at most three in all)."""
    reflection = Reflection.objects.select_for_update().get(pk=reflection.pk)
    if reflection.status == Reflection.Status.APPROVED:
        raise ReflectionError(_("已通过审核的心得不能再修改"))
    ((upload, content_type),) = _checked_photos([photo])
    count = reflection.photos.count()
    if count >= MAX_PHOTOS:
        raise ReflectionError(_("最多上传 3 张照片"))
    return ReflectionPhoto.objects.create(reflection=reflection, file=upload, content_type=content_type, order=count)


@transaction.atomic
def reflection_approve(reflection: Reflection, *, by: User, note: str = "", show: bool = False, now: datetime | None = None) -> Reflection:
    """Approve a pending reflection (its points follow within a minute); optionally show it to the
    organisation's members."""
    now = now or timezone.now()
    reflection = Reflection.objects.select_for_update().get(pk=reflection.pk)
    if reflection.status != Reflection.Status.PENDING:
        raise ReflectionError(_("只能审核待审核的心得"))
    reflection.status = Reflection.Status.APPROVED
    reflection.review_note = (note or "").strip()[:300]
    reflection.reviewed_by, reflection.reviewed_at = by, now
    reflection.approved_on = timezone.localtime(now).date()
    reflection.shown_to_organization = bool(show)
    reflection.save()
    return reflection


@transaction.atomic
def reflection_return(reflection: Reflection, *, by: User, note: str, now: datetime | None = None) -> Reflection:
    """Return a pending reflection for revision, or withdraw an approval (its points are removed); a
    comment is required so the member knows what to change."""
    note = (note or "").strip()
    if not note:
        raise ReflectionError(_("退回时请填写意见，方便党员修改"))
    reflection = Reflection.objects.select_for_update().get(pk=reflection.pk)
    if reflection.status == Reflection.Status.RETURNED:
        raise ReflectionError(_("该心得已退回"))
    reflection.status = Reflection.Status.RETURNED
    reflection.review_note = note[:300]
    reflection.reviewed_by, reflection.reviewed_at = by, now or timezone.now()
    reflection.approved_on = None
    reflection.shown_to_organization = False
    reflection.save()
    return reflection


@transaction.atomic
def reflection_show(reflection: Reflection, *, shown: bool) -> Reflection:
    """Show an approved reflection on the organisation's page, or take it down."""
    reflection = Reflection.objects.select_for_update().get(pk=reflection.pk)
    if shown and reflection.status != Reflection.Status.APPROVED:
        raise ReflectionError(_("只有通过审核的心得才能展示"))
    reflection.shown_to_organization = bool(shown)
    reflection.save(update_fields=["shown_to_organization", "updated_at"])
    return reflection
