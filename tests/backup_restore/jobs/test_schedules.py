"""Scheduled backups: when they are due (across time zones and daylight saving), that two
schedulers queue one backup, retention over many days, and the schedule's API."""

import threading
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, available_timezones

import orjson
import pytest
from django.db import connection
from django.core.files.base import ContentFile
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st
from rest_framework.test import APIClient

from backup_restore.errors import InvalidSchedule
from backup_restore.jobs.models import BackupJob, BackupSchedule
from backup_restore.jobs.progress import worker_name
from backup_restore.jobs.runner import job_run
from backup_restore.jobs.schedules import (
    archives_kept,
    archives_prune,
    next_run,
    schedule_claim,
    schedule_get,
    schedule_update,
    schedules_due,
    schedules_enqueue_due,
)
from backup_restore.jobs.storage import archive_exists, backups_storage
from backup_restore.jobs.tasks import run_job

from ...conftest import client_for, make_tenant
from ..helpers import audit_entries, seeded

jobs_db = pytest.mark.django_db(databases=["default", "jobs"], transaction=True)
SCHEDULE = "/api/backups/schedule/"


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(instant: datetime, zone: str) -> datetime:
    return instant.astimezone(ZoneInfo(zone))


# -- when: next_run ------------------------------------------------------------------------------


def test_next_run_is_the_shop_local_hour_today_or_tomorrow():
    # La Paz is UTC-4 all year: 03:00 there is 07:00 UTC.
    assert next_run(utc(2025, 6, 1, 6, 59), hour=3, zone="America/La_Paz") == utc(2025, 6, 1, 7)
    assert next_run(utc(2025, 6, 1, 7, 0), hour=3, zone="America/La_Paz") == utc(2025, 6, 2, 7)  # strictly after
    # Madrid 03:00 is 01:00 UTC in summer, 02:00 UTC in winter.
    assert next_run(utc(2025, 7, 1, 12), hour=3, zone="Europe/Madrid") == utc(2025, 7, 2, 1)
    assert next_run(utc(2025, 12, 1, 12), hour=3, zone="Europe/Madrid") == utc(2025, 12, 2, 2)
    # Kathmandu is UTC+5:45, and the shop's date is already tomorrow's when UTC says 20:00.
    assert next_run(utc(2025, 6, 1, 20), hour=3, zone="Asia/Kathmandu") == utc(2025, 6, 1, 21, 15)


def test_a_skipped_hour_runs_when_the_clocks_land_and_a_repeated_hour_runs_once():
    # New York, 9 March 2025: 02:00 EST jumps to 03:00 EDT; the 02:00 backup runs at 03:00 EDT.
    spring = next_run(utc(2025, 3, 9, 0), hour=2, zone="America/New_York")
    assert spring == utc(2025, 3, 9, 7) and local(spring, "America/New_York").hour == 3
    assert next_run(spring, hour=2, zone="America/New_York") == utc(2025, 3, 10, 6)  # 02:00 EDT
    # 2 November 2025: 01:00-02:00 happens twice; the 01:00 backup runs at the first, once.
    first = next_run(utc(2025, 11, 2, 0), hour=1, zone="America/New_York")
    assert first == utc(2025, 11, 2, 5) and local(first, "America/New_York").fold == 0
    assert next_run(first, hour=1, zone="America/New_York") == utc(2025, 11, 3, 6)
    # A scheduler that wakes during the second 01:00 does not run the day again.
    assert next_run(utc(2025, 11, 2, 6, 30), hour=1, zone="America/New_York") == utc(2025, 11, 3, 6)
    # Southern hemisphere: Sydney leaves DST on 6 April 2025 (03:00 AEDT -> 02:00 AEST).
    assert next_run(utc(2025, 4, 5, 12), hour=2, zone="Australia/Sydney") == utc(2025, 4, 5, 15)
    assert next_run(utc(2025, 4, 5, 15), hour=2, zone="Australia/Sydney") == utc(2025, 4, 6, 16)
    # Santiago skips midnight (00:00 -> 01:00) on 7 September 2025: the 00:00 backup runs at 01:00.
    skipped = next_run(utc(2025, 9, 6, 12), hour=0, zone="America/Santiago")
    assert local(skipped, "America/Santiago").replace(tzinfo=None) == datetime(2025, 9, 7, 1)


