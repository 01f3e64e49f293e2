"""The call vocabulary of a hosted router: one record per mutating call.

An :class:`Operation` is a call of :class:`~tierroute.routing.router.Router` as data:
its name, its arguments by parameter name and its time. It turns into JSON data and
back (:meth:`~Operation.encode`, :meth:`~Operation.decode`) and runs on a router
(:meth:`~Operation.apply`). Records are for the edges of a live router: the journal
writes them, its replay decodes and applies them, the asyncio driver queues them (a
network service will read them off the wire). The simulator builds none: it calls
the router directly, per event.

Each operation is one row of ``_OPERATIONS``: the router method of the same name and
its parameters, each with its JSON codec. **Adding an operation** means adding its
router method and its row here; the journal, its replay and the driver carry it from
then on (through :meth:`JournaledRouter.apply
<tierroute.hosting.journal.JournaledRouter.apply>` and :meth:`RouterDriver.apply
<tierroute.hosting.driver.RouterDriver.apply>`; a named method on those two is a
convenience).

:func:`perform` is the one place where a call that failed is told apart from one
that took effect in part (due timers fired before it was found invalid).

>>> from tierroute import AgentSpec, Router
>>> op = Operation("add_agent", {"spec": AgentSpec("ana"), "presence": "ready"}, 0.0)
>>> data = op.encode()
>>> data["spec"]["agent_id"], data["presence"]
('ana', 'ready')
>>> Operation.decode("add_agent", data, 0.0).apply(Router()).events
()
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final, NamedTuple

from tierroute.errors import InvalidArgument, JournalError, TierRouteError
from tierroute.models import (
    KEEP,
    AgentSpec,
    Channel,
    ContactSpec,
    Decisions,
    Offer,
    Presence,
)
from tierroute.routing.router import Router

__all__ = ["OPERATION_NAMES", "Operation", "Sink", "perform"]

Sink = Callable[["Operation", list[Offer]], None]
"""Receives what took effect: the record and the offers it made (see :func:`perform`)."""


# ---------------------------------------------------------------------- codecs


def _same(value: Any) -> Any:
    return value


def _plain(value: Any) -> Any:
    """Mappings as dicts (a ``MappingProxyType`` is not JSON); anything else as is."""
    return dict(value) if isinstance(value, Mapping) else value


def _enc_languages(langs: Any) -> Any:
    if isinstance(langs, frozenset | set):
        return sorted(langs, key=str)  # sorted: the same set always encodes the same
    if isinstance(langs, tuple):
        return list(langs)
    return langs


def _enc_agent(spec: Any) -> dict[str, Any]:
    if not isinstance(spec, AgentSpec):
        raise InvalidArgument(f"spec must be an AgentSpec, got {type(spec).__name__}")
    channels = spec.channels
    if isinstance(channels, Mapping):
        channels = {(k.value if isinstance(k, Channel) else k): n for k, n in channels.items()}
    return {
        "agent_id": spec.agent_id,
        "skills": _plain(spec.skills),
        "languages": _enc_languages(spec.languages),
        "seniority": spec.seniority,
        "channels": channels,
        "capacity": spec.capacity,
        "attributes": _plain(spec.attributes),
    }


def _dec_agent(data: Any) -> AgentSpec:
    langs = data["languages"]
    return AgentSpec(
        data["agent_id"],
        skills=data["skills"],
        languages=tuple(langs) if isinstance(langs, list) else langs,
        seniority=data["seniority"],
        channels=data["channels"],
        capacity=data["capacity"],
        attributes=data["attributes"],
    )


def _enc_contact(spec: Any) -> dict[str, Any]:
    if not isinstance(spec, ContactSpec):
        raise InvalidArgument(f"contact must be a ContactSpec, got {type(spec).__name__}")
    ch = spec.channel
    sev = spec.severity
    return {
        "contact_id": spec.contact_id,
        "channel": ch.value if isinstance(ch, Channel) else ch,
        "tier": spec.tier,
        "value": spec.value,
        "severity": int(sev) if isinstance(sev, int) and not isinstance(sev, bool) else sev,
        "skills": _plain(spec.skills),
        "language": spec.language,
        "min_seniority": spec.min_seniority,
        "concierge": spec.concierge,
        "arrived_at": spec.arrived_at,
        "attributes": _plain(spec.attributes),
    }


def _dec_contact(data: Any) -> ContactSpec:
    return ContactSpec(**data)


def _enc_presence(presence: Any) -> Any:
    return presence.value if isinstance(presence, Presence) else presence


# ---------------------------------------------------------------------- the table


class _Codec(NamedTuple):
    """How an argument is written as JSON data and read back."""

    encode: Callable[[Any], Any]
    """The argument as JSON data; raises InvalidArgument for a value of the wrong type."""
    decode: Callable[[Any], Any]
    """The argument from JSON data, as the router method takes it."""


_TEXT: Final = _Codec(_same, _same)
_AGENT: Final = _Codec(_enc_agent, _dec_agent)
_CONTACT: Final = _Codec(_enc_contact, _dec_contact)
_PRESENCE: Final = _Codec(_enc_presence, _same)
_PLAIN: Final = _Codec(_plain, _same)


class _Param(NamedTuple):
    """One parameter of a router method, as a record carries it."""

    name: str
    codec: _Codec
    keyword: bool = False
    """Passed by keyword (else positionally, in the table's order)."""
    optional: bool = False
    """May be left out: the router then keeps the current value (a ``KEEP`` default)."""


class _Kind:
    """One operation: its router method's name and parameters (``now`` aside), with
    what records need of them worked out once (a record is built per call)."""

    __slots__ = (
        "encoders",
        "keywords",
        "name",
        "names",
        "optional",
        "params",
        "plain",
        "positional",
        "required",
    )

    def __init__(self, name: str, *params: _Param) -> None:
        self.name = name
        self.params = params
        self.names = frozenset(p.name for p in params)
        self.required = frozenset(p.name for p in params if not p.optional)
        self.optional = self.names - self.required
        self.positional = tuple(p.name for p in params if not p.keyword)
        self.keywords = tuple(p.name for p in params if p.keyword)
        self.encoders = tuple((p.name, p.codec.encode) for p in params)
        # The arguments are JSON data as they are (ids): encoding copies them.
        self.plain = all(p.codec is _TEXT for p in params)


_OPERATIONS: Final[dict[str, _Kind]] = {
    kind.name: kind
    for kind in (
        _Kind("add_agent", _Param("spec", _AGENT), _Param("presence", _PRESENCE, keyword=True)),
        _Kind("remove_agent", _Param("agent_id", _TEXT)),
        _Kind("update_agent", _Param("spec", _AGENT)),
        _Kind("set_agent_state", _Param("agent_id", _TEXT), _Param("presence", _PRESENCE)),
        _Kind("submit", _Param("contact", _CONTACT)),
        _Kind("abandon", _Param("contact_id", _TEXT)),
        _Kind(
            "transfer",
            _Param("contact_id", _TEXT),
            _Param("skills", _PLAIN, keyword=True, optional=True),
            _Param("language", _PLAIN, keyword=True, optional=True),
            _Param("min_seniority", _PLAIN, keyword=True, optional=True),
        ),
        _Kind("accept", _Param("offer_id", _TEXT)),
        _Kind("reject", _Param("offer_id", _TEXT)),
        _Kind("complete", _Param("offer_id", _TEXT)),
        _Kind("advance"),
    )
}

OPERATION_NAMES: Final[tuple[str, ...]] = tuple(_OPERATIONS)
"""The names of the operations, one per mutating method of the router."""


def _kind(name: str) -> _Kind:
    try:
        return _OPERATIONS[name]
    except (KeyError, TypeError):  # TypeError: not hashable, so not a name
        raise InvalidArgument(
            f"operation must be one of {list(OPERATION_NAMES)}, got {name!r}"
        ) from None


# ---------------------------------------------------------------------- records


class Operation:
    """One mutating router call as a record: name, arguments and time.

    Args:
        name: The router method (one of :data:`OPERATION_NAMES`).
        args: Its arguments by parameter name, as the method takes them (``now``
            aside). An optional argument left out, or given as
            :data:`~tierroute.models.KEEP`, keeps the current value: the record
            leaves it out.
        now: The call's time; ``None`` to let the edge that applies it decide (the
            router's clock, the journal's clock, the driver's time).

    Raises:
        InvalidArgument: Unknown operation, ``args`` not a mapping, or an argument
            missing or unknown.

    >>> Operation("transfer", {"contact_id": "c1", "language": None}, 4.0)
    Operation('transfer', {'contact_id': 'c1', 'language': None}, now=4.0)
    >>> Operation("accept", {"contact_id": "c1"})
    Traceback (most recent call last):
    ...
    tierroute.errors.InvalidArgument: accept needs ['offer_id'], got ['contact_id']
    """

    __slots__ = ("_kind", "args", "name", "now")

    name: str
    args: dict[str, Any]
    now: float | None

    def __init__(
        self, name: str, args: Mapping[str, Any] | None = None, now: float | None = None
    ) -> None:
        try:
            kind = _OPERATIONS[name]
        except (KeyError, TypeError):
            kind = _kind(name)  # raises the error that names the operations
        if args is None:
            given: dict[str, Any] = {}
        elif not isinstance(args, Mapping):
            raise InvalidArgument(f"{name} arguments must be a mapping, got {args!r}")
        elif kind.optional:
            given = {k: v for k, v in args.items() if v is not KEEP}
        else:
            given = dict(args)
        keys = given.keys()
        # keys == names: the common case, checked first as it is the cheapest
        if keys != kind.names and not kind.required <= keys <= kind.names:
            hint = f" (optional: {sorted(kind.optional)})" if kind.optional else ""
            got = sorted(keys, key=str)  # keys of any type: say what they are
            raise InvalidArgument(f"{name} needs {sorted(kind.required)}{hint}, got {got}")
        self._kind = kind
        self.name = name
        self.args = given
        self.now = now

    def at(self, now: float | None) -> Operation:
        """The same call at another time.

        Runtime complexity: O(1) (the arguments are shared, not copied).
        """
        op = object.__new__(Operation)
        op._kind, op.name, op.args, op.now = self._kind, self.name, self.args, now
        return op

    def call_args(self) -> tuple[tuple[Any, ...], dict[str, Any]]:
        """The positional and keyword arguments (``now`` aside) of the router call.

        >>> Operation("add_agent", {"spec": None, "presence": "ready"}).call_args()
        ((None,), {'presence': 'ready'})
        """
        kind, args = self._kind, self.args
        return (
            tuple([args[n] for n in kind.positional]),
            {n: args[n] for n in kind.keywords if n in args},
        )

    def apply(self, router: Router) -> Decisions:
        """Run the call on ``router``: ``router.<name>(*args, now=now, **kwargs)``.

        Returns:
            What the router method returns.

        Raises:
            TierRouteError: What the router method raises.
        """
        kind, args = self._kind, self.args
        method: Callable[..., Decisions] = getattr(router, self.name)
        if kind.keywords:  # add_agent and transfer
            positional, keywords = self.call_args()
            return method(*positional, now=self.now, **keywords)
        # By arity, sparing the list and the * call on the journal's path.
        names = kind.positional
        if len(names) == 1:
            return method(args[names[0]], now=self.now)
        if not names:
            return method(now=self.now)
        return method(*[args[n] for n in names], now=self.now)

    def encode(self) -> dict[str, Any]:
        """The arguments as JSON data (``now`` aside: the journal records the time
        the call resolved to).

        Raises:
            InvalidArgument: A spec argument is not an :class:`AgentSpec` or
                :class:`ContactSpec`, or an argument cannot be read.
        """
        kind, args = self._kind, self.args
        if kind.plain:
            return dict(args)
        out = {}  # a loop, not a comprehension: this runs per journaled call
        for name, encode in kind.encoders:
            if name in args:
                try:
                    out[name] = encode(args[name])
                except TierRouteError:
                    raise
                except Exception as exc:  # a hostile argument (e.g. a failing mapping)
                    raise InvalidArgument(
                        f"{self.name}: {name} cannot be encoded ({exc!r})"
                    ) from exc
        return out

    @classmethod
    def decode(cls, name: str, data: Mapping[str, Any], now: float | None) -> Operation:
        """The record that :meth:`encode` gave ``data`` for.

        Raises:
            InvalidArgument: Unknown operation, or an argument missing or unknown.
            KeyError, TypeError, ValueError: An argument is not what :meth:`encode`
                writes.
        """
        kind = _kind(name)
        if not isinstance(data, Mapping):
            raise TypeError(f"arguments must be a mapping, got {type(data).__name__}")
        if not data.keys() <= kind.names:  # checked here: the decoding below skips them
            raise InvalidArgument(f"{name} takes no {sorted(data.keys() - kind.names)}")
        return cls(
            name, {p.name: p.codec.decode(data[p.name]) for p in kind.params if p.name in data}, now
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Operation):
            return NotImplemented
        return (self.name, self.args, self.now) == (other.name, other.args, other.now)

    __hash__ = None  # type: ignore[assignment]  # the arguments are mutable

    def __repr__(self) -> str:
        return f"Operation({self.name!r}, {self.args!r}, now={self.now!r})"


def perform(
    router: Router,
    op: Operation,
    sink: Sink,
    via: Callable[[Operation], list[Offer]] | None = None,
) -> list[Offer]:
    """Apply ``op`` and hand ``sink`` what took effect, then return its offers.

    A call that succeeds took effect: ``sink(op, offers)``. A call that raises
    usually changed nothing; but when timers due at its time fired before it was
    found invalid (an expiry withdrew the offer being accepted), the router stands
    as ``advance(now)`` alone leaves it, and that is what took effect:
    ``sink(advance at the router's time, the timers' offers)`` before the error goes
    on to the caller (it carries those offers too). The journal writes what took
    effect; the driver logs it.

    A refused call (a :class:`~tierroute.errors.TierRouteError` other than a
    :class:`~tierroute.errors.JournalError`) costs its caller that call only: the
    journal and the driver carry on. Anything else the router raises is an
    invariant failure (a bug: its state is unknown), and a ``JournalError`` an I/O
    or invariant failure of the journal; both stop the journal and the driver.

    Args:
        router: The router whose time tells whether timers fired.
        op: The call.
        sink: Receives what took effect.
        via: Applies ``op`` instead of ``op.apply(router)`` (a journaled router's
            :meth:`~tierroute.hosting.journal.JournaledRouter.apply`, which
            journals what took effect on its own and reports it here as well).

    Raises:
        TierRouteError: What the call raised.
        Exception: An invariant failure of the router, passed on untouched.
    """
    before = router.now
    try:
        offers = op.apply(router) if via is None else via(op)
    except TierRouteError as exc:
        # A journal failure is not a decision of the router: what it left in memory
        # is not on disk, and the journaled router refuses every later call.
        if router.now != before and not isinstance(exc, JournalError):
            sink(Operation("advance", None, router.now), list(exc.offers))
        raise
    sink(op, offers)
    return offers
