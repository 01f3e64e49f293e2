"""Capacity planning: Erlang staffing formulas and the discrete-event simulator that
drives the real router.

May import :mod:`tierroute.routing`, :mod:`tierroute.policy`, :mod:`tierroute.promises`
and the top-level modules; nothing below imports it.
"""
