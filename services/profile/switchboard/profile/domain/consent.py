"""Whether a contact point may be contacted for a purpose.

The rules, in order:
1. An explicit record for the (channel, address, purpose) decides: granted or revoked.
2. A do-not-contact entry for the address forbids marketing and surveys
   (a service message about the customer's own case is still allowed).
3. Without a record: service and survey are allowed; marketing is allowed only
   if the tenant does not require opt-in (the default requires it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Purpose = Literal["service", "marketing", "survey"]
PURPOSES: tuple[Purpose, ...] = ("service", "marketing", "survey")
CHANNELS = ("sms", "email", "chat", "voice")
# Purposes an opt-out keyword (STOP, 退订) withdraws: everything but service messages.
KEYWORD_OPT_OUT_PURPOSES: tuple[Purpose, ...] = ("marketing", "survey")


@dataclass(frozen=True)
class ConsentDecision:
    allowed: bool
    reason: str  # granted | revoked | do_not_contact | default_allowed | opt_in_required


def decide(
    purpose: str,
    *,
    recorded: bool | None,
    do_not_contact: bool,
    marketing_requires_opt_in: bool,
) -> ConsentDecision:
    if recorded is False:
        return ConsentDecision(False, "revoked")
    if do_not_contact and purpose != "service":
        return ConsentDecision(False, "do_not_contact")
    if recorded is True:
        return ConsentDecision(True, "granted")
    if purpose == "marketing" and marketing_requires_opt_in:
        return ConsentDecision(False, "opt_in_required")
    return ConsentDecision(True, "default_allowed")
