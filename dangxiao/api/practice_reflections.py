"""Reflections (学习心得): a member writes and revises their own; staff over the member's organisation
approve, return with a comment, or show an approved one to the organisation. Anything out of scope is 404.
Photos are added on the phone page (multipart); the API carries the text and the link."""

from datetime import date, datetime

from django.urls import reverse
from ninja import Field, File, Query, Router, Schema, Status
from ninja.files import UploadedFile

from dangxiao.core import access
from dangxiao.people.models import Member
from dangxiao.practice import reflections_selectors as selectors
from dangxiao.practice import reflections_services as services
from dangxiao.practice.models import Reflection

from .school import PageQuery, Ref, paginate

router = Router(tags=["reflections"])


class Detail(Schema):
    detail: str


class ReflectionOut(Schema):
    id: int
    title: str
    text: str
    member: Ref
    organization: Ref
    status: str = Field(description="pending | returned | approved")
    status_label: str
    link: str = Field(description="关联的学习活动，如 session:12、lesson:3；空为不关联")
    link_label: str
    review_note: str
    submitted_at: datetime
    approved_on: date | None
    shown_to_organization: bool
    photo_urls: list[str]


class ReflectionPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[ReflectionOut]


class ReflectionQuery(PageQuery):
    review: bool = Field(False, description="true：我审核范围内的心得（工作人员）；false：我自己的心得")
    status: str = Field("", max_length=10, description="pending | returned | approved；空为全部")


class ReflectionIn(Schema):
    title: str = Field(..., max_length=60)
    text: str = Field(..., max_length=5000)
    link: str = Field("", max_length=40, description="session:<id> 或 lesson:<id>，空为不关联")


class ReviewIn(Schema):
    note: str = Field("", max_length=300, description="审核意见；退回时必填")
    show: bool = Field(False, description="通过后在本组织展示")


class ShowIn(Schema):
    shown: bool


def _link(r: Reflection) -> str:
    if r.session_id:
        return f"session:{r.session_id}"
    if r.lesson_id:
        return f"lesson:{r.lesson_id}"
    return f"{r.subject_kind}:{r.subject_id}" if r.subject_kind else ""


def _out(r: Reflection) -> dict:
    return {
        "id": r.pk,
        "title": r.title,
        "text": r.text,
        "member": {"id": r.member_id, "name": r.member.name},
        "organization": {"id": r.member.organization_id, "name": r.member.organization.name},
        "status": r.status,
        "status_label": r.get_status_display(),
        "link": _link(r),
        "link_label": getattr(r, "link_label", "") or selectors.link_labels([r])[r.pk],
        "review_note": r.review_note,
        "submitted_at": r.submitted_at,
        "approved_on": r.approved_on,
        "shown_to_organization": r.shown_to_organization,
        "photo_urls": [reverse("reflections:photo", args=[r.pk, p.pk]) for p in r.photos.all()],
    }


def _one(request, pk: int, **kw) -> Reflection:
    return access.get_reflection_or_404(request.user, pk, selectors.with_photos(Reflection.objects.all()), **kw)


def _failed(exc: services.ReflectionError) -> Status:
    return Status(400, {"detail": str(exc)})


@router.get("/reflections", response=ReflectionPage, summary="My reflections, or (review=true) those I review")
def reflection_list(request, query: Query[ReflectionQuery]):
    if query.review:
        access.require(access.scope_for(request.user).is_staff)
        qs = selectors.review_queue(request.user, query.status)
    else:
        member_id = access.scope_for(request.user).member_id
        access.require(member_id is not None)
        qs = selectors.member_reflections(member_id)
        if query.status in Reflection.Status.values:
            qs = qs.filter(status=query.status)
    page = paginate(qs, query, lambda r: r)
    selectors.link_labels(page["items"])
    return {**page, "items": [_out(r) for r in page["items"]]}


@router.post("/reflections", response={201: ReflectionOut, 400: Detail}, summary="Write a reflection (pending the secretary's review)")
def reflection_create(request, body: ReflectionIn):
    member_id = access.scope_for(request.user).member_id
    access.require(member_id is not None)
    try:
        reflection = services.reflection_submit(Member.objects.get(pk=member_id), title=body.title, text=body.text, link=body.link)
    except services.ReflectionError as exc:
        return _failed(exc)
    return Status(201, _out(_one(request, reflection.pk)))


@router.get(
    "/reflections/{reflection_id}", response=ReflectionOut, summary="One reflection (mine, one I review, or one shown to my organisation)"
)
def reflection_detail(request, reflection_id: int):
    return _out(_one(request, reflection_id))


@router.patch(
    "/reflections/{reflection_id}", response={200: ReflectionOut, 400: Detail}, summary="Revise my pending or returned reflection"
)
def reflection_revise(request, reflection_id: int, body: ReflectionIn):
    reflection = access.get_own_reflection_or_404(request.user, reflection_id, Reflection.objects.select_related("member"))
    try:
        services.reflection_revise(reflection, title=body.title, text=body.text, link=body.link)
    except services.ReflectionError as exc:
        return _failed(exc)
    return _out(_one(request, reflection_id))


@router.post(
    "/reflections/{reflection_id}/photos",
    response={201: ReflectionOut, 400: Detail},
    summary="Add a photo (JPEG or PNG, up to 10 MB; at most 3) to my pending or returned reflection",
)
def reflection_photo_add(request, reflection_id: int, file: File[UploadedFile]):
    reflection = access.get_own_reflection_or_404(request.user, reflection_id)
    try:
        services.reflection_photo_add(reflection, file)
    except services.ReflectionError as exc:
        return _failed(exc)
    return Status(201, _out(_one(request, reflection_id)))


@router.post("/reflections/{reflection_id}/approve", response={200: ReflectionOut, 400: Detail}, summary="Approve a pending reflection")
def reflection_approve(request, reflection_id: int, body: ReviewIn):
    reflection = _one(request, reflection_id, review=True)
    try:
        services.reflection_approve(reflection, by=request.user, note=body.note, show=body.show)
    except services.ReflectionError as exc:
        return _failed(exc)
    return _out(_one(request, reflection_id))


@router.post(
    "/reflections/{reflection_id}/return",
    response={200: ReflectionOut, 400: Detail},
    summary="Return a reflection with a comment (withdraws an approval and its points)",
)
def reflection_return(request, reflection_id: int, body: ReviewIn):
    reflection = _one(request, reflection_id, review=True)
    try:
        services.reflection_return(reflection, by=request.user, note=body.note)
    except services.ReflectionError as exc:
        return _failed(exc)
    return _out(_one(request, reflection_id))


@router.post(
    "/reflections/{reflection_id}/show",
    response={200: ReflectionOut, 400: Detail},
    summary="Show an approved reflection to its organisation, or take it down",
)
def reflection_show(request, reflection_id: int, body: ShowIn):
    reflection = _one(request, reflection_id, review=True)
    try:
        services.reflection_show(reflection, shown=body.shown)
    except services.ReflectionError as exc:
        return _failed(exc)
    return _out(_one(request, reflection_id))
