from django.urls import path

from handraise.sales import views

urlpatterns = [
    path("pipeline/", views.board, name="pipeline"),
    path("pipeline/list/", views.deal_list, name="pipeline-list"),
    path("deals/<int:pk>/", views.deal_detail, name="deal"),
    path("deals/<int:pk>/move/", views.move, name="deal-move"),
    path("deals/<int:pk>/next-step/", views.next_step, name="deal-next-step"),
    path("deals/<int:pk>/activities/", views.log_activity, name="deal-activity"),
    path("today/", views.today, name="today"),
    # Public: a user's calendar feed, for calendar apps that cannot sign in.
    path("calendar/<str:secret>.ics", views.calendar_feed, name="calendar-feed"),
    path("settings/calendar/", views.calendar_settings, name="calendar-settings"),
    path("settings/calendar/rotate/", views.calendar_rotate, name="calendar-rotate"),
]
