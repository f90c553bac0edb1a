"""The two OCS hotfixes (UcmaRedist.msp, CWAOWASSP.msp): applied once, after the installers, by site on a fresh pool;
found applied on the next run; a server missing one is brought level alone; a patch whose product is not there is
refused with Windows Installer's exit code."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from conftest import ROOT, Lab, lab_vars
from owa_lab import installers
from owa_lab.store import Store

SITE = ROOT / "playbooks" / "site.yml"
SERVERS = ("CAS01", "CAS02", "CAS03")
HOTFIX_PACKAGES = ["ucmaredist_hotfix", "cwaowassp_hotfix"]


def _msi_events(lab: Lab, server: str) -> list[tuple[str, Any, Any]]:
    return [(e["event"], e.get("package"), e.get("exit_code")) for e in lab.log()
            if e["server"] == server and e["event"] in ("install", "patch")]


def _patches(lab: Lab, server: str, package: str) -> dict[str, dict[str, Any]]:
    """The lab's registration of the patches on ``package``'s product (packed patch code -> values)."""
    prefix = installers.patches_key(installers.PACKAGES[package].product_code) + "\\"
    return {k.rsplit("\\", 1)[-1]: v for k, v in lab.host(server).get("registry", {}).items() if k.startswith(prefix)}


def test_site_applies_both_hotfixes_once_after_the_installers_then_finds_them_applied(pool: Lab, tmp_path: Path) -> None:
    first = pool.playbook(SITE, extra_vars=lab_vars(tmp_path))
    assert first.returncode == 0, first.stdout[-3000:]
    for server in SERVERS:
        # The installers in their order, then UcmaRedist.msp, then CWAOWASSP.msp, each once, each ending with 0.
        assert _msi_events(pool, server) == [("install", "cwaowasspmain", 0), ("install", "vcredist_x64", 0), ("install", "ucmaredist", 0),
                                             ("install", "cwaowassp", 0), ("patch", "ucmaredist_hotfix", 0),
                                             ("patch", "cwaowassp_hotfix", 0)], server
        for product in ("ucmaredist", "cwaowassp"):
            [registration] = _patches(pool, server, product).values()
            assert registration["State"] == 1
    events = len(pool.log())

    # The next run reads them applied (the first read, the same detection) and installs and applies nothing.
    second = pool.playbook(SITE, extra_vars=lab_vars(tmp_path))
    assert second.returncode == 0, second.stdout[-3000:]
    assert not [e for e in pool.log()[events:] if e["event"] in ("install", "patch")]

    info = pool.play(tmp_path, {"exchange.owa_im.ocs_components_info": {}})
    assert info.returncode == 0, info.stdout[-2000:]
    for host in ("cas01.contoso.lab", "cas02.contoso.lab", "cas03.contoso.lab"):
        reported = Lab.result(tmp_path, host)
        assert reported["all_installed"] is True
        hotfixes = {c["name"]: c for c in reported["components"] if c.get("applies_to")}
        assert {name: c["knowledge_base"] for name, c in hotfixes.items()} == {"ucma_hotfix": "KB 2282949",
                                                                                  "web_service_provider_hotfix": "KB 981256"}
        assert hotfixes["ucma_hotfix"]["patch_codes"] == [installers.PACKAGES["ucmaredist_hotfix"].product_code]
        assert hotfixes["web_service_provider_hotfix"]["patch_codes"] == [installers.PACKAGES["cwaowassp_hotfix"].product_code]


def test_a_server_missing_one_hotfix_counts_as_missing_a_component_and_gets_only_that(pool: Lab, tmp_path: Path) -> None:
    first = pool.playbook(SITE, extra_vars=lab_vars(tmp_path))
    assert first.returncode == 0, first.stdout[-3000:]
    # The web service provider's hotfix goes from CAS02 (as if removed in Programs and Features) and nothing else.
    with Store(pool.state).edit_host("CAS02") as host:
        prefix = installers.patches_key(installers.PACKAGES["cwaowassp"].product_code)
        for key in [k for k in host["registry"] if k.startswith(prefix)]:
            host["registry"].pop(key)
    state = pool.play(tmp_path, {"exchange.owa_im.cas_info": {}}, "--limit", "cas02.contoso.lab")
    assert state.returncode == 0, state.stdout[-2000:]
    assert Lab.result(tmp_path, "cas02.contoso.lab")["components_missing"] == ["web_service_provider_hotfix"]
    events = len(pool.log())
    again = pool.playbook(SITE, "--check", extra_vars=lab_vars(tmp_path))
    assert again.returncode == 0, again.stdout[-3000:]
    assert not [e for e in pool.log()[events:] if e["event"] in ("install", "patch")]
    run = pool.playbook(SITE, extra_vars=lab_vars(tmp_path))
    assert run.returncode == 0, run.stdout[-3000:]
    applied = [(e["server"], e["event"], e["package"], e["exit_code"]) for e in pool.log()[events:] if e["event"] in ("install", "patch")]
    assert applied == [("CAS02", "patch", "cwaowassp_hotfix", 0)]


def test_a_hotfix_whose_product_is_not_installed_is_refused_with_1642(pool: Lab, tmp_path: Path) -> None:
    # CAS02's uninstall registry lists a web service provider of another product code (another build than the one the
    # hotfix targets): the module sees the product and applies the hotfix; Windows Installer finds no product it updates.
    other_build = {"{3A5F3F46-9C59-4B35-9CE6-0A4D3E1F4C11}": {
        "DisplayName": "Microsoft Office Communications Server 2007 R2, Web Service Provider", "DisplayVersion": "3.5.6907.0",
        "Publisher": "Microsoft Corporation"}}
    pool.seed(tmp_path, {"servers": {"CAS02": {"products": other_build}}})
    task = {"exchange.owa_im.ocs_components": {"controller_source": str(pool.installers()), "hotfixes": True}, "ignore_errors": True}
    run = pool.play(tmp_path, task, "--limit", "cas02.contoso.lab")
    assert run.returncode == 0, run.stdout[-2000:]   # ignore_errors lets the play save the failed result
    result = Lab.result(tmp_path, "cas02.contoso.lab")
    assert result["failed"] and result["exit_code"] == 1642 and result["error_kind"] == "installer_failed"
    message = " ".join(result["msg"].split())
    assert message.startswith("CAS02: applying web_service_provider_hotfix (CWAOWASSP.msp) failed with exit code 1642")
    assert installers.PATCH_TARGET_NOT_FOUND in message   # Windows' words, from the log's last lines
    assert _msi_events(pool, "CAS02") == [("install", "cwaowasspmain", 0), ("install", "vcredist_x64", 0), ("install", "ucmaredist", 0),
                                          ("patch", "ucmaredist_hotfix", 0), ("patch", "cwaowassp_hotfix", 1642)]
    assert _patches(pool, "CAS02", "cwaowassp") == {}
