"""The Host Authorization entries are named from the certificate OWA IM presents, which is what OCS matches."""

from __future__ import annotations

from pathlib import Path

import yaml

from conftest import ROOT, Lab, lab_vars, start_lab

PLAYBOOKS = ROOT / "playbooks"


def _changes(lab: Lab) -> list[str]:
    return [e["server"] for e in lab.log() if e["event"] in ("ad-change", "install", "iis-reset-start")]


def test_a_shared_certificate_pool_gets_one_entry_named_from_the_certificate(tmp_path: Path) -> None:
    lab = start_lab(tmp_path / "lab", 3, "--shared-certificate", "mail.contoso.lab")
    try:
        shared = {lab.thumbprint(server) for server in ("CAS01", "CAS02", "CAS03")}
        assert len(shared) == 1
        run = lab.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path))
        assert run.returncode == 0, run.stdout[-3000:]
        assert {lab.vdir(server)["InstantMessagingCertificateThumbprint"] for server in ("CAS01", "CAS02", "CAS03")} == shared
        notes = (tmp_path / "host_authorization.md").read_text()
        rows = [line for line in notes.splitlines() if line.startswith("| ") and not line.startswith("| Server")]
        assert rows == ["| mail.contoso.lab | cas01.contoso.lab, cas02.contoso.lab, cas03.contoso.lab | No | Yes | Yes |"], notes
        # The name the user gave, when it is the certificate's subject, passes.
        again = lab.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path, owa_im_cas_fqdn="mail.contoso.lab"))
        assert again.returncode == 0, again.stdout[-3000:]
    finally:
        lab.owa_lab("down")


def test_servers_with_certificates_of_their_own_get_an_entry_each(pool: Lab, tmp_path: Path) -> None:
    run = pool.playbook(PLAYBOOKS / "site.yml", "--check", extra_vars=lab_vars(tmp_path))
    assert run.returncode == 0, run.stdout[-3000:]
    notes = (tmp_path / "host_authorization.md").read_text()
    for n in (1, 2, 3):
        assert f"| cas0{n}.contoso.lab | cas0{n}.contoso.lab | No | Yes | Yes |" in notes


def test_a_name_that_is_not_the_certificates_subject_is_refused_before_any_change(pool: Lab, tmp_path: Path) -> None:
    inventory = yaml.safe_load(pool.inventory.read_text())
    inventory["all"]["children"]["cas_servers"]["hosts"]["cas02.contoso.lab"]["owa_im_cas_fqdn"] = "mail.contoso.lab"
    pool.inventory.write_text(yaml.safe_dump(inventory))
    run = pool.playbook(PLAYBOOKS / "site.yml", extra_vars=lab_vars(tmp_path))
    assert run.returncode != 0
    assert ("CAS02: owa_im_cas_fqdn is mail.contoso.lab, but the certificate OWA IM would use "
            f"({pool.thumbprint('CAS02')}) has the subject name cas02.contoso.lab") in " ".join(run.stdout.split())
    assert "Set owa_im_cas_fqdn to cas02.contoso.lab, or leave it empty" in " ".join(run.stdout.split())
    assert _changes(pool) == []
    assert not (tmp_path / "host_authorization.md").exists()
