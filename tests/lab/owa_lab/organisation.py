"""A starting organisation: servers, virtual directories, certificates, policies; and seeds on top."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import uuid
from pathlib import Path
from typing import Any

from . import certificates, network, owa_web
from .exchange.versions import OWA_IM_KEY, UCMA4_IM_DLL, VERSIONS, setup_key
from .files import package_bytes
from .store import Store


SHARE = "\\\\fs01.contoso.lab\\ocs"


# The start of the OWA web.config an Exchange 2010 SP1 CAS carries (no IM keys: SP1 keeps them in AD).
OWA_WEB_CONFIG = """<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <appSettings>
    <add key="owa.MailboxServerVersionCheck" value="true" />
  </appSettings>
  <system.web>
    <compilation debug="false" defaultLanguage="c#" />
  </system.web>
</configuration>
"""


def server_names(count: int) -> list[str]:
    return [f"CAS{index:02d}" for index in range(1, count + 1)]


def _fake_thumbprint(seed: str) -> str:
    return hashlib.sha1(seed.encode()).hexdigest().upper()


def parse_mixed(spec: str) -> list[str]:
    """``2010sp3:2,2016:2`` -> one version per server, in order (a pool in the middle of a migration)."""
    versions: list[str] = []
    for part in spec.split(","):
        version, _sep, count = part.strip().partition(":")
        if version not in VERSIONS or not count.isdigit() or int(count) < 1:
            raise ValueError(f"--mixed takes VERSION:COUNT pairs separated by commas, such as 2010sp3:2,2016:2, with versions from "
                             f"{', '.join(VERSIONS)}; got {part.strip()!r}")
        versions += [version] * int(count)
    return versions


def build(store: Store, count: int, version: str, domain: str = "contoso.lab", shared_certificate: str | None = None,
          versions: list[str] | None = None) -> None:
    """``shared_certificate``: one certificate, with that subject, on every CAS (as exported from one and imported on the
    others, the usual choice behind a load balancer), its alternative names that name and every server's FQDN.
    ``versions``: each server's own version (a mixed pool), instead of ``version`` for all."""
    if version not in VERSIONS:
        raise ValueError(f"unknown Exchange version {version!r}; choose from {', '.join(VERSIONS)}")
    per_server = versions or [version] * count
    tls_dir = store.path("tls")
    tls_dir.mkdir(parents=True, exist_ok=True)
    ca, ca_key = certificates.create_ca(tls_dir)
    certificates.save_ca_key(tls_dir, ca_key)
    now = dt.datetime.now(dt.timezone.utc)
    servers: dict[str, Any] = {}
    vdirs: list[dict[str, Any]] = []
    shared = None
    if shared_certificate:
        fqdns = tuple(f"{n.lower()}.{domain}" for n in server_names(count))
        shared = certificates.issue(tls_dir, ca, ca_key, shared_certificate, now - dt.timedelta(days=30), now + dt.timedelta(days=365),
                                    also_names=fqdns)
        shared_domains = [shared_certificate, *fqdns]
    for name, version in zip(server_names(count), per_server):
        fqdn = f"{name.lower()}.{domain}"
        servers[name] = {"fqdn": fqdn, "version": version, "roles": "Mailbox, ClientAccess, HubTransport"}
        vdirs.append(_vdir(name, fqdn, version))
        if shared is None:
            issued = certificates.issue(tls_dir, ca, ca_key, fqdn, now - dt.timedelta(days=30), now + dt.timedelta(days=365))
            domains = [fqdn, name.lower()]
        else:
            issued, domains = dict(shared), shared_domains
        expired_start = now - dt.timedelta(days=800)
        host = {
            "tls": {"cert_file": issued.pop("cert_file"), "key_file": issued.pop("key_file")},
            "certificates": [
                dict(issued, services=["IMAP", "POP", "IIS", "SMTP"], domains=domains, friendly_name="Contoso IIS"),
                {"thumbprint": _fake_thumbprint(fqdn + "self"), "serial": _fake_thumbprint(fqdn + "serial")[:32],
                 "subject": f"CN={name}", "issuer": f"CN={name}", "self_signed": True, "services": ["IMAP", "POP", "SMTP"],
                 "domains": [name, fqdn], "not_before": (now - dt.timedelta(days=60)).replace(tzinfo=None).isoformat(timespec="seconds"),
                 "not_after": (now + dt.timedelta(days=1765)).replace(tzinfo=None).isoformat(timespec="seconds")},
                {"thumbprint": _fake_thumbprint(fqdn + "expired"), "serial": "1F5EDD03000000000005", "subject": f"CN={fqdn}",
                 "issuer": "CN=ContosoCA, DC=contoso, DC=com", "services": ["None"], "domains": [fqdn],
                 "not_before": expired_start.replace(tzinfo=None).isoformat(timespec="seconds"),
                 "not_after": (expired_start + dt.timedelta(days=730)).replace(tzinfo=None).isoformat(timespec="seconds")},
            ],
            "products": {},
            "files": {VERSIONS[version].install_path + "\\ClientAccess\\Owa\\web.config": OWA_WEB_CONFIG},
            # Exchange setup records its install path in the registry too (MsiInstallPath, with a trailing backslash).
            "registry": {setup_key(VERSIONS[version]): {"MsiInstallPath": VERSIONS[version].install_path + "\\",
                                                        "MsiProductMajor": 14 if version.startswith("2010") else 15}},
            "exchange_installed": True,
            "firewall": network.default_firewall(),
            # The CAS has served users before the lab starts: its application pools have workers, started after the
            # virtual directory last changed.
            "workers": owa_web.initial_workers(time.time()),
        }
        if not version.startswith("2010"):
            # Exchange 2013 and later: the UCMA 4.0 runtime (an Exchange setup prerequisite) with the IM provider OWA loads,
            # registered in ImplementationDLLPath. A seed that empties the key stands for a missing or broken runtime.
            host["registry"][OWA_IM_KEY] = {"ImplementationDLLPath": UCMA4_IM_DLL}
            host["files"][UCMA4_IM_DLL] = {"package": "file"}
        store.write(f"hosts/{name}.json", host)
    store.write("directory.json", {
        "organisation": {"name": "Contoso", "domain": domain, "domain_dn": ",".join(f"DC={p}" for p in domain.split(".")),
                         "domain_controller": f"dc01.{domain}"},
        "servers": servers,
        "owa_virtual_directories": vdirs,
        # The OCS 2007 R2 web service provider package and its two hotfixes, as an admin downloads them, on a file share.
        "shares": {f"{SHARE}\\{name}": {"package": key} for name, key in CONTROLLER_INSTALLERS.items()},
        "owa_mailbox_policies": [{"name": "Default", "InstantMessagingEnabled": True, "InstantMessagingType": "Ocs", "IsDefault": True}],
        # The OCS 2007 R2 pools the CAS servers may talk to, in the lab's DNS zone.
        "ocs_pools": network.default_ocs_pools(domain),
    })


