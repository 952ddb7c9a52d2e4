"""Forms every domain shares."""

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _


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
