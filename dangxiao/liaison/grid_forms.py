"""Forms of the grid pages. They parse what was typed; the rules live in grid.py."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dangxiao.core.forms import IdField, XlsxUploadForm

from .models import GridRole, Party

SELECT = {"class": "form-select form-select-sm"}
INPUT = {"class": "form-control form-control-sm"}


class _OpenChoices:
    """Offers the listed choices but accepts any id: grid.py decides, with a message that says why."""

    def valid_value(self, value) -> bool:
        return str(value).isdigit()


class IdChoiceField(_OpenChoices, forms.TypedChoiceField):
    pass


class IdMultipleChoiceField(_OpenChoices, forms.TypedMultipleChoiceField):
    pass


class CompoundFilterForm(forms.Form):
    community = IdField(label=_("社区"), required=False)


class GridRoleForm(forms.Form):
    kind = forms.ChoiceField(label=_("职务"), choices=GridRole.Kind.choices, widget=forms.Select(attrs=SELECT))
    parent = IdChoiceField(label=_("上级"), coerce=int, empty_value=None, required=False, widget=forms.Select(attrs=SELECT))
    member = forms.ModelChoiceField(
        label=_("党员"),
        queryset=GridRole.objects.none(),
        required=False,
        widget=forms.Select(attrs=SELECT),
        empty_label=_("（不是党员，填写居民姓名）"),
    )
    name = forms.CharField(label=_("居民姓名"), max_length=40, required=False, widget=forms.TextInput(attrs=INPUT))
    phone = forms.CharField(label=_("手机号码"), max_length=20, required=False, widget=forms.TextInput(attrs=INPUT))
    create_account = forms.BooleanField(label=_("为其创建登录账号"), required=False)
    households = IdMultipleChoiceField(label=_("联系住户"), coerce=int, required=False, widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, roles, members, households, role=None, **kwargs):
        super().__init__(*args, **kwargs)
        others = [r for r in roles if role is None or r.pk != role.pk]
        self.fields["parent"].choices = [("", "—")] + [
            (r.pk, f"{r.get_kind_display()} {r.name}") for r in others if r.kind != GridRole.Kind.NEIGHBOUR_LEADER
        ]
        self.fields["member"].queryset = members
        self.fields["households"].choices = [(h.pk, f"{h.building.name}{h.room}") for h in households]
        if role is not None and role.user_id:
            self.fields["create_account"].disabled = True


class CompoundForm(forms.Form):
    community = forms.TypedChoiceField(label=_("所属社区"), coerce=int, widget=forms.Select(attrs=SELECT))
    name = forms.CharField(label=_("小区名称"), max_length=60, widget=forms.TextInput(attrs=INPUT))
    address = forms.CharField(label=_("地址"), max_length=200, required=False, widget=forms.TextInput(attrs=INPUT))
    latitude = forms.CharField(
        label=_("纬度"), max_length=20, required=False, widget=forms.TextInput(attrs={**INPUT, "inputmode": "decimal"})
    )
    longitude = forms.CharField(
        label=_("经度"), max_length=20, required=False, widget=forms.TextInput(attrs={**INPUT, "inputmode": "decimal"})
    )

    def __init__(self, *args, communities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["community"].choices = [(c.pk, c.name) for c in communities]


class PartyForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=Party.Kind.choices, widget=forms.Select(attrs=SELECT))
    name = forms.CharField(label=_("名称"), max_length=80, widget=forms.TextInput(attrs=INPUT))
    contact_name = forms.CharField(label=_("联系人"), max_length=40, required=False, widget=forms.TextInput(attrs=INPUT))
    phone = forms.CharField(label=_("联系电话"), max_length=20, required=False, widget=forms.TextInput(attrs=INPUT))


class HouseholdUploadForm(XlsxUploadForm):
    file_label = _("住户文件（.xlsx）")
