from django.urls import path

from handraise.insights import views

urlpatterns = [
    path("", views.home, name="home"),
]
