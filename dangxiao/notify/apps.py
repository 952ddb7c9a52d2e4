from django.apps import AppConfig


class NotifyConfig(AppConfig):
    """Notifications and reminders: the in-app centre and the channels (e-mail, SMS, WeCom robot). Low in the
    layers so that every domain can tell its users what happened; the domains decide when."""

    name = "dangxiao.notify"
    label = "notify"
    verbose_name = "通知与提醒"

    def ready(self):
        from dangxiao.core.exports import export_finished

        from .receivers import export_finished_notice

        export_finished.connect(export_finished_notice, dispatch_uid="notify-export-finished")
