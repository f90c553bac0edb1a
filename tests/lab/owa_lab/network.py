"""The network as a lab CAS sees it: name resolution, outbound TCP connections, and Windows Firewall's inbound rules.

What the lab's organisation holds: a DNS zone with every CAS, the domain controller and the OCS pools
(``directory.json`` ``ocs_pools``: an OCS 2007 R2 Front End pool listens on TCP 5060 and 5061, SIP over TCP and over
mutual TLS; "Ports and Protocols", OCS 2007 R2 documentation). Each CAS's Windows Firewall starts with the inbound rule
the field guides have the admin create for OCS's connection back to OWA (TCP 5075 to the IIS worker process: Brian
Desmond, "Firewall Requirements for Integrating OCS and OWA"). Faults take each of these away from one server.

Only what the collection's PowerShell 2.0 scripts can use on Windows Server 2008 R2 is here: ``[System.Net.Dns]``,
``System.Net.Sockets.TcpClient`` (BeginConnect with a bounded wait) and the ``HNetCfg.FwPolicy2`` COM object.
``Test-NetConnection`` and ``Get-NetFirewallRule`` came with Windows Server 2012 and are not on these servers.
"""

from __future__ import annotations

import ipaddress
import time
from typing import Any, Callable

from .dotnet import _call_error
from .exchange.cmdlets import Session
from .powershell.values import PSObject, to_number, to_string

SIP_TLS_PORT = 5061
CONNECT_BACK_PORT = 5075
DEFAULT_OCS_POOL = "ocspool.contoso.lab"

# NET_FW_PROFILE2_DOMAIN | PRIVATE | PUBLIC, NET_FW_RULE_DIR_IN, NET_FW_ACTION_ALLOW, NET_FW_IP_PROTOCOL_TCP (icftypes.h).
ALL_PROFILES = 0x7FFFFFFF
DOMAIN_PROFILE = 1
RULE_DIRECTION_IN = 1
ACTION_ALLOW = 1
PROTOCOL_TCP = 6

# A SYN that nobody answers: how long the lab lets a blocked connection hang before the caller's wait runs out.
_BLOCKED_WAIT_CAP = 2.0


def default_ocs_pools(domain: str) -> list[dict[str, Any]]:
    return [{"fqdn": f"ocspool.{domain}", "ports": [5060, SIP_TLS_PORT]}]


def connect_back_rule() -> dict[str, Any]:
    return {"Name": "OCS connect-back to OWA (TCP 5075)", "Direction": RULE_DIRECTION_IN, "Protocol": PROTOCOL_TCP,
            "LocalPorts": str(CONNECT_BACK_PORT), "RemoteAddresses": "*", "Action": ACTION_ALLOW, "Enabled": True,
            "Profiles": ALL_PROFILES, "ApplicationName": "%windir%\\system32\\inetsrv\\w3wp.exe"}


def default_firewall() -> dict[str, Any]:
    """A domain member's Windows Firewall: on in every profile, the domain profile current, the rules an Exchange 2010 CAS
    has (some name their ports by keyword, as Exchange setup's RPC rules do) and the connect-back rule."""
    return {"enabled": {"1": True, "2": True, "4": True}, "current_profiles": DOMAIN_PROFILE, "rules": [
        {"Name": "MSExchangeRPC (RPC-EPMap)", "Direction": RULE_DIRECTION_IN, "Protocol": PROTOCOL_TCP,
         "LocalPorts": "RPC-EPMap", "RemoteAddresses": "*", "Action": ACTION_ALLOW, "Enabled": True, "Profiles": ALL_PROFILES,
         "ApplicationName": "%SystemRoot%\\system32\\svchost.exe"},
        {"Name": "Windows Remote Management (HTTP-In)", "Direction": RULE_DIRECTION_IN, "Protocol": PROTOCOL_TCP,
         "LocalPorts": "5985", "RemoteAddresses": "*", "Action": ACTION_ALLOW, "Enabled": True, "Profiles": ALL_PROFILES,
         "ApplicationName": "System"},
        {"Name": "World Wide Web Services (HTTPS Traffic-In)", "Direction": RULE_DIRECTION_IN, "Protocol": PROTOCOL_TCP,
         "LocalPorts": "443", "RemoteAddresses": "*", "Action": ACTION_ALLOW, "Enabled": True, "Profiles": ALL_PROFILES,
         "ApplicationName": "System"},
        connect_back_rule(),
    ]}


def _zone(session: Session) -> dict[str, str]:
    """Every name the lab's DNS answers, with an address of its private network (10.0.0.0/24 servers, 10.0.1.0/24 OCS)."""
    directory = session.store.directory()
    names: dict[str, str] = {}
    for index, record in enumerate(directory["servers"].values(), start=1):
        names[record["fqdn"].lower()] = str(ipaddress.ip_address("10.0.0.0") + index)
    names[directory["organisation"]["domain_controller"].lower()] = "10.0.0.250"
    for index, pool in enumerate(directory.get("ocs_pools", []), start=10):
        names[pool["fqdn"].lower()] = str(ipaddress.ip_address("10.0.1.0") + index)
    return names


def _fault_names(session: Session, key: str) -> set[str]:
    value = session.store.faults(session.server).get(key) or ""
    return {part.strip().lower().rstrip(".") for part in str(value).split(",") if part.strip()}


