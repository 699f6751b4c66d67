"""Local development/test stack for ORIN, driven by ``./orinctl``.

Everything here is stdlib-only on purpose: ``orinctl`` runs this package with
the system Python (argument and URL checks) before the virtualenv exists.
"""


class DevstackError(Exception):
    """A failure the user can act on; printed as one ``orinctl: ...`` line."""
