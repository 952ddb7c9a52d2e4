"""The first-run page (an empty install: a superuser creates the working committee, its school and its
principal) and, later, the superuser's page for another working committee. Same form, same service."""

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from dangxiao.core import access
from dangxiao.people.models import Organization
from dangxiao.people.organizations import OrganizationError

from .first_run import committee_create, needs_first_run

TEXT = {"class": "form-control"}


class CommitteeForm(forms.Form):
    name = forms.CharField(
        label=_("党工委名称"), max_length=100, widget=forms.TextInput(attrs={**TEXT, "placeholder": _("如 文源街道党工委")})
    )
    code = forms.CharField(label=_("组织编码"), max_length=40, widget=forms.TextInput(attrs=TEXT))
    unit_type = forms.ChoiceField(
        label=_("所在单位类型"),
        choices=Organization.UnitType.choices,
        initial="sub_district",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    school_name = forms.CharField(
        label=_("党校名称"), max_length=100, widget=forms.TextInput(attrs={**TEXT, "placeholder": _("如 文源街道党校")})
    )
    school_brand = forms.CharField(label=_("品牌名"), max_length=40, required=False, widget=forms.TextInput(attrs=TEXT))
    principal_username = forms.CharField(
        label=_("校长的登录名（手机号）"),
        max_length=150,
        help_text=_("已有账号时直接任命该账号；否则新建账号并生成临时密码"),
        widget=forms.TextInput(attrs=TEXT),
    )
    principal_name = forms.CharField(label=_("校长姓名（新账号必填）"), max_length=150, required=False, widget=forms.TextInput(attrs=TEXT))


def _committee_page(request, *, first_run: bool):
    form = CommitteeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = committee_create(request.user, request=request, **form.cleaned_data)
        except OrganizationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc))
        else:
            return render(request, "school/committee_created.html", {"created": created, "first_run": first_run})
    status = 422 if form.is_bound else 200
    return render(request, "school/committee_form.html", {"form": form, "first_run": first_run, "active": "organizations"}, status=status)


@login_required
def first_run(request):
    """Only while the install holds no organisation, for a superuser; gone afterwards (404)."""
    access.require(request.user.is_superuser and needs_first_run())
    return _committee_page(request, first_run=True)


@login_required
def committee_new(request):
    access.require(request.user.is_superuser)
    return _committee_page(request, first_run=False)
