from django.urls import path

from handraise.contacts import views

urlpatterns = [
    path("contacts/", views.contact_list, name="contact-list"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact"),
]