def _intended_day(run: datetime, hour: int, zone: ZoneInfo) -> date | None:
    """The shop-local day whose ``hour`` o'clock ``run`` is (a skipped hour lands after midnight
    only if the clocks jump over it)."""
    today = run.astimezone(zone).date()
    for day in (today, today - timedelta(days=1)):
        if datetime.combine(day, time(hour), tzinfo=zone).astimezone(UTC) == run:
            return day
    return None


ZONES = sorted(available_timezones() - {"Factory"})  # "Factory" is tzdata's placeholder zone


@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    zone=st.sampled_from(ZONES),
    hour=st.integers(0, 23),
    start=st.datetimes(min_value=datetime(2015, 1, 1), max_value=datetime(2037, 1, 1), timezones=st.just(UTC)),
)
def test_every_shop_local_day_runs_exactly_once_at_its_hour(zone, hour, start):
    tz = ZoneInfo(zone)
    previous, day = start, None
    for _ in range(4):
        run = next_run(previous, hour=hour, zone=zone)
        # A day of wall clock is 24 h of UTC give or take the clocks' change that day (an hour
        # of summer time, three hours at Casey in 2018...).
        shift = abs(run.astimezone(tz).utcoffset() - previous.astimezone(tz).utcoffset())
        assert previous < run <= previous + timedelta(days=1) + shift
        intended = _intended_day(run, hour, tz)
        assert intended is not None, (zone, hour, run)
        wall = datetime.combine(intended, time(hour))
        exists = datetime.combine(intended, time(hour), tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None)
        if exists == wall:  # the hour exists that day: the run is at it, its first occurrence
            assert run.astimezone(tz).replace(tzinfo=None) == wall and run.astimezone(tz).fold == 0
        else:  # skipped by the clocks: the run is right after the jump
            assert wall < run.astimezone(tz).replace(tzinfo=None) <= wall + shift
        if day is not None:
            assert intended == day + timedelta(days=1), (zone, hour, day, intended)
        previous, day = run, intended


# -- changing a schedule ----------------------------------------------------------------------------


@jobs_db
def test_a_shop_without_a_schedule_gets_the_documented_defaults(settings):
    tenant = make_tenant("alfa")
    schedule = schedule_get(tenant=tenant)
    assert schedule.pk is None and not schedule.enabled and schedule.next_run_at is None
    assert (schedule.hour, schedule.timezone, schedule.keep_daily, schedule.keep_weekly) == (3, settings.TIME_ZONE, 7, 4)
    settings.BACKUP_RESTORE = {"SCHEDULE_HOUR": 22, "SCHEDULE_TIMEZONE": "Europe/Madrid", "SCHEDULE_KEEP_DAILY": 2}
    schedule = schedule_get(tenant=tenant)
    assert (schedule.hour, schedule.timezone, schedule.keep_daily, schedule.keep_weekly) == (22, "Europe/Madrid", 2, 4)
    assert not BackupSchedule.objects.exists()  # reading writes nothing


@jobs_db
def test_enabling_computes_the_next_run_and_disabling_clears_it():
    tenant = make_tenant("alfa")
    now = utc(2025, 6, 1, 12)
    schedule = schedule_update(tenant=tenant, user=tenant.owner, changes={"enabled": True, "hour": 2}, now=now)
    assert schedule.next_run_at == utc(2025, 6, 2, 6)  # 02:00 in La Paz
    schedule = schedule_update(tenant=tenant, user=tenant.owner, changes={"timezone": "Asia/Tokyo"}, now=now)
    assert schedule.next_run_at == utc(2025, 6, 1, 17)  # 02:00 on 2 June in Tokyo, already 21:00 on the 1st
    schedule = schedule_update(tenant=tenant, user=tenant.owner, enabled=False, now=now)  # keywords from code
    assert schedule.next_run_at is None and BackupSchedule.objects.get().hour == 2
    outcomes = [orjson.loads(e.descripcion) for e in audit_entries(tenant, "backup").order_by("pk")]
    assert [(o["event"], o["outcome"]) for o in outcomes] == [("backup_schedule", "updated")] * 3
    assert outcomes[1]["changes"] == {"timezone": "Asia/Tokyo"}


