"""Routing: the checked :class:`~tierroute.routing.router.Router` over an engine that
owns every state change (``_engine``), its slotted hot-path state (``_state``) and
eligibility index (``_index``), the timer-host and hook protocol (``_hooks``),
explanations, snapshots and the structural checks (``_check``).

May import :mod:`tierroute.policy` and the top-level :mod:`tierroute.models`,
:mod:`tierroute.errors` and :mod:`tierroute._args`. It never imports
:mod:`tierroute.promises`: the promise tracker attaches through ``_hooks``.
"""