def _vdir(name: str, fqdn: str, version: str) -> dict[str, Any]:
    created = time.time()
    return {"server": name, "fqdn": fqdn, "version": version, "name": "owa (Default Web Site)", "guid": str(uuid.uuid4()),
            "InstantMessagingEnabled": False, "InstantMessagingType": "None", "InstantMessagingServerName": None,
            "InstantMessagingCertificateThumbprint": None, "InternalUrl": f"https://{fqdn}/owa", "ExternalUrl": None,
            "path": VERSIONS[version].install_path + "\\ClientAccess\\owa", "WhenCreated": created, "WhenChanged": created}


# What an administrator downloads and keeps on the Ansible controller: the OCS 2007 R2 web service provider package and
# the hotfixes for two of the products it holds (Download Center ids 7557 and 797, KB 2282949 and KB 981256).
HOTFIXES = {"UcmaRedist.msp": "ucmaredist_hotfix", "CWAOWASSP.msp": "cwaowassp_hotfix"}
CONTROLLER_INSTALLERS = {"CWAOWASSPMain.msi": "cwaowasspmain", **HOTFIXES}


def write_controller_installers(folder: Path, names: dict[str, str] | None = None) -> Path:
    """The lab's installer files (their bytes stand for the packages; see files.package_bytes) in a controller folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, key in (names or CONTROLLER_INSTALLERS).items():
        (folder / name).write_bytes(package_bytes(key))
    return folder


def apply_seed(store: Store, seed: dict[str, Any]) -> list[str]:
    """Apply a seed (parsed YAML) to the lab's state; returns what it changed, one line each."""
    done: list[str] = []
    with store.edit_directory() as directory:
        for path, content in (seed.get("shares") or {}).items():
            directory.setdefault("shares", {})[path] = content
            done.append(f"share file {path}")
        for name, settings in (seed.get("virtual_directories") or {}).items():
            key = name.upper()
            for record in directory["owa_virtual_directories"]:
                if record["server"] == key or key == "ALL":
                    record.update(settings)
                    record["WhenChanged"] = time.time()
                    done.append(f"virtual directory {record['server']}\\{record['name']}: {sorted(settings)}")
        for pool in seed.get("ocs_pools") or []:
            directory.setdefault("ocs_pools", []).append({"fqdn": pool["fqdn"], "ports": list(pool.get("ports", [5060, 5061]))})
            done.append(f"OCS pool {pool['fqdn']}")
        for policy in seed.get("owa_mailbox_policies") or []:
            existing = [p for p in directory["owa_mailbox_policies"] if p["name"].lower() == policy["name"].lower()]
            if existing:
                existing[0].update(policy)
            else:
                directory["owa_mailbox_policies"].append(dict(policy))
            done.append(f"mailbox policy {policy['name']}")
        for override in seed.get("setting_overrides") or []:
            # Exchange 2016/2019 setting overrides, stored as New-SettingOverride stores them (exchange/setting_overrides.py).
            now = time.time()
            record = {"component": "OwaServer", "section": "IMSettings", "parameters": [], "reason": "", "server": [], "min_version": None,
                      "max_version": None, "fix_version": None, "modified_by": None, "guid": str(uuid.uuid4()), "WhenCreated": now, "WhenChanged": now}
            record.update(override)
            record["server"] = [str(s) for s in (record["server"] if isinstance(record["server"], list) else [record["server"]]) if s]
            overrides = directory.setdefault("setting_overrides", [])
            overrides[:] = [o for o in overrides if o["name"].lower() != record["name"].lower()] + [record]
            done.append(f"setting override {record['name']}")
    for name, settings in (seed.get("servers") or {}).items():
        with store.edit_host(name) as host:
            for key in ("products", "files", "registry", "security"):
                if key in settings:
                    host.setdefault(key, {}).update(settings[key])
            if "certificates" in settings:
                host.setdefault("certificates", []).extend(settings["certificates"])
            if "exchange_installed" in settings:
                host["exchange_installed"] = bool(settings["exchange_installed"])
            if "exchange_install_path_missing" in settings:
                host["exchange_install_path_missing"] = bool(settings["exchange_install_path_missing"])
            if "firewall" in settings:
                host["firewall"] = settings["firewall"]
            if "installers" in settings:
                host.setdefault("installers", {}).update(settings["installers"])
        done.append(f"server {name.upper()}: {sorted(settings)}")
    return done


