# Written by hand: every existing working committee (and every tree root, which serves the nodes with
# no committee above them) gets the install's liaison settings as they stand, so nothing changes for
# anyone. The first committee keeps the existing rows; the others get copies, and their matters move
# to their own copy of their category. An install with no organisation yet drops the install-wide
# rows: each committee gets the defaults when it is created (liaison.defaults).

from collections import defaultdict

from django.db import migrations
from django.db.models import F, Q

from dangxiao.liaison.defaults import CATEGORIES, REPLIES, STATES

CATEGORY_FIELDS = ("code", "name", "description", "respond_hours", "resolve_days", "order", "active")


def to_each_committee(apps, schema_editor):
    Organization = apps.get_model("people", "Organization")
    Compound = apps.get_model("liaison", "Compound")
    Matter = apps.get_model("liaison", "Matter")
    Category = apps.get_model("liaison", "MatterCategory")
    OldState = apps.get_model("liaison", "MatterState")
    State = apps.get_model("liaison", "CommitteeMatterState")
    Reply = apps.get_model("liaison", "CannedReply")

    committees = list(Organization.objects.filter(Q(kind="working_committee") | Q(depth=1)).order_by("path"))
    if not committees:
        Reply.objects.all().delete()
        Category.objects.all().delete()
        return
    by_path = {c.path: c.pk for c in committees}
    step = 4  # treebeard's steplen, people.Organization's (historical models do not carry it)

    def committee_of(path: str) -> int | None:
        for end in range(len(path), 0, -step):
            if path[:end] in by_path:
                return by_path[path[:end]]
        return None

    compounds = defaultdict(list)
    for pk, path in Compound.objects.values_list("pk", "community__path"):
        compounds[committee_of(path)].append(pk)

    if not OldState.objects.exists():  # never seeded: the defaults stand for the install's labels
        OldState.objects.bulk_create(OldState(code=code, label=label, order=order) for order, (code, label) in enumerate(STATES))
    labels = [(s.code, s.label, s.order) for s in OldState.objects.order_by("order")]
    categories = list(Category.objects.order_by("pk"))
    replies = list(Reply.objects.order_by("pk").values("state_id", "category_id", "title", "text"))
    if not categories:
        categories = [
            Category(code=code, name=name, description=description, respond_hours=hours, resolve_days=days, order=order)
            for order, (code, name, description, hours, days) in enumerate(CATEGORIES)
        ]
        replies = [{"state_id": state, "category_id": None, "title": title, "text": text} for state, title, text in REPLIES]
        Reply.objects.all().delete()

    first = committees[0]
    for committee in committees:
        State.objects.bulk_create(State(working_committee=committee, code=code, label=label, order=order) for code, label, order in labels)
        if committee == first and categories[0].pk is not None:
            Category.objects.update(working_committee=committee)
            Reply.objects.update(working_committee=committee, state_code=F("state_id"))
            continue
        own = {}
        for category in categories:
            copy = Category.objects.create(working_committee=committee, **{f: getattr(category, f) for f in CATEGORY_FIELDS})
            own[category.pk] = copy.pk
            if category.pk is not None:
                Matter.objects.filter(compound_id__in=compounds[committee.pk], category_id=category.pk).update(category_id=copy.pk)
        Reply.objects.bulk_create(
            Reply(
                working_committee=committee,
                state_id=r["state_id"],  # the install-wide label's row, until 0008 drops the column
                state_code=r["state_id"],
                category_id=own.get(r["category_id"]) if r["category_id"] else None,
                title=r["title"],
                text=r["text"],
            )
            for r in replies
        )


class Migration(migrations.Migration):

    dependencies = [
        ('liaison', '0006_liaison_settings_per_committee'),
    ]

    operations = [
        migrations.RunPython(to_each_committee, migrations.RunPython.noop),
    ]
