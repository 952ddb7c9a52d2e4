"""Forms of the organisation and role pages. They parse; the checks live in people.organizations and people.roles."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dangxiao.core.forms import IdField, XlsxUploadForm

from .models import Organization, Role
from .roles import GRANTABLE

TEXT = {"class": "form-control form-control-sm"}
SELECT = {"class": "form-select form-select-sm"}


class OrganizationForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, widget=forms.TextInput(attrs=TEXT))
    short_name = forms.CharField(label=_("简称"), max_length=40, required=False, widget=forms.TextInput(attrs=TEXT))
    code = forms.CharField(label=_("组织编码"), max_length=40, widget=forms.TextInput(attrs=TEXT))
    kind = forms.ChoiceField(label=_("类别"), choices=Organization.Kind.choices, widget=forms.Select(attrs=SELECT))
    unit_type = forms.ChoiceField(label=_("所在单位类型"), choices=Organization.UnitType.choices, widget=forms.Select(attrs=SELECT))

    @classmethod
    def for_instance(cls, org: Organization) -> "OrganizationForm":
        return cls(initial={k: getattr(org, k) for k in ("name", "short_name", "code", "kind", "unit_type")}, prefix="edit")


class MoveForm(forms.Form):
    parent = IdField(label=_("新的上级组织"), error_messages={"required": _("请先搜索并选择新的上级组织")})


class DissolveForm(forms.Form):
    reason = forms.CharField(label=_("撤销原因"), max_length=200, widget=forms.TextInput(attrs=TEXT))


class GrantForm(forms.Form):
    kind = forms.ChoiceField(label=_("角色"), choices=[(k, Role.Kind(k).label) for k in GRANTABLE], widget=forms.Select(attrs=SELECT))
    member = IdField(label=_("党员"), error_messages={"required": _("请先搜索并选择一名党员")})


class TreeUploadForm(XlsxUploadForm):
    file_label = _("组织架构文件（.xlsx）")
