from __future__ import annotations

import datetime as dt

import pytest

from ansible_collections.exchange.owa_im.plugins.plugin_utils import _certificates as certs
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _ocs_components as ocs_components
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _pool_consistency as pool_consistency
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _rtm_web_config as rtm_web_config
from ansible_collections.exchange.owa_im.plugins.plugin_utils._exchange_errors import translate
from ansible_collections.exchange.owa_im.plugins.plugin_utils._records import clixml_errors
from ansible_collections.exchange.owa_im.plugins.plugin_utils._records import indexed

NOW = dt.datetime(2026, 11, 25, 12, 0, 0)


def _cert(thumbprint: str, services: str, not_after: str, status: str = "Valid", self_signed: bool = False) -> dict:
    record = {"Thumbprint": thumbprint, "Services": services, "NotBefore": "2026-01-01T00:00:00", "NotAfter": not_after,
              "Status": status, "IsSelfSigned": self_signed, "SerialNumber": "1F5EDD03000000000005",
              "Issuer": "CN=ContosoCA, DC=contoso, DC=com", "CertificateDomains": ["cas01.contoso.com"]}
    return certs.certificate(record, NOW)


def test_certificate_validity_and_services() -> None:
    good = _cert("A" * 40, "IMAP, POP, IIS, SMTP", "2027-01-01T00:00:00")
    assert good["services"] == ["IMAP", "POP", "IIS", "SMTP"] and good["valid_now"] and good["usable_for_im"]
    assert good["days_left"] == 36
    expired = _cert("B" * 40, "IIS", "2026-06-01T00:00:00", status="DateInvalid")
    assert expired["days_left"] < 0 and not expired["usable_for_im"]
    assert _cert("C" * 40, "None", "2027-01-01T00:00:00")["services"] == []


@pytest.mark.parametrize("serial,issuer", [("1f 5e dd 03 00 00 00 00 00 05", "CN=ContosoCA,DC=contoso,DC=com"),
                                           ("1F:5E:DD:03:00:00:00:00:00:05", "cn=contosoca, dc=contoso, dc=com")])
def test_find_by_issuer_and_serial(serial: str, issuer: str) -> None:
    cert = _cert("5" * 40, "IIS", "2027-01-01T00:00:00")
    assert certs.find_by_issuer_and_serial([cert], issuer, serial) is cert
    assert certs.find_by_issuer_and_serial([cert], "CN=OtherCA", serial) is None


def test_check_thumbprint_reports_why() -> None:
    present = certs.check_thumbprint([_cert("6" * 40, "SMTP", "2027-01-01T00:00:00")], "66666666 66666666 66666666 66666666 66666666")
    assert present["present"] and not present["bound_to_iis"] and not present["usable_for_im"]
    assert not certs.check_thumbprint([], "7" * 40)["present"]


@pytest.mark.parametrize("path", ["\\\\fs01\\ocs", "C:\\Install\\OCS", "D:\\", "\\\\fs01.contoso.com\\share\\OCS 2007 R2"])
def test_component_paths_accepted(path: str) -> None:
    assert ocs_components.validate_path(path, "source")


@pytest.mark.parametrize("path", ["", "ocs", "C:\\a\"b", "C:\\x*", "\\\\fs01\\o\ncs", "C:\\a:b", "http://fs01/ocs", "C:\\a|b"])
def test_component_paths_refused_naming_the_field(path: str) -> None:
    with pytest.raises(ocs_components.ComponentError, match="^source must be"):
        ocs_components.validate_path(path, "source")


def test_installer_failure_message_keeps_the_log_tail() -> None:
    message = ocs_components.failure_message("CAS02", "ucma", "UcmaRedist.msi", 1603, "C:\\Windows\\Temp\\u.log",
                                             ["", "MSI (s): Error 1935.", "MSI (s): Installation operation failed."])
    assert "exit code 1603: a fatal error occurred" in message and "Error 1935." in message
    assert "1618" in ocs_components.explain_exit_code(1618) or "another installation" in ocs_components.explain_exit_code(1618)


def test_component_states_follow_the_catalogue() -> None:
    records = {"before/0": {"installed": True, "DisplayName": "VC", "DisplayVersion": "9.0.30729.4148"}, "before/1": {"installed": False},
               "before/2": {"installed": False}}
    states = ocs_components.component_states(records, "before")
    assert [s["name"] for s in states] == ["vcredist", "ucma", "web_service_provider"]
    assert [s["installed"] for s in states] == [True, False, False]


@pytest.mark.parametrize("version, enough", [("9.0.30729", True), ("9.0.30729.17", True), ("9.0.30729.6161", True),
                                             ("9.0.21022", False), ("9.0.21022.218", False), ("9", False), ("", False)])
def test_visual_cpp_2008_must_be_sp1(version: str, enough: bool) -> None:
    # A record that says installed (a script without the version rule) still counts only from SP1 (9.0.30729) on.
    records = {"before/0": {"installed": True, "DisplayName": "Microsoft Visual C++ 2008 Redistributable - x64 " + version,
                            "DisplayVersion": version}, "before/1": {"installed": True}, "before/2": {"installed": True}}
    [vcredist, *_rest] = ocs_components.component_states(records, "before")
    assert vcredist["installed"] is enough
    assert ("older_versions" in vcredist) is (not enough)


def test_source_missing_on_a_share_names_the_second_hop_and_both_ways_out() -> None:
    message = ocs_components.source_missing_message("CAS01", "\\\\fs01\\ocs", "Access is denied")
    assert "second hop" in message and "kerberos_delegation" in message and "credssp" in message
    assert "controller_source" in message and "Access is denied" in message
    local = ocs_components.source_missing_message("CAS01", "C:\\Install", "")
    assert "second hop" not in local and "controller_source" in local


