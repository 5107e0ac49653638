"""Handraise's admin site: the throttled sign-in, and no secret found by its query string.

The admin's change lists take filters, searches and orderings from the query
string, and any of them on a secret leaks it a character at a time
(``?secret__startswith=a``, then ``ab``...). Every ModelAdmin registered on this
site, Django's own ``UserAdmin`` included, gets ``SecretFieldGuard`` mixed in on
registration, so no admin can forget it: a lookup through a secret field is
refused (400), and search fields, list filters and orderings naming one are
dropped. A secret field is one whose name says so: ``password``, ``secret``,
``token``, or ending in ``_password``, ``_secret``, ``_token`` or ``_hash``; a new
token hash is covered the moment it is named like one.

Its login goes through the sign-in throttle like the login page's.
"""

import functools
import re

from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.expressions import OrderBy

from handraise.accounts import throttle
from handraise.accounts.forms import ThrottledAdminAuthenticationForm

SECRET_FIELD_NAME = re.compile(r"(^|_)(password|secret|token)$|^(password|secret|token)_|_hash$")
LOOKUP_SEP = "__"


def is_secret_field(field) -> bool:
    return bool(SECRET_FIELD_NAME.search(getattr(field, "name", "") or ""))


def touches_secret(model: type[models.Model], path: str) -> bool:
    """True when a lookup path (``user__password__startswith``) reaches a secret field."""
    opts = model._meta
    for part in path.split(LOOKUP_SEP):
        if part == "pk":
            part = opts.pk.name
        try:
            field = opts.get_field(part)
        except FieldDoesNotExist:
            return False  # a lookup or transform: the fields of the path ended
        if is_secret_field(field):
            return True
        if not field.is_relation or field.related_model is None:
            return False
        opts = field.related_model._meta
    return False


def _search_path(spec: str) -> str:
    return spec.lstrip("^=@")


def _ordering_path(order) -> str | None:
    """The field path an ordering names, when it names one."""
    if isinstance(order, str):
        return order.lstrip("-?")
    if isinstance(order, OrderBy):
        order = order.expression
    name = getattr(order, "name", None)
    return name if isinstance(name, str) else None


class SecretSafeOrdering:
    """Mixed into every change list: ``?o=`` cannot sort by a secret column."""

    def get_ordering_field(self, field_name):
        order_field = super().get_ordering_field(field_name)
        path = _ordering_path(order_field) if order_field else None
        if path and touches_secret(self.model, path):
            return None  # not sortable: the order of the rows would leak the secret
        return order_field


class SecretFieldGuard:
    """Mixed into every registered ModelAdmin: the query string cannot reach a secret."""

    def lookup_allowed(self, lookup, value, request):
        if touches_secret(self.model, lookup):
            return False
        return super().lookup_allowed(lookup, value, request)

    def get_search_fields(self, request):
        fields = super().get_search_fields(request)
        return [f for f in fields if not touches_secret(self.model, _search_path(f))]

    def get_list_filter(self, request):
        kept = []
        for entry in super().get_list_filter(request):
            path = entry[0] if isinstance(entry, (list, tuple)) else entry
            if isinstance(path, str) and touches_secret(self.model, path):
                continue
            kept.append(entry)
        return kept

    def get_ordering(self, request):
        ordering = super().get_ordering(request) or ()
        return [
            order
            for order in ordering
            if not ((path := _ordering_path(order)) and touches_secret(self.model, path))
        ]

    def get_changelist(self, request, **kwargs):
        # Its headers may still look sortable; the ordering they ask for is ignored.
        return _secret_safe(super().get_changelist(request, **kwargs))


@functools.cache
def _secret_safe(changelist: type) -> type:
    if issubclass(changelist, SecretSafeOrdering):
        return changelist
    return type(changelist.__name__, (SecretSafeOrdering, changelist), {})


class HandraiseAdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, SecretFieldGuard):
            admin_class = type(admin_class)(
                admin_class.__name__,
                (SecretFieldGuard, admin_class),
                {"__module__": admin_class.__module__, "__doc__": admin_class.__doc__},
            )
        super().register(model_or_iterable, admin_class, **options)

    login_form = ThrottledAdminAuthenticationForm

    @login_not_required
    def login(self, request, extra_context=None):
        refused = request.method == "POST" and throttle.sign_in_refused(
            request, request.POST.get("username")
        )
        response = super().login(request, extra_context)
        if refused:
            response.status_code = 429
        elif (
            request.method == "POST"
            and response.status_code == 302
            and request.user.is_authenticated
        ):
            throttle.remember_device(response, username=request.user.get_username())
        return response
