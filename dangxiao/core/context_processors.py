from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from . import access


def navigation(request):
    """The navigation a role may use; nothing it may not. Items are (key, label, url, children)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav": [], "scope": access.EMPTY}
    scope = access.scope_for(user)
    nav = [("home", _("首页"), reverse("home"), None)]
    if scope.can_view_roster:
        people = [
            ("members", _("党员名单"), reverse("people:member_list")),
            ("organizations", _("组织架构"), reverse("people:organization_list")),
        ]
        if scope.can_import_roster:
            people.append(("import", _("名单导入"), reverse("people:member_import")))
        nav.append(("people", _("组织与党员"), None, people))
    if scope.is_staff:
        nav.append(
            (
                "teaching",
                _("教学"),
                None,
                [
                    ("school", _("党校"), reverse("school:overview")),
                    ("cohorts", _("班次"), reverse("teaching:cohort_list")),
                    ("sessions", _("课次一览"), reverse("teaching:session_list")),
                    ("courses", _("课程"), reverse("teaching:course_list")),
                    ("calendar", _("日历"), reverse("teaching:calendar")),
                    ("surveys", _("需求调研"), reverse("teaching:survey_list")),
                ]
                + ([("robots", _("群机器人"), reverse("notify:robots"))] if scope.is_board else []),
            )
        )
        nav.append(
            (
                "study",
                _("考勤学时"),
                None,
                [
                    ("ledger", _("学时达标"), reverse("ledger_compliance")),
                    ("analysis", _("考勤分析"), reverse("ledger_analysis")),
                    ("leave", _("请假审批"), reverse("attendance:leave_inbox")),
                    ("reflection_queue", _("心得审核"), reverse("reflections:queue")),
                    ("org_points", _("积分统计"), reverse("points:organization_home")),
                    ("yearly_report", _("年度工作报告"), reverse("yearly_report:request")),
                ],
            )
        )
        nav.append(("practice", _("组织生活"), None, _practice()))
        nav.append(
            (
                "appraisal_group",
                _("评议表彰"),
                None,
                [
                    ("appraisals", _("民主评议"), reverse("appraisal:list")),
                    ("commendations", _("评优评先"), reverse("appraisal:commendations")),
                    ("records", _("考核述职"), reverse("appraisal:records")),
                ],
            )
        )
    liaison = _liaison(user, scope)
    if liaison:
        nav.append(("liaison", _("联户服务"), None, liaison))
    account = [("tokens", _("账号与令牌"), reverse("account_tokens")), ("notify_prefs", _("通知设置"), reverse("notify:preferences"))]
    if scope.is_staff:
        account.append(("exports", _("我的导出"), reverse("export_list")))
    if scope.member_id:
        mine = [
            ("schedule", _("我的课表"), reverse("attendance:my_schedule")),
            ("online", _("网上学习"), reverse("online:my_lessons")),
            ("hours", _("我的学时"), reverse("ledger_my_hours")),
            ("reflections", _("学习心得"), reverse("reflections:mine")),
            ("points", _("我的积分"), reverse("points:mine")),
            ("my_practice", _("我的实践"), reverse("practice_projects:my_practice")),
            ("my_service", _("志愿服务"), reverse("practice:my_services")),
            ("appraisal", _("民主评议"), reverse("appraisal:my_list")),
            ("me", _("我的档案"), reverse("people:member_detail", args=[scope.member_id])),
        ]
        if len(nav) > 2:
            # Staff who are members too: their own pages fold into one menu so the bar fits a laptop.
            nav.append(("mine", _("我的"), None, mine + account))
        else:
            nav += [(key, label, url, None) for key, label, url in mine + account]
    if scope.can_read_audit:
        nav.append(("audit", _("审计日志"), reverse("audit_log"), None))
    if user.is_superuser:
        nav.append(("admin", _("系统管理"), reverse("admin:index"), None))
    return {"nav": nav, "scope": scope}


def _liaison(user, scope) -> list:
    """The residents' liaison group, for staff and for grid leaders with an account. Entries whose
    pages are not installed are left out rather than breaking every page."""
    if not (scope.is_staff or access.grid_compound_ids(user)):
        return []
    entries = [
        ("matters", _("事项"), "liaison:matter_list"),
        ("liaison_grid", _("小区网格"), "grid:compound_list"),
        ("liaison_figures", _("数据统计"), "liaison_figures:figures"),
    ]
    if scope.is_board:
        entries.append(("open311_keys", _("Open311"), "open311_keys:keys"))
    items = []
    for key, label, name in entries:
        try:
            items.append((key, label, reverse(name)))
        except NoReverseMatch:
            continue
    return items


def _practice() -> list:
    """主题党日 and 三会一课 (the practice app's pages), left out while they are not installed."""
    entries = [
        ("meetings_compliance", _("开展情况"), "practice:compliance"),
        ("themed_days", _("主题党日"), "practice:themed_day_list"),
        ("meetings", _("三会一课"), "practice:meeting_list"),
        ("lecturers", _("党课我主讲"), "practice:lecturers"),
        ("frontline_projects", _("项目一线"), "practice_projects:project_list"),
        ("mentorships", _("结对帮带"), "practice_projects:mentorship_list"),
        ("service", _("志愿服务"), "practice:service_list"),
        ("service_queue", _("志愿服务时长审核"), "practice:service_queue"),
    ]
    items = []
    for key, label, name in entries:
        try:
            items.append((key, label, reverse(name)))
        except NoReverseMatch:
            continue
    return items
