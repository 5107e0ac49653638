"""Sign-in and password forms: Django's, throttled, and sending mail through the outbox."""

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import PasswordResetForm
from django.core.exceptions import ValidationError
from django.template import loader

from handraise.accounts import throttle
from handraise.core import outbox

THROTTLED_MESSAGE = "Too many sign-in attempts. Wait a few minutes, then try again."


class ThrottledAdminAuthenticationForm(AdminAuthenticationForm):
    def clean(self):
        # Said before the password is checked, so a refused guess learns nothing.
        if self.request is not None and throttle.sign_in_refused(
            self.request, self.data.get("username")
        ):
            raise ValidationError(THROTTLED_MESSAGE, code="throttled")
        return super().clean()


class OutboxPasswordResetForm(PasswordResetForm):
    """Django's reset form, its email queued in the outbox like every other email."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = loader.render_to_string(subject_template_name, context)
        body = loader.render_to_string(email_template_name, context)
        outbox.queue_email(
            # One email per token: a second request for the same link sends nothing more.
            key=f"password-reset:{context['uid']}:{context['token']}",
            kind="password_reset",
            to=to_email,
            subject=subject,
            body=body,
        )

    def save(self, **kwargs):
        kwargs["extra_email_context"] = {
            **(kwargs.get("extra_email_context") or {}),
            "base_url": settings.BASE_URL,
        }
        return super().save(**kwargs)
