"""Forms every domain shares."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from .params import MAX_ID, check_sane_date


class LabelledWidgetsMixin:
    """For filter bars that render bare widgets without a <label>: each widget is named by its field's label
    (aria-label), so a screen reader says what a select filters by."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if field.label:
                field.widget.attrs.setdefault("aria-label", str(field.label))


class XlsxUploadForm(forms.Form):
    """One .xlsx file for an import preview, within the import size limit. Subclasses set the label."""

    file = forms.FileField()
    file_label = _("文件（.xlsx）")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].label = self.file_label

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("请上传 .xlsx 格式的 Excel 文件（可先下载导入模板）"))
        if f.size > settings.ROSTER_IMPORT_MAX_BYTES:
            raise forms.ValidationError(_("文件过大，不能超过 %(size)d MB") % {"size": settings.ROSTER_IMPORT_MAX_BYTES // 1024 // 1024})
        return f


class IdField(forms.IntegerField):
    """A database id typed into a form or a query string: a positive number that fits a bigint."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class SaneDateField(forms.DateField):
    """A date between 2000 and 2100 (see `core.params`), refused with a clear message otherwise."""

    def validate(self, value):
        super().validate(value)
        check_sane_date(value)
