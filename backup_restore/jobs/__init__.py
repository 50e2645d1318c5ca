"""Backups and restores as durable background jobs.

A job is a row of our own (``models.BackupJob``): what the API shows, what the worker updates.
Django's task framework only runs it (``tasks.run_job``), on the database backend of
django-tasks-db. The worker calls the same services the views and commands call
(``export.tenant_backup_stream``, ``restore.tenant_restore``); there is no second copy of
export or restore logic here.

- ``services``: start, cancel, read, list and delete jobs and archives (views, commands, the
  page and the scheduler call these).
- ``runner``: what a worker does with a job, with progress and cancellation.
- ``storage``: archives through ``STORAGES["backups"]`` (a private folder, or S3), streamed.
- ``links``: signed, expiring download links.
- ``schedules``: per-shop schedules and retention.
- ``router``: the job rows and the queue live in the ``jobs`` database alias.
"""
