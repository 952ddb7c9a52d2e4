"""Forms that change a cohort or a session after it was created."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .forms import TEXT, CohortForm, SessionForm


def _iso_dates(form: forms.Form) -> None:
    """A date input shows a stored date only in ISO form (the localised one leaves it blank)."""
    for field in form.fields.values():
        if isinstance(field.widget, forms.DateInput):
            field.widget.format = "%Y-%m-%d"


class CohortEditForm(CohortForm):
    """A cohort's name, dates, seats, target rule and courses; who runs it and how stay as created."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("organization", "mode", "auto_enrol", "self_enrol_open"):
            del self.fields[name]
        _iso_dates(self)


class SessionEditForm(SessionForm):
    """A session's title, day and time, venue, teacher and hours (changing the time reschedules it)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        _iso_dates(self)


class SessionCancelForm(forms.Form):
    reason = forms.CharField(label=_("取消原因"), max_length=300, widget=forms.TextInput(attrs=TEXT))
