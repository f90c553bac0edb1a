"""JMESPath queries against the lab: the info modules' query option (their documented examples, run as written) and the
audit playbook's owa_im_audit_query. Each test seeds the pool it needs onto the module's lab."""

from __future__ import annotations

import copy
import importlib
import json
from pathlib import Path
from typing import Any

import yaml

from conftest import ROOT, Lab

HOSTS = ("cas01.contoso.lab", "cas02.contoso.lab", "cas03.contoso.lab")
RTM_WEB_CONFIG = """<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <appSettings>
    <add key="IMPoolName" value="ocspool.contoso.lab" />
    <add key="IMCertificateIssuer" value="CN=ContosoCA, DC=contoso, DC=com" />
    <add key="IMCertificateSerialNumber" value="1f 5e dd 03 00 00 00 00 00 05" />
  </appSettings>
</configuration>
"""
UCMA = "Microsoft Office Communications Server 2007 R2, Microsoft Unified Communications Managed API 2.0, Core Redist 64-bit"
NO_RTM_KEYS = "the web.config holds no IMPoolName, IMCertificateIssuer or IMCertificateSerialNumber (IM was never configured the RTM way)"


def _im(enabled: bool, thumbprint: str | None) -> dict[str, Any]:
    return {"InstantMessagingEnabled": enabled, "InstantMessagingType": "Ocs" if enabled else "None",
            "InstantMessagingServerName": "ocspool.contoso.lab" if enabled else None, "InstantMessagingCertificateThumbprint": thumbprint}


def _expired(lab: Lab, server: str) -> str:
    return lab.host(server)["certificates"][2]["thumbprint"]    # the lab's third certificate expired long ago


def _seed_pool(lab: Lab, tmp_path: Path) -> None:
    """IM on at CAS01 (with its IIS certificate) and CAS03 (with its expired one), off at CAS02; two of the three OCS
    components and an Exchange 2010 RTM web.config on CAS01."""
    web_config = next(path for path in lab.host("CAS01")["files"] if path.lower().endswith("\\clientaccess\\owa\\web.config"))
    lab.seed(tmp_path, {
        "virtual_directories": {"CAS01": _im(True, lab.thumbprint("CAS01")), "CAS02": _im(False, None),
                                "CAS03": _im(True, _expired(lab, "CAS03"))},
        "servers": {"CAS01": {"files": {web_config: RTM_WEB_CONFIG}, "products": {
            "{0D8C63A2-7F1E-4B0C-9E55-0C2B8A1A0001}": {"DisplayName": "Microsoft Visual C++ 2008 Redistributable - x64 9.0.30729.4148",
                                                       "DisplayVersion": "9.0.30729.4148"},
            "{0D8C63A2-7F1E-4B0C-9E55-0C2B8A1A0002}": {"DisplayName": UCMA, "DisplayVersion": "3.5.6907.0"}}}}})


def _examples() -> list[dict[str, Any]]:
    """Every task of the info modules' EXAMPLES that has a query, as the documentation shows it."""
    tasks = []
    for name in ("owa_virtual_directory_info", "exchange_certificate_info", "ocs_components_info", "owa_web_config_info"):
        module = importlib.import_module(f"ansible_collections.exchange.owa_im.plugins.modules.{name}")
        tasks += [task for task in yaml.safe_load(module.EXAMPLES) if "query" in (task.get(f"exchange.owa_im.{name}") or {})]
    return tasks


def _expected(lab: Lab, host: str, results: dict[str, Any]) -> dict[str, Any]:
    server = host.split(".")[0].upper()
    expired = _expired(lab, server)
    certificates = results["Certificates that have expired or expire within 30 days"]["certificates"]
    expired_days_left = next(c["days_left"] for c in certificates if c["thumbprint"] == expired)
    identity = server + "\\owa (Default Web Site)"
    on_cas01 = server == "CAS01"
    return {
        "Which servers of the organisation have OWA instant messaging turned off": ["CAS02"],
        "This server's directories whose IM certificate is unusable or expires within 30 days": [] if on_cas01 else [identity],
        "One line per directory of the organisation, for a report": [
            {"server": "CAS01", "enabled": True, "ocs": "ocspool.contoso.lab"}, {"server": "CAS02", "enabled": False, "ocs": None},
            {"server": "CAS03", "enabled": True, "ocs": "ocspool.contoso.lab"}],
        "Certificates that have expired or expire within 30 days": [{"thumbprint": expired, "subject": "CN=" + host,
                                                                      "days_left": expired_days_left}],
        "Thumbprints of the certificates enabled for IIS and valid today": [lab.thumbprint(server)],
        "The components this server still lacks": (["web_service_provider", "ucma_hotfix", "web_service_provider_hotfix"] if on_cas01
                                                    else ["vcredist", "ucma", "web_service_provider", "ucma_hotfix",
                                                          "web_service_provider_hotfix"]),
        "Name and version of each installed component": [{"name": "vcredist", "version": "9.0.30729.4148"},
                                                         {"name": "ucma", "version": "3.5.6907.0"}] if on_cas01 else [],
        "The OCS pool an Exchange 2010 RTM web.config names, or null": "ocspool.contoso.lab" if on_cas01 else None,
        "What the migration needs to know, in one object per server": (
            {"server": "CAS01", "pool": "ocspool.contoso.lab", "issuer": "CN=ContosoCA, DC=contoso, DC=com", "mappable": True, "reason": None}
            if on_cas01 else {"server": server, "pool": None, "issuer": None, "mappable": False, "reason": NO_RTM_KEYS}),
    }


