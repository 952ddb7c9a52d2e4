from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from dangxiao.core.forms import IdField, LabelledWidgetsMixin, XlsxUploadForm

from .models import Member
from .selectors import AGE_BANDS, FLAGS, MemberFilters

SELECT = {"class": "form-select form-select-sm"}


class MemberFilterForm(LabelledWidgetsMixin, forms.Form):
    q = forms.CharField(label=_("姓名/手机尾号"), required=False)
    organization = IdField(label=_("组织"), required=False)
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
    left = forms.BooleanField(label=_("只看已离开的党员"), required=False)

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
            left=bool(data.get("left")),
        )


class RosterUploadForm(XlsxUploadForm):
    file_label = _("名单文件（.xlsx）")


class SignInForm(AuthenticationForm):
    """Django's sign-in form, also accepting a member's activation code (people.auth.PhoneBackend), which
    the sign-in page turns into the activation step rather than a session."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            self.user_cache = authenticate(self.request, username=username, password=password, activation=True)
            if self.user_cache is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


class ActivationForm(forms.Form):
    """Phone, activation code and the new password twice; only the password once the code is verified."""

    username = forms.CharField(label=_("手机号"), max_length=40, required=False)
    code = forms.CharField(label=_("激活码"), max_length=40, required=False)
    new_password1 = forms.CharField(label=_("新密码"), strip=False, widget=forms.PasswordInput)
    new_password2 = forms.CharField(label=_("再次输入新密码"), strip=False, widget=forms.PasswordInput)

    def __init__(self, *args, verified: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if verified:
            del self.fields["username"], self.fields["code"]
        else:
            self.fields["username"].required = self.fields["code"].required = True

    def clean(self):
        data = super().clean()
        if data.get("new_password1") and data.get("new_password2") and data["new_password1"] != data["new_password2"]:
            self.add_error("new_password2", _("两次输入的密码不一致"))
        return data


class ActivationIssueForm(forms.Form):
    format = forms.ChoiceField(
        label=_("格式"),
        choices=[("pdf", _("激活通知单（PDF，可裁成小条）")), ("xlsx", _("Excel 名单（含激活码列）"))],
        initial="pdf",
        widget=forms.RadioSelect,
    )
    replace = forms.BooleanField(label=_("为已持有有效激活码的党员重新生成（此前发放的激活码作废）"), required=False)
