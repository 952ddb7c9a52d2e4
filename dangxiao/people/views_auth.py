"""Signing in, the activation step, changing a password, and the user's own API tokens."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import activation, selectors, services
from .forms import ActivationForm, SignInForm
from .models import ActivationCode

ACTIVATION_SESSION_KEY = "activation_code_id"
BACKEND = "dangxiao.people.auth.PhoneBackend"


class LoginView(auth_views.LoginView):
    """The sign-in page. An activation code typed as the password leads to the activation step, already
    verified, instead of signing in: the member chooses a password before anything else."""

    form_class = SignInForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        code = getattr(form.get_user(), "activation_code", None)
        if code is None:
            return super().form_valid(form)
        self.request.session.cycle_key()
        self.request.session[ACTIVATION_SESSION_KEY] = code.pk
        return redirect("activate")


def _verified_code(request) -> ActivationCode | None:
    """The code the sign-in page verified in this session, while it is still live."""
    code_id = request.session.get(ACTIVATION_SESSION_KEY)
    if code_id is None:
        return None
    code = activation.code_in_hand(code_id)
    if code is None:
        request.session.pop(ACTIVATION_SESSION_KEY, None)
    return code


def activate(request):
    """The activation step: phone, code and a new password (or only the password once the sign-in page has
    verified the code). Wrong codes count as failed sign-ins (people.throttle)."""
    verified = _verified_code(request)
    form = ActivationForm(request.POST or None, verified=verified is not None)
    if request.method == "POST" and form.is_valid():
        password = form.cleaned_data["new_password1"]
        try:
            if verified is not None:
                user = activation.activation_complete(verified.pk, password)
            else:
                user = activation.account_activate(request, form.cleaned_data["username"], form.cleaned_data["code"], password)
        except ValidationError as exc:
            form.add_error("new_password1", exc)
        except activation.ActivationError as exc:
            request.session.pop(ACTIVATION_SESSION_KEY, None)
            form.add_error(None, str(exc))
        else:
            if user is None:
                form.add_error(None, _("手机号或激活码不正确，请重试。"))
            else:
                request.session.pop(ACTIVATION_SESSION_KEY, None)
                login(request, user, backend=BACKEND)
                messages.success(request, _("密码已设置，账号已激活。"))
                return redirect("home")
    status = 400 if form.errors else 200
    return render(request, "core/activate.html", {"form": form, "verified": verified}, status=status)


class PasswordChangeView(auth_views.PasswordChangeView):
    """Changing the password clears the first-sign-in obligation; the user's API tokens are revoked with it
    (people.signals), while this session stays signed in.

    The templates live under core/ because django.contrib.admin ships its own
    registration/password_change_*.html, which would otherwise win.
    """

    template_name = "core/password_change_form.html"

    def get_form_class(self):
        # An account without a usable password has no current password to give.
        return super().get_form_class() if self.request.user.has_usable_password() else SetPasswordForm

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        if user.must_change_password:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "core/password_change_done.html"


@login_required
def my_tokens(request):
    """The signed-in user's own live API tokens (under 我的)."""
    context = {"active": "tokens", "tokens": selectors.token_list(request.user), "days": round(settings.API_TOKEN_DAYS)}
    return render(request, "people/my_tokens.html", context)


@login_required
@require_POST
def my_token_revoke(request, pk: int):
    if not services.token_revoke_own(request.user, pk):
        raise Http404(_("未找到，或不在您的权限范围内"))
    messages.success(request, _("令牌已吊销，使用它的应用需要重新登录。"))
    return redirect("account_tokens")
