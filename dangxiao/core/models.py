from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEvent(models.Model):
    """Who saw or took personal data, or changed what members read: every reveal, export, import,
    Open311 key, course material, and change to the teacher pool, topics and courses is one row. `organization_id` is the organisation of what was
    touched (the deepest one over all of it), so that each working committee's board reads the rows
    of its own subtree only."""

    class Action(models.TextChoices):
        REVEAL = "reveal", _("查看完整个人信息")
        EXPORT = "export", _("导出名单")
        IMPORT = "import", _("导入名单")
        OPEN311_ISSUE = "open311_issue", _("签发 Open311 密钥")
        OPEN311_REVOKE = "open311_revoke", _("吊销 Open311 密钥")
        MATERIAL_UPLOAD = "material_upload", _("上传课程资料")
        MATERIAL_REMOVE = "material_remove", _("删除课程资料")
        RECORD_CREATE = "record_create", _("新建记录")
        RECORD_UPDATE = "record_update", _("修改记录")
        RECORD_RETIRE = "record_retire", _("停用或终止记录")
        TEACHER_CREATE = "teacher_create", _("新增讲师")
        TEACHER_UPDATE = "teacher_update", _("修改讲师")
        TEACHER_RENEW = "teacher_renew", _("聘任或续聘讲师")
        TEACHER_END = "teacher_end", _("结束讲师聘期")
        TEACHER_RETIRE = "teacher_retire", _("讲师退出师资库")
        TEACHER_RESTORE = "teacher_restore", _("讲师恢复入库")
        TOPIC_CREATE = "topic_create", _("新增专题")
        TOPIC_UPDATE = "topic_update", _("修改专题")
        TOPIC_RETIRE = "topic_retire", _("停用专题")
        TOPIC_RESTORE = "topic_restore", _("恢复专题")
        COURSE_CREATE = "course_create", _("新增课程")
        COURSE_UPDATE = "course_update", _("修改课程")
        COURSE_RETIRE = "course_retire", _("停用课程")
        COURSE_RESTORE = "course_restore", _("恢复课程")
        ORG_CREATE = "org_create", _("新建组织")
        ORG_UPDATE = "org_update", _("修改组织")
        ORG_MOVE = "org_move", _("调整上级组织")
        ORG_DISSOLVE = "org_dissolve", _("撤销组织")
        ORG_IMPORT = "org_import", _("导入组织架构")
        ROLE_GRANT = "role_grant", _("授予角色")
        ROLE_WITHDRAW = "role_withdraw", _("撤销角色")
        CREATE = "create", _("新增")
        UPDATE = "update", _("修改")
        TRANSFER = "transfer", _("组织关系转接")
        LEAVE = "leave", _("党员离开")
        COHORT_UPDATE = "cohort_update", _("修改班次")
        COHORT_ARCHIVE = "cohort_archive", _("归档班次")
        ENROL_CLOSE = "enrol_close", _("关闭报名")
        ENROL_OPEN = "enrol_open", _("开放报名")
        SESSION_UPDATE = "session_update", _("修改课次")
        SESSION_MOVE = "session_move", _("调整课次时间")
        SESSION_CANCEL = "session_cancel", _("取消课次")
        LEAVE_APPROVE = "leave_approve", _("批准请假")
        LEAVE_REFUSE = "leave_refuse", _("不批准请假")

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=16, choices=Action.choices)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=40, blank=True)
    summary = models.CharField(max_length=200, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    # An id, neither a foreign key nor a path: the row outlives the organisation, and keeps its place
    # when the tree's paths are renumbered (a new working committee sorting before the others does).
    organization_id = models.PositiveBigIntegerField(_("所属组织"), null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_id} {self.action} {self.summary}"
