from django.urls import path

from handraise.enquiries import intake

urlpatterns = [
    path("f/<slug:slug>/", intake.intake, name="intake"),
    path("f/<slug:slug>/thanks/", intake.thanks, name="intake-thanks"),
]
