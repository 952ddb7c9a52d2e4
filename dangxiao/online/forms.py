"""Forms only parse what was typed; the rules live in the services."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Lesson, Question

SELECT = {"class": "form-select"}
TEXT = {"class": "form-control"}


class LessonForm(forms.Form):
    title = forms.CharField(label=_("课程名称"), max_length=120, widget=forms.TextInput(attrs=TEXT))
    kind = forms.ChoiceField(label=_("形式"), choices=Lesson.Kind.choices, widget=forms.Select(attrs=SELECT))
    video = forms.FileField(
        label=_("视频文件（mp4）"), required=False, widget=forms.ClearableFileInput(attrs={**TEXT, "accept": "video/mp4"})
    )
    duration_minutes = forms.FloatField(
        label=_("视频时长（分钟，留空则从文件读取）"),
        min_value=0.1,
        max_value=600,
        required=False,
        widget=forms.NumberInput(attrs={**TEXT, "step": "0.1"}),
    )
    body = forms.CharField(label=_("正文"), required=False, widget=forms.Textarea(attrs={**TEXT, "rows": 4}))
    document = forms.FileField(
        label=_("文档（PDF）"), required=False, widget=forms.ClearableFileInput(attrs={**TEXT, "accept": "application/pdf"})
    )
    study_minutes = forms.IntegerField(
        label=_("阅读时长（分钟）"), min_value=1, max_value=600, required=False, widget=forms.NumberInput(attrs=TEXT)
    )
    published = forms.BooleanField(label=_("立即发布"), required=False, initial=True)


class PracticeTaskForm(forms.Form):
    title = forms.CharField(label=_("实践任务"), max_length=120, widget=forms.TextInput(attrs=TEXT))
    instructions = forms.CharField(label=_("任务要求"), required=False, widget=forms.Textarea(attrs={**TEXT, "rows": 3}))


class QuizForm(forms.Form):
    pass_mark = forms.IntegerField(
        label=_("及格分（百分制）"), min_value=1, max_value=100, initial=60, widget=forms.NumberInput(attrs=TEXT)
    )
    max_attempts = forms.IntegerField(label=_("最多答题次数"), min_value=1, max_value=20, initial=3, widget=forms.NumberInput(attrs=TEXT))


class QuestionForm(forms.Form):
    text = forms.CharField(label=_("题目"), max_length=300, widget=forms.TextInput(attrs=TEXT))
    kind = forms.ChoiceField(label=_("题型"), choices=Question.Kind.choices, widget=forms.Select(attrs=SELECT))
    choices = forms.CharField(
        label=_("选项（每行一个，正确答案前加 *）"),
        widget=forms.Textarea(attrs={**TEXT, "rows": 4, "placeholder": "*为人民服务\n为个人利益服务"}),
    )


class PracticeSubmitForm(forms.Form):
    text = forms.CharField(label=_("我做了什么"), max_length=5000, widget=forms.Textarea(attrs={**TEXT, "rows": 5}))
    photo = forms.FileField(
        label=_("照片（可选，JPG 或 PNG）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={**TEXT, "accept": "image/jpeg,image/png"}),
    )


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("通过")), ("reject", _("不通过"))])
    note = forms.CharField(
        label=_("审核意见"), max_length=300, required=False, widget=forms.TextInput(attrs={**TEXT, "placeholder": _("不通过时必填")})
    )
