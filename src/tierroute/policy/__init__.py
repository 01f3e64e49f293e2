"""The routing policy: tiers, channels, relaxation steps, agent strategies and the
built-in presets.

May import :mod:`tierroute.promises` (the promise model only), :mod:`tierroute.models`
and :mod:`tierroute.errors`. It never imports routing.
"""
