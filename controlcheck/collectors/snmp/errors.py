"""SNMP errors. Every message is safe to show: it names the agent and the user, never a
community or key."""

from __future__ import annotations


class SnmpError(Exception):
    """A problem talking to an agent; the message is safe to show (no secret)."""


class SnmpTimeout(SnmpError):
    pass


class SnmpAuthError(SnmpError):
    pass


class SnmpStatusError(SnmpError):
    """The agent answered, with an error status (genErr, authorizationError...)."""


_STATUS = {1: "tooBig", 2: "noSuchName", 3: "badValue", 4: "readOnly", 5: "genErr", 6: "noAccess",
           7: "wrongType", 8: "wrongLength", 9: "wrongEncoding", 10: "wrongValue", 11: "noCreation",
           12: "inconsistentValue", 13: "resourceUnavailable", 14: "commitFailed", 15: "undoFailed",
           16: "authorizationError", 17: "notWritable", 18: "inconsistentName"}


def status_name(status: int) -> str:
    """The RFC 3416 name of a PDU error-status."""
    return _STATUS.get(status, f"error-status {status}")
