from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo school's builder (`manage.py seed_demo`): above every domain, whose demo modules it runs."""

    name = "dangxiao.demo"
    label = "demo"
    verbose_name = _("演示数据")
