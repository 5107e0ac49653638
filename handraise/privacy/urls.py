from django.urls import path

from handraise.privacy import views

urlpatterns = [
    path("contacts/<int:pk>/export/", views.export_person, name="person-export"),
    path("contacts/<int:pk>/erase/", views.erase_person, name="person-erase"),
]
