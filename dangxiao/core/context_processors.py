from django.urls import reverse
from django.utils.translation import gettext as _

from . import access


def navigation(request):
    """The navigation a role may use; nothing it may not."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": [], "scope": access.EMPTY}
    scope = access.scope_for(user)
    nav = [("home", _("首页"), reverse("home"))]
    if scope.can_view_roster:
        nav += [
            ("members", _("党员名单"), reverse("people:member_list")),
            ("organizations", _("组织架构"), reverse("people:organization_list")),
        ]
    if scope.can_import_roster:
        nav.append(("import", _("名单导入"), reverse("people:member_import")))
    if scope.is_staff:
        nav += [
            ("school", _("党校"), reverse("school:overview")),
            ("cohorts", _("班次"), reverse("teaching:cohort_list")),
            ("courses", _("课程"), reverse("teaching:course_list")),
            ("calendar", _("日历"), reverse("teaching:calendar")),
            ("surveys", _("需求调研"), reverse("teaching:survey_list")),
        ]
    if scope.member_id:
        nav += [
            ("schedule", _("我的课表"), reverse("teaching:my_schedule")),
            ("me", _("我的档案"), reverse("people:member_detail", args=[scope.member_id])),
        ]
    if scope.can_read_audit:
        nav.append(("audit", _("审计日志"), reverse("audit_log")))
    if user.is_superuser:
        nav.append(("admin", _("系统管理"), reverse("admin:index")))
    return {"nav": nav, "scope": scope}
