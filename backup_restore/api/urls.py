from django.urls import path

from . import views
from .schedule import ScheduleView

urlpatterns = [
    path("backup/", views.BackupView.as_view(), name="backup"),
    path("restore/", views.RestoreView.as_view(), name="restore"),
    path("backups/schedule/", ScheduleView.as_view(), name="backup-schedule"),
]
