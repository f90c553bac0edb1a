"""The collection over Kerberos and CredSSP, with the production inventories of docs/connections.md.

Each test renders playbooks/inventory.kerberos.example.yml or inventory.credssp.example.yml for a lab of its own
(owa-lab up --auth kerberos|credssp): every variable of the file as it is, only the hosts, the account, the password
and the CA replaced with the lab's. The Kerberos tests need the lab's KDC programs (the Makefile installs them) and
skip, saying which are missing, only when they are absent.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator

import pytest
import yaml
from owa_lab.kerberos import missing_programs
from owa_lab.organisation import SHARE

from conftest import LAB_VARS, ROOT, Lab, start_lab
from test_playbooks import _recap as recap

KERBEROS_EXAMPLE = ROOT / "playbooks" / "inventory.kerberos.example.yml"
CREDSSP_EXAMPLE = ROOT / "playbooks" / "inventory.credssp.example.yml"
SITE = ROOT / "playbooks" / "site.yml"
# What a rendered inventory takes from the lab's own although the example sets it: who logs on and which CA to trust.
# kinit_env_vars lets Ansible's kinit see KRB5_CONFIG, the lab realm's krb5.conf.
LAB_GROUP_VARS = ("ansible_user", "ansible_password", "ansible_winrm_ca_trust_path", "ansible_winrm_kinit_env_vars")
MISSING = missing_programs()
needs_kdc = pytest.mark.skipif(bool(MISSING), reason="the lab's Kerberos realm needs " + ", ".join(MISSING)
                               + " (make venv installs them)")


def render(example: Path, lab: Lab, destination: Path, http: bool = False, **overrides: Any) -> Lab:
    """``example`` pointed at ``lab`` (``http``: at its HTTP listeners); returns a Lab client for the rendered file."""
    lab_group = yaml.safe_load(lab.inventory.read_text())["all"]["children"]["cas_servers"]
    group = yaml.safe_load(example.read_text())["all"]["children"]["cas_servers"]
    # The example's variables win, but for the lab's account and CA; the lab adds what the example does not set (its
    # bookkeeping, where its servers' OWA answers and the CA to check it with).
    variables = {key: value for key, value in lab_group["vars"].items() if key not in group["vars"] or key in LAB_GROUP_VARS}
    variables.update({key: value for key, value in group["vars"].items() if key not in LAB_GROUP_VARS})
    variables.update(overrides)
    hosts = lab_group["hosts"]
    if http:
        variables["ansible_winrm_scheme"] = "http"
        for host in hosts.values():
            host["ansible_port"] = host["owa_lab_http_port"]
    # The example's servers are cas01, cas02, ... of contoso.com; the lab's the same names in contoso.lab.
    assert [name.split(".")[0] for name in group["hosts"]] == [name.split(".")[0] for name in hosts], (group["hosts"], hosts)
    destination.write_text(yaml.safe_dump({"all": {"children": {"cas_servers": {"hosts": hosts, "vars": variables}}}}, sort_keys=False))
    rendered = Lab(lab.state)
    rendered.inventory = destination
    return rendered


def assert_lab_connects_as_the_example(example: Path, lab: Lab) -> None:
    """owa-lab up --auth wrote the connection settings the example gives (those both have)."""
    given = yaml.safe_load(example.read_text())["all"]["children"]["cas_servers"]["vars"]
    written = yaml.safe_load(lab.inventory.read_text())["all"]["children"]["cas_servers"]["vars"]
    shared = {key for key in given if key in written and key.startswith("ansible_") and key not in LAB_GROUP_VARS}
    assert {"ansible_connection", "ansible_winrm_transport", "ansible_winrm_scheme"} <= shared
    assert {key: written[key] for key in shared} == {key: given[key] for key in shared}


def site_vars(work: Path) -> dict[str, Any]:
    """playbooks/vars/lab.yml with the components read from the lab's share, as the examples read them."""
    variables = {key: value for key, value in LAB_VARS.items() if key != "owa_im_component_controller_source"}
    return dict(variables, owa_im_component_source=SHARE, owa_im_backup_directory=str(work / "backups"),
                owa_im_audit_directory=str(work / "audit"), owa_im_host_authorization_file=str(work / "host_authorization.md"))


