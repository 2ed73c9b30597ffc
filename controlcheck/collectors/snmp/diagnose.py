"""What a failed request means, told as the user can act on it.

pysnmp reports a failed request as an "error indication"; this module turns it into an
:class:`SnmpError` whose message names the cause (timeout, unknown user, wrong
authentication key, wrong privacy key, security level, time window). Agents drop what they
cannot decrypt, so an authPriv request that times out is asked again without privacy to
tell a wrong privacy key from a dead agent.
"""

from __future__ import annotations

from typing import Any

from .errors import SnmpAuthError, SnmpError, SnmpStatusError, SnmpTimeout

DIAGNOSIS_TIMEOUT = 1.0        # the extra request of a diagnosis waits at most this
SYS_OBJECT_ID = "1.3.6.1.2.1.1.2.0"


async def request_failed(session: Any, indication) -> SnmpError:
    """The error to raise for a request that ended with ``indication``."""
    error = indication_error(session, indication)
    if isinstance(error, SnmpTimeout) and session.version == "3" and session.priv_protocol != "none" \
            and not session.diagnosing:
        error = await diagnose_privacy(session) or error
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
    if isinstance(indication, errind.NotInTimeWindow):
        return SnmpAuthError(f"SNMPv3 at {address}: message not in time window (clock/boots)")
    return SnmpError(f"{session.label} to {address}: {session.scrub(str(indication))}")


async def diagnose_privacy(session: Any) -> SnmpError | None:
    """An authPriv request went unanswered: agents drop what they cannot decrypt. Ask
    once more without privacy: if the agent then answers (or reports that it needs a
    higher security level), it is alive and knows the user and auth key, so the privacy
    key or protocol is wrong."""
    probe = session.variant(timeout=min(session.timeout, DIAGNOSIS_TIMEOUT), retries=0, without_privacy=True)
    probe.diagnosing = True
    try:
        async with probe:
            await probe.get([SYS_OBJECT_ID])
    except SnmpTimeout:
        return None
    except SnmpAuthError as exc:
        if "does not accept security level" not in str(exc):
            return exc
    except SnmpStatusError:
        pass    # an authenticated answer, even a refusal, proves user and auth key
    except SnmpError:
        return None
    return SnmpAuthError(f"SNMPv3 privacy failed at {session.address} for user {session.user!r}: the agent "
                         f"answers authNoPriv but not authPriv requests — wrong privacy key or "
                         f"protocol ({session.priv_protocol})")