def add_server_without_exchange(store: Store, name: str) -> tuple[str, str]:
    """A Lync, Skype for Business or OCS server beside the organisation: its certificate from the lab's CA, no Exchange
    (Add-PSSnapin Microsoft.Exchange... fails, $env:ExchangeInstallPath is unset). Returns its FQDN and the pool name
    the CAS servers use."""
    directory = store.directory()
    domain = directory["organisation"]["domain"]
    fqdn = f"{name.lower()}.{domain}"
    pool = (directory.get("ocs_pools") or network.default_ocs_pools(domain))[0]["fqdn"]
    tls_dir = store.path("tls")
    ca, ca_key = certificates.load_ca(tls_dir)
    now = dt.datetime.now(dt.timezone.utc)
    issued = certificates.issue(tls_dir, ca, ca_key, fqdn, now - dt.timedelta(days=30), now + dt.timedelta(days=365))
    store.write(f"hosts/{name}.json", {
        "tls": {"cert_file": issued.pop("cert_file"), "key_file": issued.pop("key_file")},
        "certificates": [], "products": {}, "files": {}, "registry": {},
        "exchange_installed": False, "exchange_install_path_missing": True,
        "firewall": network.default_firewall(),
    })
    return fqdn, pool


def tls_files(store: Store, name: str) -> tuple[Path, Path]:
    tls = store.host(name)["tls"]
    return Path(tls["cert_file"]), Path(tls["key_file"])
