"""Unit tests draw the same property-test examples on every run unless OWA_IM_HYPOTHESIS_PROFILE=fuzz (make fuzz): CI
judges the code, not the draw."""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("fuzz", derandomize=False, max_examples=5000, print_blob=True)
settings.load_profile(os.environ.get("OWA_IM_HYPOTHESIS_PROFILE", "ci"))
