"""Hosting a router in a live process: the call vocabulary, the write-ahead journal
and the asyncio driver.

Owns the records of mutating calls that every edge of a live router shares
(:mod:`~tierroute.hosting.operations`), durability
(:mod:`~tierroute.hosting.journal`) and serialised access from many producers
(:mod:`~tierroute.hosting.driver`). May import :mod:`tierroute.routing`,
:mod:`tierroute.policy`, :mod:`tierroute.promises` and the top-level modules; nothing
below imports it.
"""
