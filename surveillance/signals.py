"""Signals for what follows stored events (live feeds).

`events_recorded` is sent once the transaction that stored the events commits, never before,
with kwarg `events` (the list just stored).
"""

import django.dispatch

events_recorded = django.dispatch.Signal()
