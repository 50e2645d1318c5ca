"""Where the job rows and the task queue live, and the connection progress goes through.

A restore holds its transaction open for minutes, and on SQLite the database's only write lock
with it. Progress, new jobs, cancel requests and the queue's own bookkeeping must be written
meanwhile, and read by everyone else at once:

- SQLite: they live in a second file, the ``jobs`` alias (settings: ``db-jobs.sqlite3`` beside
  ``db.sqlite3``), which no restore ever locks.
- PostgreSQL: they live in the shop's database (``default``); the ``jobs`` alias is the same
  database through a second connection, and a running job writes its progress through it
  (``progress_db()``), so each write commits on its own, outside the restore's transaction.
"""

from django.conf import settings

JOBS_DB = "jobs"
JOB_APPS = frozenset({"backup_jobs", "django_tasks_database"})  # our jobs, and django-tasks-db's queue


def jobs_share_default() -> bool:
    """Whether the ``jobs`` alias reaches the very database of ``default`` (decided once, in
    settings: the test runner renames the databases one after the other)."""
    return getattr(settings, "JOBS_DATABASE_SHARED", False)


def jobs_db() -> str:
    """The alias the job rows and the queue are read and written through."""
    return "default" if jobs_share_default() else JOBS_DB


def progress_db() -> str:
    """The alias of a running job's progress and cancel checks: never the restore's connection."""
    return JOBS_DB


class JobsRouter:
    def db_for_read(self, model, **hints):
        return jobs_db() if model._meta.app_label in JOB_APPS else None

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints):
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if jobs_share_default():
            return None  # one database: migrated once, by `migrate` on default
        jobs_app = app_label in JOB_APPS
        if db == JOBS_DB:
            return jobs_app
        return False if jobs_app else None
