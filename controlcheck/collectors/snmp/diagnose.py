"""What a failed request means, told as the user can act on it.

pysnmp reports a failed request as an "error indication"; this module turns it into an
:class:`SnmpError` whose message names the cause: timeout, unknown user, wrong
authentication key, wrong privacy key, unknown context, security level, time window.

Agents answer an unknown user or a wrong authentication key with a report, but they drop
some requests silently: one they cannot decrypt (wrong privacy key) and, in net-snmp, one
for a context they do not serve. So an SNMPv3 request that times out is asked again,
once each and briefly: in the default context with the same keys (it answers: the
context is unknown), then without privacy (it answers: the privacy key is wrong).
"""

from __future__ import annotations

from typing import Any

from .errors import SnmpAuthError, SnmpError, SnmpStatusError, SnmpTimeout

DIAGNOSIS_TIMEOUT = 1.0        # the extra request of a diagnosis waits at most this
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"
UNKNOWN_CONTEXTS = "1.3.6.1.6.3.12.1.5"      # SNMP-TARGET-MIB snmpUnknownContexts
UNAVAILABLE_CONTEXTS = "1.3.6.1.6.3.12.1.4"  # snmpUnavailableContexts


async def request_failed(session: Any, indication) -> SnmpError:
    """The error to raise for a request that ended with ``indication``."""
    error = indication_error(session, indication)
    if isinstance(error, SnmpTimeout) and session.version == "3" and not session.diagnosing:
        error = await diagnose_silence(session) or error
    return error


def indication_error(session: Any, indication) -> SnmpError:
    from pysnmp.proto import errind

    address, user = session.address, session.user
    if isinstance(indication, errind.RequestTimedOut):
        hint = ("the agent is down, the port is filtered, or it does not accept this community"
                if session.version != "3" else "the agent is down or the port is filtered")
        return SnmpTimeout(f"no answer from {address} within {session.timeout:g}s ({session.label}; "
                           f"{session.retries + 1} attempt(s)): {hint}")
    if isinstance(indication, (errind.WrongDigest, errind.AuthenticationFailure, errind.AuthenticationError)):
        return SnmpAuthError(f"SNMPv3 authentication failed at {address} for user {user!r}: "
                             f"wrong authentication key or protocol ({session.auth_protocol})")
    if isinstance(indication, errind.DecryptionError):
        return SnmpAuthError(f"SNMPv3 privacy failed at {address} for user {user!r}: "
                             f"wrong privacy key or protocol ({session.priv_protocol})")
    if isinstance(indication, errind.UnknownUserName):
        return SnmpAuthError(f"SNMPv3 user {user!r} is unknown to the agent at {address}")
    if isinstance(indication, errind.UnsupportedSecurityLevel):
        return SnmpAuthError(f"the agent at {address} does not accept security level "
                             f"{session.security_level} for user {user!r}")
    if isinstance(indication, errind.ReportPduReceived) and any(
            oid in str(indication) for oid in (UNKNOWN_CONTEXTS, UNAVAILABLE_CONTEXTS)):
        return SnmpAuthError(f"SNMPv3 context {session.context!r} is unknown to the agent at {address} "
                             f"(it reported {'snmpUnknownContexts' if UNKNOWN_CONTEXTS in str(indication) else 'snmpUnavailableContexts'})")
    if isinstance(indication, errind.NotInTimeWindow):
        return SnmpAuthError(f"SNMPv3 at {address}: message not in time window (clock/boots)")
    return SnmpError(f"{session.label} to {address}: {session.scrub(str(indication))}")


async def _ask(probe: Any) -> SnmpError | bool:
    """True if the agent answered ``probe`` (an error status is an answer too), False if it
    stayed silent, else the error its report gave."""
    probe.diagnosing = True
    try:
        async with probe:
            await probe.get([SYS_OBJECT_ID])
    except SnmpTimeout:
        return False
    except SnmpStatusError:
        return True     # an authenticated answer, even a refusal, proves user and keys
    except SnmpError as exc:
        return exc
    return True


async def diagnose_silence(session: Any) -> SnmpError | None:
    """An SNMPv3 request went unanswered: the specific cause, or None when the agent is
    silent whatever is asked (down, filtered, or overloaded)."""
    timeout = min(session.timeout, DIAGNOSIS_TIMEOUT)
    if session.context:
        outcome = await _ask(session.variant(timeout=timeout, retries=0, context=""))
        if outcome is True:
            return SnmpAuthError(f"SNMPv3 context {session.context!r} is unknown to the agent at "
                                 f"{session.address}: user {session.user!r} and its keys are accepted in the "
                                 f"default context, but requests in this context go unanswered")
        if isinstance(outcome, SnmpError):
            return outcome
    if session.priv_protocol == "none":
        return None
    outcome = await _ask(session.variant(timeout=timeout, retries=0, without_privacy=True, context=""))
    if isinstance(outcome, SnmpError) and "does not accept security level" not in str(outcome):
        return outcome
    if outcome is False:
        return None
    # it answers authNoPriv (or says it needs privacy): alive, knows the user and the auth key
    return SnmpAuthError(f"SNMPv3 privacy failed at {session.address} for user {session.user!r}: the agent "
                         f"answers authNoPriv but not authPriv requests — wrong privacy key or "
                         f"protocol ({session.priv_protocol})")
