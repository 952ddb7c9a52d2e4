"""Forms of the school's record, its network (venues, partners, agreements) and its yearly plan. They
check the shape of the input; the services check the rest (scope, uniqueness, dates) and their
refusals are put back on the form's fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dangxiao.core.forms import SaneDateField
from dangxiao.core.params import FIRST_YEAR, LAST_YEAR

from .models import Partner, PartnerAgreement, School, TrainingPlan, Venue
from .network_services import MAX_CAPACITY, NetworkError

SELECT = {"class": "form-select"}
TEXT = {"class": "form-control"}
DATE = {"class": "form-control", "type": "date"}
CHECK = {"class": "form-check-input"}


def refuse(form: forms.Form, exc: NetworkError) -> None:
    """Put a service's refusal on the field it names (or the form as a whole)."""
    form.add_error(exc.field if exc.field in form.fields else None, str(exc))


class SchoolForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, widget=forms.TextInput(attrs=TEXT))
    brand = forms.CharField(label=_("品牌名"), max_length=40, required=False, widget=forms.TextInput(attrs=TEXT))
    address = forms.CharField(label=_("地址"), max_length=200, required=False, widget=forms.TextInput(attrs=TEXT))

    @staticmethod
    def initial_for(school: School) -> dict:
        return {"name": school.name, "brand": school.brand, "address": school.address}


class VenueForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, widget=forms.TextInput(attrs=TEXT))
    tier = forms.ChoiceField(label=_("层级"), choices=Venue.Tier.choices, widget=forms.Select(attrs=SELECT))
    kind = forms.ChoiceField(label=_("类型"), choices=Venue.Kind.choices, widget=forms.Select(attrs=SELECT))
    organization = forms.TypedChoiceField(label=_("管理组织"), coerce=int, widget=forms.Select(attrs=SELECT))
    partner = forms.TypedChoiceField(label=_("共建单位"), coerce=int, required=False, empty_value=None, widget=forms.Select(attrs=SELECT))
    address = forms.CharField(label=_("地址"), max_length=200, required=False, widget=forms.TextInput(attrs=TEXT))
    latitude = forms.DecimalField(
        label=_("纬度"), max_digits=9, decimal_places=6, min_value=-90, max_value=90, required=False, widget=forms.NumberInput(attrs=TEXT)
    )
    longitude = forms.DecimalField(
        label=_("经度"),
        max_digits=9,
        decimal_places=6,
        min_value=-180,
        max_value=180,
        required=False,
        widget=forms.NumberInput(attrs=TEXT),
    )
    capacity = forms.IntegerField(label=_("容纳人数"), min_value=1, max_value=MAX_CAPACITY, widget=forms.NumberInput(attrs=TEXT))
    facilities = forms.CharField(label=_("设施"), max_length=200, required=False, widget=forms.TextInput(attrs=TEXT))
    opening_hours = forms.CharField(label=_("开放时间"), max_length=100, required=False, widget=forms.TextInput(attrs=TEXT))

    def __init__(self, *args, organizations=(), partners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [(o.pk, "\u3000" * (o.depth - 1) + o.name) for o in organizations]
        self.fields["partner"].choices = [("", "—")] + [(p.pk, p.name) for p in partners]

    @staticmethod
    def initial_for(venue: Venue) -> dict:
        names = ("name", "tier", "kind", "address", "latitude", "longitude", "capacity", "facilities", "opening_hours")
        return {**{n: getattr(venue, n) for n in names}, "organization": venue.organization_id, "partner": venue.partner_id}


class PartnerForm(forms.Form):
    name = forms.CharField(label=_("单位名称"), max_length=100, widget=forms.TextInput(attrs=TEXT))
    kind = forms.ChoiceField(label=_("单位类型"), choices=Partner.Kind.choices, widget=forms.Select(attrs=SELECT))
    contact_name = forms.CharField(label=_("联系人"), max_length=50, required=False, widget=forms.TextInput(attrs=TEXT))
    description = forms.CharField(label=_("简介"), max_length=2000, required=False, widget=forms.Textarea(attrs={**TEXT, "rows": 3}))

    @staticmethod
    def initial_for(partner: Partner) -> dict:
        return {n: getattr(partner, n) for n in ("name", "kind", "contact_name", "description")}


class AgreementForm(forms.Form):
    title = forms.CharField(label=_("协议名称"), max_length=120, widget=forms.TextInput(attrs=TEXT))
    shares_venues = forms.BooleanField(label=_("阵地共建"), required=False, widget=forms.CheckboxInput(attrs=CHECK))
    shares_talent = forms.BooleanField(label=_("人才共育"), required=False, widget=forms.CheckboxInput(attrs=CHECK))
    joint_activities = forms.BooleanField(label=_("活动共联"), required=False, widget=forms.CheckboxInput(attrs=CHECK))
    signed_on = SaneDateField(label=_("签订日期"), widget=forms.DateInput(attrs=DATE))
    starts_on = SaneDateField(label=_("生效日期"), widget=forms.DateInput(attrs=DATE))
    ends_on = SaneDateField(label=_("到期日期"), widget=forms.DateInput(attrs=DATE))

    @staticmethod
    def initial_for(agreement: PartnerAgreement) -> dict:
        names = ("title", "shares_venues", "shares_talent", "joint_activities", "signed_on", "starts_on", "ends_on")
        return {n: getattr(agreement, n) for n in names}


class AgreementEndForm(forms.Form):
    reason = forms.CharField(label=_("终止原因"), max_length=200, widget=forms.TextInput(attrs=TEXT))
    on = SaneDateField(label=_("终止日期"), required=False, widget=forms.DateInput(attrs=DATE))


class PlanForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=FIRST_YEAR, max_value=LAST_YEAR, widget=forms.NumberInput(attrs=TEXT))
    title = forms.CharField(label=_("标题"), max_length=100, widget=forms.TextInput(attrs=TEXT))
    goals = forms.CharField(label=_("培训目标"), max_length=5000, required=False, widget=forms.Textarea(attrs={**TEXT, "rows": 6}))
    target_person_times = forms.IntegerField(
        label=_("计划培训人次"), min_value=0, max_value=10_000_000, widget=forms.NumberInput(attrs=TEXT)
    )
    target_study_hours = forms.DecimalField(
        label=_("人均学时目标"), min_value=0, max_value=9999, max_digits=5, decimal_places=1, widget=forms.NumberInput(attrs=TEXT)
    )

    @staticmethod
    def initial_for(plan: TrainingPlan) -> dict:
        return {n: getattr(plan, n) for n in ("year", "title", "goals", "target_person_times", "target_study_hours")}


class PlanReturnForm(forms.Form):
    note = forms.CharField(label=_("退回意见"), max_length=300, widget=forms.TextInput(attrs=TEXT))
