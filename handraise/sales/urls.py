from django.urls import path

from handraise.sales import views

urlpatterns = [
    path("pipeline/", views.board, name="pipeline"),
    path("pipeline/list/", views.deal_list, name="pipeline-list"),
    path("pipeline/list/deals.csv", views.deal_list_csv, name="pipeline-list-csv"),
    path("deals/<int:pk>/", views.deal_detail, name="deal"),
    path("deals/<int:pk>/move/", views.move, name="deal-move"),
    path("deals/<int:pk>/next-step/", views.next_step, name="deal-next-step"),
    path("deals/<int:pk>/origin/", views.set_origin, name="deal-origin"),
    path("contacts/<int:contact_pk>/deals/new/", views.new_deal, name="deal-new"),
    path("deals/<int:pk>/activities/", views.log_activity, name="deal-activity"),
    path("deals/<int:pk>/proposals/", views.send_proposal, name="deal-proposal"),
    path(
        "deals/<int:pk>/proposals/<int:proposal_pk>/document/",
        views.proposal_document,
        name="proposal-document",
    ),
    path("today/", views.today, name="today"),
    path("deals/<int:pk>/cadences/", views.cadence_enrol, name="deal-cadence-enrol"),
    path("cadences/enrolments/<int:pk>/stop/", views.cadence_stop, name="cadence-stop"),
    path("cadences/drafts/<int:pk>/approve/", views.draft_approve, name="cadence-draft-approve"),
    path("cadences/drafts/<int:pk>/skip/", views.draft_skip, name="cadence-draft-skip"),
    path("cadences/tasks/<int:pk>/done/", views.cadence_task_done, name="cadence-task-done"),
    path("settings/cadences/", views.cadence_list, name="cadence-list"),
    path("settings/cadences/new/", views.cadence_new, name="cadence-new"),
    path("settings/cadences/<int:pk>/", views.cadence_edit, name="cadence-edit"),
    # Public: a user's calendar feed, for calendar apps that cannot sign in.
    path("calendar/<str:secret>.ics", views.calendar_feed, name="calendar-feed"),
    path("settings/calendar/", views.calendar_settings, name="calendar-settings"),
    path("settings/calendar/rotate/", views.calendar_rotate, name="calendar-rotate"),
]
