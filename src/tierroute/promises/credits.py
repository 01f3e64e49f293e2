"""Service credits: a share of the monthly fee owed when promises are breached.

Premium contracts often say "service credits of 5–10% of the monthly fee when
Elite response SLAs are breached two or more times in a billing period". A
:class:`CreditRule` states such a clause; :func:`compute_credits` applies it to a
list of breaches and the accounts' monthly fees.

Billing periods are calendar months in the account's time zone
(:class:`BillingPeriod`), keyed ``"YYYY-MM"``; a breach belongs to the month of its
local date, so a breach at 23:30 on 31 October in New York (03:30 UTC on 1
November) counts in October for a New York account.

>>> rule = CreditRule()                     # elite, 2+ response breaches, 5%
>>> breaches = [
...     {"account": "acme", "tier": "elite", "kind": "answer", "at": 1_793_000_000.0},
...     {"account": "acme", "tier": "elite", "kind": "first_response", "at": 1_793_100_000.0},
... ]
>>> compute_credits(breaches, {"acme": 2000.0}, rule)
[Credit(account='acme', period='2026-10', breaches=2, rate=0.05, fee=2000.0, amount=100.0)]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import Annotated

from pydantic import Field, field_validator

from tierroute._args import text
from tierroute.errors import InvalidArgument
from tierroute.promises.calendar import (
    UNIX_EPOCH,
    BusinessCalendar,
    _check_number,
    _epoch_seconds,
    _Model,
    _zone,
    from_local,
    to_local,
)

__all__ = [
    "BillingPeriod",
    "Breach",
    "Credit",
    "CreditRule",
    "compute_credits",
    "period_key",
]

_KEY_RE = re.compile(r"^(\d{4})-(\d{2})$")
_MISSING = object()

TimeZoneLike = str | tzinfo | BusinessCalendar
_Count = Annotated[int, Field(ge=1)]
_Rate = Annotated[float, Field(ge=0, le=1, strict=True)]


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True, slots=True, order=True)
class BillingPeriod:
    """A calendar month, the billing period of service credits.

    A period is the same month in any time zone; where it starts and ends in router
    time depends on the zone (:meth:`bounds`). It starts at local midnight on the
    1st (or, if midnight falls in a DST gap, at the first instant after it).

    Attributes:
        year: 1 to 9999.
        month: 1 to 12.

    >>> p = BillingPeriod.containing(1_793_000_000.0, "America/New_York")
    >>> p, p.key, p.next().key
    (BillingPeriod(year=2026, month=10), '2026-10', '2026-11')
    >>> BillingPeriod.parse("2026-11").bounds("UTC")
    (1793491200.0, 1796083200.0)
    """

    year: int
    month: int

    def __post_init__(self) -> None:
        for name, value, lo, hi in (("year", self.year, 1, 9999), ("month", self.month, 1, 12)):
            if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
                raise InvalidArgument(f"{name} must be an integer in [{lo}, {hi}], got {value!r}")

    def __str__(self) -> str:
        return self.key

    @property
    def key(self) -> str:
        """The period key, ``"YYYY-MM"``."""
        return f"{self.year:04d}-{self.month:02d}"

    @classmethod
    def parse(cls, key: str) -> BillingPeriod:
        """The period of a ``"YYYY-MM"`` key.

        >>> BillingPeriod.parse("2026-13")
        Traceback (most recent call last):
        ...
        tierroute.errors.InvalidArgument: month must be an integer in [1, 12], got 13
        """
        m = _KEY_RE.match(key) if isinstance(key, str) else None
        if m is None:
            raise InvalidArgument(f"a billing period key is 'YYYY-MM', got {key!r}")
        return cls(int(m[1]), int(m[2]))

    @classmethod
    def containing(
        cls, t: float, timezone: TimeZoneLike = "UTC", *, epoch: datetime = UNIX_EPOCH
    ) -> BillingPeriod:
        """The period holding router time ``t``: the month of its local date.

        Args:
            t: Router time in seconds.
            timezone: IANA name, tzinfo or :class:`~tierroute.promises.calendar.BusinessCalendar`.
            epoch: The instant of router time 0.
        """
        local = to_local(t, timezone, epoch=epoch)
        return cls(local.year, local.month)

    def next(self) -> BillingPeriod:
        """The following month."""
        return BillingPeriod(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> BillingPeriod:
        """The preceding month."""
        return BillingPeriod(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def bounds(
        self, timezone: TimeZoneLike = "UTC", *, epoch: datetime = UNIX_EPOCH
    ) -> tuple[float, float]:
        """Router times ``[start, end)`` of the period in ``timezone``.

        ``BillingPeriod.containing(t, tz)`` is this period exactly when
        ``start <= t < end``.
        """
        start = from_local(datetime(self.year, self.month, 1), timezone, epoch=epoch)
        if (self.year, self.month) == (9999, 12):
            raise InvalidArgument("the period 9999-12 has no end in range")
        after = self.next()
        end = from_local(datetime(after.year, after.month, 1), timezone, epoch=epoch)
        return start, end


def period_key(t: float, timezone: TimeZoneLike = "UTC", *, epoch: datetime = UNIX_EPOCH) -> str:
    """The ``"YYYY-MM"`` billing-period key of router time ``t`` in ``timezone``.

    >>> period_key(1_793_505_600.0)                      # 2026-11-01 04:00 UTC
    '2026-11'
    >>> period_key(1_793_505_600.0, "America/Los_Angeles")  # still 31 October there
    '2026-10'
    """
    return BillingPeriod.containing(t, timezone, epoch=epoch).key


# --------------------------------------------------------------------------- rule


class CreditRule(_Model):
    """When breaches earn a service credit, and how much.

    An account earns a credit for a billing period when at least ``min_breaches``
    breaches count in it. A breach counts when its ``tier`` equals :attr:`tier`
    and its kind is one of :attr:`promises` (both compared exactly).

    The rate for ``n`` counted breaches (:meth:`rate_for`): 0 when
    ``n < min_breaches``; otherwise, when ``rate_by_breaches`` has keys ``<= n``,
    the value of the largest such key; otherwise ``rate``. So
    ``rate_by_breaches={2: 0.05, 4: 0.10}`` gives 5% for 2 or 3 breaches and 10%
    for 4 or more, and ``rate=0.05, rate_by_breaches={4: 0.10}`` gives the same.

    Attributes:
        tier: The tier whose breaches count. Default ``"elite"``.
        min_breaches: Breaches in a period needed for a credit (>= 1). Default 2.
        rate: Share of the monthly fee credited, in [0, 1]. Default 0.05.
        rate_by_breaches: Breach count → rate in [0, 1] (keys >= 1), for tiered
            credits; see above. Default ``None``.
        promises: Promise kinds that count. Default the response promises,
            ``("answer", "first_response")``.

    Invalid values raise :class:`~tierroute.errors.PolicyError` (an
    :class:`~tierroute.errors.InvalidArgument`) naming the field.

    >>> rule = CreditRule(rate_by_breaches={2: 0.05, 4: 0.10})
    >>> [rule.rate_for(n) for n in range(6)]
    [0.0, 0.0, 0.05, 0.05, 0.1, 0.1]
    >>> CreditRule(rate=1.5)
    Traceback (most recent call last):
    ...
    tierroute.errors.PolicyError: invalid CreditRule: rate: Input should be less than or equal to 1 (got 1.5)
    """  # noqa: E501

    tier: str = Field(default="elite", min_length=1)
    min_breaches: int = Field(default=2, ge=1, strict=True)
    rate: float = Field(default=0.05, ge=0, le=1, strict=True)
    rate_by_breaches: dict[_Count, _Rate] | None = None
    promises: tuple[Annotated[str, Field(min_length=1)], ...] = Field(
        default=("answer", "first_response"), min_length=1
    )

    @field_validator("rate_by_breaches")
    @classmethod
    def _sorted(cls, value: dict[int, float] | None) -> dict[int, float] | None:
        return None if value is None else dict(sorted(value.items()))

    def counts(self, tier: str, kind: str) -> bool:
        """Whether a breach of ``tier`` and promise ``kind`` counts under this rule.

        >>> CreditRule().counts("elite", "answer"), CreditRule().counts("premium", "answer")
        (True, False)
        """
        return tier == self.tier and kind in self.promises

    def rate_for(self, breaches: int) -> float:
        """The credited share of the fee for ``breaches`` counted breaches."""
        if breaches < self.min_breaches:
            return 0.0
        if self.rate_by_breaches:
            steps = [k for k in self.rate_by_breaches if k <= breaches]
            if steps:
                return self.rate_by_breaches[max(steps)]
        return self.rate


# --------------------------------------------------------------------------- credits


@dataclass(frozen=True, slots=True)
class Breach:
    """A breached promise, as :func:`compute_credits` reads it.

    Any object with these attributes, or a mapping with these keys, will do (a
    :class:`~tierroute.promises.model.PromiseEvent` too: it names the kind ``promise``).

    Attributes:
        account: The billed account.
        tier: The customer's tier when the promise was made.
        kind: The promise kind (``"answer"``, ``"first_response"``, ...).
        at: Router time of the breach.
    """

    account: str
    tier: str
    kind: str
    at: float


@dataclass(frozen=True, slots=True)
class Credit:
    """A service credit owed to one account for one billing period.

    Attributes:
        account: The account.
        period: Billing-period key, ``"YYYY-MM"``.
        breaches: Counted breaches in the period.
        rate: Share of the fee credited.
        fee: The monthly fee.
        amount: ``fee * rate``, unrounded (round to your currency's unit).
    """

    account: str
    period: str
    breaches: int
    rate: float
    fee: float
    amount: float


def _get(record: object, name: str, alias: str | None = None) -> object:
    for key in (name, alias):
        if key is None:
            continue
        if isinstance(record, Mapping):
            if key in record:
                return record[key]
        else:
            value = getattr(record, key, _MISSING)
            if value is not _MISSING:
                return value
    return _MISSING


def _text(value: object, where: str) -> str:
    if value is _MISSING:
        raise InvalidArgument(f"{where} is missing")
    checked = text(value, where)
    assert checked is not None  # not optional, so never None
    return checked


def compute_credits(
    breaches: Iterable[object],
    fees: Mapping[str, float],
    rule: CreditRule | None = None,
    *,
    epoch: datetime = UNIX_EPOCH,
    timezone: TimeZoneLike | Mapping[str, TimeZoneLike] = "UTC",
) -> list[Credit]:
    """Service credits owed under ``rule``.

    Breaches are counted per account and billing period (the month of the
    breach's local date in the account's time zone); each (account, period) with
    at least ``rule.min_breaches`` counted breaches gets one :class:`Credit` of
    ``fees[account] * rule.rate_for(count)``. Pure and deterministic.

    Args:
        breaches: Records with ``account``, ``tier``, ``kind`` (or ``promise``)
            and ``at`` (router time), as attributes or mapping keys. Records whose
            ``account`` is ``None`` are not billable and are skipped, as are records
            with an ``outcome`` other than ``"breached"`` (so a list of
            :class:`~tierroute.promises.model.PromiseEvent` can be passed whole).
        fees: Monthly fee per account (finite, >= 0).
        rule: The credit rule; default :class:`CreditRule()`.
        epoch: The instant of router time 0.
        timezone: The billing time zone (IANA name, tzinfo or
            :class:`~tierroute.promises.calendar.BusinessCalendar`) of every account, or a
            mapping account → time zone that must cover every account with
            counted breaches.

    Returns:
        The credits, sorted by (period, account).

    Raises:
        InvalidArgument: A record lacks a field or has a bad value (the message
            names it, e.g. ``breaches[3].at``); a fee is not a finite number
            >= 0; an account owed a credit has no fee in ``fees`` (a credit is
            never silently dropped: the message lists every such account); an
            account has no time zone in a ``timezone`` mapping.

    >>> march = 1_774_000_000.0                          # 2026-03-20
    >>> elite = [Breach("acme", "elite", "answer", march + i) for i in range(5)]
    >>> premium = [Breach("acme", "premium", "answer", march)] * 3
    >>> compute_credits(elite + premium, {"acme": 100.0},
    ...                 CreditRule(rate_by_breaches={2: 0.05, 4: 0.10}))
    [Credit(account='acme', period='2026-03', breaches=5, rate=0.1, fee=100.0, amount=10.0)]
    >>> compute_credits(elite, {"other": 100.0})
    Traceback (most recent call last):
    ...
    tierroute.errors.InvalidArgument: fees has no monthly fee for account 'acme' (owed a credit for 2026-03)
    """  # noqa: E501
    rule = _checked_rule(rule)
    _check_fees(fees)
    if isinstance(breaches, str | bytes | Mapping) or not isinstance(breaches, Iterable):
        raise InvalidArgument(f"breaches must be an iterable of breach records, got {breaches!r}")
    epoch_s = _epoch_seconds(epoch)
    zones = _Zones(timezone)
    counts: dict[tuple[str, str], int] = {}
    for i, record in enumerate(breaches):
        key = _period_and_account(record, f"breaches[{i}]", rule, epoch_s, zones)
        if key is not None:
            counts[key] = counts.get(key, 0) + 1
    return _credits(counts, fees, rule)


def _checked_rule(rule: object) -> CreditRule:
    if rule is None:
        return CreditRule()
    if not isinstance(rule, CreditRule):
        raise InvalidArgument(f"rule must be a CreditRule, got {rule!r}")
    return rule


def _check_fees(fees: object) -> None:
    if not isinstance(fees, Mapping):
        raise InvalidArgument(f"fees must be a mapping of account to monthly fee, got {fees!r}")
    for account, fee in fees.items():
        if not isinstance(account, str):
            raise InvalidArgument(f"fees keys must be account names, got {account!r}")
        if _check_number(fee, f"fees[{account!r}]") < 0:
            raise InvalidArgument(f"fees[{account!r}] must be >= 0, got {fee!r}")


class _Zones:
    """The billing time zone of each account: one shared zone (checked at once) or a
    mapping account → zone (each entry checked when first needed)."""

    __slots__ = ("_by_account", "_found", "_shared")

    def __init__(self, timezone: TimeZoneLike | Mapping[str, TimeZoneLike]) -> None:
        self._shared = None if isinstance(timezone, Mapping) else _zone(timezone)
        self._by_account = timezone if isinstance(timezone, Mapping) else {}
        self._found: dict[str, tzinfo] = {}

    def of(self, account: str) -> tzinfo:
        if self._shared is not None:
            return self._shared
        found = self._found.get(account)
        if found is None:
            if account not in self._by_account:
                raise InvalidArgument(f"timezone has no entry for account {account!r}")
            found = _zone(self._by_account[account], f"timezone[{account!r}]")
            self._found[account] = found
        return found


def _period_and_account(
    record: object, where: str, rule: CreditRule, epoch_s: float, zones: _Zones
) -> tuple[str, str] | None:
    """The (billing period, account) a breach counts in, or ``None`` when it does not
    count (not billable, not a breach, or not covered by ``rule``). Every field is
    checked, even of records that do not count."""
    outcome = _get(record, "outcome")
    raw_account = _get(record, "account")
    tier = _text(_get(record, "tier"), f"{where}.tier")
    kind = _text(_get(record, "kind", "promise"), f"{where}.kind")
    at = _get(record, "at")
    if at is _MISSING:
        raise InvalidArgument(f"{where}.at is missing")
    at_s = _check_number(at, f"{where}.at")
    if raw_account is None or (outcome is not _MISSING and outcome != "breached"):
        return None
    account = _text(raw_account, f"{where}.account")
    if not rule.counts(tier, kind):
        return None
    try:
        local = datetime.fromtimestamp(epoch_s + at_s, zones.of(account))
    except (OverflowError, OSError, ValueError) as exc:
        raise InvalidArgument(f"{where}.at={at!r} is out of range ({exc})") from None
    return f"{local.year:04d}-{local.month:02d}", account


def _credits(
    counts: Mapping[tuple[str, str], int], fees: Mapping[str, float], rule: CreditRule
) -> list[Credit]:
    """One credit per (period, account) with enough breaches, sorted; every account
    owed a credit must have a fee."""
    credits: list[Credit] = []
    missing: dict[str, str] = {}
    for (period, account), n in sorted(counts.items()):
        if n < rule.min_breaches:
            continue
        if account not in fees:
            missing.setdefault(account, period)
            continue
        fee = float(fees[account])
        rate = rule.rate_for(n)
        credits.append(Credit(account, period, n, rate, fee, fee * rate))
    if missing:
        listed = ", ".join(f"{a!r} (owed a credit for {p})" for a, p in sorted(missing.items()))
        noun = "account" if len(missing) == 1 else "accounts"
        raise InvalidArgument(f"fees has no monthly fee for {noun} {listed}")
    return credits
