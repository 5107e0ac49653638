"""Signing in, with throttling so a password cannot be guessed at speed."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse
from django_ratelimit.core import is_ratelimited


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if _too_many_attempts(request):
            # The password is not even checked: a blank form and the reason.
            form = self.get_form_class()(request)
            context = self.get_context_data(form=form, throttled=True)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)


def _too_many_attempts(request: HttpRequest) -> bool:
    # Per address and per account name: one guesser cannot lock out the office's shared
    # address quickly, and many addresses cannot hammer one account.
    username = request.POST.get("username", "").strip().lower()[:150]
    by_address = is_ratelimited(
        request, group="login-ip", key="ip", rate=settings.LOGIN_RATE_LIMIT, increment=True
    )
    by_account = is_ratelimited(
        request,
        group="login-user",
        key=lambda group, request: username,
        rate=settings.LOGIN_RATE_LIMIT,
        increment=True,
    )
    return by_address or by_account
