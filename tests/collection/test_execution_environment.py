"""An execution environment that installs the built collection gets its Python requirements and bindep.

`ansible-builder create` writes the build context only (no container is built). Then the context's own steps that
find a collection's dependencies run here as they would in the image: the galaxy stage installs the collection
from the tarball in the context, and the builder stage's introspect.py reads it.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.metadata
import sys
from pathlib import Path

import yaml
from ansible_builder.ee_schema import validate_schema
from bindep.depends import Depends

from collection_build import CollectionBuild, ansible_env, run, tool

COLLECTION = "exchange.owa_im"


def requirement_lines(path: Path) -> list[str]:
    """The lines of a requirements or bindep file without comments, as introspect.py reads them."""
    lines = []
    for line in path.read_text().splitlines():
        line = line.split(" #", 1)[0].strip()
        if line and not line.startswith("#"):
            lines.append(line)
    return lines


def test_collection_declares_its_dependencies(collection_build: CollectionBuild) -> None:
    meta = yaml.safe_load((collection_build.source / "meta/execution-environment.yml").read_text())
    validate_schema(copy.deepcopy(meta))
    assert meta["version"] == 3
    assert meta["dependencies"] == {"python": "requirements.txt", "system": "bindep.txt"}
    python = requirement_lines(collection_build.source / "requirements.txt")
    assert any(line.startswith("pywinrm") for line in python), python
    bindep = Depends((collection_build.source / "bindep.txt").read_text())  # raises on a syntax error
    for platform in ("platform:dpkg", "platform:rpm"):
        assert bindep.active_rules(["kerberos", platform]), f"bindep.txt names nothing for Kerberos on {platform}"


def test_ansible_builder_context_installs_the_collection_and_its_dependencies(
        collection_build: CollectionBuild, tmp_path: Path) -> None:
    tarball = collection_build.tarball
    (tmp_path / tarball.name).write_bytes(tarball.read_bytes())
    definition = {
        "version": 3,
        # Never pulled: only `ansible-builder create` runs.
        "images": {"base_image": {"name": "quay.io/centos/centos:stream9"}},
        "dependencies": {
            "ansible_core": {"package_pip": f"ansible-core=={importlib.metadata.version('ansible-core')}"},
            "ansible_runner": {"package_pip": "ansible-runner"},
            "galaxy": {"collections": [{"name": f"collections/{tarball.name}", "type": "file"}]},
        },
        "additional_build_files": [{"src": tarball.name, "dest": "collections"}],
    }
    (tmp_path / "execution-environment.yml").write_text(yaml.safe_dump(definition, sort_keys=False))
    context = tmp_path / "context"
    run([tool("ansible-builder"), "create", "--file", "execution-environment.yml", "--context", str(context),
         "--output-filename", "Containerfile"], cwd=tmp_path)

    build = context / "_build"
    containerfile = (context / "Containerfile").read_text()
    for step in ("COPY _build /build", "ansible-galaxy collection install", "-r requirements.yml",
                 "introspect.py introspect", "/output/scripts/assemble", "install-from-bindep"):
        assert step in containerfile, f"the Containerfile has no {step!r} step:\n{containerfile}"
    shipped = build / "collections" / tarball.name
    assert shipped.is_file(), f"the build context lacks {shipped.relative_to(context)}"
    assert hashlib.sha256(shipped.read_bytes()).digest() == hashlib.sha256(tarball.read_bytes()).digest()

    # The galaxy stage: ansible-galaxy collection install -r requirements.yml, in /build (the context's _build).
    collections = tmp_path / "share" / "collections"
    run([tool("ansible-galaxy"), "collection", "install", "-r", "requirements.yml", "--collections-path", str(collections)],
        cwd=build, env=ansible_env(tmp_path / "ansible-home"))
    installed = collections / "ansible_collections" / "exchange" / "owa_im"
    for name in ("MANIFEST.json", "meta/execution-environment.yml", "requirements.txt", "bindep.txt"):
        assert (installed / name).is_file(), f"the installed collection lacks {name}"

    # The builder stage: introspect.py writes the requirements that assemble then installs.
    pip, system = tmp_path / "requirements.txt", tmp_path / "bindep.txt"
    run([sys.executable, str(build / "scripts" / "introspect.py"), "introspect", str(collections),
         "--write-pip", str(pip), "--write-bindep", str(system)], cwd=tmp_path)
    for source, written in (("requirements.txt", pip), ("bindep.txt", system)):
        expected = [f"{line}  # from collection {COLLECTION}" for line in requirement_lines(collection_build.source / source)]
        got = written.read_text().splitlines() if written.exists() else []
        missing = [line for line in expected if line not in got]
        assert not missing, f"the execution environment would not get these lines of {source}:\n" + "\n".join(missing) + (
            "\nintrospect.py wrote:\n" + "\n".join(got))
