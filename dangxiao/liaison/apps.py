from django.apps import AppConfig
from django.db.models.signals import post_save


class LiaisonConfig(AppConfig):
    name = "dangxiao.liaison"
    label = "liaison"
    verbose_name = "联户与关键小事"

    def ready(self):
        from dangxiao.people.models import Organization

        from .defaults import committee_saved

        # A new working committee gets the default liaison settings (see liaison.defaults).
        post_save.connect(committee_saved, sender=Organization, dispatch_uid="liaison_committee_defaults")
