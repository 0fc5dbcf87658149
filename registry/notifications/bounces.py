"""What an SMTP refusal means for the delivery, and for the address.

A reply is read by its enhanced status code (RFC 3463, ``5.1.1``) where the server gives one,
by its reply code (RFC 5321, ``550``) otherwise. A 4xx is transient: the delivery is retried.
A 5xx ends the delivery. Only a permanent failure of the recipient itself suppresses the
address: the mailbox or domain does not exist (5.1.x, but not 5.1.7/5.1.8, which are about our
own sender address) or is disabled (5.2.1); without an enhanced code, a 550, 551 or 553 answer
to RCPT. A refusal of the message (too big: 552, 5.2.3, 5.3.4; content or policy: 5.7.x; any
5xx after DATA without an enhanced code) ends only this delivery.
"""

from __future__ import annotations

import enum
import re

from registry.notifications.outcomes import Outcome, Result

ENHANCED = re.compile(r"^\s*([245])\.(\d{1,3})\.(\d{1,3})(?!\S)")
# 5.1.7 and 5.1.8 name our envelope sender's address, not the recipient's.
SENDER_SUBJECTS = frozenset({(1, 7), (1, 8)})
# Without an enhanced code: mailbox unavailable, user not local, mailbox name not allowed.
RECIPIENT_REPLIES = frozenset({550, 551, 553})


class Stage(enum.StrEnum):
    RCPT = "rcpt"  # the answer to RCPT TO: about the recipient
    DATA = "data"  # the answer to DATA or to the message: about the message, mostly


def refusal(delivery_id: int, code: int, message: bytes | str, *, stage: Stage) -> Result:
    """The outcome of a refused message: retried, or dead, and whether to suppress."""
    text = message.decode(errors="replace") if isinstance(message, bytes) else str(message)
    error = f"{code} {text}".strip()
    if code < 500:
        return Result(delivery_id, Outcome.RETRY, error)
    return Result(delivery_id, Outcome.DEAD, error, suppress=mailbox_gone(code, text, stage))


def mailbox_gone(code: int, text: str, stage: Stage) -> bool:
    """Whether a permanent refusal says the recipient's mailbox does not (or no longer) exist."""
    enhanced = ENHANCED.match(text)
    if enhanced is not None:
        klass, subject, detail = (int(part) for part in enhanced.groups())
        if klass != 5:
            return False
        if subject == 1:
            return (subject, detail) not in SENDER_SUBJECTS
        return (subject, detail) == (2, 1)
    return stage is Stage.RCPT and code in RECIPIENT_REPLIES
