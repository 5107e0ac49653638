"""The one authentication backend: Django's, behind the sign-in throttle.

Every sign-in path calls ``django.contrib.auth.authenticate`` (the login page, the
admin's login, any future one), and it asks this backend; so no path can try
passwords faster than the throttle allows.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied

from handraise.accounts import throttle


class ThrottledModelBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:  # not a web request (a command or a shell): nothing to count
            return super().authenticate(request, username, password, **kwargs)
        if username is None:
            username = kwargs.get(get_user_model().USERNAME_FIELD)
        if throttle.sign_in_refused(request, username):
            # authenticate() stops at PermissionDenied: no other backend is asked.
            raise PermissionDenied("Too many sign-in attempts.")
        user = super().authenticate(request, username, password, **kwargs)
        if user is None:
            throttle.record_failed_sign_in(request, username)
        return user
