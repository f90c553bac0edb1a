"""The release in galaxy.yml is in the changelog, and CHANGELOG.rst is what antsibull-changelog makes of it."""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from collection_build import ROOT, run, tool


def test_galaxy_version_is_a_released_version() -> None:
    version = yaml.safe_load((ROOT / "galaxy.yml").read_text())["version"]
    releases = yaml.safe_load((ROOT / "changelogs/changelog.yaml").read_text())["releases"]
    assert version in releases, (
        f"galaxy.yml says {version}, changelogs/changelog.yaml has {sorted(releases)}: "
        f"run antsibull-changelog release when galaxy.yml gets a new version")


def test_changelog_rst_is_generated_from_changelog_yaml(tmp_path: Path) -> None:
    """Fragments not yet released do not count: generate writes the released versions only."""
    shutil.copy2(ROOT / "galaxy.yml", tmp_path / "galaxy.yml")
    shutil.copytree(ROOT / "changelogs", tmp_path / "changelogs", ignore=shutil.ignore_patterns(".plugin-cache.yaml"))
    generated = tmp_path / "CHANGELOG.rst"
    run([tool("antsibull-changelog"), "generate", "--output", str(generated), "--output-format", "rst"], cwd=tmp_path)
    assert generated.read_text() == (ROOT / "CHANGELOG.rst").read_text(), (
        "CHANGELOG.rst is not what antsibull-changelog generate makes of changelogs/changelog.yaml: run it and commit")
