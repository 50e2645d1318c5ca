from django.urls import path

from . import views

urlpatterns = [
    path("backup/", views.BackupView.as_view(), name="backup"),
    path("restore/", views.RestoreView.as_view(), name="restore"),
]
