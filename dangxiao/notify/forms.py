from django import forms
from django.utils.translation import gettext_lazy as _

from dangxiao.people.models import Organization

from .models import Channel, Kind
from .services import USER_KINDS, channels_offered


class PreferencesForm(forms.Form):
    """A row of channel boxes per kind of notice, and the quiet hours."""

    quiet_enabled = forms.BooleanField(
        label=_("夜间免打扰（期间不发短信和邮件，结束后补发；紧急变更除外）"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    quiet_start = forms.TimeField(
        label=_("免打扰开始"), widget=forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M")
    )
    quiet_end = forms.TimeField(
        label=_("免打扰结束"), widget=forms.TimeInput(attrs={"type": "time", "class": "form-control"}, format="%H:%M")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for value in USER_KINDS:
            kind = Kind(value)
            self.fields[f"kind_{value}"] = forms.MultipleChoiceField(
                label=kind.label,
                required=False,
                widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),
                choices=[(c, Channel(c).label) for c in channels_offered(value)],
            )

    def kind_fields(self):
        return [self[f"kind_{value}"] for value in USER_KINDS]

    def channels_by_kind(self) -> dict[str, list[str]]:
        return {value: self.cleaned_data.get(f"kind_{value}", []) for value in USER_KINDS}


class RobotForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("组织"), queryset=Organization.objects.none(), widget=forms.Select(attrs={"class": "form-select"})
    )
    webhook_url = forms.CharField(label=_("群机器人 Webhook 地址"), max_length=300, widget=forms.URLInput(attrs={"class": "form-control"}))
    enabled = forms.BooleanField(
        label=_("启用"), required=False, initial=True, widget=forms.CheckboxInput(attrs={"class": "form-check-input"})
    )

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
