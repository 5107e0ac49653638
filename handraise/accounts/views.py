"""Signing in (throttled, so a password cannot be guessed at speed) and passwords:
changing one's own, and resetting a forgotten one by email."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django.urls import reverse_lazy
from django_ratelimit.core import is_ratelimited

from handraise.accounts import throttle
from handraise.accounts.forms import OutboxPasswordResetForm


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        # The backend refuses too (every sign-in path goes through it); checking here
        # first lets the page say why.
        if throttle.sign_in_refused(request, request.POST.get("username")):
            # The password is not even checked: a blank form and the reason.
            form = self.get_form_class()(request)
            context = self.get_context_data(form=form, throttled=True)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)

    def form_valid(self, form) -> HttpResponse:
        response = super().form_valid(form)
        throttle.remember_device(response, username=form.get_user().get_username())
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change_form.html"
    success_url = reverse_lazy("password_change_done")


class PasswordChangeDoneView(auth_views.PasswordChangeDoneView):
    template_name = "accounts/password_change_done.html"


class PasswordResetView(auth_views.PasswordResetView):
    """Asks for an email address and, if it is a user's, queues a reset link.

    The answer is the same whether or not an account has that address.
    """

    form_class = OutboxPasswordResetForm
    template_name = "accounts/password_reset_form.html"
    email_template_name = "accounts/password_reset_email.txt"
    subject_template_name = "accounts/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if _too_many_reset_requests(request):
            form = self.get_form_class()()
            context = self.get_context_data(form=form, throttled=True)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


def _too_many_reset_requests(request: HttpRequest) -> bool:
    # Per address and per email address: nobody can flood an inbox with reset links,
    # and every address counts alike, so the limit says nothing about who has an account.
    email = request.POST.get("email", "").strip().lower()[:254]
    by_address = is_ratelimited(
        request,
        group="password-reset-ip",
        key="ip",
        rate=settings.PASSWORD_RESET_RATE_LIMIT,
        increment=True,
    )
    by_email = is_ratelimited(
        request,
        group="password-reset-email",
        key=lambda group, request: email,
        rate=settings.PASSWORD_RESET_RATE_LIMIT,
        increment=True,
    )
    return by_address or by_email
