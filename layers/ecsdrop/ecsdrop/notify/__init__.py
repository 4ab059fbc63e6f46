"""Deployment events → chat.

``message`` reads an event's detail into one neutral :class:`Announcement`; each destination
type has its own module that turns it into that platform's exact JSON body (``slack``,
``teams``, ``googlechat``, ``discord``, ``generic``); ``destinations`` reads and filters the
configured destinations; ``delivery`` posts with retries and never raises for a chat outage;
``notifier`` ties them together. ``webhook`` and ``secret`` are the adapters (HTTP, Secrets
Manager); ``runtime`` builds it all for the notifier function.
"""
