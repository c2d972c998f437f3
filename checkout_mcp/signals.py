"""Signals other apps listen to without checkout depending on them (agentic checkout's webhooks).

`order_changed` is sent inside the transaction that changed the order, so a listener's writes
commit or roll back with the change itself.
"""

from django.dispatch import Signal

# Sent with order=<Order> after staff mark it shipped or cancel it.
order_changed = Signal()
