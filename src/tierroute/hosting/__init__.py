"""Hosting a router in a live process: the write-ahead journal and the asyncio driver.

Owns durability (:mod:`~tierroute.hosting.journal`) and serialised access from many
producers (:mod:`~tierroute.hosting.driver`). May import :mod:`tierroute.routing`,
:mod:`tierroute.policy`, :mod:`tierroute.promises` and the top-level modules; nothing
below imports it.
"""
