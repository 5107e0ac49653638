"""Request plumbing: every signed-in page works in the business's time zone."""

from django.utils import timezone

from handraise.accounts.models import BusinessSettings


class BusinessTimeZoneMiddleware:
    """Show and read times in the business's zone, so "9:00" means 9:00 at the office."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            request.business = BusinessSettings.load()
            timezone.activate(request.business.zone)
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
