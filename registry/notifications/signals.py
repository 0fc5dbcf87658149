"""What notifications ask the domains built on it (see ``registry.events``)."""

from registry.events import signals

#: Question, sent with ``processor_id``: the addresses of the contacts named in the processor's
#: agreements. Each receiver answers a set of lower-case addresses.
contact_addresses = signals.signal("contact-addresses")
