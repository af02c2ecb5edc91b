"""Wire contracts: every message that crosses a topic or an API. No IO, no logic."""

from schemas.alert import Alert, AlertKind
from schemas.deadletter import DeadLetter
from schemas.decision import Action, Decision, Reason, Resolution, Severity
from schemas.suppression import SuppressedParty, Suppression
from schemas.transfer import IdType, Party, TransferEvent

__all__ = [
    "Action",
    "Alert",
    "AlertKind",
    "DeadLetter",
    "Decision",
    "IdType",
    "Party",
    "Reason",
    "Resolution",
    "Severity",
    "SuppressedParty",
    "Suppression",
    "TransferEvent",
]
