"""Forms of the teacher pool and the topic taxonomy. They only parse; the rules are the services'."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dangxiao.core.forms import IdField, SaneDateField

from .models import Teacher, Topic

SELECT = {"class": "form-select"}
TEXT = {"class": "form-control"}
DATE = {**TEXT, "type": "date"}


class TopicChoices:
    """A multiple choice of the school's topics in use (plus those the record already has)."""

    def set_topics(self, topics, field: str = "topics") -> None:
        self.fields[field].queryset = Topic.objects.filter(pk__in=[t.pk for t in topics])
        self.fields[field].label_from_instance = lambda t: ("\u3000" * getattr(t, "level", 0)) + t.name


class TeacherForm(TopicChoices, forms.Form):
    kind = forms.ChoiceField(
        label=_("讲师是"),
        choices=[("member", _("本校党员")), ("outsider", _("外聘人员"))],
        initial="outsider",
        widget=forms.RadioSelect,
    )
    member_id = IdField(label=_("党员"), required=False, widget=forms.HiddenInput)
    name = forms.CharField(label=_("姓名"), max_length=50, required=False, widget=forms.TextInput(attrs=TEXT))
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False, widget=forms.TextInput(attrs={**TEXT, "inputmode": "tel"}))
    source = forms.ChoiceField(label=_("来源"), choices=Teacher.Source.choices, widget=forms.Select(attrs=SELECT))
    affiliation = forms.CharField(label=_("工作单位"), max_length=100, required=False, widget=forms.TextInput(attrs=TEXT))
    title = forms.CharField(label=_("职务/职称"), max_length=60, required=False, widget=forms.TextInput(attrs=TEXT))
    partner = forms.TypedChoiceField(label=_("共建单位"), coerce=int, required=False, empty_value=None, widget=forms.Select(attrs=SELECT))
    topics = forms.ModelMultipleChoiceField(
        label=_("擅长专题"), queryset=Topic.objects.none(), required=False, widget=forms.SelectMultiple(attrs={**SELECT, "size": 6})
    )
    bio = forms.CharField(label=_("简介"), required=False, max_length=2000, widget=forms.Textarea(attrs={**TEXT, "rows": 3}))
    appointed_from = SaneDateField(label=_("聘期开始"), required=False, widget=forms.DateInput(attrs=DATE))
    appointed_until = SaneDateField(label=_("聘期结束"), required=False, widget=forms.DateInput(attrs=DATE))

    def __init__(self, *args, topics=(), partners=(), editing: Teacher | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.set_topics(topics)
        self.fields["partner"].choices = [("", "—")] + [(p.pk, p.name) for p in partners]
        if editing is not None:
            for name in ("kind", "member_id", "appointed_from", "appointed_until"):
                del self.fields[name]
            if editing.member_id:
                del self.fields["name"], self.fields["phone"]

    def clean(self):
        data = super().clean()
        if data.get("kind") == "member" and not data.get("member_id"):
            self.add_error("member_id", _("请先查找并选择一名党员"))
        if data.get("kind") == "outsider" and not (data.get("name") or "").strip():
            self.add_error("name", _("请填写讲师姓名"))
        return data


class RenewForm(forms.Form):
    starts_on = SaneDateField(label=_("新聘期开始（空为接续当前聘期）"), required=False, widget=forms.DateInput(attrs=DATE))
    ends_on = SaneDateField(label=_("新聘期结束"), widget=forms.DateInput(attrs=DATE))


class EndForm(forms.Form):
    ended_on = SaneDateField(label=_("聘期结束于（空为今天）"), required=False, widget=forms.DateInput(attrs=DATE))
    reason = forms.CharField(label=_("原因"), max_length=200, required=False, widget=forms.TextInput(attrs=TEXT))


class RetireForm(forms.Form):
    reason = forms.CharField(label=_("退出原因"), max_length=200, required=False, widget=forms.TextInput(attrs=TEXT))


class TopicForm(forms.Form):
    name = forms.CharField(label=_("专题名称"), max_length=40, widget=forms.TextInput(attrs=TEXT))
    parent = forms.TypedChoiceField(label=_("上级专题"), coerce=int, required=False, empty_value=None, widget=forms.Select(attrs=SELECT))
    order = forms.IntegerField(label=_("排序"), min_value=0, max_value=32767, initial=0, widget=forms.NumberInput(attrs=TEXT))

    def __init__(self, *args, parents=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].choices = [("", _("（顶级专题）"))] + [(t.pk, t.name) for t in parents]