def test_uploads_send_a_components_own_installer_else_the_package_that_holds_it() -> None:
    vcredist, ucma, wsp = ocs_components.COMPONENTS
    assert ocs_components.needed_uploads([ucma], ["UcmaRedist.msi", "CWAOWASSPMain.msi"]) == ["UcmaRedist.msi"]
    assert ocs_components.needed_uploads([vcredist, wsp], ["cwaowasspmain.msi"]) == ["cwaowasspmain.msi"]
    with pytest.raises(ocs_components.ComponentError, match="neither vcredist_x64.exe nor CWAOWASSPMain.msi"):
        ocs_components.needed_uploads([vcredist], ["UcmaRedist.msi"])


def test_indexed_records_in_numeric_order() -> None:
    records = {"vdir/10": {"n": 10}, "vdir/2": {"n": 2}, "vdir/x": {"n": -1}, "cert/0": {"n": 0}}
    assert [r["n"] for r in indexed(records, "vdir")] == [2, 10]


def test_rtm_web_config_keys() -> None:
    text = ('\ufeff<?xml version="1.0"?><configuration><appSettings><add key="IMPoolName" value="ocs.contoso.com"/>'
            '<add key="IMCertificateIssuer" value="CN=CA"/><add key="IMCertificateSerialNumber" value="1f 5e"/></appSettings></configuration>')
    found = rtm_web_config.rtm_settings(text)
    assert found == {"pool_name": "ocs.contoso.com", "certificate_issuer": "CN=CA", "certificate_serial_number": "1f 5e"}
    assert rtm_web_config.unmappable_reason(found) is None
    assert "never configured" in rtm_web_config.unmappable_reason(rtm_web_config.rtm_settings("<configuration/>"))
    assert "IMCertificateSerialNumber" in rtm_web_config.unmappable_reason(dict(found, certificate_serial_number=""))
    with pytest.raises(rtm_web_config.WebConfigError):
        rtm_web_config.rtm_settings("<configuration>")


def _server(name: str, server_name: str, usable: bool = True) -> dict:
    return {"server": name, "settings": {"instant_messaging_server_name": server_name, "instant_messaging_type": "Ocs",
                                         "instant_messaging_enabled": True},
            "certificate": {"present": True, "bound_to_iis": True, "usable_for_im": usable, "status": "Valid", "days_left": 3}}


def test_pool_drift_names_server_and_field() -> None:
    assert pool_consistency.drift([_server("CAS01", "ocs.contoso.com"), _server("CAS02", "OCS.contoso.com.")]) == []
    problems = pool_consistency.drift([_server("CAS01", "ocs.contoso.com"), _server("CAS02", "old.contoso.com"),
                                       _server("CAS03", "ocs.contoso.com", usable=False)])
    assert {(p["server"], p["field"]) for p in problems} == {("CAS02", "instant_messaging_server_name"),
                                                             ("CAS03", "instant_messaging_certificate_thumbprint")}
    unchecked = dict(_server("CAS04", "ocs.contoso.com"), certificate=None)
    assert pool_consistency.drift([unchecked]) == []


def test_error_translation() -> None:
    second_hop = translate({"kind": "exchange", "message": "Active Directory operation failed on dc01. 000004DC: LdapErr"}, "CAS01")
    assert second_hop.kind == "second_hop" and "credssp" in str(second_hop)
    rejected = translate({"kind": "exchange", "message": "Cannot process argument transformation on parameter 'InstantMessagingType'.",
                          "exception": "System.Management.Automation.ParameterBindingArgumentTransformationException"}, "CAS01")
    assert rejected.kind == "rejected" and "InstantMessagingType" in str(rejected)
    assert translate({"kind": "not_exchange"}, "CAS01").kind == "not_exchange"
    stderr = ('#< CLIXML\r\n<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">'
              '<S S="Error">Boom_x000D__x000A_</S><S S="warning">w</S></Objs>')
    assert clixml_errors(stderr) == ["Boom"]


def test_pool_drift_compares_within_each_pool_with_the_intended_settings_or_a_majority() -> None:
    two = [_server("CAS01", "ocs.contoso.com"), _server("CAS02", "old.contoso.com")]
    # Two servers that disagree: no majority, both are named.
    assert [p["server"] for p in pool_consistency.drift(two)] == ["CAS01", "CAS02"]
    # With the intended value, only the one that differs from it.
    assert [(p["server"], p["expected"]) for p in pool_consistency.drift(two, {"instant_messaging_server_name": "OCS.contoso.com."})] == [
        ("CAS02", "ocs.contoso.com")]
    # Two sites, each with its own OCS pool, are not drift.
    sites = [dict(_server("CAS01", "ocs.contoso.com"), pool="north"), dict(_server("CAS02", "ocs-south.contoso.com"), pool="south")]
    assert pool_consistency.drift(sites) == []
    sites.append(dict(_server("CAS03", "ocs.contoso.com"), pool="south"))
    assert [(p["server"], p["pool"]) for p in pool_consistency.drift(sites)] == [("CAS02", "south"), ("CAS03", "south")]


def test_each_server_is_held_to_its_own_intended_settings_first() -> None:
    north = dict(_server("CAS01", "ocs.contoso.com"), intended={"instant_messaging_server_name": "ocs.contoso.com"})
    south = dict(_server("CAS02", "ocs-south.contoso.com"), intended={"instant_messaging_server_name": "ocs-south.contoso.com"})
    assert pool_consistency.drift([north, south]) == []
    wrong = dict(_server("CAS03", "ocs.contoso.com"), intended={"instant_messaging_server_name": "ocs-south.contoso.com"})
    assert [(p["server"], p["expected"]) for p in pool_consistency.drift([north, wrong, south])] == [("CAS03", "ocs-south.contoso.com")]
