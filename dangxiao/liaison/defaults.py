"""The states, categories and canned replies every install starts with (seeded by migration 0003).

`ensure_defaults` is idempotent and takes an app registry, so the migration passes its historical
models and tests call it after a transactional test has flushed the tables.
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


def ensure_defaults(apps=django_apps) -> None:
    MatterState = apps.get_model("liaison", "MatterState")
    for order, (code, label) in enumerate(STATES):
        MatterState.objects.get_or_create(code=code, defaults={"label": label, "order": order})
    MatterCategory = apps.get_model("liaison", "MatterCategory")
    for order, (code, name, description, hours, days) in enumerate(CATEGORIES):
        MatterCategory.objects.get_or_create(
            code=code, defaults={"name": name, "description": description, "respond_hours": hours, "resolve_days": days, "order": order}
        )
    CannedReply = apps.get_model("liaison", "CannedReply")
    for state, title, text in REPLIES:
        CannedReply.objects.get_or_create(state_id=state, title=title, defaults={"text": text})
