"""Signed, expiring download links: one archive, one user, no JWT in the URL.

The token is ``django.core.signing`` with a salt of its own, so no other signed value of the
site (a session, a password-reset token) can pass for it. It names the archive, its digest and
the user; when used, the archive must still be the same file of the user's shop, and the user
must still be allowed to download.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.core import signing
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ..conf import backup_settings
from ..errors import JobNotFound, LinkExpired, LinkInvalid
from ..tenancy import membership_for, user_by_pk
from .models import BackupJob

SALT = "backup_restore.jobs.download-link"


def download_link_sign(*, archive: BackupJob, user) -> tuple[str, datetime]:
    """The token of a link to ``archive`` for ``user``, and when it expires."""
    token = signing.dumps({"a": archive.pk, "u": user.pk, "d": archive.sha256[:16]}, salt=SALT, compress=False)
    return token, timezone.now() + timedelta(seconds=backup_settings.DOWNLOAD_LINK_SECONDS)


def download_link_check(*, token: str, archive_id: int) -> tuple[BackupJob, object]:
    """The archive and user a token was made for, if it is genuine, fresh and for ``archive_id``."""
    try:
        data = signing.loads(token, salt=SALT, max_age=backup_settings.DOWNLOAD_LINK_SECONDS)
    except signing.SignatureExpired:
        raise LinkExpired() from None
    except signing.BadSignature:
        raise LinkInvalid() from None
    if not isinstance(data, dict) or data.get("a") != archive_id:
        raise LinkInvalid()
    archive = BackupJob.objects.filter(pk=archive_id, kind=BackupJob.Kind.BACKUP, state=BackupJob.State.SUCCEEDED).first()
    if archive is None or archive.sha256[:16] != data.get("d"):
        raise JobNotFound()
    user = user_by_pk(data.get("u"))
    membership = membership_for(user) if user is not None and user.is_active else None
    if membership is None or membership.tenant.pk != archive.tenant_id or membership.role not in backup_settings.BACKUP_ROLES:
        raise LinkInvalid(_("This download link's user may no longer download this shop's backups."))
    return archive, user


def download_link_signer(token: str) -> tuple[object | None, object | None]:
    """The shop and user a link was genuinely signed for, expired or not; (None, None) for a
    forged or mangled token. Only to file a refused download in the right shop's audit log."""
    try:
        data = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return None, None
    user = user_by_pk(data.get("u")) if isinstance(data, dict) and isinstance(data.get("u"), int) else None
    membership = membership_for(user) if user is not None else None
    return (membership.tenant if membership else None), user