def logons(lab: Lab) -> set[str]:
    """How the commands the servers ran had logged on."""
    return {entry["auth"] for entry in lab.log() if entry["event"] in ("command", "psrp-open")}


def installed_from_the_share(lab: Lab, server: str) -> bool:
    """msiexec opened the web service provider package on the share itself (a second hop) and it installed."""
    log = [e for e in lab.log() if e["server"] == server]
    from_share = [e for e in log if e["event"] == "cmdlet" and e["cmdlet"] == "Start-Process"
                  and f"{SHARE}\\CWAOWASSPMain.msi" in " ".join(e["parameters"].get("ArgumentList", []))]
    installed = {e["package"] for e in log if e["event"] == "install" and e["exit_code"] == 0}
    return bool(from_share) and {"cwaowasspmain", "vcredist_x64", "ucmaredist", "cwaowassp"} <= installed


@pytest.fixture
def kerberos_lab(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Lab]:
    """A two-CAS lab with its realm; ansible-playbook (and the kinit it runs) find the realm through KRB5_CONFIG."""
    started = start_lab(tmp_path_factory.mktemp("kerberos-lab"), 2, "--auth", "kerberos")
    monkeypatch.setenv("KRB5_CONFIG", started.realm_config())
    yield started
    started.owa_lab("down")


@pytest.fixture
def credssp_lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    started = start_lab(tmp_path_factory.mktemp("credssp-lab"), 2, "--auth", "credssp")
    yield started
    started.owa_lab("down")


@pytest.mark.parametrize("auth,example,logon", [
    pytest.param("kerberos", KERBEROS_EXAMPLE, "kerberos-delegated", marks=needs_kdc, id="kerberos-with-delegation"),
    pytest.param("credssp", CREDSSP_EXAMPLE, "credssp", id="credssp")])
def test_site_reaches_active_directory_and_the_share(request: pytest.FixtureRequest, tmp_path: Path, auth: str, example: Path,
                                                     logon: str) -> None:
    lab: Lab = request.getfixturevalue(f"{auth}_lab")
    assert_lab_connects_as_the_example(example, lab)
    run = render(example, lab, tmp_path / "inventory.yml").playbook(SITE, extra_vars=site_vars(tmp_path))
    assert run.returncode == 0, run.stdout[-3000:]
    for server in ("CAS01", "CAS02"):
        assert lab.vdir(server)["InstantMessagingServerName"] == "ocspool.contoso.lab"
        assert installed_from_the_share(lab, server)
    assert logons(lab) == {logon}


@needs_kdc
def test_kerberos_without_delegation_fails_with_the_second_hop(kerberos_lab: Lab, tmp_path: Path) -> None:
    pool = render(KERBEROS_EXAMPLE, kerberos_lab, tmp_path / "inventory.yml", ansible_winrm_kerberos_delegation=False)
    run = pool.playbook(SITE, extra_vars=site_vars(tmp_path))
    assert run.returncode != 0
    text = " ".join(run.stdout.split())
    assert "(the second hop)" in text, run.stdout[-3000:]
    assert "ansible_winrm_kerberos_delegation: true" in text
    assert all(counts["failed"] == 1 and counts["unreachable"] == 0 for counts in recap(run.stdout).values()), run.stdout[-1500:]
    assert logons(kerberos_lab) == {"kerberos"}
    assert not [e for e in kerberos_lab.log() if e["event"] in ("install", "iis-reset-start") and e.get("exit_code", 0) == 0]


