"""Forms of the handlers' matter pages: the queue's filters and the actions on one matter.

The forms only parse; the services decide (and refuse with MatterError)."""

from datetime import datetime

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from dangxiao.core.forms import IdField, LabelledWidgetsMixin

from .models import OPEN_STATES, STATE_TYPES, Level, StateType
from .selectors import assigned_to_q, follow_up_q, overdue_q

SELECT = {"class": "form-select form-select-sm"}
INPUT = {"class": "form-control form-control-sm"}
NOTE = {"class": "form-control", "rows": 3}
CHECK = forms.CheckboxInput(attrs={"class": "form-check-input"})


class MatterFilterForm(LabelledWidgetsMixin, forms.Form):
    q = forms.CharField(label=_("搜索描述"), required=False, max_length=100)
    state = forms.CharField(required=False)
    type = forms.ChoiceField(label=_("状态类型"), required=False, choices=[("", _("全部")), ("all", _("全部")), *StateType.choices])
    compound = IdField(required=False)
    category = IdField(required=False)
    level = forms.ChoiceField(
        label=_("责任层级"), required=False, choices=[("", _("全部层级")), *Level.choices], widget=forms.Select(attrs=SELECT)
    )
    overdue = forms.BooleanField(label=_("已逾期"), required=False)
    follow_up = forms.BooleanField(label=_("待回访"), required=False)
    mine = forms.BooleanField(label=_("指派给我"), required=False)

    def values(self) -> dict:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        values = {k: data.get(k) for k in self.fields}
        if values.get("state") not in STATE_TYPES:
            values["state"] = ""
        if not (values["type"] or values["state"] or values["overdue"] or values["follow_up"]):
            values["type"] = StateType.OPEN
        return values

    def tab(self) -> str | None:
        v = self.values()
        if v["overdue"]:
            return "overdue"
        if v["follow_up"]:
            return "follow_up"
        if v["state"]:
            return "reported" if v["state"] == "reported" else None
        return v["type"] or "all"

    def apply(self, matters: QuerySet, *, user, member_id: int | None) -> QuerySet:
        """`matters` narrowed by everything but the tab (state, type, overdue, follow-up): the
        counts on the tabs are over this."""
        v = self.values()
        if v["q"]:
            matters = matters.filter(description__icontains=v["q"].strip())
        if v["compound"]:
            matters = matters.filter(compound_id=v["compound"])
        if v["category"]:
            matters = matters.filter(category_id=v["category"])
        if v["level"]:
            matters = matters.filter(level=v["level"])
        if v["mine"]:
            matters = matters.filter(assigned_to_q(user, member_id))
        return matters

    def apply_tab(self, matters: QuerySet, now: datetime) -> QuerySet:
        v = self.values()
        if v["overdue"]:
            return matters.filter(overdue_q(now))
        if v["follow_up"]:
            return matters.filter(follow_up_q(now))
        if v["state"]:
            return matters.filter(state=v["state"])
        if v["type"] in StateType.values:
            return matters.filter(state__in=[c for c, t in STATE_TYPES.items() if t == v["type"]])
        return matters


# --- Actions on one matter -----------------------------------------------------------------------


class AcceptForm(forms.Form):
    note = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={**NOTE, "rows": 2, "data-canned-target": "", "placeholder": _("说明（可选）")}),
    )


