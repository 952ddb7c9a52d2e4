"""The course form. It only parses; the rules are `teaching.courses`'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Course

SELECT = {"class": "form-select"}
TEXT = {"class": "form-control"}
SCHOOL_WIDE = "school"


class CourseForm(forms.Form):
    title = forms.CharField(label=_("课程名称"), max_length=120, widget=forms.TextInput(attrs=TEXT))
    kind = forms.ChoiceField(label=_("课堂类型"), choices=Course.Kind.choices, widget=forms.Select(attrs=SELECT))
    owner = forms.ChoiceField(label=_("所属组织"), widget=forms.Select(attrs=SELECT))
    topic = forms.TypedChoiceField(label=_("专题"), coerce=int, required=False, empty_value=None, widget=forms.Select(attrs=SELECT))
    plan = forms.TypedChoiceField(label=_("年度计划"), coerce=int, required=False, empty_value=None, widget=forms.Select(attrs=SELECT))
    default_hours = forms.DecimalField(
        label=_("默认学时"),
        min_value=0.1,
        max_value=99.9,
        max_digits=3,
        decimal_places=1,
        initial=2,
        widget=forms.NumberInput(attrs={**TEXT, "step": "0.1"}),
    )
    online_capable = forms.BooleanField(
        label=_("可线上学习"), required=False, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )
    description = forms.CharField(label=_("课程简介"), required=False, max_length=5000, widget=forms.Textarea(attrs={**TEXT, "rows": 4}))

    def __init__(self, *args, school_wide: bool, organizations=(), topics=(), plans=(), **kwargs):
        super().__init__(*args, **kwargs)
        owners = [(SCHOOL_WIDE, _("全校课程（校务委员会管理）"))] if school_wide else []
        owners += [(str(o.pk), "\u3000" * (o.depth - 1) + o.name) for o in organizations]
        self.fields["owner"].choices = owners
        self.fields["topic"].choices = [("", "—")] + [(t.pk, ("\u3000" if getattr(t, "level", 0) else "") + t.name) for t in topics]
        self.fields["plan"].choices = [("", "—")] + [(p.pk, p.title) for p in plans]