def resolve(session: Session, name: str) -> str | None:
    """The address the CAS's resolver gives ``name``, or None (no such host)."""
    wanted = name.strip().lower().rstrip(".")
    if wanted in _fault_names(session, "unresolvable") or "*" in _fault_names(session, "unresolvable"):
        return None
    try:
        return str(ipaddress.ip_address(wanted))
    except ValueError:
        return _zone(session).get(wanted)


def _listening(session: Session, address: str, port: int) -> bool:
    directory = session.store.directory()
    zone = _zone(session)
    for pool in directory.get("ocs_pools", []):
        if zone.get(pool["fqdn"].lower()) == address:
            return port in pool.get("ports", [])
    return False


def _no_such_host(method: str, argc: int) -> Exception:
    return _call_error(method, argc, "No such host is known", "System.Net.Sockets.SocketException")


def _get_host_addresses(session: Session, name: Any) -> list[PSObject]:
    address = resolve(session, to_string(name))
    if address is None:
        raise _no_such_host("GetHostAddresses", 1)
    return [PSObject("System.Net.IPAddress", {"AddressFamily": "InterNetwork", "IPAddressToString": address}, text=address)]


def _tcp_client(session: Session) -> PSObject:
    """System.Net.Sockets.TcpClient, as far as BeginConnect, the wait, EndConnect and Close go."""
    state: dict[str, Any] = {"outcome": None, "target": ""}

    def begin_connect(host: Any, port: Any, _callback: Any = None, _state: Any = None) -> PSObject:
        name, number = to_string(host), int(to_number(port))
        address = resolve(session, name)
        if address is None:
            raise _no_such_host("BeginConnect", 4)
        blocked = {int(p) for p in str(session.store.faults(session.server).get("blocked_ports") or "").split(",") if p.strip()}
        state["target"] = f"{address}:{number}"
        state["outcome"] = "blocked" if number in blocked else ("connected" if _listening(session, address, number) else "refused")
        session.store.log(session.server, "tcp-connect", target=f"{name}:{number}", outcome=state["outcome"])

        def wait_one(milliseconds: Any = -1, _exit_context: Any = False) -> bool:
            if state["outcome"] != "blocked":
                return True
            # Nobody answers a dropped SYN: the wait runs out (the lab caps how long it really sleeps).
            wait = float(to_number(milliseconds)) / 1000
            time.sleep(min(wait, _BLOCKED_WAIT_CAP) if wait >= 0 else _BLOCKED_WAIT_CAP)
            return False

        handle = PSObject("System.Threading.ManualResetEvent", {}, methods={"WaitOne": wait_one})
        return PSObject("System.Net.Sockets.Socket+MultipleAddressConnectAsyncResult", {"AsyncWaitHandle": handle,
                                                                                        "IsCompleted": state["outcome"] != "blocked"})

    def end_connect(_result: Any) -> None:
        if state["outcome"] == "refused":
            raise _call_error("EndConnect", 1, "No connection could be made because the target machine actively refused it "
                              + state["target"], "System.Net.Sockets.SocketException")
        client.properties["Connected"] = state["outcome"] == "connected"

    def close() -> None:
        client.properties["Connected"] = False

    client = PSObject("System.Net.Sockets.TcpClient", {"Connected": False, "ReceiveTimeout": 0, "SendTimeout": 0},
                      methods={"BeginConnect": begin_connect, "EndConnect": end_connect, "Close": close})
    return client


def _firewall_policy(session: Session) -> PSObject:
    """The HNetCfg.FwPolicy2 COM object (Windows Firewall with Advanced Security, INetFwPolicy2): the current profiles,
    whether the firewall is on in a profile, and the rules (INetFwRule)."""
    host = session.store.host(session.server)
    firewall = host.get("firewall") or default_firewall()
    hidden = session.store.faults(session.server).get("no_connect_back_rule")
    rules = [PSObject("System.__ComObject", dict(rule), text="System.__ComObject") for rule in firewall["rules"]
             if not (hidden and str(CONNECT_BACK_PORT) in str(rule.get("LocalPorts", "")).split(","))]

    def enabled(profile: Any) -> bool:
        # INetFwPolicy2.FirewallEnabled is per profile (NET_FW_PROFILE_TYPE2: 1 domain, 2 private, 4 public).
        state = firewall["enabled"]
        return bool(state.get(str(int(to_number(profile))), False)) if isinstance(state, dict) else bool(state)

    return PSObject("System.__ComObject", {"CurrentProfileTypes": firewall["current_profiles"], "Rules": rules},
                    text="System.__ComObject", methods={"FirewallEnabled": enabled})


def statics(session: Session) -> dict[tuple[str, str], Callable[..., Any]]:
    return {("net.dns", "gethostaddresses"): lambda name: _get_host_addresses(session, name)}


def constructors(session: Session) -> dict[str, Callable[[], PSObject]]:
    """New-Object type names (lower case) and COM ProgIDs (``com:`` and the ProgID) this room makes."""
    return {"system.net.sockets.tcpclient": lambda: _tcp_client(session), "net.sockets.tcpclient": lambda: _tcp_client(session),
            "com:hnetcfg.fwpolicy2": lambda: _firewall_policy(session)}