BAD_VALUES = [
    ({"hour": 24}, "hour"),
    ({"hour": -1}, "hour"),
    ({"hour": "3"}, "hour"),
    ({"hour": 3.5}, "hour"),
    ({"hour": True}, "hour"),
    ({"hour": None}, "hour"),
    ({"timezone": "Mars/Olympus"}, "timezone"),
    ({"timezone": "../../etc/passwd"}, "timezone"),
    ({"timezone": ""}, "timezone"),
    ({"timezone": 5}, "timezone"),
    ({"keep_daily": 367}, "keep_daily"),
    ({"keep_daily": -1}, "keep_daily"),
    ({"keep_weekly": 521}, "keep_weekly"),
    ({"keep_weekly": "4"}, "keep_weekly"),
    ({"enabled": "yes"}, "enabled"),
    ({"enabled": 1}, "enabled"),
    ({"keep_daily": 0, "keep_weekly": 0}, "keep_daily"),  # enabled (below) and nothing kept
    ({"keep_weekly": 0, "keep_daily": 0, "enabled": True}, "keep_daily"),
    ({"keep": 3}, "keep"),
    ({"next_run": "2030-01-01T00:00:00Z"}, "next_run"),
]


@jobs_db
@pytest.mark.parametrize(("changes", "field"), BAD_VALUES)
def test_every_bad_value_is_refused_by_name_and_changes_nothing(changes, field):
    tenant = make_tenant("alfa")
    good = schedule_update(tenant=tenant, user=tenant.owner, changes={"enabled": True, "keep_daily": 3, "keep_weekly": 2})
    before = list(BackupSchedule.objects.values())
    audit_entries(tenant, "backup").delete()
    with pytest.raises(InvalidSchedule) as caught:
        schedule_update(tenant=tenant, user=tenant.owner, changes=changes)
    assert caught.value.code == "invalid_schedule" and caught.value.field == field
    assert field in caught.value.message
    assert list(BackupSchedule.objects.values()) == before and good.next_run_at == before[0]["next_run_at"]
    (entry,) = audit_entries(tenant, "backup")
    assert orjson.loads(entry.descripcion) == {
        "event": "backup_schedule", "outcome": "refused", "code": "invalid_schedule", "field": field
    }  # fmt: skip


@jobs_db
def test_a_put_must_send_every_setting_and_a_disabled_schedule_may_keep_nothing():
    tenant = make_tenant("alfa")
    with pytest.raises(InvalidSchedule) as caught:
        schedule_update(tenant=tenant, user=None, changes={"enabled": False}, require_all=True)
    assert caught.value.field == "hour" and not BackupSchedule.objects.exists()
    changes = {"enabled": False, "hour": 1, "timezone": "UTC", "keep_daily": 0, "keep_weekly": 0, "next_run_at": "x"}
    schedule = schedule_update(tenant=tenant, user=None, changes=changes, require_all=True)
    assert (schedule.enabled, schedule.keep_daily, schedule.keep_weekly, schedule.next_run_at) == (False, 0, 0, None)


# -- due, and queued once ---------------------------------------------------------------------------------


def _enable(tenant, now: datetime, **changes) -> BackupSchedule:
    return schedule_update(tenant=tenant, user=tenant.owner, changes={"enabled": True, **changes}, now=now)


