"""Sign-in with a phone number.

Imported members have no account yet: their first sign-in uses the initial password (the last six
characters of their ID number, or of their phone number when no ID number is on file). That
creates the account and forces a new password before anything else; no password hash is computed
for members who never sign in, which keeps a 10,000-row import fast.
"""

import hmac

from django.contrib.auth.backends import ModelBackend
from django.db import IntegrityError, transaction

from .models import Member, User
from .normalize import clean_text


def initial_password(member: Member) -> str:
    return (member.id_number or member.phone)[-6:]


class PhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        username = clean_text(username).replace(" ", "")
        user = User.objects.filter(username=username).first()
        if user is not None:
            if user.check_password(password) and self.user_can_authenticate(user):
                return user
            return None
        member = Member.objects.filter(phone=username, user__isnull=True).first()
        if member is None or not hmac.compare_digest(initial_password(member), password):
            return None
        try:
            with transaction.atomic():
                user = User(username=member.phone, first_name=member.name, must_change_password=True)
                user.set_password(password)
                user.save()
                Member.objects.filter(pk=member.pk, user__isnull=True).update(user=user)
        except IntegrityError:
            return None
        return user
