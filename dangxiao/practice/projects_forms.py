"""Forms of the frontline project and mentorship pages: they parse; the services decide."""

from django import forms
from django.utils.translation import gettext_lazy as _

from dangxiao.core.forms import LabelledWidgetsMixin, SaneDateField

from .models.projects import FrontlineProject, Grade, Mentorship, ProjectPhase


class _Styled(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            elif not isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-control")
            if isinstance(widget, forms.DateInput):
                widget.input_type = "date"


def _date(label):
    return SaneDateField(label=label, widget=forms.DateInput(format="%Y-%m-%d"))


MEMBER_HELP = _("姓名或完整手机号，须在您的管理范围内")


class ProjectForm(_Styled):
    organization = forms.ModelChoiceField(label=_("所属组织"), queryset=None)
    name = forms.CharField(label=_("项目名称"), max_length=100)
    description = forms.CharField(label=_("项目简介"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    lead = forms.CharField(label=_("项目负责人"), required=False, max_length=40, help_text=MEMBER_HELP)
    starts_on = _date(_("开始日期"))
    ends_on = _date(_("结束日期"))

    def __init__(self, *args, organizations=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class ProjectEditForm(ProjectForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["organization"]


class PhaseForm(_Styled):
    name = forms.CharField(label=_("阶段名称"), max_length=60)
    starts_on = _date(_("开始日期"))
    ends_on = _date(_("结束日期"))
    status = forms.ChoiceField(label=_("状态"), choices=ProjectPhase.Status.choices)


class TraineeForm(_Styled):
    member = forms.CharField(label=_("学员干部"), max_length=40, help_text=MEMBER_HELP)
    role = forms.CharField(label=_("岗位"), max_length=40)
    starts_on = _date(_("参与开始"))
    ends_on = _date(_("参与结束"))


class AssessForm(_Styled):
    grade = forms.ChoiceField(label=_("考核等次"), choices=Grade.choices)
    comment = forms.CharField(label=_("考核评语"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class LogForm(_Styled):
    written_on = _date(_("日期"))
    text = forms.CharField(label=_("工作内容"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    photo = forms.FileField(label=_("照片（可选，JPG/PNG）"), required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/*"}))


class ProjectFilter(LabelledWidgetsMixin, forms.Form):
    q = forms.CharField(label=_("搜索项目"), required=False, max_length=50)
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部状态")), *FrontlineProject.Status.choices])


class MentorshipForm(_Styled):
    kind = forms.ChoiceField(label=_("类型"), choices=Mentorship.Kind.choices)
    organization = forms.ModelChoiceField(label=_("所属组织"), queryset=None)
    mentor = forms.CharField(label=_("导师"), max_length=40, help_text=MEMBER_HELP)
    mentee = forms.CharField(label=_("结对对象"), max_length=40, help_text=MEMBER_HELP)
    goals = forms.CharField(label=_("结对目标"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    starts_on = _date(_("开始日期"))
    project = forms.ModelChoiceField(label=_("所在项目（传帮带可选）"), queryset=None, required=False)

    def __init__(self, *args, organizations=None, projects=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations
        self.fields["project"].queryset = projects


class MentorshipEditForm(_Styled):
    goals = forms.CharField(label=_("结对目标"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    project = forms.ModelChoiceField(label=_("所在项目（传帮带可选）"), queryset=None, required=False)

    def __init__(self, *args, projects=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects


class CloseForm(_Styled):
    grade = forms.ChoiceField(label=_("评价等次"), choices=Grade.choices)
    assessment = forms.CharField(label=_("结对总结"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class MeetingForm(_Styled):
    met_on = _date(_("日期"))
    minutes = forms.CharField(label=_("谈话纪要"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    notes = forms.CharField(label=_("备注"), required=False, max_length=300)


class MentorshipFilter(LabelledWidgetsMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类型"), required=False, choices=[("", _("全部类型")), *Mentorship.Kind.choices])
    status = forms.ChoiceField(label=_("状态"), required=False, choices=[("", _("全部状态")), *Mentorship.Status.choices])
