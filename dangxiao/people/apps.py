from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "dangxiao.people"
    label = "people"
    verbose_name = _("组织与党员")

    def ready(self):
        from . import signals  # noqa: F401  (connects the User hook)
