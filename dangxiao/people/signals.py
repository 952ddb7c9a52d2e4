"""The one hook on User: a changed password or a deactivation revokes the user's API tokens.

A signal, against the house rule of services over signals, because this is the only place every password
change passes through: our pages and the API (people.activation, the password change page), but also the
admin's user form and its password form, `manage.py changepassword`, a shell's `set_password()` and
`save()`. Django sends no signal of its own for a password change. The check costs a query only when a
save may change the password or the active flag (a full save, or `update_fields` naming them); signing in
(which saves `last_login` alone) costs nothing.
"""

from django.db.models.signals import pre_save
from django.dispatch import receiver

from .models import User
from .services import tokens_revoke_all

_WATCHED = {"password", "is_active"}


@receiver(pre_save, sender=User, dispatch_uid="people.user_tokens_on_credentials_change")
def revoke_tokens_when_credentials_change(sender, instance: User, update_fields=None, raw=False, **kwargs):
    if raw or instance.pk is None or (update_fields is not None and not _WATCHED & set(update_fields)):
        return
    before = User.objects.filter(pk=instance.pk).values_list("password", "is_active").first()
    if before is None:
        return
    password, was_active = before
    if password != instance.password or (was_active and not instance.is_active):
        tokens_revoke_all(instance)
