from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "dangxiao.reports"
    label = "reports"
    verbose_name = _("统计报表")

    def ready(self) -> None:
        # The member page (people) shows what the apps above it know of a member: registered here, the
        # one app that may read all of them.
        from dangxiao.people import record

        from . import member_record

        for provider in member_record.PROVIDERS:
            record.register(provider)