@jobs_db
def test_a_due_schedule_queues_one_scheduled_backup_and_moves_to_the_next_day():
    alfa, beta, gamma = make_tenant("alfa"), make_tenant("beta"), make_tenant("gamma")
    day = utc(2025, 6, 1, 14)
    _enable(alfa, day, hour=3)  # 07:00 UTC on 2 June
    _enable(beta, day, hour=9)  # 13:00 UTC on 2 June
    schedule_update(tenant=gamma, user=None, changes={"enabled": False, "hour": 3}, now=day)
    assert schedules_enqueue_due(now=utc(2025, 6, 2, 6, 59)) == []
    morning = utc(2025, 6, 2, 7, 0, 30)
    assert [s.tenant_id for s in schedules_due(morning)] == [alfa.pk]
    (run,) = schedules_enqueue_due(now=morning)
    assert run.tenant == alfa and run.created and run.job.origin == "schedule" and run.job.state == "queued"
    assert run.job.created_by == "" and run.job.created_by_id is None
    assert BackupSchedule.objects.get(tenant_id=alfa.pk).next_run_at == utc(2025, 6, 3, 7)
    assert schedules_enqueue_due(now=morning) == []  # not due any more
    # A scheduler down for days makes one backup when it is back, and the shop's one active
    # backup is reused rather than doubled.
    (late_beta, late_alfa) = schedules_enqueue_due(now=utc(2025, 6, 6, 14))  # earliest due first
    assert (late_beta.tenant, late_alfa.tenant) == (beta, alfa)
    assert late_alfa.job.pk == run.job.pk and not late_alfa.created and late_beta.created
    assert BackupSchedule.objects.get(tenant_id=alfa.pk).next_run_at == utc(2025, 6, 7, 7)
    assert BackupJob.objects.filter(origin="schedule").count() == 2


@jobs_db
def test_two_schedulers_that_read_the_same_due_schedule_queue_one_backup():
    """Scheduler A and B both read alfa's schedule as due; A queues, the backup runs to its end;
    then B, with what it read, gets nothing: its compare-and-set matches no row. (Without it,
    B would queue a second backup, since A's is not active any more.)"""
    tenant = seeded("alfa", rows=40)
    now = utc(2025, 6, 2, 7, 0, 30)
    _enable(tenant, utc(2025, 6, 1, 12))
    (read_by_a,) = schedules_due(now)
    (read_by_b,) = schedules_due(now)
    (run,) = schedules_enqueue_due(now=now)
    assert job_run(job_id=run.job.pk).state == "succeeded"
    assert not schedule_claim(read_by_b, now=now) and not schedule_claim(read_by_a, now=now)
    assert BackupJob.objects.filter(origin="schedule").count() == 1


@jobs_db
def test_schedulers_racing_on_threads_queue_each_due_backup_once():
    """Four schedulers at once, on connections of their own. PostgreSQL only: the in-memory
    SQLite test database shares one cache between threads, where a second writer fails at once
    ("table is locked") instead of waiting as it does on a real SQLite file."""
    if connection.vendor == "sqlite":
        pytest.skip("needs concurrent transactions (PostgreSQL)")
    tenants = [make_tenant(slug) for slug in ("alfa", "beta", "gamma")]
    for tenant in tenants:
        _enable(tenant, utc(2025, 6, 1, 12))
    now = utc(2025, 6, 2, 8)
    start, results, errors = threading.Barrier(4), [], []

    def scheduler():
        from django.db import connections

        try:
            start.wait()
            results.extend(schedules_enqueue_due(now=now))
        except Exception as exc:  # surfaced below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scheduler) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sorted(run.tenant.slug for run in results) == ["alfa", "beta", "gamma"]
    assert all(run.created for run in results)
    assert BackupJob.objects.filter(origin="schedule").count() == 3


# -- retention ---------------------------------------------------------------------------------------


def _archive(tenant, created_at: datetime, origin: str = "schedule", state: str = "succeeded") -> BackupJob:
    """An archive row and its real file in the backups storage."""
    name = backups_storage().save(f"{tenant.uuid}/{created_at:%Y%m%dT%H%M}-{origin}.ndjson.zst", ContentFile(b"x" * 10))
    return BackupJob.objects.create(
        tenant_id=tenant.pk, kind="backup", state=state, origin=origin, created_at=created_at, file=name, size=10
    )


