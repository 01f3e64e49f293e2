"""Routing: the checked :class:`~tierroute.routing.router.Router` over an engine that
owns every state change, its slotted hot-path state, explanations, snapshots and the
structural checks.

May import :mod:`tierroute.policy`, :mod:`tierroute.models`, :mod:`tierroute.errors`
and :mod:`tierroute.clock`. Promise tracking hears it only through the hook protocol.
"""
