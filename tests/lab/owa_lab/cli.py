"""owa-lab: start, inspect, seed, break and stop a simulated Exchange organisation."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from . import kerberos, lync, ocs, organisation
from .exchange.versions import VERSIONS
from .store import Store

DEFAULT_STATE = ".owa-lab"
FAULTS = {
    "latency": ("latency_seconds", float), "snapin_load": ("snapin_load_seconds", float), "stall": ("stall_seconds", float),
    "refuse": ("refuse_connections", bool), "drop_mid_command": ("drop_mid_command", bool),
    "http_500": ("http_500", bool), "ad_unreachable_ntlm": ("ad_unreachable_ntlm", bool),
    "installer_fail": ("installer_fail", str),
    "no_exchange_install_path": ("no_exchange_install_path", bool),
    "drop_reply_after_shutdown": ("drop_reply_after_shutdown", bool),
    "ad_write_denied": ("ad_write_denied", bool),
    "im_provider_error": ("im_provider_error", bool),
    "unresolvable": ("unresolvable", str), "block_ports": ("blocked_ports", str),
    "drop_connect_back_rule": ("no_connect_back_rule", bool),
}


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    # An exited daemon whose parent is gone may linger as a zombie until init reaps it: it serves nothing.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][:1] != "Z"
    except (OSError, IndexError):
        return True


def up(args: argparse.Namespace) -> int:
    state = Path(args.state)
    store = Store(state)
    lab = store.lab() if state.exists() else {}
    if lab.get("pid") and _pid_alive(int(lab["pid"])):
        print(f"owa-lab: a lab already runs from {state} (pid {lab['pid']}); run 'owa-lab down' first", file=sys.stderr)
        return 1
    if state.exists():
        shutil.rmtree(state)
    state.mkdir(parents=True)
    started = time.time()
    versions = None
    if args.mixed:
        try:
            versions = organisation.parse_mixed(args.mixed)
        except ValueError as error:
            print(f"owa-lab: {error}", file=sys.stderr)
            return 2
        args.servers, args.version = len(versions), versions[0]
    organisation.build(store, args.servers, args.version, shared_certificate=args.shared_certificate, versions=versions)
    credentials = {"administrator": args.password or secrets.token_urlsafe(12)}
    store.write("lab.json", {"servers": organisation.server_names(args.servers), "version": args.mixed or args.version, "credentials": credentials,
                             "user": "administrator", "iis_reset_seconds": args.reset_seconds, "app_pool_recycle_seconds": 0.2,
                             "reboot_seconds": args.reboot_seconds, "owa_warmup_seconds": args.owa_warmup_seconds,
                             "started": time.time(),
                             "hung_process_seconds": args.hung_seconds, "ready": False})
    if args.front_end in ocs.PRODUCTS:
        ocs.build(store, args.front_end)
    elif args.front_end:
        lync.build(store, args.front_end)
    if args.front_end:
        with store.edit("lab.json") as data:
            data["front_ends"] = [lync.FRONT_END]
    organisation.write_controller_installers(state / "installers")
    if args.seed:
        for line in organisation.apply_seed(store, yaml.safe_load(Path(args.seed).read_text(encoding="utf-8")) or {}):
            print(f"seeded {line}")
    kerberos.set_constrained_delegation(store, args.constrained_delegation)
    try:
        env = kerberos.prepare(store, args.auth)
    except RuntimeError as error:
        print(f"owa-lab: {error}", file=sys.stderr)
        return 1
    log = open(state / "daemon.log", "ab")
    process = subprocess.Popen([sys.executable, "-m", "owa_lab.daemon", "--state", str(state)], stdout=log, stderr=log,
                               stdin=subprocess.DEVNULL, start_new_session=True, env=env)
    with store.edit("lab.json") as data:
        data["pid"] = process.pid
    deadline = time.time() + 120
    while time.time() < deadline:
        if store.lab().get("ready"):
            break
        if process.poll() is not None:
            print(f"owa-lab: the lab failed to start; see {state / 'daemon.log'}", file=sys.stderr)
            kerberos.stop(store)
            return 1
        time.sleep(0.1)
    else:
        print("owa-lab: the lab did not become ready in 120 s", file=sys.stderr)
        kerberos.stop(store)
        return 1
    inventory = Path(args.inventory) if args.inventory else state / "inventory.yml"
    write_inventory(store, inventory, args.connection, args.auth)
    products = {**lync.PRODUCTS, **ocs.PRODUCTS}
    front_end = f", Front End {lync.FRONT_END} ({products[args.front_end].display})" if args.front_end else ""
    print(f"owa-lab: {args.servers} CAS server(s), Exchange {args.mixed or args.version}{front_end}, up in {time.time() - started:.1f} s; "
          f"inventory {inventory}")
    if args.auth == "kerberos":
        print(f"owa-lab: Kerberos realm {store.lab()['kerberos']['realm']}; before ansible-playbook: "
              f"export KRB5_CONFIG={store.lab()['kerberos']['krb5_conf']}")
    return 0


def write_inventory(store: Store, path: Path, connection: str = "winrm", auth: str = "ntlm") -> None:
    lab = store.lab()
    directory = store.directory()
    hosts: dict[str, Any] = {}
    for name in lab["servers"]:
        fqdn = directory["servers"][name]["fqdn"]
        hosts[fqdn] = {"ansible_host": "127.0.0.1", "ansible_port": lab["ports"][name]["https"],
                       "owa_lab_http_port": lab["ports"][name]["http"], "exchange_server_name": name,
                       # This server's own OWA (not the load balancer's), which the role asks after a reset: on the lab
                       # a port of this machine rather than https://<fqdn>/owa/.
                       "owa_im_owa_url": f"https://127.0.0.1:{lab['ports'][name]['owa']}/owa/"}
    connection_vars: dict[str, Any] = {
        "ansible_connection": "winrm", "ansible_user": lab["user"], "ansible_password": lab["credentials"][lab["user"]],
        "ansible_winrm_transport": "ntlm", "ansible_winrm_scheme": "https", "ansible_winrm_server_cert_validation": "validate",
        "ansible_winrm_ca_trust_path": str(store.path("tls", "ca.pem").resolve()),
    }
    if connection == "psrp":
        # Ansible's psrp connection (pypsrp): PowerShell remoting on the same HTTPS listener, NTLM, the lab CA trusted.
        connection_vars = {
            "ansible_connection": "psrp", "ansible_user": lab["user"], "ansible_password": lab["credentials"][lab["user"]],
            "ansible_psrp_auth": "ntlm", "ansible_psrp_protocol": "https", "ansible_psrp_cert_validation": "validate",
            "ansible_psrp_ca_cert": str(store.path("tls", "ca.pem").resolve()),
        }
    # The Front End signs in as the CAS servers do before --auth adds its variables (the lab's realm has no FE01).
    front_end_vars = dict(connection_vars)
    auth_vars, host_auth_vars = kerberos.inventory_vars(store, connection, auth)
    connection_vars.update(auth_vars)
    for fqdn, extra in host_auth_vars.items():
        hosts[fqdn].update(extra)
    inventory = {"all": {"children": {"cas_servers": {"hosts": hosts, "vars": {
        **connection_vars, "owa_lab_state": str(store.root.resolve()),
        # A folder on this machine (the Ansible controller) with the installers an administrator downloaded.
        "owa_lab_installers": str(store.path("installers").resolve()),
        # The lab's certification authority, which issued every server's certificate (OWA's among them).
        "owa_lab_ca": str(store.path("tls", "ca.pem").resolve()),
        "owa_im_owa_ca_path": str(store.path("tls", "ca.pem").resolve()),
    }}}}}
    front_ends = {ocs.front_end_fqdn(store, name): {"ansible_host": "127.0.0.1", "ansible_port": lab["ports"][name]["https"],
                                                "owa_lab_http_port": lab["ports"][name]["http"], "ocs_server_name": name}
                  for name in lab.get("front_ends", [])}
    if front_ends:
        inventory["all"]["children"]["ocs_front_ends"] = {"hosts": front_ends, "vars": {
            **front_end_vars, "owa_lab_state": str(store.root.resolve()),
            # The Front End pool (the lab's OCS pool name) whose Registrar the trusted application pools name.
            "owa_lab_front_end_pool": ocs.pool_fqdn(store) if "ocs" in store.directory() else store.directory()["lync"]["pools"][0]["fqdn"],
        }}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("# Written by owa-lab up: a simulated Exchange organisation on this machine.\n"
                    + yaml.safe_dump(inventory, sort_keys=False), encoding="utf-8")
    path.chmod(0o600)


def down(args: argparse.Namespace) -> int:
    store = Store(args.state)
    if not Path(args.state).exists():
        print("owa-lab: no lab here")
        return 0
    pid = store.lab().get("pid")
    if pid and _pid_alive(int(pid)):
        os.kill(int(pid), signal.SIGTERM)
        deadline = time.time() + 10
        while _pid_alive(int(pid)) and time.time() < deadline:
            try:
                os.waitpid(int(pid), os.WNOHANG)
            except ChildProcessError:
                pass
            time.sleep(0.05)
        if _pid_alive(int(pid)):
            os.kill(int(pid), signal.SIGKILL)
    kerberos.stop(store)
    with store.edit("lab.json") as data:
        data["pid"] = None
        data["ready"] = False
    print("owa-lab: down")
    return 0


def status(args: argparse.Namespace) -> int:
    store = Store(args.state)
    lab = store.lab()
    if not lab:
        print("owa-lab: no lab here")
        return 1
    running = bool(lab.get("pid")) and _pid_alive(int(lab["pid"]))
    print(f"lab {'running (pid ' + str(lab['pid']) + ')' if running else 'stopped'}, Exchange {lab['version']}")
    directory = store.directory()
    for name in lab["servers"]:
        # A stopped lab listens on no port: name none.
        ports = lab.get("ports", {}).get(name, {}) if running else {}
        faults = store.faults(name)
        listening = f"https {ports.get('https')} http {ports.get('http')}" if ports else "no ports"
        print(f"  {name:6} {directory['servers'][name]['fqdn']:24} {listening}" + (f"  faults {faults}" if faults else ""))
    return 0 if running else 1


def show_log(args: argparse.Namespace) -> int:
    store = Store(args.state)
    for entry in store.log_entries(args.server):
        if args.json:
            print(json.dumps(entry, sort_keys=True))
            continue
        stamp = dt.datetime.fromtimestamp(entry.pop("time")).isoformat(timespec="milliseconds")
        server, event = entry.pop("server"), entry.pop("event")
        if event == "powershell":
            script = entry["script"].replace("\r", "")
            print(f"{stamp} {server} powershell (PS {entry['ps_version']}):\n    " + script.replace("\n", "\n    "))
        else:
            print(f"{stamp} {server} {event} " + " ".join(f"{k}={v}" for k, v in sorted(entry.items())))
    return 0


def reset_windows(store: Store) -> dict[str, Any]:
    """Every IIS reset / app pool recycle window, and the most servers ever out of service at once."""
    windows = []
    for entry in store.log_entries():
        if entry["event"] in ("iis-reset-end", "apppool-recycle-end"):
            windows.append({"server": entry["server"], "kind": entry["event"][:-4], "start": entry["started"],
                            "end": entry["started"] + entry["seconds"]})
    edges = sorted([(w["start"], 1) for w in windows] + [(w["end"], -1) for w in windows])
    current = most = 0
    for _time, step in edges:
        current += step
        most = max(most, current)
    per_server: dict[str, int] = {}
    for window in windows:
        per_server[window["server"]] = per_server.get(window["server"], 0) + 1
    longest = max((w["end"] - w["start"] for w in windows), default=0.0)
    return {"windows": windows, "per_server": per_server, "max_concurrent": most, "longest_seconds": round(longest, 3)}


def resets(args: argparse.Namespace) -> int:
    report = reset_windows(Store(args.state))
    if args.json:
        print(json.dumps(report, sort_keys=True))
        return 0
    for window in report["windows"]:
        start = dt.datetime.fromtimestamp(window["start"]).isoformat(timespec="milliseconds")
        print(f"{start} {window['server']} {window['kind']} {window['end'] - window['start']:.2f} s")
    print(f"resets per server: {report['per_server']}; most servers out of service at once: {report['max_concurrent']}")
    return 0


def seed(args: argparse.Namespace) -> int:
    store = Store(args.state)
    for line in organisation.apply_seed(store, yaml.safe_load(Path(args.file).read_text(encoding="utf-8")) or {}):
        print(f"seeded {line}")
    return 0


def fault(args: argparse.Namespace) -> int:
    store = Store(args.state)
    target = "*" if args.server.lower() == "all" else args.server.upper()
    with store.edit("faults.json") as data:
        if args.clear:
            data.pop(target, None)
        entry = data.setdefault(target, {})
        for option, (key, kind) in FAULTS.items():
            value = getattr(args, option)
            if value is None:
                continue
            if kind is bool:
                entry[key] = value
            elif kind is float:
                entry[key] = float(value)
            else:
                entry[key] = value
        if not entry:
            data.pop(target, None)
    print(f"owa-lab: faults for {target}: {store.read('faults.json').get(target, {})}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="owa-lab", description=__doc__)
    parser.add_argument("--state", default=os.environ.get("OWA_LAB_STATE", DEFAULT_STATE), help="the lab's state directory")
    sub = parser.add_subparsers(dest="command", required=True)
    # --state is accepted after the subcommand too ("owa-lab down --state DIR"), overriding the one before it.
    state_after = argparse.ArgumentParser(add_help=False)
    state_after.add_argument("--state", dest="state", default=argparse.SUPPRESS, help="the lab's state directory")
    p = sub.add_parser("up", parents=[state_after], help="start N CAS servers and write an inventory")
    p.add_argument("--servers", type=int, default=3)
    p.add_argument("--version", default="2010sp1", choices=list(VERSIONS),
                   help="the Exchange version of every CAS: " + ", ".join(VERSIONS) + " (se: Subscription Edition RTM)")
    p.add_argument("--mixed", metavar="VERSION:COUNT,...",
                   help="a pool of several versions, such as 2010sp3:2,2016:2 (CAS01-CAS02 on 2010 SP3, CAS03-CAS04 on 2016); "
                        "replaces --servers and --version")
    p.add_argument("--inventory")
    p.add_argument("--shared-certificate", metavar="FQDN",
                   help="give every CAS one certificate with this subject (and every server's FQDN among its alternative names), "
                        "as behind a load balancer; default: a certificate of its own per server")
    p.add_argument("--seed", help="a YAML seed to apply before the servers start")
    p.add_argument("--password", help="the administrator's password (default: random)")
    p.add_argument("--reset-seconds", type=float, default=1.0, help="how long an iisreset keeps a server out of service")
    p.add_argument("--reboot-seconds", type=float, default=2.0, help="how long a restart (shutdown /r) keeps a server away")
    p.add_argument("--owa-warmup-seconds", type=float, default=1.0,
                   help="how long OWA answers 503 after its worker process starts (the first request after a reset)")
    p.add_argument("--hung-seconds", type=float, default=2.0,
                   help="how long the lab waits for a program that on Windows would never end (a setup dialog) before it says so")
    p.add_argument("--auth", choices=kerberos.AUTH_CHOICES, default="ntlm",
                   help="how the inventory logs on: ntlm; kerberos (starts the lab's realm and KDC); credssp (enabled on the "
                        "servers' WinRM service)")
    p.add_argument("--constrained-delegation", choices=kerberos.DELEGATION_CHOICES, default="none",
                   help="let every CAS computer account delegate to the DC's LDAP and the file server's CIFS service "
                        "(msDS-AllowedToDelegateTo): kerberos-only, or any-protocol (protocol transition, NTLM logons too)")
    p.add_argument("--front-end", choices=sorted({**lync.PRODUCTS, **ocs.PRODUCTS}), dest="front_end",
                   help="add one Lync Server 2010/2013 or Skype for Business Server 2015/2019 Front End, or an OCS 2007 R2 Standard Edition "
                        "server (FE01), its pool the lab's OCS pool name, in the inventory group ocs_front_ends")
    p.add_argument("--connection", choices=["winrm", "psrp"], default="winrm",
                   help="the Ansible connection the inventory uses: winrm (pywinrm) or psrp (pypsrp, PowerShell remoting)")
    p.set_defaults(run=up)
    p = sub.add_parser("down", parents=[state_after], help="stop the lab")
    p.set_defaults(run=down)
    p = sub.add_parser("status", parents=[state_after], help="show the servers and their faults")
    p.set_defaults(run=status)
    p = sub.add_parser("log", parents=[state_after], help="every command each server ran, and every IIS reset window")
    p.add_argument("--server")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=show_log)
    p = sub.add_parser("resets", parents=[state_after], help="IIS reset windows, resets per server and the most servers out of service at once")
    p.add_argument("--json", action="store_true")
    p.set_defaults(run=resets)
    p = sub.add_parser("seed", parents=[state_after], help="apply a YAML seed to the running organisation")
    p.add_argument("file")
    p.set_defaults(run=seed)
    p = sub.add_parser("fault", parents=[state_after], help="switch a server's faults on or off")
    p.add_argument("--server", default="all", help="a server name, or 'all'")
    p.add_argument("--latency", type=float, help="seconds added to every command")
    p.add_argument("--snapin-load", type=float, help="seconds Add-PSSnapin takes")
    p.add_argument("--stall", type=float, help="seconds every WinRM request waits before any answer (a hung server)")
    p.add_argument("--refuse", action=argparse.BooleanOptionalAction, help="refuse connections")
    p.add_argument("--drop-mid-command", action=argparse.BooleanOptionalAction, help="cut the connection while a command runs")
    p.add_argument("--ad-write-denied", action=argparse.BooleanOptionalAction,
                   help="Exchange's Set- cmdlets fail: the account lacks the right to write to Active Directory")
    p.add_argument("--http-500", action=argparse.BooleanOptionalAction, help="answer every request with HTTP 500")
    p.add_argument("--ad-unreachable-ntlm", action=argparse.BooleanOptionalAction,
                   help="Active Directory unreachable from NTLM sessions (the second hop)")
    p.add_argument("--installer-fail", help="name of an installer that fails with 1603")
    p.add_argument("--no-exchange-install-path", action=argparse.BooleanOptionalAction,
                   help="PowerShell sessions lack $env:ExchangeInstallPath (a WinRM service started before Exchange setup)")
    p.add_argument("--drop-reply-after-shutdown", action=argparse.BooleanOptionalAction,
                   help="cut the connection instead of answering a command that started a restart (shutdown /r)")
    p.add_argument("--unresolvable", metavar="NAMES",
                   help="names (comma-separated, or '*') this server's DNS resolver cannot resolve ('No such host is known')")
    p.add_argument("--block-ports", metavar="PORTS",
                   help="TCP ports (comma-separated) to which this server's outbound connections are dropped (no answer)")
    p.add_argument("--drop-connect-back-rule", action=argparse.BooleanOptionalAction,
                   help="this server's Windows Firewall lacks the inbound rule for OCS's connection back to OWA (TCP 5075)")
    p.add_argument("--im-provider-error", action=argparse.BooleanOptionalAction,
                   help="OWA's OCS provider fails to load when OWA's worker starts: event 87 of MSExchange OWA in the Application log")
    p.add_argument("--clear", action="store_true", help="clear this server's faults first")
    p.set_defaults(run=fault)
    args = parser.parse_args(argv)
    return int(args.run(args))


if __name__ == "__main__":
    sys.exit(main())
