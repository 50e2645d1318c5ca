"""Messages of simplejwt that its own Spanish catalog leaves untranslated (5.5): marked here so
that ``makemessages`` keeps them in ours (``LOCALE_PATHS`` is searched before the libraries'
catalogs), and a token error never answers in English inside a Spanish response."""

from django.utils.translation import gettext_noop

SIMPLEJWT = [
    gettext_noop("Token is invalid"),
    gettext_noop("Token is expired"),
    gettext_noop("No active account found for the given token."),
    gettext_noop("The user's password has been changed."),
]
