# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

from ansible_collections.exchange.owa_im.plugins.plugin_utils._prerequisites import certificate_problems, network_problems, network_state


def records(**override: dict) -> dict:
    found = {
        "pool_dns": {"name": "ocspool.contoso.com", "resolves": True, "addresses": ["10.0.1.10"]},
        "pool_tcp": {"port": "5061", "result": "connected"},
        "connect_back": {"port": "5075", "result": "allowed", "rule": "OCS connect-back"},
    }
    for key, value in override.items():
        found[key] = value
    return found


def test_a_healthy_server_has_no_problem_and_its_facts_are_returned() -> None:
    state = network_state(records())
    assert state == {"pool_name": "ocspool.contoso.com", "pool_resolves": True, "pool_addresses": ["10.0.1.10"], "pool_port": 5061,
                     "pool_connection": "connected", "connect_back_port": 5075, "connect_back_firewall": "allowed",
                     "connect_back_rule": "OCS connect-back", "connect_back_remote_addresses": None, "connect_back_program": None,
                     "errors": {}}
    assert network_problems(state, "CAS01", "owa_im_server_name", 3) == []


def test_an_unresolved_name_is_the_only_network_problem_reported() -> None:
    state = network_state(records(pool_dns={"name": "ocspool.contoso.com", "resolves": False, "error": "No such host is known"},
                                  pool_tcp={"port": "5061", "result": "failed", "error": "No such host is known"}))
    problems = network_problems(state, "CAS01", "owa_im_server_name", 3)
    assert len(problems) == 1
    assert problems[0].startswith("CAS01 cannot resolve the OCS pool's name ocspool.contoso.com (owa_im_server_name): No such host")


def test_each_connection_problem_names_port_direction_and_fix() -> None:
    silent = network_problems(network_state(records(pool_tcp={"port": "5061", "result": "no_answer"})), "CAS01", "x", 3)
    assert "TCP 5061 (SIP over mutual TLS, outbound from this CAS to the OCS pool): no answer within 3 s" in silent[0]
    assert "Open TCP 5061 from every CAS" in silent[0]
    refused = network_problems(network_state(records(pool_tcp={"port": "5061", "result": "failed", "error": "refused"})), "CAS01", "x", 3)
    assert "refused. Nothing accepts the connection there" in refused[0]
    inbound = network_problems(network_state(records(connect_back={"port": "5075", "result": "no_rule"})), "CAS01", "x", 3)
    assert inbound[0].startswith("OCS pool -> CAS01, TCP 5075 (inbound to this CAS")
    assert "localport=5075" in inbound[0] and "error 504" in inbound[0]
    unread = network_problems(network_state(records(connect_back={"port": "5075", "result": "unknown", "error": "x"})), "CAS01", "x", 3)
    assert "could not be read" in unread[0]
    off = network_problems(network_state(records(connect_back={"port": "5075", "result": "firewall_off"})), "CAS01", "x", 3)
    assert off == []


def test_a_self_signed_or_invalid_certificate_is_a_problem_unless_allowed() -> None:
    cert = {"thumbprint": "AB", "subject": "CN=cas01", "is_self_signed": True, "status": "Valid"}
    assert "is self-signed" in certificate_problems(cert, "CAS01", False, "owa_im_allow_self_signed_certificate")[0]
    assert certificate_problems(cert, "CAS01", True, "owa_im_allow_self_signed_certificate") == []
    revoked = certificate_problems(dict(cert, is_self_signed=False, status="Revoked"), "CAS01", False, "x")
    assert revoked and "has the status Revoked" in revoked[0]
    assert certificate_problems(None, "CAS01", False, "x") == []


def test_a_provider_owa_would_not_find_is_a_problem_only_when_installed() -> None:
    from ansible_collections.exchange.owa_im.plugins.plugin_utils._prerequisites import provider_problems
    assert provider_problems({"provider": {"dll_path": "C:\\x.dll", "dll_exists": True}}, True, "CAS01") == []
    assert provider_problems({"provider": {"dll_path": "", "dll_exists": False}}, False, "CAS01") == []
    empty = provider_problems({"provider": {"dll_path": "", "dll_exists": False}}, True, "CAS01")
    assert "InstantMessaging is empty" in empty[0] and "msiexec /fa CWAOWASSP.msi" in empty[0]
    gone = provider_problems({"provider": {"dll_path": "C:\\gone.dll", "dll_exists": False}}, True, "CAS01")
    assert "names C:\\gone.dll, which does not exist" in gone[0]
