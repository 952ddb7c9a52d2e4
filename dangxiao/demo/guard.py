"""What `seed_demo` may delete: only what it wrote itself, and only on a demo install.

seed_demo deletes every organisation, member, account, school, session, roll and matter before it builds
the demo school. On a real database that is everyone's records, so it first looks for rows it did not
write: at the end of each build it records, per table, the highest id it had written (`DemoSeed`); any row
above its table's mark was written after the demo was built (a member added, a check-in, a resident's
report, the periodic jobs' escalations), and with no mark at all every row counts. The liaison settings
that migrations fill in (states, categories, canned replies) are configuration, which seed_demo leaves as
it finds them, and are not counted.
"""

from django.apps import apps
from django.db.models import Max, Model

from .models import DemoSeed

# Filled in by migrations on every install, and left alone by seed_demo.
CONFIGURATION = {"liaison.MatterState", "liaison.MatterCategory", "liaison.CannedReply"}


def _label(model: type[Model]) -> str:
    return model._meta.label


def tracked_models() -> list[type[Model]]:
    """Every table of the project's own apps (accounts included), but the demo's marker and configuration."""
    return [
        model
        for config in apps.get_app_configs()
        if config.name.startswith("dangxiao.") and config.label != "demo"
        for model in config.get_models()
        if _label(model) not in CONFIGURATION and not model._meta.proxy
    ]


def _sequential(model: type[Model]) -> bool:
    """Tables whose keys grow with each row, so that "written after the demo" is "a key above its mark".
    The secret ballot's tables have random keys on purpose (appraisal/models/appraisal.py); their rows
    hang off an appraisal, which is judged by its own key."""
    return model._meta.pk.get_internal_type() in ("AutoField", "BigAutoField", "SmallAutoField")


def record_demo() -> DemoSeed:
    """Mark everything in the database now as the demo's (the last step of a build)."""
    marks = {_label(m): m.objects.aggregate(top=Max("pk"))["top"] or 0 for m in tracked_models() if _sequential(m)}
    DemoSeed.objects.all().delete()
    return DemoSeed.objects.create(marks=marks)


def records_not_from_the_demo() -> dict[type[Model], int]:
    """Rows seed_demo did not write, counted per table (tables without any left out)."""
    seed = DemoSeed.objects.order_by("-pk").first()
    marks = seed.marks if seed else {}
    found = {}
    for model in filter(_sequential, tracked_models()):
        count = model.objects.filter(pk__gt=marks.get(_label(model), 0)).count()
        if count:
            found[model] = count
    return found


def records_in_database() -> dict[type[Model], int]:
    """Every row seed_demo's wipe can reach, counted per table."""
    return {model: n for model in tracked_models() if (n := model.objects.count())}


def describe(counts: dict[type[Model], int]) -> str:
    return "\n".join(f"  {model._meta.verbose_name_plural}（{model._meta.label}）：{n}" for model, n in counts.items())
