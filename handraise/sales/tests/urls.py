"""The project's URLs plus the pipeline's, for tests that run before the two are wired."""

from django.urls import include, path

from handraise.urls import urlpatterns as project_urlpatterns

urlpatterns = [*project_urlpatterns, path("", include("handraise.sales.urls"))]