def test_the_documented_query_examples_return_what_they_say(lab: Lab, tmp_path: Path) -> None:
    _seed_pool(lab, tmp_path)
    examples = _examples()
    tasks = []
    for index, example in enumerate(examples):
        task = copy.deepcopy(example)
        task["register"] = f"example_{index}"
        tasks.append(task)
    everything = "{" + ", ".join(f"{json.dumps(e['name'])}: example_{i}" for i, e in enumerate(examples)) + "}"
    tasks.append({"ansible.builtin.copy": {"content": "{{ " + everything + " | to_json }}", "dest": str(tmp_path) + "/{{ inventory_hostname }}.json"},
                  "delegate_to": "localhost"})
    playbook = tmp_path / "examples.yml"
    playbook.write_text(yaml.safe_dump([{"hosts": "cas_servers", "gather_facts": False, "tasks": tasks}]))
    run = lab.playbook(playbook)
    assert run.returncode == 0, run.stdout[-3000:]
    for host in HOSTS:
        results = Lab.result(tmp_path, host)
        expected = _expected(lab, host, results)
        assert sorted(results) == sorted(expected)
        for name, result in results.items():
            assert not result.get("failed") and result["query_result"] == expected[name], (host, name, result.get("query_result"))
        assert results["Certificates that have expired or expire within 30 days"]["query_result"][0]["days_left"] < 0


def test_a_malformed_query_fails_on_every_host_without_starting_a_remote_process(lab: Lab, tmp_path: Path) -> None:
    seen = len(lab.log())
    run = lab.play(tmp_path, {"exchange.owa_im.owa_virtual_directory_info": {
        "include_certificates": True, "query": "virtual_directories[?instant_messaging_enabled == `false`"}})
    assert run.returncode != 0
    failures = {line.split("]")[0][len("fatal: ["):]: line for line in run.stdout.splitlines() if line.startswith("fatal: [")}
    assert sorted(failures) == sorted(HOSTS), run.stdout[-3000:]
    assert all('"msg": "query is not a valid JMESPath expression: Invalid jmespath expression' in line for line in failures.values())
    assert [e for e in lab.log()[seen:] if e["event"] in ("command", "powershell")] == []


def test_owa_virtual_directory_info_query_against_the_lab(lab: Lab, tmp_path: Path) -> None:
    _seed_pool(lab, tmp_path)
    run = lab.play(tmp_path, {"exchange.owa_im.owa_virtual_directory_info": {
        "include_certificates": True,
        "query": "{off: virtual_directories[?instant_messaging_enabled == `false`].server, "
                 "days_left: virtual_directories[0].certificate.days_left, iis: certificates[?contains(services, 'IIS')] | length(@)}"}})
    assert run.returncode == 0, run.stdout[-3000:]
    cas01, cas02 = Lab.result(tmp_path, "cas01.contoso.lab"), Lab.result(tmp_path, "cas02.contoso.lab")
    assert cas01["query_result"]["off"] == [] and cas02["query_result"]["off"] == ["CAS02"]
    assert cas01["query_result"]["days_left"] == cas01["virtual_directories"][0]["certificate"]["days_left"] > 300
    assert cas02["query_result"]["days_left"] is None    # no thumbprint set on CAS02
    assert cas01["query_result"]["iis"] == 1


def test_audit_writes_the_query_and_its_result_into_the_report(lab: Lab, tmp_path: Path) -> None:
    _seed_pool(lab, tmp_path)
    query = "{im_off: [?settings.instant_messaging_enabled == `false`].host, ucma_missing: [?!contains(components[?installed].name, 'ucma')].host}"
    run = lab.playbook(ROOT / "playbooks" / "audit.yml", extra_vars={"owa_im_audit_directory": str(tmp_path / "audit"),
                                                                     "owa_im_audit_query": query})
    assert run.returncode != 0 and "The pool has drifted" in run.stdout, run.stdout[-3000:]    # CAS02 has IM off
    [report_file] = (tmp_path / "audit").glob("owa_im_audit-*.json")
    report = json.loads(report_file.read_text())
    expected = {"im_off": ["cas02.contoso.lab"], "ucma_missing": ["cas02.contoso.lab", "cas03.contoso.lab"]}
    assert report["query"] == query and report["query_result"] == expected
    assert [entry["host"] for entry in report["servers"]] == list(HOSTS)
    shown = run.stdout.split("TASK [Show the result of owa_im_audit_query]")[1].split("TASK [")[0]
    assert '"ucma_missing": [' in shown and '"cas03.contoso.lab"' in shown


def test_audit_without_a_query_and_with_a_malformed_one(lab: Lab, tmp_path: Path) -> None:
    _seed_pool(lab, tmp_path)
    plain = lab.playbook(ROOT / "playbooks" / "audit.yml", extra_vars={"owa_im_audit_directory": str(tmp_path / "plain"),
                                                                       "owa_im_audit_query": ""})
    [report_file] = (tmp_path / "plain").glob("owa_im_audit-*.json")
    report = json.loads(report_file.read_text())
    assert "query" not in report and "query_result" not in report and report["servers"], plain.stdout[-2000:]
    shown = plain.stdout.split("TASK [Show the result of owa_im_audit_query]")[1].split("TASK [")[0]
    assert "skipping: [cas01.contoso.lab]" in shown and "ok:" not in shown

    bad = lab.playbook(ROOT / "playbooks" / "audit.yml", extra_vars={"owa_im_audit_directory": str(tmp_path / "bad"),
                                                                     "owa_im_audit_query": "[?settings.instant_messaging_enabled =="})
    assert bad.returncode != 0
    assert "jmespath_query: expression is not a valid JMESPath expression" in " ".join(bad.stdout.split()), bad.stdout[-3000:]
    assert not list((tmp_path / "bad").glob("*"))    # nothing is written with a query that cannot run
