from django.contrib.auth import views as auth_views


class PasswordChangeView(auth_views.PasswordChangeView):
    """Changing the password clears the first-sign-in obligation.

    The templates live under core/ because django.contrib.admin ships its own
    registration/password_change_*.html, which would otherwise win.
    """

    template_name = "core/password_change_form.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        if user.must_change_password:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        return response


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "core/password_change_done.html"
