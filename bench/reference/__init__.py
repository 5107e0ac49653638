"""The reference for intake: the least a Django view can do to accept a form post.

It validates a ``django.forms.Form`` with name, email and message and inserts one
row, nothing more: no spam checks, no rate limit, no idempotency, no task queue,
no spool. Intake is measured against it in the same server, so the ratio says
what Handraise's promises cost on top of Django itself.
"""
