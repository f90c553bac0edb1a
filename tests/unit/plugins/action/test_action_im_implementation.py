"""cas_info's im_implementation: on Exchange 2013 and later, whether OWA's IM provider from the UCMA 4.0 runtime is
registered (ImplementationDLLPath) and its Microsoft.Rtc.Internal.Ucweb.dll exists; not reported on Exchange 2010."""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.exchange.owa_im.plugins.action.cas_info import ActionModule as CasInfo
from ansible_collections.exchange.owa_im.plugins.action.cas_info import im_implementation
from ansible_collections.exchange.owa_im.tests.unit.plugins.action.test_action_plugins import FakeConnection, make, record

DLL = "C:\\Program Files\\Microsoft UCMA 4.0\\Runtime\\Microsoft.Rtc.Internal.Ucweb.dll"
ARGS = {"instant_messaging_enabled": True, "instant_messaging_type": "ocs", "instant_messaging_server_name": "ocs.contoso.com",
        "verify_certificate": False, "check_prerequisites": False, "certificate_required": False}


def output(version: str, implementation: t.Dict[str, t.Any]) -> str:
    lines = [record("server", "name", "CAS01"), record("server", "fqdn", "cas01.contoso.com"), record("server", "version", version),
             record("server", "now", "2026-11-25T12:00:00"), record("before", "Identity", "CAS01\\owa (Default Web Site)"),
             record("before", "InstantMessagingEnabled", True), record("before", "InstantMessagingType", "Ocs"),
             record("before", "InstantMessagingServerName", None), record("before", "InstantMessagingCertificateThumbprint", None)]
    lines += [record("im_implementation", k, v) for k, v in implementation.items()]
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize("found, expected", [
    ({"path": DLL, "dll": DLL, "dll_found": True}, {"path": DLL, "dll": DLL, "dll_found": True, "ready": True}),
    ({"path": DLL, "dll": DLL, "dll_found": False}, {"path": DLL, "dll": DLL, "dll_found": False, "ready": False}),
    ({"path": "", "dll": "", "dll_found": False}, {"path": None, "dll": None, "dll_found": False, "ready": False}),
    ({"path": "C:\\Windows", "dll": "", "dll_found": False}, {"path": "C:\\Windows", "dll": None, "dll_found": False, "ready": False}),
    # A server that says found for no path is not believed.
    ({"path": "", "dll": "", "dll_found": True}, {"path": None, "dll": None, "dll_found": False, "ready": False}),
    ({}, {"path": None, "dll": None, "dll_found": False, "ready": False}),
])
def test_the_im_implementation_is_read_strictly(found: t.Dict[str, t.Any], expected: t.Dict[str, t.Any]) -> None:
    assert im_implementation(found) == expected


@pytest.mark.parametrize("version", ["Version 15.0 (Build 1497.2)", "Version 15.1 (Build 2507.6)", "Version 15.2 (Build 2562.17)"])
def test_cas_info_reports_it_on_2013_and_later(version: str) -> None:
    result = make(CasInfo, FakeConnection(output(version, {"path": DLL, "dll": DLL, "dll_found": True})), dict(ARGS)).run(task_vars={})
    assert not result.get("failed"), result.get("msg")
    assert result["im_implementation"] == {"path": DLL, "dll": DLL, "dll_found": True, "ready": True}
    missing = make(CasInfo, FakeConnection(output(version, {"path": None, "dll": "", "dll_found": False})), dict(ARGS)).run(task_vars={})
    assert missing["im_implementation"]["ready"] is False and missing["im_implementation"]["path"] is None


def test_cas_info_leaves_it_out_on_2010() -> None:
    # Exchange 2010's provider is OCS 2007 R2's Microsoft.Rtc.UCWeb.dll, checked with the components.
    result = make(CasInfo, FakeConnection(output("Version 14.3 (Build 123.4)", {"path": "x", "dll": "", "dll_found": False})),
                  dict(ARGS)).run(task_vars={})
    assert not result.get("failed"), result.get("msg")
    assert "im_implementation" not in result
