"""Accounts still on the old guessable first password (the last six characters of the phone or ID number,
never changed) lose it: the member signs in again with an activation code. Their API tokens go too."""

from django.contrib.auth.hashers import check_password, make_password
from django.db import migrations
from django.utils import timezone


def retire_initial_passwords(apps, schema_editor):
    Member = apps.get_model("people", "Member")
    ApiToken = apps.get_model("people", "ApiToken")
    pending = Member.objects.filter(user__must_change_password=True).select_related("user")
    for member in pending.iterator():
        user = member.user
        guesses = {member.phone[-6:]} | ({member.id_number[-6:]} if member.id_number else set())
        if any(check_password(guess, user.password) for guess in guesses):
            user.password = make_password(None)
            user.save(update_fields=["password"])
            ApiToken.objects.filter(user_id=user.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())


class Migration(migrations.Migration):
    dependencies = [("people", "0003_activation_code")]

    operations = [migrations.RunPython(retire_initial_passwords, migrations.RunPython.noop)]
