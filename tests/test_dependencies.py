"""Dependencies as packagers expect: the runtime and the development tools locked apart, every file hashed,
pyproject.toml declaring the same runtime that requirements.in locks."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV_ONLY = {"pytest", "pytest-django", "pytest-xdist", "playwright", "ruff", "schemathesis", "time-machine", "georeport"}


def _requirements(name: str) -> list[str]:
    return [line.strip() for line in (ROOT / name).read_text().splitlines() if line.strip() and not line.lstrip().startswith(("#", "-"))]


def _pinned(name: str) -> dict[str, str]:
    """Package → the block of lines that pins it (the pin, its hashes, its 'via' comments)."""
    blocks, current = {}, None
    for line in (ROOT / name).read_text().splitlines():
        if m := re.match(r"^([A-Za-z0-9_.-]+)(\[[^\]]+\])?==", line):
            current = m.group(1).lower()
            blocks[current] = line
        elif current and line.startswith(" "):
            blocks[current] += "\n" + line
    return blocks


def test_pyproject_declares_the_runtime_that_requirements_in_locks():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["dependencies"] == _requirements("requirements.in")
    assert project["optional-dependencies"]["dev"] == _requirements("requirements-dev.in")


def test_a_production_install_brings_no_test_or_lint_tools():
    runtime = _pinned("requirements.lock")
    assert "django" in runtime and "weasyprint" in runtime and "gunicorn" in runtime
    assert DEV_ONLY.isdisjoint(runtime)
    assert DEV_ONLY <= set(_pinned("requirements-dev.lock"))


def test_every_locked_package_is_hashed_and_development_runs_the_production_versions():
    runtime, dev = _pinned("requirements.lock"), _pinned("requirements-dev.lock")
    for name, blocks in (("requirements.lock", runtime), ("requirements-dev.lock", dev)):
        unhashed = [pkg for pkg, block in blocks.items() if "--hash=sha256:" not in block]
        assert unhashed == [], f"{name}: no hash for {unhashed}"
    for pkg, block in runtime.items():
        assert pkg in dev, f"{pkg} is missing from the development lock"
        assert block.splitlines()[0].split(" ")[0] == dev[pkg].splitlines()[0].split(" ")[0], pkg
