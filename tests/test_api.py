"""The public API surface of the ``tierroute`` package."""

from __future__ import annotations

import enum
import importlib.metadata
import importlib.resources
import inspect
import types
from pathlib import Path

import pytest

import tierroute


def public_names() -> set[str]:
    """Names the package namespace exposes: not private, not a submodule."""
    return {
        name
        for name, value in vars(tierroute).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }


def test_all_is_sorted() -> None:
    names = list(tierroute.__all__)
    assert names == sorted(names)


def test_all_has_no_duplicates() -> None:
    assert len(tierroute.__all__) == len(set(tierroute.__all__))


def test_all_is_a_list_of_strings() -> None:
    assert isinstance(tierroute.__all__, list)
    assert all(isinstance(n, str) and n for n in tierroute.__all__)


@pytest.mark.parametrize("name", tierroute.__all__)
def test_every_name_resolves(name: str) -> None:
    assert hasattr(tierroute, name)
    assert getattr(tierroute, name) is not None


def test_all_equals_the_public_names() -> None:
    assert set(tierroute.__all__) == public_names()


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from tierroute import *", namespace)
    namespace.pop("__builtins__")
    assert set(namespace) == set(tierroute.__all__)


def test_core_names_are_exported() -> None:
    core = {
        "Router",
        "Policy",
        "TierPolicy",
        "RelaxationStep",
        "ChannelPolicy",
        "OfferPolicy",
        "Strategy",
        "AgentSpec",
        "ContactSpec",
        "Offer",
        "AgentStatus",
        "ContactStatus",
        "Explanation",
        "PriorityKey",
        "PassedOver",
        "ManualClock",
        "TierRouteError",
        "InvalidArgument",
        "PolicyError",
        "DuplicateId",
        "TimeWentBackwards",
        "UnknownId",
        "UnknownAgent",
        "UnknownContact",
        "UnknownOffer",
        "RoutingStateError",
        "prestige",
        "get_preset",
    }
    assert core <= set(tierroute.__all__)


def test_exports_are_the_defining_objects() -> None:
    from tierroute.errors import UnknownOffer
    from tierroute.policy.model import Policy
    from tierroute.routing.router import Router

    assert tierroute.Router is Router
    assert tierroute.Policy is Policy
    assert tierroute.UnknownOffer is UnknownOffer


def _documented_members(cls: type) -> list[tuple[str, object]]:
    """Public functions, properties and class/static methods defined on ``cls``."""
    out = []
    for name, value in vars(cls).items():
        if name.startswith("_"):
            continue
        func = value.__func__ if isinstance(value, staticmethod | classmethod) else value
        if isinstance(func, property) or inspect.isfunction(func):
            out.append((name, func))
    return out


@pytest.mark.parametrize("name", tierroute.__all__)
def test_every_public_callable_and_class_has_a_docstring(name: str) -> None:
    obj = getattr(tierroute, name)
    if not (inspect.isclass(obj) or callable(obj)):
        return  # a constant such as LIVE_CHANNELS
    doc = inspect.getdoc(obj)
    assert doc and doc.strip(), f"{name} has no docstring"
    if inspect.isclass(obj):
        if issubclass(obj, enum.Enum):
            assert obj.__doc__ != enum.Enum.__doc__
        for member, value in _documented_members(obj):
            assert getattr(value, "__doc__", None), f"{name}.{member} has no docstring"


def test_public_classes_have_their_own_docstrings() -> None:
    """Not one inherited from a base (Exception, NamedTuple, BaseModel...)."""
    for name in tierroute.__all__:
        obj = getattr(tierroute, name)
        if inspect.isclass(obj):
            assert "__doc__" in vars(obj) and vars(obj)["__doc__"], name


def test_package_has_a_docstring_and_version() -> None:
    assert tierroute.__doc__ and "routing" in tierroute.__doc__
    assert tierroute.__version__ == importlib.metadata.version("tierroute")


def test_py_typed_ships() -> None:
    package_dir = Path(tierroute.__file__).parent
    assert (package_dir / "py.typed").is_file()
    assert importlib.resources.files("tierroute").joinpath("py.typed").is_file()


def test_console_script_is_declared() -> None:
    scripts = {
        ep.name: ep.value
        for ep in importlib.metadata.entry_points(group="console_scripts")
        if ep.name == "tierroute"
    }
    assert scripts == {"tierroute": "tierroute.cli:main"}
