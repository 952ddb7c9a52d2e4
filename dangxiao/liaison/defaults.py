"""The states, categories and canned replies every working committee starts with.

A working committee (or a tree's root, for nodes with no committee above them; see
people.selectors.committee_id_subquery) gets them when it is created: `committee_saved` is connected to
Organization's post_save by LiaisonConfig.ready, because the people app, where committees are
created (admin, demo, shell), must not know about liaison. Existing committees were given the
install's settings as they stood by migration 0007.
"""

from django.apps import apps as django_apps

STATES = [
    ("reported", "待受理"),
    ("accepted", "已受理"),
    ("assigned", "已指派"),
    ("in_progress", "办理中"),
    ("resolved", "已解决"),
    ("not_responsible", "非职责范围"),
    ("duplicate", "重复"),
    ("withdrawn", "已撤回"),
]
CATEGORIES = [
    ("e_bike_charging", "电动车充电", "飞线充电、楼道停放充电等安全隐患", 12, 7),
    ("roads_ramps", "道路与坡道", "路面破损、台阶坡道不便通行（道路降坡）", 48, 30),
    ("lighting", "照明", "路灯、楼道灯不亮", 24, 7),
    ("sanitation", "环境卫生", "垃圾堆放、清运不及时、卫生死角", 24, 3),
    ("noise", "噪音扰民", "施工、商铺、广场舞等噪音", 24, 3),
    ("repairs", "设施维修", "水电、门禁、电梯、公共设施损坏", 24, 14),
    ("other", "其他", "其他需要帮助解决的小事", 48, 14),
]
REPLIES = [
    ("accepted", "已受理", "您反映的问题已受理，我们会尽快安排人员处理，请留意进展。"),
    ("in_progress", "现场查看", "已安排网格员到现场查看，正在协调处理。"),
    ("resolved", "已解决", "问题已解决，感谢您的反映。如问题仍然存在，可通过原链接重新打开。"),
    ("not_responsible", "非职责范围", "经核实，该问题不属于小区网格的处理范围，已告知相关部门并请其跟进。"),
    ("duplicate", "重复反映", "已有居民反映过该问题，我们已合并处理，进展将在原事项中更新。"),
]


def ensure_defaults(committee, apps=django_apps) -> bool:
    """Give `committee` the default states, categories and canned replies unless it has settings of its
    own already (one query then). Returns whether it did."""
    MatterState = apps.get_model("liaison", "MatterState")
    MatterCategory = apps.get_model("liaison", "MatterCategory")
    CannedReply = apps.get_model("liaison", "CannedReply")
    if MatterState.objects.filter(working_committee=committee).exists():
        return False
    MatterState.objects.bulk_create(
        MatterState(working_committee=committee, code=code, label=label, order=order) for order, (code, label) in enumerate(STATES)
    )
    MatterCategory.objects.bulk_create(
        MatterCategory(
            working_committee=committee, code=code, name=name, description=description, respond_hours=hours, resolve_days=days, order=order
        )
        for order, (code, name, description, hours, days) in enumerate(CATEGORIES)
    )
    CannedReply.objects.bulk_create(
        CannedReply(working_committee=committee, state=state, title=title, text=text) for state, title, text in REPLIES
    )
    return True


def committee_saved(sender, instance, created: bool = False, raw: bool = False, **kwargs) -> None:
    """post_save of Organization: a new working committee, or a new tree's root, gets the defaults (a
    node made a working committee later, too). Fixtures being loaded (raw) are left as they are."""
    if raw:
        return
    if instance.kind == instance.Kind.WORKING_COMMITTEE or instance.depth == 1:
        ensure_defaults(instance)
