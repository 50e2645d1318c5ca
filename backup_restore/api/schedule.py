"""``/api/backups/schedule/``: read and change the shop's scheduled backups (owner and admins)."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from ..errors import InvalidSchedule
from ..jobs.models import BackupSchedule
from ..jobs.schedules import RANGES, schedule_get, schedule_update
from .http import client_ip
from .permissions import CanBackup, request_membership
from .schema import PARSE_CODES, Error401, Error403, _error_body
from .views import BackupAPIView


class ScheduleSerializer(serializers.Serializer):
    """Describes the body (the service validates it: ``jobs/schedules.py``)."""

    enabled = serializers.BooleanField(help_text="Whether the shop is backed up daily.")
    hour = serializers.IntegerField(
        min_value=RANGES["hour"][0], max_value=RANGES["hour"][1], help_text="Shop-local hour of the daily backup."
    )
    timezone = serializers.CharField(help_text="The shop's IANA time zone, e.g. America/La_Paz.")
    keep_daily = serializers.IntegerField(
        min_value=RANGES["keep_daily"][0],
        max_value=RANGES["keep_daily"][1],
        help_text="Keep the newest scheduled archive of each of the last N days that have one.",
    )
    keep_weekly = serializers.IntegerField(
        min_value=RANGES["keep_weekly"][0],
        max_value=RANGES["keep_weekly"][1],
        help_text="Keep the newest scheduled archive of each of the last M ISO weeks that have one.",
    )
    next_run_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="When the next scheduled backup is queued (null while disabled)."
    )


def schedule_body(schedule: BackupSchedule) -> dict:
    return ScheduleSerializer(schedule).data


ScheduleError400 = _error_body(
    "ScheduleBadRequest",
    {InvalidSchedule.code, *PARSE_CODES[400]},
    "A setting out of range (``field`` names it), or a body that is not JSON.",
)
ScheduleError415 = _error_body("ScheduleUnsupportedMedia", set(PARSE_CODES[415]), "The body is not JSON.")

_DESCRIPTION = (
    "The shop's scheduled backups: daily at `hour` o'clock in `timezone` (daylight saving "
    "handled), kept by a retention policy: the newest scheduled archive of each of the last "
    "`keep_daily` days and of each of the last `keep_weekly` ISO weeks that have one; older "
    "scheduled archives and their files are deleted. Archives made by hand (the API, the "
    "command line) are never pruned. A shop that never saved a schedule gets the server's "
    "defaults (disabled). Owners and admins only; changes are recorded in the shop's audit log."
)
_ERRORS = {
    (401, "application/json"): OpenApiResponse(Error401, description="Missing, malformed or expired access token."),
    (403, "application/json"): OpenApiResponse(Error403, description="Only the shop's owner or an admin."),
}
_CHANGE_ERRORS = {
    (400, "application/json"): OpenApiResponse(
        ScheduleError400, description="`invalid_schedule`: a value out of range, an unknown or (PUT) missing setting."
    ),
    **_ERRORS,
    (415, "application/json"): OpenApiResponse(ScheduleError415, description="The body is not JSON."),
}
_EXAMPLE = OpenApiExample(
    "daily at 03:00, a week of days and a month of weeks",
    value={"enabled": True, "hour": 3, "timezone": "America/La_Paz", "keep_daily": 7, "keep_weekly": 4},
    request_only=True,
)


class ScheduleView(BackupAPIView):
    """``GET``, ``PUT`` (every setting) and ``PATCH`` (some) ``/api/backups/schedule/``."""

    permission_classes = [IsAuthenticated, CanBackup]
    parser_classes = [JSONParser]
    audit_action = "backup"

    @extend_schema(
        operation_id="backup_schedule_read",
        tags=["jobs"],
        summary="Read the shop's backup schedule",
        description=_DESCRIPTION,
        responses={(200, "application/json"): ScheduleSerializer, **_ERRORS},
    )
    def get(self, request):
        return Response(schedule_body(schedule_get(tenant=request_membership(request).tenant)))

    @extend_schema(
        operation_id="backup_schedule_replace",
        tags=["jobs"],
        summary="Set the shop's backup schedule (every setting)",
        description=_DESCRIPTION,
        request=ScheduleSerializer,
        examples=[_EXAMPLE],
        responses={(200, "application/json"): ScheduleSerializer, **_CHANGE_ERRORS},
    )
    def put(self, request):
        return self._update(request, require_all=True)

    @extend_schema(
        operation_id="backup_schedule_update",
        tags=["jobs"],
        summary="Change some of the shop's backup schedule",
        description=_DESCRIPTION,
        request=ScheduleSerializer(partial=True),
        responses={(200, "application/json"): ScheduleSerializer, **_CHANGE_ERRORS},
    )
    def patch(self, request):
        return self._update(request, require_all=False)

    def _update(self, request, *, require_all: bool) -> Response:
        changes = request.data  # parsed here: a malformed body is answered (and audited) as parse_error
        request.audited = True  # the service audits both outcomes
        schedule = schedule_update(
            tenant=request_membership(request).tenant,
            user=request.user,
            changes=changes,
            require_all=require_all,
            ip=client_ip(request),
        )
        return Response(schedule_body(schedule))
