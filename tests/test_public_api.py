"""The package's front: the names `tracker` exports, and `python -m tracker`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from types import ModuleType

import tracker


def test_all_names_are_exported_and_nothing_else() -> None:
    # The way httpx checks its exported members: every public name of the package is in
    # `__all__`, and `__all__` names nothing the package lacks.
    for name in tracker.__all__:
        getattr(tracker, name)  # loads the lazy ones
    public = {
        name
        for name, value in vars(tracker).items()
        if not name.startswith("_") and not isinstance(value, ModuleType)
    }
    assert set(tracker.__all__) == public | {"__version__"}
    assert len(tracker.__all__) == len(set(tracker.__all__))


def test_exported_names_are_the_defining_modules_own() -> None:
    from tracker.api import Tracker
    from tracker.domain import Claim
    from tracker.errors import BadInput

    assert tracker.Tracker is Tracker
    assert tracker.Claim is Claim
    assert tracker.BadInput is BadInput
    for name in tracker.__all__:
        value = getattr(tracker, name)
        if name != "__version__":
            assert value.__module__.startswith("tracker."), name


def test_star_import_gives_the_public_names() -> None:
    namespace: dict[str, object] = {}
    exec("from tracker import *", namespace)
    assert {"Tracker", "Claims", "load_settings", "ClaimStory"} <= namespace.keys()


def test_unknown_names_are_attribute_errors() -> None:
    try:
        tracker.NoSuchThing  # type: ignore[attr-defined]  # noqa: B018
    except AttributeError as exc:
        assert "NoSuchThing" in str(exc)
    else:
        raise AssertionError("tracker.NoSuchThing did not raise")


def test_importing_a_web_module_does_not_load_the_database() -> None:
    # The extraction workers import tracker.web.extract; the package front must stay lazy.
    code = "import sys, tracker.web.extract; print('sqlalchemy' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_python_dash_m_runs_the_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "tracker", "--help"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "who-repeated" in done.stdout


def test_the_package_keeps_at_most_twenty_rooms() -> None:
    # One folder per layer (docs/architecture.md): new modules go into a room, not beside them.
    root = Path(tracker.__file__).parent
    entries = [p.name for p in root.iterdir() if p.name != "__pycache__"]
    assert len(entries) <= 20, sorted(entries)
