# Written by hand: the audit rows written before they named the organisation of what they touched
# learn it from the object they name, or else from the roles their actor held. A one-off that reads
# the people and liaison apps' historical models through the migration's app registry; core's code
# itself still imports no domain.

import os

from django.db import migrations

STEP = 4  # treebeard's steplen, people.Organization's (historical models do not carry it)
STAFF_ROLES = ("principal", "vice_principal", "dean", "org_admin")


def backfill(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    Organization = apps.get_model("people", "Organization")
    Role = apps.get_model("people", "Role")
    Member = apps.get_model("people", "Member")
    Household = apps.get_model("liaison", "Household")
    Matter = apps.get_model("liaison", "Matter")
    GridRole = apps.get_model("liaison", "GridRole")
    Open311Client = apps.get_model("liaison", "Open311Client")
    objects = {
        "member": lambda pk: Member.objects.filter(pk=pk).values_list("organization_id", flat=True).first(),
        "household": lambda pk: Household.objects.filter(pk=pk).values_list("building__compound__community_id", flat=True).first(),
        "matter": lambda pk: Matter.objects.filter(pk=pk).values_list("compound__community_id", flat=True).first(),
        "grid_role": lambda pk: GridRole.objects.filter(pk=pk).values_list("compound__community_id", flat=True).first(),
        "open311client": lambda pk: Open311Client.objects.filter(pk=pk).values_list("working_committee_id", flat=True).first(),
    }
    actors: dict[int, int | None] = {}

    def actor_organization(user_id) -> int | None:
        """The organisation over everything the actor managed (or their own, for a member)."""
        if user_id not in actors:
            paths = list(Role.objects.filter(user_id=user_id, kind__in=STAFF_ROLES).values_list("organization__path", flat=True))
            paths = paths or list(Member.objects.filter(user_id=user_id).values_list("organization__path", flat=True))
            prefix = os.path.commonprefix(paths) if paths else ""
            common = prefix[: len(prefix) // STEP * STEP]
            actors[user_id] = Organization.objects.filter(path=common).values_list("pk", flat=True).first() if common else None
        return actors[user_id]

    changed = []
    for event in AuditEvent.objects.filter(organization_id__isnull=True).iterator(chunk_size=500):
        found = None
        find = objects.get(event.object_type)
        if find is not None and event.object_id.isdigit():
            found = find(int(event.object_id))
        if found is None and event.actor_id:
            found = actor_organization(event.actor_id)
        if found is not None:
            event.organization_id = found
            changed.append(event)
    AuditEvent.objects.bulk_update(changed, ["organization_id"], batch_size=500)


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0005_audit_event_organization'),
        ('people', '0002_organization_path_prefix_index'),
        ('liaison', '0008_liaison_settings_committee_required'),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
    ]
