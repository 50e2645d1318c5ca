"""The job rows and the task queue live in the ``jobs`` database alias.

A restore holds its transaction open for minutes, and on SQLite the database's only write lock
with it. Progress, new jobs, cancel requests and the queue's own bookkeeping must be written
meanwhile, and read by everyone else at once: so they go through a connection of their own.
On SQLite that is a second file (settings: ``db-jobs.sqlite3`` beside ``db.sqlite3``); on
PostgreSQL the same database through a second connection, which commits on its own.
"""

from django.db import connections

JOBS_DB = "jobs"
JOB_APPS = frozenset({"backup_jobs", "django_tasks_db"})


def jobs_share_default() -> bool:
    """Whether the ``jobs`` alias reaches the very database of ``default``."""
    a, b = connections["default"].settings_dict, connections[JOBS_DB].settings_dict
    keys = ("ENGINE", "NAME", "HOST", "PORT")
    return all(a.get(k) == b.get(k) for k in keys)


class JobsRouter:
    def db_for_read(self, model, **hints):
        return JOBS_DB if model._meta.app_label in JOB_APPS else None

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints):
        return None

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        jobs_app = app_label in JOB_APPS
        if jobs_share_default():
            # One database, two connections: everything is migrated once, through either alias.
            return None
        if db == JOBS_DB:
            return jobs_app
        return False if jobs_app else None
