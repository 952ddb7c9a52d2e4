"""Forms of the figures page (its filters) and of the board's liaison settings: categories, state
labels, canned replies."""

import re

from django import forms
from django.forms import BaseModelFormSet, modelformset_factory
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dangxiao.core.forms import SaneDateField

from .figures import FigureFilters, Period
from .models import CannedReply, MatterCategory, MatterState

CODE_RE = re.compile(r"^[a-z][a-z0-9_]*$")
FIRST_YEAR = 2020


class FiguresFilterForm(forms.Form):
    """Year or a date range (the range wins), compound or community. A compound or community the
    user cannot see is 404, not an empty page."""

    year = forms.TypedChoiceField(label=gettext_lazy("年度"), required=False, coerce=int, empty_value=None)
    start = SaneDateField(label=gettext_lazy("起始日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = SaneDateField(label=gettext_lazy("截止日期"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    community = forms.CharField(required=False)
    compound = forms.CharField(required=False)

    def __init__(self, data, *, compounds: list, today):
        super().__init__(data)
        self.compounds = compounds
        self.fields["year"].widget.attrs["class"] = "form-select form-select-sm"
        self.fields["year"].choices = [("", _("全部年度"))] + [(y, str(y)) for y in range(today.year, FIRST_YEAR - 1, -1)]
        self.communities = sorted({(c[2], c[3]) for c in compounds}, key=lambda c: c[1])

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["start"] > data["end"]:
            raise forms.ValidationError(_("起始日期不能晚于截止日期"))
        return data

    def _pick(self, name: str, allowed: set) -> int | None:
        raw = (self.cleaned_data.get(name) or "").strip()
        if not raw:
            return None
        try:
            value = int(raw)
        except ValueError:
            raise Http404(_("页面不存在")) from None
        if value not in allowed:
            raise Http404(_("小区不存在或不在您的权限范围内"))
        return value

    def filters(self) -> FigureFilters:
        if not self.is_valid():
            return FigureFilters()
        data = self.cleaned_data
        if data.get("start") or data.get("end"):
            period = Period(data.get("start"), data.get("end"))
        elif data.get("year"):
            period = Period.year(data["year"])
        else:
            period = Period()
        return FigureFilters(
            period=period,
            compound_id=self._pick("compound", {c[0] for c in self.compounds}),
            community_id=self._pick("community", {c[2] for c in self.compounds}),
        )


# --- Settings -------------------------------------------------------------------------------------


class CategoryForm(forms.ModelForm):
    # A plain field: the slug check comes from clean_code, with our message.
    code = forms.CharField(label=gettext_lazy("代码"), max_length=40, required=False)
    respond_hours = forms.IntegerField(
        label=gettext_lazy("响应时限（小时）"),
        initial=24,
        min_value=1,
        max_value=720,
        error_messages={
            "min_value": gettext_lazy("响应时限须为 1 至 720 小时"),
            "max_value": gettext_lazy("响应时限须为 1 至 720 小时"),
            "invalid": gettext_lazy("响应时限须为整数"),
            "required": gettext_lazy("请填写响应时限"),
        },
    )
    resolve_days = forms.IntegerField(
        label=gettext_lazy("办结时限（天）"),
        initial=7,
        min_value=1,
        max_value=365,
        error_messages={
            "min_value": gettext_lazy("办结时限须为 1 至 365 天"),
            "max_value": gettext_lazy("办结时限须为 1 至 365 天"),
            "invalid": gettext_lazy("办结时限须为整数"),
            "required": gettext_lazy("请填写办结时限"),
        },
    )
    order = forms.IntegerField(
        label=gettext_lazy("排序"),
        min_value=0,
        max_value=999,
        initial=0,
        error_messages={"min_value": gettext_lazy("排序须为 0 至 999"), "max_value": gettext_lazy("排序须为 0 至 999")},
    )

    class Meta:
        model = MatterCategory
        fields = ["code", "name", "description", "respond_hours", "resolve_days", "order", "active"]
        error_messages = {"name": {"required": gettext_lazy("请填写类别名称")}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The code is the Open311 service_code: it cannot change once matters refer to it.
        self.locked = bool(self.instance.pk and getattr(self.instance, "matter_count", 0))
        if self.locked:
            self.fields["code"].disabled = True

    def clean_code(self):
        code = (self.cleaned_data.get("code") or "").strip()
        if self.locked:
            return self.instance.code
        if not code:
            raise forms.ValidationError(_("请填写类别代码"))
        if not CODE_RE.match(code):
            raise forms.ValidationError(_("代码只能用小写字母、数字和下划线，并以字母开头"))
        return code

    def validate_unique(self):
        # Uniqueness of codes is checked across the whole formset (BaseCategoryFormSet.clean),
        # with our own message.
        pass


class BaseCategoryFormSet(BaseModelFormSet):
    """A working committee's categories (`committee`): codes are unique within it."""

    def __init__(self, *args, committee=None, **kwargs):
        self.committee = committee
        super().__init__(*args, **kwargs)

    def validate_unique(self):
        pass  # see clean(): the same check, with a message that names the code

    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        seen: dict[str, int] = {}
        existing = dict(MatterCategory.objects.filter(working_committee=self.committee).values_list("code", "pk"))
        edited = {form.instance.pk for form in self.forms if form.instance.pk}
        for form in self.forms:
            if not form.has_changed() and not form.instance.pk:
                continue
            code = form.cleaned_data.get("code")
            if not code:
                continue
            if code in seen:
                raise forms.ValidationError(_("类别代码“%(code)s”重复") % {"code": code})
            seen[code] = form.instance.pk
            owner = existing.get(code)
            if owner is not None and owner != form.instance.pk and owner not in edited:
                raise forms.ValidationError(_("类别代码“%(code)s”已被使用") % {"code": code})


CategoryFormSet = modelformset_factory(MatterCategory, form=CategoryForm, formset=BaseCategoryFormSet, extra=1, can_delete=False)


class StateLabelForm(forms.ModelForm):
    class Meta:
        model = MatterState
        fields = ["label"]
        error_messages = {"label": {"required": gettext_lazy("请填写状态名称"), "max_length": gettext_lazy("状态名称最多 20 个字")}}

    def clean_label(self):
        label = (self.cleaned_data.get("label") or "").strip()
        if not label:
            raise forms.ValidationError(_("请填写状态名称"))
        return label


class BaseStateFormSet(BaseModelFormSet):
    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        labels = [form.cleaned_data.get("label") for form in self.forms]
        duplicates = sorted({label for label in labels if labels.count(label) > 1})
        if duplicates:
            raise forms.ValidationError(_("状态名称不能重复：%(labels)s") % {"labels": "、".join(duplicates)})


# The codes are fixed: labels are edited, never added.
StateFormSet = modelformset_factory(MatterState, form=StateLabelForm, formset=BaseStateFormSet, extra=0, can_delete=False, edit_only=True)


class CannedReplyForm(forms.ModelForm):
    class Meta:
        model = CannedReply
        fields = ["state", "category", "title", "text"]
        error_messages = {
            "state": {"required": gettext_lazy("请选择状态")},
            "title": {"required": gettext_lazy("请填写回复标题"), "max_length": gettext_lazy("回复标题最多 40 个字")},
            "text": {"required": gettext_lazy("请填写回复内容"), "max_length": gettext_lazy("回复内容最多 500 个字")},
        }
        widgets = {"text": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, states=(), categories=(), committee=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Choices from lists read once for the whole formset, not one query per form: the states
        # with the committee's labels, and its own categories only.
        self.fields["state"].choices = [("", "---------")] + [(s.code, s.label) for s in states]
        self.fields["category"].queryset = MatterCategory.objects.filter(working_committee=committee)
        self.fields["category"].choices = [("", _("全部类别"))] + [(c.pk, c.name) for c in categories]


CannedReplyFormSet = modelformset_factory(CannedReply, form=CannedReplyForm, extra=1, can_delete=True)
