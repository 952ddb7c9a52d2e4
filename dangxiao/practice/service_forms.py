"""Forms of the volunteer service pages. They only parse; the rules are `service_services`'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dangxiao.core.params import is_sane_date, sane_date_message

from .models import VolunteerService

SELECT = {"class": "form-select"}
TEXT = {"class": "form-control"}
WHEN = {"class": "form-control", "type": "datetime-local"}
WHEN_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


class SaneDateTimeField(forms.DateTimeField):
    def clean(self, value):
        value = super().clean(value)
        if value is not None and not is_sane_date(value):
            raise forms.ValidationError(sane_date_message())
        return value


class ServiceForm(forms.Form):
    title = forms.CharField(label=_("活动名称"), max_length=120, widget=forms.TextInput(attrs=TEXT))
    kind = forms.ChoiceField(label=_("类别"), choices=VolunteerService.Kind.choices, widget=forms.Select(attrs=SELECT))
    organization = forms.TypedChoiceField(label=_("组织单位"), coerce=int, widget=forms.Select(attrs=SELECT))
    starts_at = SaneDateTimeField(
        label=_("开始时间"), input_formats=WHEN_FORMATS, widget=forms.DateTimeInput(attrs=WHEN, format="%Y-%m-%dT%H:%M")
    )
    ends_at = SaneDateTimeField(
        label=_("结束时间"), input_formats=WHEN_FORMATS, widget=forms.DateTimeInput(attrs=WHEN, format="%Y-%m-%dT%H:%M")
    )
    venue = forms.TypedChoiceField(label=_("阵地"), coerce=int, required=False, empty_value=None, widget=forms.Select(attrs=SELECT))
    place = forms.CharField(label=_("地点（不在阵地时填写）"), max_length=120, required=False, widget=forms.TextInput(attrs=TEXT))
    signup_limit = forms.IntegerField(
        label=_("报名名额（留空为不限）"), min_value=1, max_value=10_000, required=False, widget=forms.NumberInput(attrs=TEXT)
    )
    description = forms.CharField(label=_("活动内容"), max_length=2000, required=False, widget=forms.Textarea(attrs={**TEXT, "rows": 4}))

    def __init__(self, *args, organizations=(), venues=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [(o.pk, "\u3000" * (o.depth - 1) + o.name) for o in organizations]
        self.fields["venue"].choices = [("", "—")] + [(v.pk, v.name) for v in venues]


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=200, widget=forms.TextInput(attrs=TEXT))


class MinutesForm(forms.Form):
    minutes = forms.IntegerField(label=_("服务时长（分钟）"), min_value=1, max_value=24 * 60, widget=forms.NumberInput(attrs=TEXT))
    note = forms.CharField(label=_("说明"), max_length=200, required=False, widget=forms.TextInput(attrs=TEXT))


class CorrectionForm(forms.Form):
    minutes = forms.IntegerField(label=_("应记服务时长（分钟）"), min_value=1, max_value=24 * 60, widget=forms.NumberInput(attrs=TEXT))
    reason = forms.CharField(label=_("更正理由"), max_length=300, widget=forms.Textarea(attrs={**TEXT, "rows": 3}))
