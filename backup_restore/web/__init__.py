"""The owners' page: ``/backups/``, server-rendered, on the same service layer as the job API."""
