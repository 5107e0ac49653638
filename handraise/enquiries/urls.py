from django.urls import path

from handraise.enquiries import intake, views

urlpatterns = [
    # Public: the only URLs an outsider may use.
    path("f/<slug:slug>/", intake.intake, name="intake"),
    path("f/<slug:slug>/thanks/", intake.thanks, name="intake-thanks"),
    # The Inbox.
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/new/", views.new_enquiry, name="enquiry-new"),
    path("inbox/quarantine/", views.quarantine, name="quarantine"),
    path("inbox/quarantine/<int:pk>/restore/", views.restore, name="submission-restore"),
    path("inbox/quarantine/email/<int:pk>/restore/", views.restore_email, name="email-restore"),
    path("inbox/quarantine/email/<int:pk>/original/", views.email_original, name="email-original"),
    path("inbox/<int:pk>/", views.enquiry_detail, name="enquiry"),
    path("inbox/<int:pk>/reply/", views.reply, name="enquiry-reply"),
    path("inbox/<int:pk>/reply-template/", views.reply_template, name="enquiry-reply-template"),
    path("inbox/<int:pk>/call/", views.log_call, name="enquiry-call"),
    path("inbox/<int:pk>/meeting/", views.log_meeting, name="enquiry-meeting"),
    path("inbox/<int:pk>/convert/", views.convert, name="enquiry-convert"),
    path("inbox/<int:pk>/dismiss/", views.dismiss, name="enquiry-dismiss"),
    path("inbox/<int:pk>/reopen/", views.reopen, name="enquiry-reopen"),
    # Forms and their snippets.
    path("settings/forms/", views.form_list, name="form-list"),
    path("settings/forms/<slug:slug>/", views.form_settings, name="form-settings"),
]
