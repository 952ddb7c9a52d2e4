"""Forms of the residents' pages (no account): the report form and the reporter's actions.

They only parse what was typed; the rules (rate limits, photos, phone format, states) are the
services', which answer in Chinese with MatterError.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import Building, Compound, MatterCategory

DESCRIPTION_MAX = 1000
# The whole request, photos included: three 5 MB phone photos and the form fit with room to spare.
MAX_BODY_BYTES = 16 * 1024 * 1024
# The honeypot: a field people never see (moved off screen by CSS, not type=hidden, so that form
# fillers still find and fill it).
HONEYPOT = "website"


class ReportForm(forms.Form):
    category = forms.ModelChoiceField(
        label=_("反映什么问题"),
        queryset=MatterCategory.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        error_messages={"required": _("请选择问题类别"), "invalid_choice": _("请选择问题类别")},
    )
    description = forms.CharField(
        label=_("具体情况"),
        max_length=DESCRIPTION_MAX,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("请描述遇到的问题"), "max_length": _("描述不能超过 1000 字")},
    )
    building = forms.ModelChoiceField(
        label=_("楼栋"),
        queryset=Building.objects.none(),
        required=False,
        empty_label=_("不限楼栋 / 公共区域"),
        error_messages={"invalid_choice": _("请选择本小区的楼栋")},
    )
    location = forms.CharField(label=_("具体位置"), max_length=100, required=False)
    reporter_name = forms.CharField(label=_("您的称呼"), max_length=40, required=False)
    reporter_phone = forms.CharField(label=_("联系电话"), max_length=20, required=False)
    website = forms.CharField(required=False, max_length=200)
    confirm = forms.BooleanField(required=False)

    def __init__(self, compound: Compound, *args, categories=None, buildings=None, **kwargs):
        super().__init__(*args, **kwargs)
        category_field = self.fields["category"]
        building_field = self.fields["building"]
        # The categories of the compound's own working committee only.
        category_field.queryset = selectors.committee_categories(selectors.compound_committee_id(compound), active=True)
        building_field.queryset = Building.objects.filter(compound=compound)
        # Lists already read by the view, so that rendering the choices costs no further query.
        if categories is not None:
            category_field.choices = [(c.pk, c.name) for c in categories]
        if buildings is not None:
            building_field.choices = [("", building_field.empty_label), *((b.pk, b.name) for b in buildings)]

    @property
    def is_bot(self) -> bool:
        return bool((self.data.get(HONEYPOT) or "").strip())


class ReopenForm(forms.Form):
    note = forms.CharField(
        label=_("重新打开的原因"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": _("请说明重新打开的原因")},
    )


class NoteForm(forms.Form):
    note = forms.CharField(label=_("说明（可选）"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 2}))
