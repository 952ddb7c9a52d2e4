from django import forms
from django.utils.translation import gettext_lazy as _

from dangxiao.core.forms import XlsxUploadForm

from .models import Member
from .selectors import AGE_BANDS, FLAGS, MemberFilters

SELECT = {"class": "form-select form-select-sm"}


class MemberFilterForm(forms.Form):
    q = forms.CharField(label=_("姓名/手机尾号"), required=False)
    organization = forms.IntegerField(label=_("组织"), required=False)
    status = forms.ChoiceField(
        label=_("类别"),
        required=False,
        choices=[("", _("全部类别")), *Member.Status.choices],
        widget=forms.Select(attrs=SELECT),
    )
    age_band = forms.ChoiceField(
        label=_("年龄段"),
        required=False,
        choices=[("", _("全部年龄")), *[(b.key, b.label) for b in AGE_BANDS]],
        widget=forms.Select(attrs=SELECT),
    )
    industry = forms.CharField(label=_("行业"), required=False)
    position = forms.ChoiceField(
        label=_("职务"),
        required=False,
        choices=[("", _("全部职务")), *[c for c in Member.Position.choices if c[0]]],
        widget=forms.Select(attrs=SELECT),
    )
    flags = forms.MultipleChoiceField(label=_("标记"), required=False, choices=list(FLAGS.items()), widget=forms.CheckboxSelectMultiple)

    def to_filters(self, organization) -> MemberFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return MemberFilters(
            q=(data.get("q") or "").strip(),
            organization=organization,
            status=data.get("status") or "",
            age_band=data.get("age_band") or "",
            industry=(data.get("industry") or "").strip(),
            position=data.get("position") or "",
            flags=tuple(data.get("flags") or ()),
        )


class RosterUploadForm(XlsxUploadForm):
    file_label = _("名单文件（.xlsx）")
