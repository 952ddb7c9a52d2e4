from django import forms
from django.utils.translation import gettext_lazy as _

from dangxiao.core.forms import SaneDateField
from dangxiao.people.models import Member
from dangxiao.people.selectors import AGE_BANDS, FLAGS

from .models import Cohort, Course

WEEKDAYS = [(0, _("周一")), (1, _("周二")), (2, _("周三")), (3, _("周四")), (4, _("周五")), (5, _("周六")), (6, _("周日"))]
SELECT = {"class": "form-select"}
TEXT = {"class": "form-control"}


class CohortForm(forms.Form):
    name = forms.CharField(label=_("班次名称"), max_length=120, widget=forms.TextInput(attrs=TEXT))
    organization = forms.TypedChoiceField(label=_("主办组织"), coerce=int, widget=forms.Select(attrs=SELECT))
    mode = forms.ChoiceField(label=_("教学方式"), choices=Cohort.Mode.choices, widget=forms.Select(attrs=SELECT))
    courses = forms.ModelMultipleChoiceField(
        label=_("课程"), queryset=Course.objects.none(), required=False, widget=forms.SelectMultiple(attrs={**SELECT, "size": 5})
    )
    flags = forms.MultipleChoiceField(
        label=_("培训对象：标记"), choices=list(FLAGS.items()), required=False, widget=forms.CheckboxSelectMultiple
    )
    positions = forms.MultipleChoiceField(
        label=_("培训对象：党内职务"),
        choices=[c for c in Member.Position.choices if c[0]],
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    age_bands = forms.MultipleChoiceField(
        label=_("培训对象：年龄段"), choices=[(b.key, b.label) for b in AGE_BANDS], required=False, widget=forms.CheckboxSelectMultiple
    )
    seat_limit = forms.IntegerField(
        label=_("名额（空为不限）"), min_value=1, max_value=100_000, required=False, widget=forms.NumberInput(attrs=TEXT)
    )
    auto_enrol = forms.BooleanField(label=_("按规则自动报名"), required=False)
    self_enrol_open = forms.BooleanField(label=_("开放自主报名"), required=False)
    starts_on = SaneDateField(label=_("开班日期"), required=False, widget=forms.DateInput(attrs={**TEXT, "type": "date"}))
    ends_on = SaneDateField(label=_("结业日期"), required=False, widget=forms.DateInput(attrs={**TEXT, "type": "date"}))

    def __init__(self, *args, organizations=(), courses=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].choices = [(o.pk, "\u3000" * (o.depth - 1) + o.name) for o in organizations]
        if courses is not None:
            self.fields["courses"].queryset = courses

    def clean(self):
        data = super().clean()
        if data.get("starts_on") and data.get("ends_on") and data["ends_on"] < data["starts_on"]:
            self.add_error("ends_on", _("结业日期不能早于开班日期"))
        return data


class VenueTeacherChoices:
    """Venue and teacher selects filled from the caller's school (already scoped)."""

    def __init__(self, *args, venues=(), teachers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["venue"].choices = [("", "—")] + [(v.pk, v.name) for v in venues]
        self.fields["teacher"].choices = [("", "—")] + [(t.pk, t.name) for t in teachers]


class ScheduleRuleForm(VenueTeacherChoices, forms.Form):
    weekdays = forms.TypedMultipleChoiceField(label=_("每周"), choices=WEEKDAYS, coerce=int, widget=forms.CheckboxSelectMultiple)
    start_time = forms.TimeField(label=_("开始时间"), widget=forms.TimeInput(attrs={**TEXT, "type": "time"}))
    end_time = forms.TimeField(label=_("结束时间"), widget=forms.TimeInput(attrs={**TEXT, "type": "time"}))
    starts_on = SaneDateField(label=_("起始日期"), widget=forms.DateInput(attrs={**TEXT, "type": "date"}))
    ends_on = SaneDateField(label=_("截止日期"), widget=forms.DateInput(attrs={**TEXT, "type": "date"}))
    skip_dates = forms.CharField(
        label=_("跳过日期（如节假日，逗号分隔）"),
        required=False,
        widget=forms.TextInput(attrs={**TEXT, "placeholder": "2026-10-01, 2026-10-02"}),
    )
    title = forms.CharField(label=_("课次名称"), max_length=120, required=False, widget=forms.TextInput(attrs=TEXT))
    venue = forms.TypedChoiceField(label=_("教学点"), coerce=int, required=False, empty_value=None, widget=forms.Select(attrs=SELECT))
    teacher = forms.TypedChoiceField(label=_("讲师"), coerce=int, required=False, empty_value=None, widget=forms.Select(attrs=SELECT))
    hours = forms.DecimalField(
        label=_("学时"), min_value=0, max_digits=4, decimal_places=1, initial=2, widget=forms.NumberInput(attrs={**TEXT, "step": "0.5"})
    )
    override_reason = forms.CharField(
        label=_("冲突说明（确需冲突时填写）"), max_length=300, required=False, widget=forms.TextInput(attrs=TEXT)
    )

    def clean_skip_dates(self):
        from datetime import date

        text = self.cleaned_data["skip_dates"].replace("，", ",").replace("、", ",")
        days = []
        for part in filter(None, (p.strip() for p in text.split(","))):
            try:
                days.append(date.fromisoformat(part))
            except ValueError:
                raise forms.ValidationError(_("“%(part)s”不是有效日期，请写成 2026-10-01") % {"part": part}) from None
        return days


class SessionForm(VenueTeacherChoices, forms.Form):
    title = forms.CharField(label=_("课次名称"), max_length=120, required=False, widget=forms.TextInput(attrs=TEXT))
    date = SaneDateField(label=_("日期"), widget=forms.DateInput(attrs={**TEXT, "type": "date"}))
    start_time = forms.TimeField(label=_("开始"), widget=forms.TimeInput(attrs={**TEXT, "type": "time"}))
    end_time = forms.TimeField(label=_("结束"), widget=forms.TimeInput(attrs={**TEXT, "type": "time"}))
    venue = forms.TypedChoiceField(label=_("教学点"), coerce=int, required=False, empty_value=None, widget=forms.Select(attrs=SELECT))
    teacher = forms.TypedChoiceField(label=_("讲师"), coerce=int, required=False, empty_value=None, widget=forms.Select(attrs=SELECT))
    hours = forms.DecimalField(
        label=_("学时"), min_value=0, max_digits=4, decimal_places=1, initial=2, widget=forms.NumberInput(attrs={**TEXT, "step": "0.5"})
    )
    override_reason = forms.CharField(
        label=_("冲突说明（确需冲突时填写）"), max_length=300, required=False, widget=forms.TextInput(attrs=TEXT)
    )
