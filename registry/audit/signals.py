"""What the audit trail asks the domains that decide who may read it (see ``registry.events``)."""

from registry.events import signals

#: Question, sent with ``controller_id``: the processors whose list changes this controller
#: may read in the trail. Each receiver answers a SELECT of processor ids.
readable_processors = signals.signal("readable-processors")

#: Question, sent with ``controller_id``: the agreements of this controller whose events its
#: trail shows (one it has not confirmed is not its trail yet). Each receiver answers a SELECT
#: of agreement ids.
readable_agreements = signals.signal("readable-agreements")
