"""Who may use the page: the same roles, through the same membership lookup, as the API."""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from ..api.permissions import request_membership
from ..conf import backup_settings


def shop_view(roles_setting: str = "BACKUP_ROLES"):
    """A view for the shop's owner and admins (``roles_setting`` of ``BACKUP_RESTORE``).

    Anonymous: to the login page. Logged in without the right (an employee, a user of no
    shop): a page that says so, with status 403. Sets ``request.shop`` and ``request.membership``.
    It reads nothing of the request body, so an upload's handlers can still be chosen after it.
    """

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = request_membership(request)
            if membership is None or membership.role not in getattr(backup_settings, roles_setting):
                return render(request, "backup_web/forbidden.html", {"membership": membership}, status=403)
            request.membership, request.shop = membership, membership.tenant
            return view(request, *args, **kwargs)

        return wrapper

    return decorate
