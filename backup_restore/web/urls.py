from pathlib import Path

from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.static import serve

from . import restores, views

app_name = "backup_web"
STATIC_DIR = Path(__file__).resolve().parent / "static" / "backup_web"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(template_name="backup_web/login.html", redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("backups/", views.page, name="page"),
    path("backups/start/", views.backup_start, name="backup_start"),
    path("backups/archives/", views.archives_fragment, name="archives"),
    path("backups/trail/", views.trail_fragment, name="trail"),
    path("backups/schedule/", views.schedule_save, name="schedule"),
    path("backups/jobs/<int:job_id>/", views.job_fragment, name="job"),
    path("backups/jobs/<int:job_id>/cancel/", views.job_stop, name="job_cancel"),
    path("backups/<int:archive_id>/download/", views.archive_download, name="download"),
    path("backups/<int:archive_id>/delete/", views.archive_remove, name="delete"),
    path("backups/restore/", restores.restore_start, name="restore_start"),
    path("backups/restores/<int:job_id>/", restores.restore_page, name="restore"),
    path("backups/restores/<int:job_id>/confirm/", restores.restore_confirm, name="restore_confirm"),
    # The page's own CSS and JS (htmx vendored from npm's htmx.org), served by Django itself, so
    # that gunicorn without a static-files server shows the page as `make run` does.
    path("static/backup_web/<path:path>", serve, {"document_root": STATIC_DIR}, name="static"),
]
