"""What the list tells, or asks, the domains built on it (see ``registry.events``)."""

from registry.events import signals

#: Question, sent with ``processor_id`` and ``at``: how many days of notice does a change
#: announced at ``at`` need? Each receiver answers an int; the longest wins.
notice_days_required = signals.signal("notice-days-required")

#: Question, sent with ``change``: which contacts must be told about it (besides the public
#: subscribers)? Each receiver answers a list of ``notifications.kinds.Recipient``.
change_audience = signals.signal("change-audience")

#: Event, sent with ``change`` and ``reason`` when an announced change is withdrawn.
change_withdrawn = signals.signal("change-withdrawn")
