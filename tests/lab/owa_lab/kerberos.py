"""The lab's domain logons beyond NTLM: a Kerberos realm (an MIT KDC on loopback standing in for the domain
controllers' KDC) and the WinRM service settings and inventory variables of ``owa-lab up --auth kerberos|credssp``.

The realm is the organisation's domain in capitals (contoso.lab: CONTOSO.LAB), as in Active Directory. It holds the
administrator (administrator@CONTOSO.LAB, the lab's password) and the service principals of each CAS's computer
account that a WinRM client asks tickets for: HTTP/cas01.contoso.lab (pywinrm; in AD the computer's HOST SPN covers it
through sPNMappings) and WSMAN/cas01.contoso.lab (which WinRM registers; pypsrp's default). Each service
principal carries ok_as_delegate, the flag an AD KDC sets on the tickets of a computer "trusted for delegation"
(userAccountControl TRUSTED_FOR_DELEGATION). Everything lives under <state>/kerberos: krb5.conf for clients,
kdc.conf, the database, the listeners' keytab; nothing on the machine outside it is read or changed (KRB5_CONFIG,
KRB5_KDC_PROFILE and KRB5_KTNAME point here).

Programs: krb5kdc, kdb5_util and kadmin.local (Debian krb5-kdc and krb5-admin-server) and kinit (krb5-user); the
Makefile installs them.
"""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

from .store import Store

# The service classes of a CAS's SPNs that WinRM clients use.
SERVICE_CLASSES = ("HTTP", "WSMAN")
# The programs the realm needs, and the Debian package each comes in.
PROGRAMS = {"krb5kdc": "krb5-kdc", "kdb5_util": "krb5-kdc", "kadmin.local": "krb5-admin-server", "kinit": "krb5-user"}


def program(name: str) -> str | None:
    # The KDC programs live in /usr/sbin, which an ordinary user's PATH may lack.
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin")


def missing_programs() -> list[str]:
    """The programs the realm needs that this machine lacks, each with its Debian package."""
    return [f"{name} ({package})" for name, package in PROGRAMS.items() if program(name) is None]


def realm_name(domain: str) -> str:
    return domain.upper()


