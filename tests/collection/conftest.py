"""Fixtures for the packaging checks in this directory."""

from __future__ import annotations

import pytest

from collection_build import CollectionBuild, build_collection


@pytest.fixture(scope="session")
def collection_build(tmp_path_factory: pytest.TempPathFactory) -> CollectionBuild:
    """The tarball that ansible-galaxy builds from a copy of the sources with unwanted files planted in it."""
    return build_collection(tmp_path_factory.mktemp("collection"))
