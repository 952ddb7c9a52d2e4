from django.contrib.auth import views as auth_views


class PasswordChangeView(auth_views.PasswordChangeView):
    """Changing the password clears the first-sign-in obligation."""

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.user
        if user.must_change_password:
            user.must_change_password = False
            user.save(update_fields=["must_change_password"])
        return response
