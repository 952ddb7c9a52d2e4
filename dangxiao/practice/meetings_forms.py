"""Forms of the themed-day and 三会一课 pages. Choices are what the caller may pick (their branch's
sessions, members and the school's teachers), so an id from elsewhere is simply not a valid choice."""

from datetime import timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from dangxiao.core.forms import SaneDateField
from dangxiao.people.models import Member

from .meetings_services import MINUTES_MAX_BYTES, MeetingInput, ThemedDayInput
from .models import MeetingRule, OrganizationalMeeting, Period


class BootstrapMixin:
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            widget.attrs.setdefault("class", "form-select" if isinstance(widget, forms.Select) else "form-control")


class ThemedDayForm(BootstrapMixin, forms.Form):
    held_on = SaneDateField(label=_("开展日期"), widget=forms.DateInput(attrs={"type": "date"}))
    session = forms.ModelChoiceField(label=_("一课（本支部的课次）"), queryset=None, required=False)
    lesson = forms.CharField(label=_("一课（课题）"), max_length=200, required=False, help_text=_("不填则取所选课次的名称"))
    film = forms.CharField(label=_("一片（观看的影片）"), max_length=120, required=False)
    practice = forms.CharField(
        label=_("一实践（开展的实践活动）"), max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    note = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args, sessions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["session"].queryset = sessions
        self.fields["session"].label_from_instance = lambda s: f"{timezone.localtime(s.starts_at):%Y-%m-%d} {s.title}"[:90]

    def to_input(self) -> ThemedDayInput:
        d = self.cleaned_data
        return ThemedDayInput(d["held_on"], d["session"], d["lesson"], d["film"], d["practice"], "", d["note"])


def branch_sessions(sessions_qs, org):
    """The branch's sessions of the last thirteen months (and this week's), for the lesson picker."""
    now = timezone.now()
    return (
        sessions_qs.filter(cohort__organization=org, starts_at__gte=now - timedelta(days=400), starts_at__lte=now + timedelta(days=7))
        .exclude(status="cancelled")
        .order_by("-starts_at")
    )


class MeetingForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=OrganizationalMeeting.Kind.choices)
    held_on = SaneDateField(label=_("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    place = forms.CharField(label=_("地点"), max_length=120, required=False)
    host = forms.CharField(label=_("主持人"), max_length=50, required=False)
    topic = forms.CharField(label=_("主题"), max_length=200, required=False)
    lecturer = forms.ChoiceField(label=_("主讲人（党课）"), required=False)
    minutes = forms.CharField(label=_("会议记录"), required=False, max_length=20_000, widget=forms.Textarea(attrs={"rows": 5}))
    minutes_file = forms.FileField(label=_("会议记录附件（PDF、Word 或照片，20 MB 以内）"), required=False)
    decisions = forms.CharField(label=_("决议事项"), required=False, max_length=20_000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, members, teachers, **kwargs):
        super().__init__(*args, **kwargs)
        self.members = {f"m{m.pk}": m for m in members}
        self.teachers = {f"t{t.pk}": t for t in teachers}
        choices = [("", "—")]
        choices += [(k, f"{m.name}（{_('党员')}）") for k, m in self.members.items()]
        choices += [(k, f"{t.name}（{_('讲师')}）") for k, t in self.teachers.items()]
        self.fields["lecturer"].choices = choices

    def clean_minutes_file(self):
        f = self.cleaned_data.get("minutes_file")
        if f and f.size > MINUTES_MAX_BYTES:
            raise forms.ValidationError(_("会议记录附件不能超过 20 MB"))
        return f

    def to_input(self) -> MeetingInput:
        d = self.cleaned_data
        lecturer = d.get("lecturer") or ""
        return MeetingInput(
            kind=d["kind"],
            held_on=d["held_on"],
            place=d["place"],
            host=d["host"],
            topic=d["topic"],
            lecturer_member=self.members.get(lecturer),
            lecturer_teacher=self.teachers.get(lecturer),
            minutes=d["minutes"],
            decisions=d["decisions"],
        )


def meeting_initial(meeting: OrganizationalMeeting) -> dict:
    lecturer = f"m{meeting.lecturer_member_id}" if meeting.lecturer_member_id else ""
    lecturer = f"t{meeting.lecturer_teacher_id}" if meeting.lecturer_teacher_id else lecturer
    fields = ("kind", "held_on", "place", "host", "topic", "minutes", "decisions")
    return {**{f: getattr(meeting, f) for f in fields}, "lecturer": lecturer}


def roll_from_post(post, member_ids) -> dict[int, str]:
    """`mark-<member id>` radio values of the page's roll, for the members it listed."""
    return {pk: post[f"mark-{pk}"] for pk in member_ids if post.get(f"mark-{pk}")}


class RuleForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = MeetingRule
        fields = ["themed_day", "general", "committee", "group", "lesson", "life", "note"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in MeetingRule.DEFAULTS:
            self.fields[name].choices = Period.choices


def current_members(org):
    return Member.objects.current().filter(organization__path__startswith=org.path).order_by("name", "pk").only("pk", "name")
