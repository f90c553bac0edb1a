# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What OWA IM needs besides its settings, judged from what a CAS read of itself.

The connections (sources in docs/procedure.md): OWA on the CAS signs users in to the OCS pool over SIP on mutual TLS,
TCP 5061, outbound; the pool delivers incoming messages by connecting back to OWA's listener in the IIS worker process,
TCP 5075 by default, inbound (when that is blocked, sending works and receiving fails with 504). Both sides present
certificates the other must trust, so a self-signed one does not do.
"""

from __future__ import annotations

import typing as t

from ansible_collections.exchange.owa_im.plugins.filter.plain_text import plain_text

from ._records import Records


def _field(records: Records, record: str, name: str) -> t.Any:
    return records.get(record, {}).get(name)


def network_state(records: Records) -> t.Dict[str, t.Any]:
    """The three network facts as the module returns them."""
    return {
        "pool_name": _field(records, "pool_dns", "name"),
        "pool_resolves": _field(records, "pool_dns", "resolves"),
        "pool_addresses": list(_field(records, "pool_dns", "addresses") or []),
        "pool_port": _int(_field(records, "pool_tcp", "port")),
        "pool_connection": _field(records, "pool_tcp", "result"),
        "connect_back_port": _int(_field(records, "connect_back", "port")),
        "connect_back_firewall": _field(records, "connect_back", "result"),
        "connect_back_rule": _capped(_field(records, "connect_back", "rule")),
        "connect_back_remote_addresses": _capped(_field(records, "connect_back", "remote_addresses")),
        "connect_back_program": _capped(_field(records, "connect_back", "program")),
        "errors": {key: _capped(_field(records, key, "error")) for key in ("pool_dns", "pool_tcp", "connect_back")
                   if _field(records, key, "error")},
    }


def _capped(value: t.Any, limit: int = 300) -> t.Optional[str]:
    """A server's text on one line, cut: it goes into messages and results."""
    return None if value is None else plain_text(value, limit)


def _int(value: t.Any) -> t.Optional[int]:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def network_problems(state: t.Mapping[str, t.Any], server: str, pool_option: str, timeout: int) -> t.List[str]:
    """One message per failed check: what failed, the port and direction, and the fix."""
    problems: t.List[str] = []
    pool = state["pool_name"]
    port = state["pool_port"]
    errors = state["errors"]
    if state["pool_resolves"] is False:
        problems.append(
            "%s cannot resolve the OCS pool's name %s (%s): %s. OWA on this server connects to the pool by that name; add "
            "its record to the DNS this server uses, or correct %s." % (server, pool, pool_option, errors.get("pool_dns"), pool_option))
    elif state["pool_connection"] == "no_answer":
        problems.append(
            "%s -> %s, TCP %s (SIP over mutual TLS, outbound from this CAS to the OCS pool): no answer within %s s, so something "
            "between them drops the connection. Open TCP %s from every CAS to the pool's Front End servers."
            % (server, pool, port, timeout, port))
    elif state["pool_connection"] == "failed":
        problems.append(
            "%s -> %s, TCP %s (SIP over mutual TLS, outbound from this CAS to the OCS pool): %s. Nothing accepts the "
            "connection there: check that %s is the pool's FQDN and that its Front End servers listen on TLS port %s."
            % (server, pool, port, errors.get("pool_tcp"), pool, port))
    back = state["connect_back_port"]
    if state["connect_back_firewall"] == "no_rule":
        problems.append(
            "OCS pool -> %s, TCP %s (inbound to this CAS: the pool's connection back to OWA, which delivers incoming "
            "messages): Windows Firewall on %s is on and no enabled inbound rule of its current profile allows TCP %s. "
            "Without it users can send IM from OWA but receive nothing (error 504). Add a rule, for example: netsh "
            "advfirewall firewall add rule name=\"OCS connect-back to OWA\" dir=in action=allow protocol=TCP localport=%s "
            "remoteip=<the pool's servers>." % (server, back, server, back, back))
    elif state["connect_back_firewall"] == "blocked":
        problems.append(
            "OCS pool -> %s, TCP %s (inbound to this CAS: the pool's connection back to OWA): the Windows Firewall rule %r "
            "blocks it, and a block rule wins over any allow rule. Disable that rule for TCP %s, or narrow it."
            % (server, back, state["connect_back_rule"], back))
    elif state["connect_back_firewall"] == "unknown":
        problems.append(
            "%s: Windows Firewall's rules could not be read (%s), so whether OCS can connect back to OWA on TCP %s (inbound) "
            "is unknown. Check the rule by hand, then set owa_im_check_prerequisites: false for this server."
            % (server, errors.get("connect_back"), back))
    return problems


PROVIDER_KEY = "HKLM\\SYSTEM\\CurrentControlSet\\Services\\MSExchange OWA\\InstantMessaging"


def provider_problems(records: Records, provider_installed: bool, server: str) -> t.List[str]:
    """An installed Web Service Provider that OWA would not load: its registration names no file, or a missing one."""
    found = records.get("provider") or {}
    if not provider_installed or not found:
        return []
    path = str(found.get("dll_path") or "")[:300]
    if found.get("dll_exists"):
        return []
    what = "is empty" if not path else "names %s, which does not exist" % path
    return ["%s: the Web Service Provider is installed, but OWA would not load it: ImplementationDLLPath under %s %s (OWA then logs "
            "event 83 or 84 and IM stays off). Repair the provider (msiexec /fa CWAOWASSP.msi /qn) or reinstall it."
            % (server, PROVIDER_KEY, what)]


def certificate_problems(certificate: t.Optional[t.Mapping[str, t.Any]], server: str, allow_self_signed: bool,
                         allow_option: str) -> t.List[str]:
    """The certificate OWA IM presents to OCS: issued by a CA OCS trusts (not self-signed), and valid for Exchange."""
    if not certificate:
        return []
    problems: t.List[str] = []
    thumbprint = certificate.get("thumbprint")
    if certificate.get("is_self_signed") and not allow_self_signed:
        problems.append(
            "%s: the certificate OWA IM would use (%s, %s) is self-signed. OCS accepts the mutual TLS connection only from a "
            "certificate issued by a CA it trusts; use one from your CA (bound to IIS), or set %s: true if OCS trusts "
            "this very certificate." % (server, thumbprint, certificate.get("subject"), allow_option))
    status = certificate.get("status")
    if status and status != "Valid":
        problems.append(
            "%s: the certificate OWA IM would use (%s) has the status %s in Get-ExchangeCertificate; it must be Valid (a "
            "revoked certificate, an untrusted issuer or a missing private key show otherwise). Renew or replace it."
            % (server, thumbprint, status))
    return problems
