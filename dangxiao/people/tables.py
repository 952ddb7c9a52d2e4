"""The roster as a sortable table (core.tables): the page's headers and the export's order."""

from django.utils.translation import gettext_lazy as _

from dangxiao.core.tables import Column, Table

ROSTER = Table(
    "roster",
    [
        Column("name", _("姓名")),
        Column("gender", _("性别"), lambda m: m.get_gender_display()),
        Column("age", _("年龄"), order=("-birth_date",)),
        Column("status", _("类别"), lambda m: m.get_status_display()),
        Column("organization", _("所在组织"), lambda m: m.organization.name, order=("organization__path",)),
        Column("industry", _("行业")),
        Column("phone", _("手机号码"), sortable=False, personal="phone"),
        Column("flags", _("标记"), sortable=False, export=False),
    ],
    default="organization",
    tiebreak=("name", "pk"),
    title=_("党员名单"),
)
