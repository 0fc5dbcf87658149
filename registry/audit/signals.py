"""What the audit trail asks the domains that decide who may read it (see ``registry.events``)."""

from registry.events import signals

#: Question, sent with ``controller_id``: the processors whose list changes this controller
#: may read in the trail. Each receiver answers a SELECT of processor ids.
readable_processors = signals.signal("readable-processors")