@jobs_db
def test_retention_keeps_the_newest_of_the_last_days_and_weeks_and_deletes_the_rest_with_their_files():
    tenant, other = make_tenant("alfa"), make_tenant("beta")
    _enable(tenant, utc(2025, 1, 1), keep_daily=3, keep_weekly=3, timezone="America/La_Paz")
    # Two scheduled archives a day (07:00 and 23:30 La Paz) for 60 days from Monday 3 March 2025;
    # days with none in between: 10-20 April.
    archives = {}
    for n in range(60):
        day = date(2025, 3, 3) + timedelta(days=n)
        if date(2025, 4, 10) <= day <= date(2025, 4, 20):
            continue
        for at in (time(7), time(23, 30)):
            instant = datetime.combine(day, at, tzinfo=ZoneInfo("America/La_Paz"))
            archives[(day, at)] = _archive(tenant, instant)
    manual = [_archive(tenant, utc(2025, 3, 1), origin="api"), _archive(tenant, utc(2025, 3, 2), origin="command")]
    failed = _archive(tenant, utc(2025, 3, 5), state="failed")
    others = _archive(other, utc(2025, 3, 5))  # another shop's: untouched
    being_restored = archives[(date(2025, 3, 3), time(7))]
    BackupJob.objects.create(
        tenant_id=tenant.pk, kind="restore", state="running", source=being_restored,
        worker=worker_name(), heartbeat_at=datetime.now(UTC),
    )  # fmt: skip
    # 23:30 in La Paz is the next day in UTC: days are the shop's, not UTC's.
    last = date(2025, 3, 3) + timedelta(days=59)  # Thursday 1 May
    expected = {
        archives[(last, time(23, 30))].pk,  # days 1 May, 30 April, 29 April; week 18 (28 Apr - 4 May)
        archives[(last - timedelta(days=1), time(23, 30))].pk,
        archives[(last - timedelta(days=2), time(23, 30))].pk,
        archives[(date(2025, 4, 27), time(23, 30))].pk,  # week 17 (21-27 April): its Sunday
        archives[(date(2025, 4, 9), time(23, 30))].pk,  # week 16 had none after the 13th; week 15 (7-13): the 9th
        being_restored.pk,  # a running restore reads it
    }
    deleted = archives_prune(tenant=tenant)
    remaining = set(BackupJob.objects.filter(tenant_id=tenant.pk, kind="backup", origin="schedule", state="succeeded").values_list("pk", flat=True))
    assert remaining == expected
    assert len(deleted) == len(archives) - len(expected) and not set(deleted) & expected
    for archive in archives.values():
        assert archive_exists(archive.file) == (archive.pk in expected)
    for kept in (*manual, failed, others):
        assert BackupJob.objects.filter(pk=kept.pk).exists() and archive_exists(kept.file)
    assert archives_prune(tenant=tenant) == []  # applying it again changes nothing
    deletions = [e for e in audit_entries(tenant, "backup") if '"archive_deleted"' in e.descripcion]
    assert len(deletions) == len(deleted)


def test_retention_counts_days_and_weeks_that_have_an_archive_and_an_archive_may_count_for_both():
    zone = "UTC"
    made = [
        BackupJob(pk=pk, created_at=at)
        for pk, at in enumerate(
            [utc(2025, 5, 20, 9), utc(2025, 5, 20, 8), utc(2025, 5, 1, 8), utc(2025, 4, 1, 8), utc(2025, 3, 1, 8)], 1
        )
    ]
    assert archives_kept(made, zone=zone, daily=2, weekly=0) == {1, 3}
    assert archives_kept(made, zone=zone, daily=0, weekly=3) == {1, 3, 4}
    assert archives_kept(made, zone=zone, daily=1, weekly=2) == {1, 3}
    assert archives_kept(made, zone=zone, daily=0, weekly=0) == set()


