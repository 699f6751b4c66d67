"""Signals through which apps above surveillance react to it (surveillance imports none of them).

`events_recorded` is sent once the transaction that stored the events commits, never before,
with kwarg `events` (the list just stored).

`camera_offline` is sent inside the transaction that marks a camera offline (once per outage),
with kwargs `camera`, `reason` and `message`; a receiver may return the alert it raised (the
alerts app does).
"""

import django.dispatch

events_recorded = django.dispatch.Signal()
camera_offline = django.dispatch.Signal()
