"""Write path of the board's liaison settings: a working committee's matter categories, state labels
and canned replies, saved together or not at all."""

from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from dangxiao.people.models import Organization

from .models import CannedReply, Matter, MatterCategory, MatterState
from .selectors import state_order


class SettingsError(Exception):
    """A Chinese message for the board; nothing was saved."""


def categories_for_settings(committee: Organization) -> QuerySet:
    """The committee's categories with how many matters use each (a code in use cannot change)."""
    return MatterCategory.objects.filter(working_committee=committee).annotate(matter_count=Count("matters")).order_by("order", "code")


def states_for_settings(committee: Organization) -> QuerySet:
    return MatterState.objects.filter(working_committee=committee).order_by("order")


def replies_for_settings(committee: Organization) -> QuerySet:
    return CannedReply.objects.filter(working_committee=committee).select_related("category").order_by(state_order(), "title", "pk")


def settings_save(committee: Organization, *, categories, states, replies) -> None:
    """Save the three validated formsets of `committee` in one transaction; what they add belongs to
    it. Refuses (SettingsError, nothing saved) a change to the code of a category that matters
    already use, and codes that clash."""
    try:
        with transaction.atomic():
            changed = {f.instance.pk: f.initial.get("code", "") for f in categories.forms if f.instance.pk and "code" in f.changed_data}
            if changed:
                # Lock the categories first, so no matter can refer to one while its code changes.
                list(MatterCategory.objects.select_for_update().filter(pk__in=changed).values_list("pk", flat=True))
                in_use = set(Matter.objects.filter(category_id__in=changed).values_list("category_id", flat=True))
                if in_use:
                    codes = "、".join(sorted(changed[pk] for pk in in_use))
                    raise SettingsError(_("类别“%(codes)s”已有事项，代码不能修改") % {"codes": codes})
            for category in categories.save(commit=False):
                category.working_committee = committee
                category.save()
            states.save()
            for reply in replies.save(commit=False):
                reply.working_committee = committee
                reply.save()
            for reply in replies.deleted_objects:
                reply.delete()
    except IntegrityError:
        raise SettingsError(_("类别代码重复，未保存任何修改")) from None
