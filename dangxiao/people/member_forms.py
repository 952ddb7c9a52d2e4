"""Forms of the member pages. They only collect what was typed: the checks are the roster import's own
(member_services.member_validate), and its problems are put back on the fields here."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dangxiao.core.forms import IdField, SaneDateField

from .member_services import EDITABLE, MemberError
from .models import Member

DATE = forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")
TEXT = {"class": "form-control"}
SELECT = {"class": "form-select"}


def _select(choices, blank=_("（未填）")):
    return forms.ChoiceField(required=False, choices=[("", blank), *[c for c in choices if c[0]]], widget=forms.Select(attrs=SELECT))


class ShowsProblems:
    def show(self, error: MemberError) -> None:
        """Put a refused write's problems on the fields they name (the rest above the form)."""
        for field, message in error.errors:
            self.add_error(field if field in self.fields else None, message)


class MemberForm(ShowsProblems, forms.Form):
    """Add (with the organisation) or edit a member. Every field is optional here; what is required and
    what is valid is decided by the shared checks."""

    organization = forms.ChoiceField(label=_("所在组织"), required=False, widget=forms.Select(attrs=SELECT))
    name = forms.CharField(label=_("姓名"), required=False, widget=forms.TextInput(attrs=TEXT))
    phone = forms.CharField(label=_("手机号码"), required=False, widget=forms.TextInput(attrs={**TEXT, "inputmode": "numeric"}))
    id_number = forms.CharField(label=_("身份证号"), required=False, widget=forms.TextInput(attrs=TEXT))
    gender = _select(Member.Gender.choices, _("（按身份证号）"))
    birth_date = forms.CharField(label=_("出生日期"), required=False, widget=DATE)
    ethnicity = forms.CharField(label=_("民族"), required=False, widget=forms.TextInput(attrs=TEXT))
    education = _select(Member.Education.choices)
    status = _select(Member.Status.choices, _("正式党员"))
    joined_party_on = forms.CharField(label=_("入党日期"), required=False, widget=DATE)
    confirmed_on = forms.CharField(label=_("转正日期"), required=False, widget=DATE)
    occupation = forms.CharField(label=_("职业"), required=False, widget=forms.TextInput(attrs=TEXT))
    industry = forms.CharField(label=_("行业"), required=False, widget=forms.TextInput(attrs=TEXT))
    position = _select(Member.Position.choices, _("无"))
    home_compound = forms.CharField(label=_("居住小区"), required=False, widget=forms.TextInput(attrs=TEXT))
    address = forms.CharField(label=_("家庭住址"), required=False, widget=forms.TextInput(attrs=TEXT))
    is_mobile = forms.BooleanField(label=_("流动党员"), required=False)
    mobile_location = forms.CharField(label=_("流动去向"), required=False, widget=forms.TextInput(attrs=TEXT))
    is_elderly_infirm = forms.BooleanField(label=_("年老体弱/行动不便"), required=False)
    is_organ_worker = forms.BooleanField(label=_("机关党员"), required=False)
    is_new_employment = forms.BooleanField(label=_("新就业群体"), required=False)

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["gender"].label = _("性别")
        self.fields["education"].label = _("学历")
        self.fields["status"].label = _("党员类别")
        self.fields["position"].label = _("党内职务")
        if organizations is None:
            del self.fields["organization"]
        else:
            self.fields["organization"].choices = [("", _("请选择")), *organizations]

    @classmethod
    def initial_for(cls, member: Member) -> dict:
        return {k: getattr(member, k) or ("" if not isinstance(getattr(member, k), bool) else False) for k in EDITABLE}

    def raw(self) -> dict:
        """What was typed, by member field (the shared checks parse it)."""
        data = self.cleaned_data
        return {k: data.get(k) for k in EDITABLE if k in self.fields}


class ConfirmForm(ShowsProblems, forms.Form):
    confirmed_on = SaneDateField(label=_("转正日期"), widget=DATE)


class TransferForm(ShowsProblems, forms.Form):
    to_organization = IdField(label=_("接收组织"), widget=forms.Select(attrs=SELECT))
    transferred_on = SaneDateField(label=_("转接日期"), widget=DATE)
    note = forms.CharField(label=_("说明"), required=False, max_length=200, widget=forms.TextInput(attrs=TEXT))

    def __init__(self, *args, organizations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_organization"].widget.choices = [("", _("请选择")), *organizations]


class LeaveForm(ShowsProblems, forms.Form):
    left_on = SaneDateField(label=_("离开日期"), widget=DATE)
    reason = forms.ChoiceField(
        label=_("离开原因"), choices=[("", _("请选择")), *Member.LeftReason.choices], widget=forms.Select(attrs=SELECT)
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=200, widget=forms.TextInput(attrs=TEXT))


class RefuseForm(forms.Form):
    reason = forms.CharField(label=_("拒绝理由"), max_length=200, widget=forms.TextInput(attrs=TEXT))
