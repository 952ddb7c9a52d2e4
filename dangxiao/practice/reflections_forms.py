"""Forms of the reflection pages (the services check everything again; these only shape the input)."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models.reflections import MAX_PHOTOS


class ReflectionForm(forms.Form):
    title = forms.CharField(label=_("标题"), max_length=60, widget=forms.TextInput(attrs={"class": "form-control"}))
    text = forms.CharField(label=_("心得内容"), max_length=5000, widget=forms.Textarea(attrs={"class": "form-control", "rows": 8}))
    link = forms.ChoiceField(label=_("关联的学习活动"), required=False, widget=forms.Select(attrs={"class": "form-select"}))

    def __init__(self, *args, link_choices=(), free_photos: int = MAX_PHOTOS, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["link"].choices = [("", _("（不关联）")), *link_choices]
        for i in range(1, free_photos + 1):
            self.fields[f"photo_{i}"] = forms.FileField(
                label=_("照片 %(n)s") % {"n": i},
                required=False,
                widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": "image/jpeg,image/png"}),
            )

    def photos(self) -> list:
        return [f for name, f in self.cleaned_data.items() if name.startswith("photo_") and f]


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("审核意见"), max_length=300, required=False, widget=forms.TextInput(attrs={"class": "form-control"}))
    show = forms.BooleanField(label=_("通过后在本组织展示"), required=False)
