"""Service promises: the promise model, business calendars, service credits, and the
tracker that hears the router's events through the hook protocol.

The model, calendars and credits import only :mod:`tierroute.models` and
:mod:`tierroute.errors`; the tracker meets routing only through its hook protocol.
"""
