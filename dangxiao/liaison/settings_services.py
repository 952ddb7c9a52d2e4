"""Write path of the board's liaison settings: matter categories, state labels and canned replies,
saved together or not at all."""

from django.db import IntegrityError, transaction
from django.db.models import Count, QuerySet
from django.utils.translation import gettext as _

from .models import CannedReply, Matter, MatterCategory, MatterState


class SettingsError(Exception):
    """A Chinese message for the board; nothing was saved."""


def categories_for_settings() -> QuerySet:
    """Categories with how many matters use each (a code in use cannot change)."""
    return MatterCategory.objects.annotate(matter_count=Count("matters")).order_by("order", "code")


def states_for_settings() -> QuerySet:
    return MatterState.objects.order_by("order")


def replies_for_settings() -> QuerySet:
    return CannedReply.objects.select_related("state", "category").order_by("state__order", "title", "pk")


def settings_save(*, categories, states, replies) -> None:
    """Save the three validated formsets in one transaction. Refuses (SettingsError, nothing saved)
    a change to the code of a category that matters already use, and codes that clash."""
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
            categories.save()
            states.save()
            replies.save()
    except IntegrityError:
        raise SettingsError(_("类别代码重复，未保存任何修改")) from None
