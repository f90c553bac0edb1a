"""The collection as ansible-galaxy builds it, from a copy of the source tree with every kind of unwanted file in it.

The copy holds the files git knows (tracked, or new and not ignored), as a clone would after a commit. Then the paths
of PLANTED that are missing are created in the copy, never in the real tree: caches, lab state and output, virtual
environments, old tarballs. So the checks in this directory fail when build_ignore in galaxy.yml lets one through,
whatever happens to lie in the developer's tree.
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
import subprocess
import sys
import tarfile
import typing as t
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]

# Created in the copy when missing. A trailing "/" makes an empty directory: ansible-galaxy records directories too.
PLANTED = (
    ".hypothesis/",
    "tests/unit/.hypothesis/examples/0a1b/2c3d",
    ".pytest_cache/",
    "tests/unit/.pytest_cache/v/cache/lastfailed",
    ".ruff_cache/",
    "plugins/.ruff_cache/0.17.6/123",
    "plugins/modules/__pycache__/owa_virtual_directory.cpython-311.pyc",
    "__pycache__/",
    ".venv/pyvenv.cfg",
    "build/ansible_collections/exchange/owa_im/galaxy.yml",
    ".owa-lab/demo/inventory.yml",
    "roles/cas/molecule/default/.owa-lab/",
    ".ansible/collections/",
    "roles/cas/.ansible/tmp/",
    "tests/lab/x.egg-info/",
    "tests/lab/owa_lab.egg-info/PKG-INFO",
    "exchange_owa_im.egg-info/",
    "tests/lab/pyproject.toml",
    "tests/bench/owa_im_bench.py",
    "tests/output/junit/python3.11-units.xml",
    "Makefile",
    ".ci/run",
    ".gitignore",
    "playbooks/vars/lab.yml",
    "owa_im_host_authorization.md",
    "playbooks/owa_im_host_authorization.md",
    "owa_im_backups/cas01.contoso.lab-20261126T050000.json",
    "playbooks/owa_im_backups/",
    "owa_im_audit/owa_im_audit-20261126T0500.md",
    "playbooks/owa_im_audit/owa_im_audit-20261126T0500.json",
    "roles/cas/molecule/default/lab-inventory/inventory.yml",
    "changelogs/.plugin-cache.yaml",
    "exchange-owa_im-0.1.0.tar.gz",
    "docs/notes.tar.gz",
)


@dataclasses.dataclass(frozen=True)
class CollectionBuild:
    source: Path  # the copy the tarball was built from
    source_files: tuple[str, ...]  # files git knows, copied into source
    planted: tuple[str, ...]  # paths created in source before the build
    tarball: Path
    members: tuple[str, ...]  # tarball member names, without "./" or a trailing "/"
    manifest: dict[str, t.Any]  # MANIFEST.json
    files: tuple[str, ...]  # names listed in FILES.json, directories too
    regular_files: tuple[str, ...]  # names of the files (not directories) listed in FILES.json
    galaxy: dict[str, t.Any]  # galaxy.yml of the source


def tool(name: str) -> str:
    """A command of this virtual environment, else from PATH."""
    beside = Path(sys.executable).with_name(name)
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed: run make venv")
    return found


def run(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        pytest.fail(f"{' '.join(argv)} (in {cwd}) exited {result.returncode}:\n{result.stdout}\n{result.stderr}")
    return result


def ansible_env(home: Path) -> dict[str, str]:
    """An environment that keeps Ansible's own files (ANSIBLE_HOME) out of $HOME and out of the source tree."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ANSIBLE_")}
    env["ANSIBLE_HOME"] = str(home)
    return env


def source_files() -> list[str]:
    listed = run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=ROOT).stdout
    return sorted({p for p in listed.split("\0") if p and (ROOT / p).is_file()})


def plant(root: Path, path: str) -> None:
    target = root / path
    if path.endswith("/"):
        target.mkdir(parents=True, exist_ok=True)
    elif not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("planted by tests/collection: must not ship\n")


def build_collection(base: Path) -> CollectionBuild:
    """Copy the sources to base/source, plant PLANTED there, build into base/dist."""
    source = base / "source"
    files = source_files()
    for path in files:
        target = source / path
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, target)
    for path in PLANTED:
        plant(source, path)

    dist = base / "dist"
    run([tool("ansible-galaxy"), "collection", "build", "--output-path", str(dist), str(source)], cwd=base,
        env=ansible_env(base / "ansible-home"))
    galaxy = yaml.safe_load((source / "galaxy.yml").read_text())
    tarball = dist / f"{galaxy['namespace']}-{galaxy['name']}-{galaxy['version']}.tar.gz"
    assert tarball.is_file(), f"ansible-galaxy collection build made {sorted(p.name for p in dist.iterdir())}, not {tarball.name}"

    with tarfile.open(tarball) as tar:
        members = tuple(sorted(m.name.removeprefix("./").rstrip("/") for m in tar.getmembers()))
        manifest = json.load(tar.extractfile("MANIFEST.json"))
        files_json = json.load(tar.extractfile("FILES.json"))
    return CollectionBuild(
        source=source,
        source_files=tuple(files),
        planted=PLANTED,
        tarball=tarball,
        members=members,
        manifest=manifest,
        files=tuple(sorted(f["name"] for f in files_json["files"])),
        regular_files=tuple(sorted(f["name"] for f in files_json["files"] if f["ftype"] == "file")),
        galaxy=galaxy,
    )
