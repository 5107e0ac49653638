"""The references: the least a Django view can do, served beside what is measured.

For intake, ``bare_submission`` validates a ``django.forms.Form`` with name, email
and message and inserts one row, nothing more: no spam checks, no rate limit, no
idempotency, no task queue, no spool. For the signed-in pages, ``bare_page`` reads
one deal by primary key and renders a small template. Each benchmark measures
against its reference in the same server, so the ratio says what Handraise adds on
top of Django itself.
"""
