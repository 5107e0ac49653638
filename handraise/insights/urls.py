from django.urls import path

from handraise.insights import views

urlpatterns = [
    path("", views.home, name="home"),
    path("settings/ideal-client/", views.ideal_client_profile, name="ideal-client"),
]