class AssignForm(forms.Form):
    """One target, as "role:<id>", "member:<id>" or "party:<id>": one of the offered roles and parties, or
    any member of `member_lookup` (the select lists only `members`, a page of it; the handler finds the
    others by name, liaison.views.matter_assign_members)."""

    target = forms.CharField(label=_("承办对象"), widget=forms.Select(attrs={"class": "form-select"}))
    note = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={**NOTE, "rows": 2, "placeholder": _("交办说明（可选）")}),
    )

    def __init__(self, *args, roles=(), members=(), parties=(), member_lookup=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.objects = {}
        self.member_lookup = member_lookup
        groups = []
        for prefix, label, items in (("role", _("网格"), roles), ("member", _("党员"), members), ("party", _("协同方"), parties)):
            options = []
            for item in items:
                key = f"{prefix}:{item.pk}"
                self.objects[key] = (prefix, item)
                text = f"{item.get_kind_display()} {item.name}" if prefix != "member" else item.name
                options.append((key, text))
            if options:
                groups.append((label, options))
            if prefix == "member":
                self.members_shown = len(options)
        self.fields["target"].widget.choices = [("", _("请选择"))] + groups
        self.fields["target"].error_messages["required"] = _("请选择一个承办对象")

    def clean_target(self) -> str:
        key = self.cleaned_data["target"]
        if key not in self.objects and key.startswith("member:") and self.member_lookup is not None:
            pk = key.removeprefix("member:")
            member = self.member_lookup.filter(pk=int(pk)).first() if pk.isdigit() else None
            if member is not None:
                self.objects[key] = ("member", member)
        if key not in self.objects:
            raise forms.ValidationError(_("请选择一个承办对象"))
        return key

    def target_kwargs(self) -> dict:
        prefix, item = self.objects[self.cleaned_data["target"]]
        return {prefix: item}


SET_STATES = [s for s in OPEN_STATES if s != "reported"] + ["not_responsible", "withdrawn"]


class StateForm(forms.Form):
    state = forms.ChoiceField(label=_("新状态"), widget=forms.Select(attrs={"class": "form-select", "data-canned-state": ""}))
    note = forms.CharField(
        label=_("说明"), required=False, max_length=1000, widget=forms.Textarea(attrs={**NOTE, "data-canned-target": ""})
    )
    public = forms.BooleanField(label=_("公开（居民可见）"), required=False, initial=True, widget=CHECK)

    def __init__(self, *args, labels: dict, current: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        # No state preselected: a stray click must not move the matter anywhere.
        self.fields["state"].choices = [("", _("请选择"))] + [(s, labels.get(s, s)) for s in SET_STATES if s != current]


class NoteForm(forms.Form):
    note = forms.CharField(label=_("备注"), max_length=1000, widget=forms.Textarea(attrs=NOTE))
    public = forms.BooleanField(label=_("公开（居民可见）"), required=False, widget=CHECK)


class ResolveForm(forms.Form):
    households_benefited = forms.IntegerField(
        label=_("受益户数"), min_value=1, max_value=5000, widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"})
    )
    note = forms.CharField(
        label=_("说明"), required=False, max_length=1000, widget=forms.Textarea(attrs={**NOTE, "data-canned-target": ""})
    )


class MergeForm(forms.Form):
    into = forms.IntegerField(
        label=_("合并到事项编号"), min_value=1, widget=forms.NumberInput(attrs={"class": "form-control", "inputmode": "numeric"})
    )
    note = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=1000,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": _("说明（可选）")}),
    )


# --- Recording a matter on a resident's behalf -------------------------------------------------------


class RecordForm(forms.Form):
    """A matter a grid leader or staff member records for a resident (of one chosen compound)."""

    category = forms.ModelChoiceField(
        label=_("类别"), queryset=None, empty_label=_("请选择"), widget=forms.Select(attrs={"class": "form-select"})
    )
    description = forms.CharField(label=_("描述"), max_length=1000, widget=forms.Textarea(attrs={"class": "form-control", "rows": 4}))
    household = forms.TypedChoiceField(
        label=_("住户"), required=False, coerce=int, empty_value=None, widget=forms.Select(attrs={"class": "form-select"})
    )
    building = forms.TypedChoiceField(
        label=_("楼栋"), required=False, coerce=int, empty_value=None, widget=forms.Select(attrs={"class": "form-select"})
    )
    location = forms.CharField(label=_("位置"), required=False, max_length=100, widget=forms.TextInput(attrs={"class": "form-control"}))
    reporter_name = forms.CharField(
        label=_("居民姓名"), required=False, max_length=40, widget=forms.TextInput(attrs={"class": "form-control"})
    )
    reporter_phone = forms.CharField(
        label=_("居民电话"), required=False, max_length=20, widget=forms.TextInput(attrs={"class": "form-control", "inputmode": "tel"})
    )

    def __init__(self, *args, categories, buildings, households, mine=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = categories
        self.buildings = {b.pk: b for b in buildings}
        self.households = {h.pk: h for h in households}
        mine_ids = {h.pk for h in mine}
        groups = []
        if mine_ids:
            groups.append((_("我联系的住户"), [(h.pk, str(h)) for h in households if h.pk in mine_ids]))
        by_building: dict = {}
        for h in households:
            if h.pk not in mine_ids:
                by_building.setdefault(h.building.name, []).append((h.pk, h.room))
        groups += [(name, options) for name, options in by_building.items()]
        self.fields["household"].choices = [("", _("不指定"))] + groups
        self.fields["building"].choices = [("", _("不指定"))] + [(b.pk, b.name) for b in buildings]
        if len(mine_ids) == 1 and not self.is_bound:
            self.initial.setdefault("household", next(iter(mine_ids)))

    def clean(self):
        data = super().clean()
        data["household"] = self.households.get(data.get("household"))
        data["building"] = data["household"].building if data["household"] else self.buildings.get(data.get("building"))
        return data
