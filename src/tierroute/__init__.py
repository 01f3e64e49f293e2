"""tierroute: value-based contact routing.

Contacts are scored by customer value and severity, queued by requirement
signature under a static priority key, and matched to agents by skill, proficiency,
language and seniority, relaxing requirements step by step as the wait grows.

The public API is re-exported here; implementation modules are private.
"""

from tierroute.clock import ManualClock
from tierroute.errors import (
    DuplicateId,
    InvalidArgument,
    JournalCorrupt,
    JournalError,
    JournalReplayError,
    JournalVersionError,
    PolicyError,
    RoutingStateError,
    TierRouteError,
    TimeWentBackwards,
    TornRecordWarning,
    UnknownAgent,
    UnknownContact,
    UnknownId,
    UnknownOffer,
)
from tierroute.hosting.driver import Applied, RouterDriver
from tierroute.hosting.journal import JournaledRouter, recover
from tierroute.models import (
    KEEP,
    LIVE_CHANNELS,
    AgentSpec,
    AgentState,
    AgentStatus,
    Channel,
    ContactSpec,
    ContactState,
    ContactStatus,
    Decisions,
    Keep,
    Offer,
    Presence,
    Severity,
)
from tierroute.planning.simulation import Estimate, Scenario, SimulationResult, simulate
from tierroute.planning.staffing import (
    ErlangAResult,
    StaffingResult,
    asa,
    erlang_a,
    erlang_b,
    erlang_c,
    occupancy,
    required_agents,
    required_agents_by_interval,
    service_level,
)
from tierroute.policy.model import (
    ChannelPolicy,
    OfferPolicy,
    Policy,
    RelaxationStep,
    Strategy,
    TierPolicy,
)
from tierroute.policy.presets import get_preset, prestige, prestige_promises
from tierroute.promises.calendar import BusinessCalendar, due_time
from tierroute.promises.credits import Credit, CreditRule, compute_credits
from tierroute.promises.model import (
    CallbackOffer,
    CallbackRule,
    EscalationEvent,
    EscalationLadder,
    EscalationStep,
    PromiseEvent,
    PromisePolicy,
    PromiseTarget,
)
from tierroute.promises.tracker import PromiseTracker
from tierroute.routing.explain import Explanation, PassedOver, PriorityKey
from tierroute.routing.router import Router
from tierroute.value import BatchScores, CustomerProfile, ValueModel, ValueScore, ValueWeights

__version__ = "0.1.0"

__all__ = [
    "AgentSpec",
    "AgentState",
    "AgentStatus",
    "Applied",
    "BatchScores",
    "BusinessCalendar",
    "CallbackOffer",
    "CallbackRule",
    "Channel",
    "ChannelPolicy",
    "ContactSpec",
    "ContactState",
    "ContactStatus",
    "Credit",
    "CreditRule",
    "CustomerProfile",
    "Decisions",
    "DuplicateId",
    "ErlangAResult",
    "EscalationEvent",
    "EscalationLadder",
    "EscalationStep",
    "Estimate",
    "Explanation",
    "InvalidArgument",
    "JournalCorrupt",
    "JournalError",
    "JournalReplayError",
    "JournalVersionError",
    "JournaledRouter",
    "KEEP",
    "Keep",
    "LIVE_CHANNELS",
    "ManualClock",
    "Offer",
    "OfferPolicy",
    "PassedOver",
    "Policy",
    "PolicyError",
    "Presence",
    "PriorityKey",
    "PromiseEvent",
    "PromisePolicy",
    "PromiseTarget",
    "PromiseTracker",
    "RelaxationStep",
    "Router",
    "RouterDriver",
    "RoutingStateError",
    "Scenario",
    "Severity",
    "SimulationResult",
    "StaffingResult",
    "Strategy",
    "TierPolicy",
    "TierRouteError",
    "TimeWentBackwards",
    "TornRecordWarning",
    "UnknownAgent",
    "UnknownContact",
    "UnknownId",
    "UnknownOffer",
    "ValueModel",
    "ValueScore",
    "ValueWeights",
    "asa",
    "compute_credits",
    "due_time",
    "erlang_a",
    "erlang_b",
    "erlang_c",
    "get_preset",
    "occupancy",
    "prestige",
    "prestige_promises",
    "recover",
    "required_agents",
    "required_agents_by_interval",
    "service_level",
    "simulate",
]
