from django.urls import path

from . import jobs, views
from .schedule import ScheduleView

urlpatterns = [
    path("backup/", views.BackupView.as_view(), name="backup"),
    path("restore/", views.RestoreView.as_view(), name="restore"),
    path("backups/schedule/", ScheduleView.as_view(), name="backup-schedule"),
    path("backups/", jobs.BackupsView.as_view(), name="backups"),
    path("backups/<int:pk>/", jobs.BackupJobView.as_view(), name="backup-job"),
    path("backups/<int:pk>/cancel/", jobs.BackupCancelView.as_view(), name="backup-cancel"),
    path("backups/<int:pk>/download-link/", jobs.DownloadLinkView.as_view(), name="backup-download-link"),
    path("backups/<int:pk>/download/", jobs.DownloadView.as_view(), name="backup-download"),
    path("restores/", jobs.RestoresView.as_view(), name="restores"),
    path("restores/<int:pk>/", jobs.RestoreJobView.as_view(), name="restore-job"),
    path("restores/<int:pk>/cancel/", jobs.RestoreCancelView.as_view(), name="restore-cancel"),
]
