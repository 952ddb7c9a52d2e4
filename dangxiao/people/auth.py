"""Signing in with a phone number (or, for staff, a username) and a password.

A member who has never signed in has no password: their first sign-in uses an activation code
(people/activation.py), which leads to choosing a password and nothing else. The backend accepts a code
only when its caller asks (`activation=True`) and then returns the member's pending account, unsaved when
there is none yet, marked with `activation_code`: the caller must not sign it in, only offer the password
step (the sign-in page, the API's token endpoint and the activation step do; the admin's sign-in does not
ask, so a code never opens it).

Every attempt runs the password hasher exactly once, whether the username has an account, an account
without a usable password, or nothing at all, so the time an answer takes does not tell which phones have
accounts (as Django's ModelBackend does for unknown usernames).
"""

from django.contrib.auth.backends import ModelBackend

from .activation import code_for_sign_in
from .models import User
from .normalize import sign_in_username


class PhoneBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, activation=False, **kwargs):
        if username is None or password is None:
            return None
        username = sign_in_username(username)
        user = User.objects.filter(username=username).first()
        if user is None:
            User().set_password(password)  # the hasher's work, as for an account (see the module's docstring)
        elif user.check_password(password):  # runs the hasher for an unusable password too
            return user if self.user_can_authenticate(user) else None
        if not activation:
            return None
        code = code_for_sign_in(username, password)
        if code is None:
            return None
        member = code.member
        pending = member.user or User(username=member.phone, first_name=member.name[:150])
        pending.activation_code = code
        return pending
