"""Who may do what: owners run the business's settings, teammates work enquiries and deals."""

from functools import wraps

from django.core.exceptions import PermissionDenied


def is_owner(user) -> bool:
    return user.is_authenticated and user.is_active and user.is_staff


def owner_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not is_owner(request.user):
            raise PermissionDenied("Only the business's owners may change this.")
        return view(request, *args, **kwargs)

    return wrapper
