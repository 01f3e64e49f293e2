"""Public value types: channels, severities, agent states, and the specs a caller
hands to the router (:class:`AgentSpec`, :class:`ContactSpec`) and gets back
(:class:`Offer`, :class:`AgentStatus`, :class:`ContactStatus`).

These are frozen slotted dataclasses rather than pydantic models: they cross the
router's edge on every routing call, where construction cost matters. The router
validates them against its policy and raises :class:`~tierroute.errors.InvalidArgument`
naming the bad field.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum, IntEnum, StrEnum
from typing import Any, Final, NamedTuple

__all__ = [
    "KEEP",
    "LIVE_CHANNELS",
    "MAX_ATTRIBUTE_BYTES",
    "MAX_ATTRIBUTE_DEPTH",
    "MAX_CAPACITY",
    "MAX_CONCURRENT",
    "AgentSpec",
    "AgentState",
    "AgentStatus",
    "Channel",
    "ContactSpec",
    "ContactState",
    "ContactStatus",
    "Decisions",
    "Keep",
    "Offer",
    "Presence",
    "Severity",
]


class Channel(StrEnum):
    """A contact channel. Live channels are answered in seconds, the others in
    minutes to hours."""

    VOICE = "voice"
    CHAT = "chat"
    VIDEO = "video"
    EMAIL = "email"
    SMS = "sms"
    WHATSAPP = "whatsapp"
    IN_APP = "in_app"


LIVE_CHANNELS: frozenset[Channel] = frozenset({Channel.VOICE, Channel.CHAT, Channel.VIDEO})
"""Channels where the customer waits on the line (answer targets in seconds)."""


class Severity(IntEnum):
    """Business impact of a contact: P1 critical … P4 informational."""

    P1 = 1
    P2 = 2
    P3 = 3
    P4 = 4


class Keep(Enum):
    """The type of :data:`KEEP`, the default of arguments that leave a field as it is
    (``transfer(..., language=KEEP)`` keeps the contact's language, while ``None``
    would drop the requirement). A one-member enum, so type checkers and mypyc see a
    real type rather than a bare ``object()``."""

    KEEP = "keep"

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Final = Keep.KEEP
"""Leave the field as it is (see :class:`Keep`)."""


class Presence(StrEnum):
    """What an agent declared: the states a caller sets with ``set_agent_state``."""

    LOGGED_OUT = "logged_out"
    READY = "ready"
    NOT_READY = "not_ready"


class AgentState(StrEnum):
    """What an agent is doing, derived from presence and current work.

    With several concurrent contacts the most pressing activity wins:
    reserved (an offer is ringing) over busy over wrap-up over ready.
    """

    LOGGED_OUT = "logged_out"
    NOT_READY = "not_ready"
    READY = "ready"
    RESERVED = "reserved"
    BUSY = "busy"
    WRAP_UP = "wrap_up"


class ContactState(StrEnum):
    """Where a contact is in its life in the router."""

    WAITING = "waiting"
    OFFERED = "offered"
    IN_SERVICE = "in_service"


MAX_ATTRIBUTE_BYTES: Final = 16 * 1024
"""Largest ``attributes`` payload of an agent or contact: bytes of its compact JSON
(``separators=(",", ":")``, UTF-8). The router keeps it for the contact's life and
writes it into every snapshot and journal record that carries it."""

MAX_ATTRIBUTE_DEPTH: Final = 8
"""Deepest nesting of an ``attributes`` payload: the mapping itself is level 1, a
list or mapping inside it level 2, and so on."""

MAX_CAPACITY: Final = 1_000_000
"""Largest agent ``capacity`` in units (an agent has 100 by default)."""

MAX_CONCURRENT: Final = 10_000
"""Largest number of concurrent contacts an agent may take on one channel."""


@dataclass(frozen=True, slots=True)
class AgentSpec:
    """An agent's profile.

    Args:
        agent_id: Unique id of the agent.
        skills: Skill name → proficiency (1 … the policy's ``max_proficiency``).
        languages: Languages the agent serves in: a tuple, list, set or frozenset
            of strings.
        seniority: Seniority level, an index into the policy's ``seniority_levels``
            or one of their names (``"junior"``, ``"senior"``, ``"expert"`` by default).
        channels: Channel → maximum concurrent contacts on that channel
            (0 … :data:`MAX_CONCURRENT`). A channel left out is not handled by the agent.
        capacity: Capacity units (1 … :data:`MAX_CAPACITY`); each channel costs the
            policy's ``cost`` per contact.
        attributes: Free-form data carried through untouched, or ``None``. It must be
            JSON data, since snapshots and the journal hold it: a mapping with string
            keys whose values are strings, integers within 64 bits, finite floats,
            booleans, ``None``, lists (or tuples) and dicts of the same. Its compact
            JSON takes at most :data:`MAX_ATTRIBUTE_BYTES` bytes (16 KiB) and it nests
            at most :data:`MAX_ATTRIBUTE_DEPTH` levels (8). It is kept, not copied: do
            not change it after the call.

    >>> AgentSpec("ana", skills={"billing": 4}, languages=("en", "fr")).seniority
    0
    """

    agent_id: str
    skills: Mapping[str, int] = field(default_factory=dict)
    languages: tuple[str, ...] | frozenset[str] = ()
    seniority: int | str = 0
    channels: Mapping[Channel | str, int] = field(default_factory=lambda: {Channel.VOICE: 1})
    capacity: int = 100
    attributes: Mapping[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class ContactSpec:
    """A contact to route.

    Args:
        contact_id: Unique id among live contacts.
        channel: The channel it arrived on.
        tier: Customer tier name (one of the policy's tiers).
        value: Customer value score in [0, 1] (see :class:`~tierroute.value.ValueModel`);
            it buys a bounded priority boost and breaks ties.
        severity: P1 … P4.
        skills: Required skill → minimum proficiency.
        language: Required language, or ``None`` for any.
        min_seniority: Minimum agent seniority (index or level name).
        concierge: Agent id of the customer's named concierge, offered first when
            the tier's relaxation ladder starts with a concierge step.
        arrived_at: When the customer arrived (e.g. entered the IVR); defaults to
            the submit time. The priority key is built from it.
        attributes: Free-form data carried through untouched, or ``None``; the same
            rules as :attr:`AgentSpec.attributes` (JSON data, at most
            :data:`MAX_ATTRIBUTE_BYTES` bytes and :data:`MAX_ATTRIBUTE_DEPTH` levels).
            The promise tracker reads its ``"account"``.

    >>> ContactSpec("c1", "voice", "elite", value=0.9, skills={"billing": 3}).severity
    <Severity.P3: 3>
    """

    contact_id: str
    channel: Channel | str
    tier: str
    value: float = 0.0
    severity: Severity | int = Severity.P3
    skills: Mapping[str, int] = field(default_factory=dict)
    language: str | None = None
    min_seniority: int | str = 0
    concierge: str | None = None
    arrived_at: float | None = None
    attributes: Mapping[str, Any] | None = None


class Offer(NamedTuple):
    """A decision: this contact is offered to this agent.

    Once accepted the offer is the assignment, under the same ``offer_id``
    (pass it to ``complete``). A named tuple because the router returns one per
    decision on its hot path, where it costs a third of a frozen dataclass.

    Attributes:
        offer_id: Id of the offer / assignment.
        contact_id: The contact offered.
        agent_id: The agent reserved for it.
        channel: The contact's channel.
        tier: The contact's tier.
        offered_at: Decision time.
        expires_at: When the reservation lapses if not accepted; ``None`` when the
            policy auto-accepts.
        step: Name of the relaxation step the match happened at.
        accepted: True when the policy auto-accepted the offer.
    """

    offer_id: str
    contact_id: str
    agent_id: str
    channel: Channel
    tier: str
    offered_at: float
    expires_at: float | None
    step: str
    accepted: bool


class Decisions(list[Offer]):
    """What a router call decided: the offers it made, in decision order (it *is*
    that list), and in :attr:`events` the promise and escalation events it raised.

    ``events`` is empty unless a :class:`~tierroute.promises.model.PromiseTracker` is
    attached to the router.

    >>> d = Decisions()
    >>> d == [], d.events
    (True, ())
    """

    events: Sequence[Any] = ()


@dataclass(frozen=True, slots=True)
class AgentStatus:
    """A read-only view of one agent."""

    agent_id: str
    presence: Presence
    state: AgentState
    load: int
    capacity: int
    active: Mapping[str, int]
    offers: tuple[str, ...]
    no_answers: int
    handled: int
    idle_since: float


@dataclass(frozen=True, slots=True)
class ContactStatus:
    """A read-only view of one live contact."""

    contact_id: str
    state: ContactState
    tier: str
    channel: Channel
    arrived_at: float
    key: float
    step: str
    agent_id: str | None
    offer_id: str | None
    attributes: Mapping[str, Any] | None = None
