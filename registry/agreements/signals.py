"""What agreements tell, or ask, the domains built on them (see ``registry.events``)."""

from registry.events import signals

#: Question, sent with ``agreement`` and ``at``: which sub-processors may not be used for this
#: controller's data at ``at``, and why? Each receiver answers
#: ``{subprocessor_id: (status, reason)}``; ``excluded`` outranks any other status.
transfer_restrictions = signals.signal("transfer-restrictions")