class Realm:
    def __init__(self, state: Path, domain: str) -> None:
        self.root = (state / "kerberos").resolve()
        self.domain = domain
        self.name = realm_name(domain)
        self.krb5_conf = self.root / "krb5.conf"
        self.kdc_conf = self.root / "kdc.conf"
        self.keytab = self.root / "http.keytab"
        self.pid_file = self.root / "krb5kdc.pid"

    def env(self) -> dict[str, str]:
        """What a process needs to use this realm instead of the machine's own configuration."""
        return {"KRB5_CONFIG": str(self.krb5_conf), "KRB5_KDC_PROFILE": str(self.kdc_conf),
                "KRB5_KTNAME": f"FILE:{self.keytab}"}

    def principal(self, user: str) -> str:
        return f"{user}@{self.name}"

    def create(self, servers: dict[str, str], users: dict[str, str]) -> None:
        """A new database with ``users`` (name: password) and an HTTP service principal for each server FQDN."""
        missing = missing_programs()
        if missing:
            raise RuntimeError("the Kerberos realm needs " + ", ".join(missing) + "; run make venv (it installs them)")
        self.root.mkdir(parents=True, exist_ok=True)
        self.write_config(_free_port())
        (self.root / "kadm5.acl").write_text("")
        self._run([program("kdb5_util") or "kdb5_util", "create", "-s", "-r", self.name, "-P", secrets.token_urlsafe(24)])
        # kadmin.local reads its requests on standard input, so no password shows in a process list.
        requests = [f"addprinc -pw \"{password}\" {self.principal(user)}" for user, password in users.items()]
        for fqdn in servers.values():
            for service in SERVICE_CLASSES:
                spn = f"{service}/{fqdn}@{self.name}"
                requests += [f"addprinc -randkey +ok_as_delegate {spn}", f"ktadd -k {self.keytab} {spn}"]
        errors = self._run([program("kadmin.local") or "kadmin.local", "-r", self.name], "\n".join(requests) + "\n")
        # kadmin.local exits 0 whatever its requests did; its stderr says which failed.
        failed = [line for line in errors.splitlines() if line.strip() and not line.startswith(("No policy specified", "Authenticating as"))]
        if failed:
            raise RuntimeError("kadmin.local: " + "; ".join(failed))
        self.keytab.chmod(0o600)

    def write_config(self, port: int) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        # Clients: the realm's KDC on loopback, no DNS. dns_canonicalize_hostname and rdns off: the SPN is built
        # from the name the client was given (ansible_winrm_kerberos_hostname_override), never from a lookup.
        # Tickets are not forwardable unless asked for (kinit -f), MIT's default, said here so the machine's
        # krb5.conf cannot change it.
        self.krb5_conf.write_text(
            "[libdefaults]\n"
            f" default_realm = {self.name}\n"
            " dns_lookup_kdc = false\n dns_lookup_realm = false\n dns_canonicalize_hostname = false\n rdns = false\n"
            " forwardable = false\n"
            "[realms]\n"
            f" {self.name} = {{\n  kdc = 127.0.0.1:{port}\n }}\n"
            "[domain_realm]\n"
            f" .{self.domain} = {self.name}\n {self.domain} = {self.name}\n", encoding="utf-8")
        self.kdc_conf.write_text(
            "[kdcdefaults]\n"
            f" kdc_listen = 127.0.0.1:{port}\n kdc_tcp_listen = 127.0.0.1:{port}\n"
            "[realms]\n"
            f" {self.name} = {{\n"
            f"  database_name = {self.root / 'principal'}\n"
            f"  key_stash_file = {self.root / 'stash'}\n"
            f"  acl_file = {self.root / 'kadm5.acl'}\n"
            # Active Directory's default Kerberos policy: 10-hour tickets, renewable for 7 days.
            "  max_life = 10h 0m 0s\n  max_renewable_life = 7d 0h 0m 0s\n"
            "  supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal\n"
            " }\n"
            "[logging]\n"
            f" kdc = FILE:{self.root / 'kdc.log'}\n", encoding="utf-8")
        (self.root / "port").write_text(str(port))

    def port(self) -> int:
        return int((self.root / "port").read_text())

    def start(self, attempts: int = 5) -> int:
        """Start the KDC in its own session; returns its pid once it answers on its port."""
        last = ""
        for _attempt in range(attempts):
            log = open(self.root / "krb5kdc.out", "ab")
            process = subprocess.Popen([program("krb5kdc") or "krb5kdc", "-n", "-r", self.name, "-P", str(self.pid_file)],
                                       env=dict(os.environ, **self.env()), stdout=log, stderr=log, stdin=subprocess.DEVNULL,
                                       start_new_session=True)
            log.close()
            deadline = time.time() + 15
            while time.time() < deadline and process.poll() is None:
                with socket.socket() as probe:
                    if probe.connect_ex(("127.0.0.1", self.port())) == 0:
                        return process.pid
                time.sleep(0.05)
            if process.poll() is None:
                process.kill()
            last = (self.root / "krb5kdc.out").read_text(errors="replace")[-400:]
            # Another program took the port between the choice and the start: choose again.
            self.write_config(_free_port())
        raise RuntimeError(f"the KDC did not start: {last}")

    @staticmethod
    def stop(pid: int) -> None:
        try:
            os.kill(pid, signal.SIGTERM)
        except OSError:
            return
        deadline = time.time() + 5
        while time.time() < deadline:
            try:
                os.kill(pid, 0)
            except OSError:
                return
            try:
                os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                pass
            time.sleep(0.05)
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass

    def _run(self, command: list[str], stdin: str | None = None) -> str:
        """Run a KDC administration program on this realm; returns its stderr."""
        result = subprocess.run(command, input=stdin, capture_output=True, text=True, env=dict(os.environ, **self.env()))
        if result.returncode != 0:
            raise RuntimeError(f"{command[0]} failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}")
        return result.stderr


def _free_port() -> int:
    """A port free for both UDP and TCP on loopback (the KDC listens on both, as a domain controller does)."""
    while True:
        with socket.socket() as tcp:
            tcp.bind(("127.0.0.1", 0))
            port = tcp.getsockname()[1]
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            try:
                udp.bind(("127.0.0.1", port))
            except OSError:
                continue
        return port


# ----- owa-lab up --auth ---------------------------------------------------------------------------
AUTH_CHOICES = ("ntlm", "kerberos", "credssp")


def prepare(store: Store, auth: str) -> dict[str, str]:
    """What ``--auth`` needs before the servers start; returns the environment for the lab's server process.

    kerberos: the realm, its principals and keytab, and its KDC running. credssp: the WinRM service of every CAS
    accepts CredSSP, as after Enable-WSManCredSSP -Role Server (off by default: MS-WSMV 2.2.4.34, ServiceAuthType).
    """
    lab, directory = store.lab(), store.directory()
    env = dict(os.environ)
    info: dict[str, Any] = {}
    if auth == "kerberos":
        realm = Realm(store.root, directory["organisation"]["domain"])
        realm.create({name: directory["servers"][name]["fqdn"] for name in lab["servers"]}, lab["credentials"])
        info = {"realm": realm.name, "krb5_conf": str(realm.krb5_conf), "kdc_pid": realm.start(), "kdc_port": realm.port()}
        env.update(realm.env())
    with store.edit("lab.json") as data:
        data["auth"] = auth
        data["winrm_service_auth"] = {"kerberos": auth == "kerberos", "credssp": auth == "credssp"}
        if info:
            data["kerberos"] = info
    return env


