"""The role's variables: every owa_im_ name the role and the playbooks use is one the unknown-variable check knows."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from ansible_collections.exchange.owa_im.plugins.filter.unknown_variables import unknown_variables

ROOT = Path(__file__).resolve().parents[3]
ROLE = ROOT / "roles" / "cas"
# Tags, the prefixes of report file names (owa_im_audit-<time>.md, owa_im_site-<time>.md), and modules whose name
# starts like a variable (exchange.owa_im.owa_im_event_info).
NOT_VARIABLES = {"owa_im_audit", "owa_im_site", "owa_im_certificate", "owa_im_host_authorization", "owa_im_components", "owa_im_virtual_directory",
                 "owa_im_event_info"}


def known() -> list[str]:
    options = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    return list(options) + yaml.safe_load((ROLE / "vars" / "main.yml").read_text())["_owa_im_other_variables"]


def test_every_name_the_role_and_playbooks_use_is_known() -> None:
    used: set[str] = set()
    for path in list(ROLE.rglob("*.yml")) + list((ROOT / "playbooks").rglob("*.yml")) + list((ROOT / "playbooks").rglob("*.j2")):
        if "molecule" in path.parts:
            continue
        used |= set(re.findall(r"\bowa_im_[a-z_]+\b", path.read_text()))
    assert unknown_variables(used - NOT_VARIABLES, known()) == []


def test_every_default_is_a_declared_option() -> None:
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    options = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    assert sorted(set(defaults) - set(options)) == []


def test_a_typo_is_named_with_the_closest_variable() -> None:
    assert unknown_variables(["owa_im_restart_when_change", "owa_im_enabled", "owa_im_zzz"], known()) == [
        "owa_im_restart_when_change (did you mean owa_im_restart_when_changed?)", "owa_im_zzz (no such variable)"]