@needs_kdc
def test_constrained_delegation_reaches_the_directory_and_the_share_without_a_forwarded_ticket(
        tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # The least exposing route that works: the CAS computer accounts may delegate to LDAP on the DC and CIFS on the
    # file server only ("Kerberos only"); the client forwards no ticket.
    lab = start_lab(tmp_path_factory.mktemp("kcd-lab"), 2, "--auth", "kerberos", "--constrained-delegation", "kerberos-only")
    monkeypatch.setenv("KRB5_CONFIG", lab.realm_config())
    try:
        # Without a forwardable ticket to the CAS (MIT's default, and the lab realm's) the KDC refuses the CAS's
        # S4U2Proxy request, as a Windows KDC does: the second hop fails as without delegation.
        plain = render(KERBEROS_EXAMPLE, lab, tmp_path / "plain.yml", ansible_winrm_kerberos_delegation=False)
        refused = plain.playbook(SITE, extra_vars=site_vars(tmp_path))
        assert refused.returncode != 0 and "(the second hop)" in " ".join(refused.stdout.split()), refused.stdout[-3000:]
        assert logons(lab) == {"kerberos"}
        # kinit -f makes the ticket forwardable; nothing is forwarded (no delegation flag), the CAS asks for its own tickets.
        pool = render(KERBEROS_EXAMPLE, lab, tmp_path / "inventory.yml", ansible_winrm_kerberos_delegation=False,
                      ansible_winrm_kinit_args="-f")
        run = pool.playbook(SITE, extra_vars=site_vars(tmp_path))
        assert run.returncode == 0, run.stdout[-3000:]
        for server in ("CAS01", "CAS02"):
            assert lab.vdir(server)["InstantMessagingServerName"] == "ocspool.contoso.lab"
            assert installed_from_the_share(lab, server)
        assert "kerberos-forwardable" in logons(lab) and "kerberos-delegated" not in logons(lab)
        # Nothing reusable was handed over, so no delegation warning.
        assert "can reuse against any server of the domain" not in " ".join((run.stdout + run.stderr).split())
    finally:
        lab.owa_lab("down")


def test_protocol_transition_lets_an_ntlm_logon_reach_the_share_and_kerberos_only_does_not(tmp_path_factory: pytest.TempPathFactory,
                                                                                            tmp_path: Path) -> None:
    for mode, reached in (("any-protocol", True), ("kerberos-only", False)):
        lab = start_lab(tmp_path_factory.mktemp(mode), 1, "--constrained-delegation", mode)
        try:
            run = lab.play(tmp_path, {"exchange.owa_im.ocs_components": {"source": SHARE}})
            assert (run.returncode == 0) is reached, run.stdout[-2000:]
            assert installed_from_the_share(lab, "CAS01") is reached
        finally:
            lab.owa_lab("down")


@needs_kdc
def test_exchange_cmdlets_need_a_delegated_ticket(kerberos_lab: Lab, tmp_path: Path) -> None:
    pool = render(KERBEROS_EXAMPLE, kerberos_lab, tmp_path / "inventory.yml", ansible_winrm_kerberos_delegation=False)
    run = pool.play(tmp_path, {"exchange.owa_im.owa_virtual_directory_info": {}})
    assert run.returncode != 0
    assert "could not reach Active Directory with your credentials" in " ".join(run.stdout.split()), run.stdout[-2000:]


@needs_kdc
def test_kerberos_encrypts_over_http_and_a_ticket_serves_its_own_server_only(kerberos_lab: Lab, tmp_path: Path) -> None:
    # Over HTTP pywinrm wraps every message (application/HTTP-SPNEGO-session-encrypted); the lab unwraps it with the
    # Kerberos session key.
    pool = render(KERBEROS_EXAMPLE, kerberos_lab, tmp_path / "inventory.yml", http=True)
    run = pool.play(tmp_path, {"exchange.owa_im.cas_info": {}})
    assert run.returncode == 0, run.stdout[-2000:]
    assert Lab.result(tmp_path, "cas02.contoso.lab")["server"]["name"] == "CAS02"
    # A ticket for CAS02's HTTP service sent to CAS01: CAS01 holds no key for it and refuses the logon.
    inventory = yaml.safe_load(pool.inventory.read_text())
    inventory["all"]["children"]["cas_servers"]["hosts"]["cas01.contoso.lab"]["ansible_winrm_kerberos_hostname_override"] = "cas02.contoso.lab"
    pool.inventory.write_text(yaml.safe_dump(inventory))
    refused = pool.play(tmp_path, {"exchange.owa_im.cas_info": {}}, "--limit", "cas01.contoso.lab")
    assert refused.returncode != 0
    assert "UNREACHABLE" in refused.stdout, refused.stdout[-2000:]
    assert [e for e in kerberos_lab.log() if e["event"] == "auth-failure" and e["server"] == "CAS01" and e["auth"] == "negotiate"]


@needs_kdc
def test_a_wrong_password_stops_at_kinit(kerberos_lab: Lab, tmp_path: Path) -> None:
    pool = render(KERBEROS_EXAMPLE, kerberos_lab, tmp_path / "inventory.yml", ansible_password="not the password")
    run = pool.play(tmp_path, {"exchange.owa_im.cas_info": {}})
    assert run.returncode != 0
    assert "Kerberos auth failure for principal administrator@CONTOSO.LAB" in run.stdout, run.stdout[-2000:]
    assert not [e for e in kerberos_lab.log() if e["event"] == "command"]


def test_credssp_encrypts_over_http(credssp_lab: Lab, tmp_path: Path) -> None:
    # MS-WSMV 2.2.9.1.3: over HTTP CredSSP wraps each 16 KiB of a message in its TLS channel; the collection's
    # scripts travel on standard input in Sends longer than that.
    pool = render(CREDSSP_EXAMPLE, credssp_lab, tmp_path / "inventory.yml", http=True)
    run = pool.play(tmp_path, {"exchange.owa_im.cas_info": {}})
    assert run.returncode == 0, run.stdout[-2000:]
    assert Lab.result(tmp_path, "cas01.contoso.lab")["server"]["name"] == "CAS01"
    assert logons(credssp_lab) == {"credssp"}


def test_credssp_is_refused_where_the_service_does_not_allow_it(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> None:
    # WinRM's service accepts CredSSP only after Enable-WSManCredSSP -Role Server; the lab's default servers have not.
    lab = start_lab(tmp_path_factory.mktemp("ntlm-lab"), 2)
    try:
        run = render(CREDSSP_EXAMPLE, lab, tmp_path / "inventory.yml").play(tmp_path, {"exchange.owa_im.cas_info": {}})
        assert run.returncode != 0
        assert "UNREACHABLE" in run.stdout and "CredSSP" in run.stdout, run.stdout[-2000:]
        assert not [e for e in lab.log() if e["event"] == "command"]
    finally:
        lab.owa_lab("down")


@pytest.mark.parametrize("auth,logon", [pytest.param("kerberos", "kerberos-delegated", marks=needs_kdc), ("credssp", "credssp")])
def test_psrp_logs_on_the_same_ways(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                    auth: str, logon: str) -> None:
    """Ansible's psrp connection (pypsrp asks Kerberos for WSMAN/<fqdn>) with owa-lab up --connection psrp --auth."""
    lab = start_lab(tmp_path_factory.mktemp(f"psrp-{auth}-lab"), 1, "--version", "2016", "--connection", "psrp", "--auth", auth)
    try:
        if auth == "kerberos":
            monkeypatch.setenv("KRB5_CONFIG", lab.realm_config())
        run = lab.play(tmp_path, {"exchange.owa_im.owa_virtual_directory_info": {}})
        assert run.returncode == 0, run.stdout[-2000:]
        assert logons(lab) == {logon}
    finally:
        lab.owa_lab("down")
