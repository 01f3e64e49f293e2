"""Service promises: the promise model, the targets that apply to a contact, business
calendars, service credits, and the tracker that hears the router's events.

The model, targets, calendars and credits import only the top-level
:mod:`tierroute.models`, :mod:`tierroute.errors` and :mod:`tierroute._args`; the
tracker meets routing only through :mod:`tierroute.routing._hooks`.
"""
