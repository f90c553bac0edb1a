"""The two OCS hotfixes on the controller: reading their state from the components script, what the script is told,
which files are sent, and what a failure says."""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.exchange.owa_im.plugins.action import ocs_components as action
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _ocs_components as ocs
from ansible_collections.exchange.owa_im.plugins.plugin_utils._action import ExchangeFailure

UCMA_PATCH = "{A8467F4D-E25A-5044-A4C8-6A6483FD8999}"


def _records(ucma: t.Dict[str, t.Any], provider: t.Dict[str, t.Any], phase: str = "before") -> t.Dict[str, t.Dict[str, t.Any]]:
    vcredist = {"installed": True, "DisplayName": "Microsoft Visual C++ 2008 Redistributable - x64 9.0.30729.4148",
                "DisplayVersion": "9.0.30729.4148", "patches": [], "patch_names": []}
    return {"%s/0" % phase: vcredist, "%s/1" % phase: ucma, "%s/2" % phase: provider}


INSTALLED = {"installed": True, "DisplayName": "UCMA", "DisplayVersion": "3.5.6907.0", "product_code": "{FC94F64F-2F77-593A-84F2-0EC93D268B3D}"}


def test_hotfixes_follow_the_components_with_the_patch_applied_to_their_product() -> None:
    records = _records(dict(INSTALLED, patches=[UCMA_PATCH], patch_names=["UCMA hotfix KB 2282949"]),
                       dict(INSTALLED, DisplayName="WSP", patches=[], patch_names=[]))
    states = ocs.component_states(records, "before")
    assert [s["name"] for s in states] == ["vcredist", "ucma", "web_service_provider", "ucma_hotfix", "web_service_provider_hotfix"]
    ucma_hotfix, provider_hotfix = states[3:]
    assert ucma_hotfix == {"name": "ucma_hotfix", "installed": True, "display_name": "UCMA hotfix KB 2282949", "version": None,
                           "applies_to": "ucma", "knowledge_base": "KB 2282949", "patch_codes": [UCMA_PATCH]}
    assert provider_hotfix["installed"] is False and provider_hotfix["patch_codes"] == [] and provider_hotfix["display_name"] is None
    assert [s["name"] for s in ocs.hotfix_states(states)] == ["ucma_hotfix", "web_service_provider_hotfix"]


def test_a_missing_product_has_no_hotfix_applied() -> None:
    # The script sends empty lists for a product that is not installed; a hotfix is then missing with it.
    records = _records({"installed": False, "patches": [], "patch_names": []}, {"installed": False, "patches": [], "patch_names": []},
                       phase="after")
    states = ocs.component_states(records, "after")
    assert [(s["name"], s["installed"]) for s in states[3:]] == [("ucma_hotfix", False), ("web_service_provider_hotfix", False)]
    # A record without the product but with patch codes (not what the script writes) still counts as not applied.
    odd = _records({"installed": False, "patches": [UCMA_PATCH], "patch_names": ["x"]}, {"installed": False, "patches": []})
    assert ocs.component_states(odd, "before")[3]["installed"] is False


def test_records_without_patch_fields_report_the_three_components_only() -> None:
    # A script from before the hotfixes (or another caller's records) carries no patches: nothing is said of them.
    records = {"component/0": {"installed": True, "DisplayVersion": "9.0.30729"}, "component/1": {"installed": True},
               "component/2": {"installed": True}}
    assert [s["name"] for s in ocs.component_states(records, "component")] == ["vcredist", "ucma", "web_service_provider"]


@pytest.mark.parametrize("option, mode", [(None, "available"), (True, "required"), (False, "skip")])
def test_the_hotfixes_option_becomes_the_scripts_mode(option: t.Optional[bool], mode: str) -> None:
    assert ocs.hotfix_mode(option) == mode


def test_script_parameters_name_each_hotfix_its_file_and_the_component_it_patches() -> None:
    parameters = ocs.script_parameters("C:\\Install", "C:\\Expand", "C:\\Windows\\Temp", False, hotfix_mode="required")
    assert parameters["HotfixMode"] == "required"
    assert parameters["HotfixNames"] == ["ucma_hotfix", "web_service_provider_hotfix"]
    assert parameters["HotfixFiles"] == ["UcmaRedist.msp", "CWAOWASSP.msp"]
    targets = [parameters["ComponentNames"][int(index)] for index in parameters["HotfixTargets"]]
    assert targets == ["ucma", "web_service_provider"]
    # Detection alone (the info module, the controller_source first read) never applies anything.
    assert ocs.script_parameters("", "C:\\Expand", "C:\\Windows\\Temp", True, detect_only=True)["HotfixMode"] == "skip"


