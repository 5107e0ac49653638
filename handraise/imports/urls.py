from django.urls import path

from handraise.imports import views

urlpatterns = [
    path("settings/imports/", views.import_page, name="import-page"),
    path("settings/imports/<int:pk>/", views.import_job, name="import-job"),
    path(
        "settings/imports/<int:pk>/progress/",
        views.import_job_progress,
        name="import-job-progress",
    ),
    path("settings/imports/<int:pk>/again/", views.import_job_again, name="import-job-again"),
    path("settings/imports/<int:pk>/discard/", views.import_job_discard, name="import-job-discard"),
    path(
        "settings/imports/<int:pk>/rejects.csv",
        views.import_job_rejects,
        name="import-job-rejects",
    ),
]
