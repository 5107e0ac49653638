"""The admin app, with Handraise's own site.

It replaces "django.contrib.admin" in INSTALLED_APPS. It names the site by its
dotted path, so ``admin_site`` is imported only when the admin builds its site,
after every model is loaded, and ``admin_site`` can import forms at its top.
"""

from django.contrib.admin.apps import AdminConfig


class HandraiseAdminConfig(AdminConfig):
    default_site = "handraise.accounts.admin_site.HandraiseAdminSite"