@jobs_db
def test_a_disabled_schedule_prunes_nothing():
    tenant = make_tenant("alfa")
    schedule_update(tenant=tenant, user=None, changes={"enabled": False, "keep_daily": 0, "keep_weekly": 0})
    made = [_archive(tenant, utc(2025, 3, day)) for day in range(1, 5)]
    assert archives_prune(tenant=tenant) == []
    assert all(archive_exists(archive.file) for archive in made)


@jobs_db
def test_a_scheduled_backup_that_succeeds_prunes_its_shop_on_the_worker_and_the_command_prunes_too():
    tenant = seeded("alfa", rows=40)
    _enable(tenant, utc(2025, 6, 1, 12), keep_daily=1, keep_weekly=0)
    older = [_archive(tenant, utc(2025, 6, 1, 7)), _archive(tenant, utc(2025, 6, 2, 7))]
    manual = _archive(tenant, utc(2025, 6, 3, 7), origin="api")
    (run,) = schedules_enqueue_due(now=utc(2025, 6, 3, 8))
    assert run_job.call(run.job.pk) == "succeeded"  # the task the workers run
    kept = BackupJob.objects.filter(tenant_id=tenant.pk, origin="schedule")
    assert list(kept.values_list("pk", flat=True)) == [run.job.pk]
    assert not any(archive_exists(archive.file) for archive in older) and archive_exists(manual.file)
    # The command prunes as well (here: an old scheduled archive that appeared since).
    stray = _archive(tenant, utc(2025, 5, 1))
    out = _call("backup_schedules")
    assert f"alfa: pruned 1 old scheduled archive: {stray.pk}" in out
    assert not BackupJob.objects.filter(pk=stray.pk).exists()


def _call(*args) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@jobs_db
def test_the_scheduler_command_queues_what_is_due_and_says_so(settings):
    tenant = make_tenant("alfa")
    assert "nothing due, nothing to prune" in _call("backup_schedules")
    BackupSchedule.objects.create(
        tenant_id=tenant.pk, enabled=True, hour=3, timezone="UTC", keep_daily=1, keep_weekly=0,
        next_run_at=utc(2020, 1, 1),
    )  # fmt: skip
    out = _call("backup_schedules")
    job = BackupJob.objects.get(origin="schedule")
    assert f"alfa: scheduled backup job {job.pk} queued" in out
    assert BackupSchedule.objects.get().next_run_at > datetime.now(UTC)
    assert "nothing due" in _call("backup_schedules")


# -- the API ---------------------------------------------------------------------------------------


def _schema() -> dict:
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    return orjson.loads(response.content)


@jobs_db
def test_the_schedule_api_reads_and_changes_the_requesters_shop():
    tenant, other = make_tenant("alfa"), make_tenant("beta")
    owner, admin = client_for("alfa_owner"), client_for("alfa_admin")
    response = owner.get(SCHEDULE)
    assert response.status_code == 200
    assert response.json() == {
        "enabled": False, "hour": 3, "timezone": "America/La_Paz", "keep_daily": 7, "keep_weekly": 4, "next_run_at": None
    }  # fmt: skip
    body = {"enabled": True, "hour": 2, "timezone": "Europe/Madrid", "keep_daily": 5, "keep_weekly": 2}
    response = owner.put(SCHEDULE, body, format="json")
    assert response.status_code == 200, response.content
    answer = response.json()
    assert {k: answer[k] for k in body} == body
    next_run_at = datetime.fromisoformat(answer["next_run_at"])
    assert local(next_run_at, "Europe/Madrid").hour == 2 and next_run_at > datetime.now(UTC)
    response = admin.patch(SCHEDULE, {"keep_weekly": 8}, format="json")
    assert response.status_code == 200 and response.json()["keep_weekly"] == 8 and response.json()["hour"] == 2
    assert owner.get(SCHEDULE).json() == response.json()
    assert client_for("beta_owner").get(SCHEDULE).json()["enabled"] is False  # another shop's is its own
    assert BackupSchedule.objects.get().tenant_id == tenant.pk and other.pk != tenant.pk
    updates = [orjson.loads(e.descripcion) for e in audit_entries(tenant, "backup")]
    assert [u["outcome"] for u in updates] == ["updated", "updated"] and updates[1]["changes"] == {"keep_weekly": 8}
    assert [e.usuario.username for e in audit_entries(tenant, "backup").order_by("pk")] == ["alfa_owner", "alfa_admin"]


