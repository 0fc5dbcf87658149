"""Domain events: how a domain tells the domains built on it, or asks them, without importing them.

The domains form layers (see ARCHITECTURE.md): countries → organisations → subprocessors →
agreements → objections. A domain imports only the ones below it. When something in a lower
domain must make a higher one react (a withdrawn change closes the objections to it), or needs
an answer only a higher one has (how much notice the agreements require), the lower domain
defines a signal in its ``signals.py`` and sends it; the higher domain connects a receiver in
its ``reactions.py``. ``registry.wiring`` imports every ``reactions.py`` at app start.

Signals are blinker's (the library Flask's own signals use). Receivers run synchronously in the
sender's transaction, so what they write commits or rolls back with the cause.
"""

from __future__ import annotations

from typing import Any

from blinker import ANY, NamedSignal, Namespace

signals = Namespace()

__all__ = ["ANY", "answers", "signals"]


def answers(signal: NamedSignal, /, **kwargs: Any) -> list[Any]:
    """Send ``signal`` and collect what its receivers answer (a question to the higher layers).

    A question no receiver answers is a wiring mistake, not an empty answer: it raises.
    """
    if not signal.receivers:
        raise RuntimeError(f"nothing answers {signal.name!r}: is registry.wiring imported?")
    return [value for _receiver, value in signal.send(**kwargs)]
