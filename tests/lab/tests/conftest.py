"""The lab's self-tests draw the same property-test examples on every run (see load_hypothesis_profile)."""

from __future__ import annotations

from owa_lab.testing import load_hypothesis_profile

load_hypothesis_profile()