API_BAD = [
    ("put", {"enabled": True, "hour": 24, "timezone": "UTC", "keep_daily": 1, "keep_weekly": 1}, "hour"),
    ("put", {"enabled": True, "hour": 3, "timezone": "Nowhere/City", "keep_daily": 1, "keep_weekly": 1}, "timezone"),
    ("put", {"enabled": True, "hour": 3, "timezone": "UTC", "keep_daily": 1}, "keep_weekly"),
    ("put", {"enabled": True, "hour": 3, "timezone": "UTC", "keep_daily": 0, "keep_weekly": 0}, "keep_daily"),
    ("patch", {"keep_daily": 400}, "keep_daily"),
    ("patch", {"keep_weekly": -2}, "keep_weekly"),
    ("patch", {"enabled": "true"}, "enabled"),
    ("patch", {"hour": "3"}, "hour"),
    ("patch", {"colour": "blue"}, "colour"),
    ("patch", [1, 2], None),
]


@jobs_db
@pytest.mark.parametrize(("method", "body", "field"), API_BAD)
def test_every_bad_schedule_is_a_400_naming_the_field_changes_nothing_and_is_audited(method, body, field):
    tenant = make_tenant("alfa")
    owner = client_for("alfa_owner")
    assert owner.put(SCHEDULE, {"enabled": True, "hour": 5, "timezone": "UTC", "keep_daily": 2, "keep_weekly": 1}, format="json").status_code == 200
    before = list(BackupSchedule.objects.values())
    audit_entries(tenant, "backup").delete()
    response = getattr(owner, method)(SCHEDULE, body, format="json")
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert response.json()["ok"] is False and error["code"] == "invalid_schedule" and error["field"] == field
    assert list(BackupSchedule.objects.values()) == before
    (entry,) = audit_entries(tenant, "backup")
    details = orjson.loads(entry.descripcion)
    assert details["outcome"] == "refused" and details["code"] == "invalid_schedule" and entry.usuario.username == "alfa_owner"


@jobs_db
def test_employees_and_strangers_are_refused_and_audited():
    tenant = make_tenant("alfa")
    staff = client_for("alfa_staff")
    for response in (staff.get(SCHEDULE), staff.put(SCHEDULE, {"enabled": True}, format="json")):
        assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    assert APIClient().get(SCHEDULE).status_code == 401
    malformed = client_for("alfa_owner").generic("PATCH", SCHEDULE, "{not json", content_type="application/json")
    assert malformed.status_code == 400 and malformed.json()["error"]["code"] == "parse_error"
    assert not BackupSchedule.objects.exists()
    refused = [orjson.loads(e.descripcion) for e in audit_entries(tenant, "backup").order_by("pk")]
    assert [(r["outcome"], r["status"]) for r in refused] == [("refused", 403), ("refused", 403), ("refused", 400)]


@jobs_db
def test_the_schedule_endpoint_is_in_the_openapi_schema():
    spec = _schema()
    operations = spec["paths"][SCHEDULE]
    assert {"get", "put", "patch"} <= set(operations)
    codes = operations["put"]["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    detail = spec["components"]["schemas"][codes]["properties"]["error"]
    detail = spec["components"]["schemas"][detail["$ref"].rsplit("/", 1)[-1]] if "$ref" in detail else detail
    code = detail["properties"]["code"]
    code = spec["components"]["schemas"][code["$ref"].rsplit("/", 1)[-1]] if "$ref" in code else code
    assert "invalid_schedule" in code["enum"]
    body = spec["components"]["schemas"]["Schedule"]["properties"]
    assert set(body) == {"enabled", "hour", "timezone", "keep_daily", "keep_weekly", "next_run_at"}
    assert body["hour"]["minimum"] == 0 and body["hour"]["maximum"] == 23
    assert {"401", "403"} <= set(operations["get"]["responses"])
