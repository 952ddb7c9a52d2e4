"""What the notify app listens for from the layers below it (which cannot call it)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from dangxiao.people.models import User

from .models import Kind
from .services import notify


def export_finished_notice(sender, job, **kwargs):
    """A queued table export was built (or failed): its owner is told, with the link to 我的导出."""
    user = User.objects.filter(pk=job.user_id).first()
    if user is None:
        return
    if job.status == "done":
        title = _("导出已完成：%(title)s") % {"title": job.title}
        body = _("共 %(rows)s 行，请在“我的导出”下载，文件保留 7 天。") % {"rows": job.rows}
    else:
        title = _("导出未能生成：%(title)s") % {"title": job.title}
        body = _("请回到原页面重新导出；如再次失败，请联系系统管理员。")
    notify([user], f"export:{job.token}:{job.finished_at}", title, body, reverse("export_list"), kind=Kind.EXPORT_READY)
