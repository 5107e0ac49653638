"""Settings for benchmark servers: Handraise's own settings plus the bare reference views.

Everything Handraise configures (middleware, database, cache, logging) stays as it
is, so the reference views run in exactly the same server setup as ``/f/<slug>/``
and the signed-in pages.
"""

from handraise.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench.reference"]  # noqa: F405
ROOT_URLCONF = "bench.urls"
