"""Reflection pages: a member's list and form (phone), the secretary's review queue, an organisation's
shared reflections, and the photos (private files, after the access check)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dangxiao.core import access
from dangxiao.core.uploads import private_file_response
from dangxiao.people.models import Member

from . import reflections_selectors as selectors
from . import reflections_services as services
from .models import Reflection
from .models.reflections import MAX_PHOTOS
from .reflections_forms import ReflectionForm, ReviewForm

PAGE = 20


def _me(request) -> Member:
    member_id = access.scope_for(request.user).member_id
    access.require(member_id is not None)
    return Member.objects.select_related("organization").get(pk=member_id)


def _page(request, qs, size: int = PAGE):
    return Paginator(qs, size).get_page(request.GET.get("page"))


@login_required
def mine(request):
    member = _me(request)
    page = _page(request, selectors.member_reflections(member.pk))
    context = {"active": "reflections", "page": page, "labels": selectors.link_labels(page.object_list), "member": member}
    return render(request, "practice/reflections/mine.html", context)


@login_required
def new(request):
    member = _me(request)
    form = ReflectionForm(request.POST or None, request.FILES or None, link_choices=selectors.link_choices(member))
    if request.method == "POST" and form.is_valid():
        try:
            reflection = services.reflection_submit(
                member, photos=form.photos(), **{k: form.cleaned_data[k] for k in ("title", "text", "link")}
            )
        except services.ReflectionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("心得已提交，等待书记审核"))
            return redirect("reflections:detail", reflection.pk)
    return render(request, "practice/reflections/form.html", {"active": "reflections", "form": form, "reflection": None})


@login_required
def edit(request, pk: int):
    reflection = access.get_own_reflection_or_404(request.user, pk, Reflection.objects.select_related("member"))
    if reflection.status == Reflection.Status.APPROVED:
        raise Http404(_("已通过审核的心得不能再修改"))
    photos = list(reflection.photos.all())
    initial = {"title": reflection.title, "text": reflection.text, "link": _link_value(reflection)}
    form = ReflectionForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        link_choices=_with_current(selectors.link_choices(reflection.member), reflection),
        free_photos=MAX_PHOTOS,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.reflection_revise(
                reflection,
                photos=form.photos(),
                remove_photo_ids=request.POST.getlist("remove_photo"),
                **{k: form.cleaned_data[k] for k in ("title", "text", "link")},
            )
        except services.ReflectionError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("心得已修改，重新等待审核"))
            return redirect("reflections:detail", reflection.pk)
    return render(
        request, "practice/reflections/form.html", {"active": "reflections", "form": form, "reflection": reflection, "photos": photos}
    )


def _link_value(reflection: Reflection) -> str:
    if reflection.session_id:
        return f"session:{reflection.session_id}"
    if reflection.lesson_id:
        return f"lesson:{reflection.lesson_id}"
    return f"{reflection.subject_kind}:{reflection.subject_id}" if reflection.subject_kind else ""


def _with_current(choices, reflection):
    current = _link_value(reflection)
    if current and current not in dict(choices):
        choices = [(current, selectors.link_labels([reflection])[reflection.pk] or current), *choices]
    return choices


@login_required
def detail(request, pk: int):
    reflection = access.get_reflection_or_404(request.user, pk, selectors.with_photos(Reflection.objects.all()))
    scope = access.scope_for(request.user)
    can_review = reflection.member_id != scope.member_id and access.filter_reviewable_reflections(request.user).filter(pk=pk).exists()
    context = {
        "active": "reflections" if reflection.member_id == scope.member_id else "reflection_queue",
        "reflection": reflection,
        "label": selectors.link_labels([reflection])[reflection.pk],
        "is_mine": reflection.member_id == scope.member_id,
        "can_review": can_review,
        "review_form": ReviewForm(),
    }
    return render(request, "practice/reflections/detail.html", context)


@login_required
def photo(request, pk: int, photo_id: int):
    reflection = access.get_reflection_or_404(request.user, pk)
    item = reflection.photos.filter(pk=photo_id).first()
    if item is None:
        raise Http404(_("照片不存在"))
    ext = "png" if item.content_type == "image/png" else "jpg"
    return private_file_response(item.file, f"reflection-{reflection.pk}-{item.pk}.{ext}", item.content_type)


@login_required
def queue(request):
    access.require(access.scope_for(request.user).is_staff)
    status = request.GET.get("status", Reflection.Status.PENDING)
    if status not in Reflection.Status.values:
        status = Reflection.Status.PENDING
    q = request.GET.get("q", "").strip()[:50]
    page = _page(request, selectors.review_queue(request.user, status, q))
    context = {
        "active": "reflection_queue",
        "page": page,
        "labels": selectors.link_labels(page.object_list),
        "status": status,
        "statuses": Reflection.Status.choices,
        "q": q,
        "review_form": ReviewForm(),
        "querystring_nopage": f"status={status}&q={q}&",
    }
    return render(request, "practice/reflections/queue.html", context)


@login_required
@require_POST
def review(request, pk: int):
    reflection = access.get_reflection_or_404(request.user, pk, review=True)
    form = ReviewForm(request.POST)
    data = form.cleaned_data if form.is_valid() else {"note": "", "show": False}
    try:
        if request.POST.get("decision") == "approve":
            services.reflection_approve(reflection, by=request.user, note=data["note"], show=data["show"])
            messages.success(request, _("已通过"))
        elif request.POST.get("decision") == "return":
            services.reflection_return(reflection, by=request.user, note=data["note"])
            messages.success(request, _("已退回"))
        elif request.POST.get("decision") in ("show", "hide"):
            services.reflection_show(reflection, shown=request.POST["decision"] == "show")
            messages.success(request, _("已更新展示设置"))
        else:
            messages.error(request, _("请选择通过或退回"))
    except services.ReflectionError as exc:
        messages.error(request, str(exc))
    if request.POST.get("next") == "queue":
        return redirect("reflections:queue")
    return redirect("reflections:detail", pk)


@login_required
def organization(request, pk: int):
    org = access.get_organization_or_404(request.user, pk)
    page = _page(request, selectors.organization_shared(request.user, org))
    context = {"active": "reflections", "organization": org, "page": page, "labels": selectors.link_labels(page.object_list)}
    return render(request, "practice/reflections/organization.html", context)