def test_hotfix_uploads_send_the_msp_files_the_server_needs() -> None:
    ucma_hotfix, provider_hotfix = ocs.HOTFIXES
    available = ["CWAOWASSPMain.msi", "ucmaredist.MSP", "CWAOWASSP.msp"]
    assert ocs.needed_hotfix_uploads([ucma_hotfix, provider_hotfix], available, "required") == (["ucmaredist.MSP", "CWAOWASSP.msp"], [])
    assert ocs.needed_hotfix_uploads([provider_hotfix], available, "available") == (["CWAOWASSP.msp"], [])
    assert ocs.needed_hotfix_uploads([ucma_hotfix], ["CWAOWASSPMain.msi"], "available") == ([], ["UcmaRedist.msp"])
    assert ocs.needed_hotfix_uploads([ucma_hotfix], ["CWAOWASSPMain.msi"], "skip") == ([], [])


def test_a_required_hotfix_the_controller_folder_lacks_is_named_with_its_article() -> None:
    with pytest.raises(ocs.ComponentError, match=r"holds no CWAOWASSP\.msp, which web_service_provider_hotfix needs \(CWAOWASSP\.msp: KB 981256\)"):
        ocs.needed_hotfix_uploads(list(ocs.HOTFIXES), ["UcmaRedist.msp"], "required")


def test_hotfix_missing_message_says_what_to_do_and_names_the_second_hop_on_a_share() -> None:
    message = ocs.hotfix_missing_message("CAS02", "\\\\fs01\\ocs", ["CWAOWASSP.msp"], "Access is denied")
    assert "web_service_provider_hotfix" in message and "CWAOWASSP.msp: KB 981256" in message and "ucma_hotfix" not in message
    assert "hotfixes: false" in message and "owa_im_component_hotfixes" in message and "Nothing was installed" in message
    assert "second hop" in message and "Access is denied" in message
    local = ocs.hotfix_missing_message("CAS02", "C:\\Install", ["UcmaRedist.msp", "CWAOWASSP.msp"], "")
    assert "second hop" not in local and "UcmaRedist.msp or CWAOWASSP.msp" in local


def test_1642_is_explained_as_the_product_missing() -> None:
    assert "not installed" in ocs.explain_exit_code(1642) and "program to be upgraded may be missing" in ocs.explain_exit_code(1642)
    assert "could not be opened" in ocs.explain_exit_code(1635)


def test_hotfixes_has_no_default_so_that_unset_means_apply_what_is_there() -> None:
    assert action.ActionModule.argument_spec["hotfixes"] == {"type": "bool"}


def test_a_failed_hotfix_names_it_its_exit_code_and_its_log() -> None:
    records = {"server": {"name": "CAS03"}, "patch/0": {"source": "C:\\Install\\UcmaRedist.msp", "log_file": "C:\\Windows\\Temp\\owa_im_ucma_hotfix.log",
                                                        "exit_code": "1642"},
               "failure": {"log_tail": ["The upgrade cannot be installed by the Windows Installer service ..."]},
               "error": {"kind": "installer_failed", "message": "UcmaRedist.msp", "id": "1642"}}
    with pytest.raises(ExchangeFailure) as failure:
        action._failure(records)
    text = str(failure.value)
    assert text.startswith("CAS03: applying ucma_hotfix (UcmaRedist.msp) failed with exit code 1642: the product the update patches is not installed")
    assert "The hotfixes after it were not applied." in text and "owa_im_ucma_hotfix.log" in text
    assert failure.value.result == {"exit_code": 1642, "log_file": "C:\\Windows\\Temp\\owa_im_ucma_hotfix.log", "error_kind": "installer_failed"}


def test_a_missing_required_hotfix_fails_with_its_own_kind() -> None:
    records = {"server": {"name": "CAS01"}, "source": {"error": "Access is denied"},
               "error": {"kind": "hotfix_missing", "message": "\\\\fs01\\ocs", "id": "UcmaRedist.msp, CWAOWASSP.msp"}}
    with pytest.raises(ExchangeFailure) as failure:
        action._failure(records)
    assert failure.value.result["error_kind"] == "hotfix_missing"
    assert "ucma_hotfix, web_service_provider_hotfix" in str(failure.value) and "second hop" in str(failure.value)


def test_missing_hotfixes_are_read_from_the_patch_records() -> None:
    records = {"patch/0": {"source": "C:\\Install\\UcmaRedist.msp"}, "patch/1": {"missing": True}}
    assert action._missing_hotfix_names(records) == ["web_service_provider_hotfix"]
    warning = action._missing_warning("CAS01", ["web_service_provider_hotfix"], "source 'C:\\\\Install'")
    assert "no CWAOWASSP.msp in source" in warning and "KB 981256" in warning and "hotfixes: true" in warning