def stop(store: Store) -> None:
    """Stop the realm's KDC, if the lab has one running."""
    pid = store.lab().get("kerberos", {}).get("kdc_pid")
    if pid:
        Realm.stop(int(pid))
        with store.edit("lab.json") as data:
            data.setdefault("kerberos", {})["kdc_pid"] = None


def inventory_vars(store: Store, connection: str, auth: str) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The group variables and the per-host (by FQDN) variables ``--auth`` adds to the lab's inventory."""
    lab, directory = store.lab(), store.directory()
    fqdns = [directory["servers"][name]["fqdn"] for name in lab["servers"]]
    if auth == "kerberos":
        info = lab["kerberos"]
        user = f"{lab['user']}@{info['realm']}"
        # Every CAS answers on 127.0.0.1: the SPN's host name (HTTP/<fqdn>) comes from the override instead of the
        # address. kinit runs with an empty environment unless told which variables to keep (kinit_env_vars).
        if connection == "psrp":
            return ({"ansible_user": user, "ansible_psrp_auth": "kerberos", "ansible_psrp_negotiate_delegate": True,
                     "owa_lab_krb5_config": info["krb5_conf"]},
                    {fqdn: {"ansible_psrp_negotiate_hostname_override": fqdn} for fqdn in fqdns})
        return ({"ansible_user": user, "ansible_winrm_transport": "kerberos", "ansible_winrm_kerberos_delegation": True,
                 "ansible_winrm_kinit_env_vars": ["KRB5_CONFIG"], "owa_lab_krb5_config": info["krb5_conf"]},
                {fqdn: {"ansible_winrm_kerberos_hostname_override": fqdn} for fqdn in fqdns})
    if auth == "credssp":
        if connection == "psrp":
            return {"ansible_psrp_auth": "credssp"}, {}
        return {"ansible_winrm_transport": "credssp"}, {}
    return {}, {}


# ----- the second hop: which logons a CAS can pass on, and to which services --------------------------------------
# Constrained delegation (MS-SFU S4U2Proxy): the CAS computer account's msDS-AllowedToDelegateTo lists the services it
# may ask tickets for on a user's behalf. "Kerberos only" needs the user's own Kerberos service ticket to the CAS as
# evidence; "any authentication protocol" (TRUSTED_TO_AUTH_FOR_DELEGATION) lets the CAS make one itself (S4U2Self)
# for a user who logged on otherwise, NTLM included. The lab models the outcome the KDC would give, not the S4U
# exchanges: its MIT KDC does not see the CAS's second hop at all.
DELEGATION_CHOICES = ("none", "kerberos-only", "any-protocol")


def delegation_services(directory: dict[str, Any]) -> list[str]:
    """What a domain administrator lists for the collection: LDAP on the domain controller (Exchange's directory
    access) and CIFS on the file server holding the installers."""
    domain = directory["organisation"]["domain"]
    return [f"ldap/{directory['organisation']['domain_controller']}", f"cifs/fs01.{domain}"]


def set_constrained_delegation(store: Store, mode: str) -> None:
    with store.edit_directory() as directory:
        services = delegation_services(directory) if mode != "none" else []
        for record in directory["servers"].values():
            record["msDS-AllowedToDelegateTo"] = list(services)
            record["TrustedToAuthForDelegation"] = mode == "any-protocol"


def service_name(service_class: str, host: str, domain: str) -> str:
    """``cifs``, ``FS01`` -> ``cifs/fs01.contoso.lab`` (a short name is taken in the lab's domain)."""
    host = host.strip().lower().rstrip(".")
    return f"{service_class.lower()}/{host if '.' in host else host + '.' + domain}"


def may_delegate(store: Store, server: str, auth: str, service: str) -> bool:
    """Whether a session on ``server`` logged on with ``auth`` reaches ``service`` (``ldap/dc01.contoso.lab``) as its user.

    A forwarded TGT (kerberos-delegated) and CredSSP's password reach any service; a Kerberos logon whose ticket to the
    CAS is forwardable (the evidence S4U2Proxy needs) reaches the services the computer may delegate to; any other logon,
    NTLM and Basic included, only with protocol transition ("any authentication protocol"), and to those services.
    """
    if auth in ("kerberos-delegated", "credssp"):
        return True
    record = store.directory()["servers"].get(server, {})
    allowed = {s.lower() for s in record.get("msDS-AllowedToDelegateTo", [])}
    if service.lower() not in allowed:
        return False
    return auth == "kerberos-forwardable" or bool(record.get("TrustedToAuthForDelegation"))
