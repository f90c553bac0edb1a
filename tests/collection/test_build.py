"""What `ansible-galaxy collection build` puts in the tarball: the collection and its tests, nothing else."""

from __future__ import annotations

import fnmatch
import hashlib
import typing as t

from collection_build import CollectionBuild

# sha256 of the GNU GPL version 3 text (29 June 2007) as the FSF and Debian (/usr/share/common-licenses/GPL-3) ship it.
GPL_3_SHA256 = "3972dc9744f6499f0f9b2dbf76696f2ae7ad8af9b23dde66d6af86c9dfb36986"

# Files every build must hold, besides every other source file that is not excluded below.
REQUIRED = (
    "MANIFEST.json",
    "FILES.json",
    "LICENSE",
    "README.md",
    "CHANGELOG.rst",
    "changelogs/changelog.yaml",
    "changelogs/config.yaml",
    "meta/runtime.yml",
    "meta/execution-environment.yml",
    "requirements.txt",
    "bindep.txt",
    "plugins/modules/owa_virtual_directory.py",
    "roles/cas/README.md",
    "roles/cas/meta/argument_specs.yml",
    "roles/cas/tasks/main.yml",
    "playbooks/site.yml",
    "playbooks/audit.yml",
    "playbooks/rollback.yml",
    "playbooks/migrate_rtm.yml",
    "tests/unit",
    "tests/sanity",
)

# A directory of this name at any depth, and all below it.
EXCLUDED_DIRECTORIES = {
    ".venv": "virtual environment",
    ".owa-lab": "lab state",
    ".ansible": "Ansible cache",
    ".hypothesis": "hypothesis cache",
    ".pytest_cache": "pytest cache",
    ".ruff_cache": "ruff cache",
    "__pycache__": "Python bytecode",
    "owa_im_backups": "settings backups written by a play",
    "owa_im_audit": "audit report written by a play",
}
# A path from the collection root, and all below it.
EXCLUDED_PATHS = {
    "build": "build tree",
    "Makefile": "development tooling",
    ".ci": "development tooling",
    ".gitignore": "development tooling",
    "changelogs/.plugin-cache.yaml": "antsibull-changelog cache",
    "tests/lab": "the simulated Exchange lab",
    "tests/bench": "benchmarks against the lab",
    "tests/collection": "packaging checks that need the source tree",
    "tests/output": "ansible-test output",
    "playbooks/vars/lab.yml": "variables for the lab only",
}


def offence(path: str) -> str | None:
    """Why path must not ship, or None."""
    parts = path.split("/")
    for part in parts:
        if part in EXCLUDED_DIRECTORIES:
            return EXCLUDED_DIRECTORIES[part]
        if part.endswith(".egg-info"):
            return "Python package metadata"
    for prefix, reason in EXCLUDED_PATHS.items():
        if path == prefix or path.startswith(prefix + "/"):
            return reason
    if parts[-1] == "owa_im_host_authorization.md":
        return "host authorization notes written by a play"
    if fnmatch.fnmatchcase(path, "roles/*/molecule/*/lab-inventory/inventory.yml"):
        return "lab inventory written by molecule"
    if path.endswith(".tar.gz"):
        return "archive (an earlier build?)"
    if path.endswith((".pyc", ".pyo")):
        return "Python bytecode"
    return None


def listing(paths: t.Iterable[str], why: t.Callable[[str], str | None] = lambda _: None) -> str:
    """One line per path, with the reason; a path below another listed one only adds to that one's count."""
    tops: dict[str, int] = {}
    for path in sorted(paths):
        top = next((p for p in tops if path.startswith(p + "/")), None)
        if top is None:
            tops[path] = 0
        else:
            tops[top] += 1
    return "\n".join(f"  {p}" + (f"  ({why(p)})" if why(p) else "") + (f", and {n} paths below it" if n else "")
                     for p, n in tops.items())


def test_every_planted_path_counts_as_excluded(collection_build: CollectionBuild) -> None:
    """The junk planted in the copy is really there, and offence() knows each kind, so the next tests can fail."""
    for path in collection_build.planted:
        assert (collection_build.source / path).exists(), path
    unknown = [p for p in collection_build.planted if offence(p.rstrip("/")) is None]
    assert not unknown, "planted paths that offence() does not exclude:\n" + listing(unknown)


def test_no_excluded_path_ships(collection_build: CollectionBuild) -> None:
    for name, entries in (("tarball", collection_build.members), ("FILES.json", collection_build.files)):
        offenders = [p for p in entries if offence(p)]
        assert not offenders, (
            f"the collection {name} holds paths that must not ship; add them to build_ignore in galaxy.yml:\n"
            + listing(offenders, offence))


def test_required_files_ship(collection_build: CollectionBuild) -> None:
    members = set(collection_build.members)
    missing = [p for p in REQUIRED if p not in members]
    assert not missing, "the collection tarball lacks:\n" + listing(missing)


def test_every_other_source_file_ships(collection_build: CollectionBuild) -> None:
    """build_ignore leaves out what offence() names and nothing more (galaxy.yml becomes MANIFEST.json)."""
    members = set(collection_build.members)
    expected = [p for p in collection_build.source_files if p != "galaxy.yml" and not offence(p)]
    missing = [p for p in expected if p not in members]
    assert not missing, "source files missing from the collection tarball (too wide a build_ignore pattern?):\n" + listing(missing)
    unexpected = sorted(set(collection_build.regular_files) - set(expected))
    assert not unexpected, "the collection tarball holds files that are not sources:\n" + listing(unexpected)


def test_files_json_matches_the_tarball(collection_build: CollectionBuild) -> None:
    members = set(collection_build.members) - {"MANIFEST.json", "FILES.json"}
    listed = set(collection_build.files) - {"."}
    assert members == listed, (
        "FILES.json and the tarball differ:\n" + listing(sorted(members ^ listed)))


def test_manifest_metadata(collection_build: CollectionBuild) -> None:
    info = collection_build.manifest["collection_info"]
    galaxy = collection_build.galaxy
    assert (info["namespace"], info["name"], info["version"]) == (galaxy["namespace"], galaxy["name"], galaxy["version"])
    assert info["license"] == ["GPL-3.0-or-later"]
    placeholders = {k: v for k, v in info.items() if isinstance(v, str) and "example.invalid" in v}
    assert not placeholders, f"placeholder values in MANIFEST.json: {placeholders}"


def test_license_is_the_gpl_3_text(collection_build: CollectionBuild) -> None:
    digest = hashlib.sha256((collection_build.source / "LICENSE").read_bytes()).hexdigest()
    assert digest == GPL_3_SHA256, "LICENSE is not the unmodified GNU GPL version 3 text"
