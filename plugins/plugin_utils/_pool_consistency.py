# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whether every CAS of a load-balanced pool carries the same IM integration (users land on any of them)."""

from __future__ import annotations

import collections
import typing as t

# Settings that must be equal on every CAS; the thumbprint is per server, checked against its own certificates.
POOL_WIDE = ("instant_messaging_server_name", "instant_messaging_type", "instant_messaging_enabled")


def _comparable(field: str, value: t.Any) -> t.Any:
    if field == "instant_messaging_server_name":
        return (value or "").rstrip(".").lower() or None
    if field == "instant_messaging_type":
        return str(value).lower() if value is not None else None
    return value


def _expected(field: str, values: t.List[t.Any], intended: t.Mapping[str, t.Any]) -> t.Tuple[t.Any, bool]:
    """What every server of a pool should carry for ``field``, and whether that is known (no tie)."""
    if intended.get(field) is not None:
        return _comparable(field, intended[field]), True
    counts = collections.Counter(values).most_common()
    if len(counts) > 1 and counts[0][1] == counts[1][1]:
        return None, False
    return counts[0][0], True


def drift(servers: t.Sequence[t.Mapping[str, t.Any]], intended: t.Optional[t.Mapping[str, t.Any]] = None) -> t.List[t.Dict[str, t.Any]]:
    """Problems as ``{server, field, value, expected}`` (and ``pool`` where the entries name pools).

    ``servers``: one entry per CAS, ``{"server", "pool", "settings": {option: value}, "certificate": {...check_thumbprint...}}``;
    a certificate of None was not checked and is not judged. Servers are compared within their pool (entries without a
    pool form one), with ``intended`` (the settings asked for, by option name) where it gives a field, else with the
    value most servers of the pool carry; when no value has a majority (a tie), every server of the pool is named.
    """
    problems: t.List[t.Dict[str, t.Any]] = []
    pools: t.Dict[str, t.List[t.Mapping[str, t.Any]]] = collections.OrderedDict()
    for entry in servers:
        pools.setdefault(str(entry.get("pool") or ""), []).append(entry)
    for pool, members in pools.items():
        for field in POOL_WIDE:
            values = [_comparable(field, (s.get("settings") or {}).get(field)) for s in members]
            expected, known = _expected(field, values, intended or {})
            for entry, value in zip(members, values):
                # A server's own intended settings (the role's first read records them) come first.
                own = entry.get("intended") or {}
                wanted, sure = (_comparable(field, own[field]), True) if own.get(field) is not None else (expected, known)
                if sure and value == wanted:
                    continue
                problem = {"server": entry.get("server"), "field": field, "value": (entry.get("settings") or {}).get(field),
                           "expected": wanted if sure else "no majority: the servers of the pool disagree and no intended value was given"}
                if pool:
                    problem["pool"] = pool
                problems.append(problem)
    for entry in servers:
        certificate = entry.get("certificate")
        if certificate is None:
            continue    # not checked (verify_certificate off)
        if not certificate.get("usable_for_im"):
            if not certificate.get("present"):
                reason = "no certificate with this thumbprint on the server"
            elif not certificate.get("bound_to_iis"):
                reason = "the certificate is not enabled for IIS"
            else:
                reason = "the certificate is not valid today (status %s, %s days left)" % (certificate.get("status"), certificate.get("days_left"))
            problems.append({"server": entry.get("server"), "field": "instant_messaging_certificate_thumbprint",
                             "value": certificate.get("thumbprint"), "expected": "a valid IIS certificate of this server: " + reason})
    return problems


def _ran(result: t.Any) -> bool:
    return isinstance(result, t.Mapping) and not result.get("skipped") and not result.get("failed")


def _override_settings(state: t.Mapping[str, t.Any], applied: t.Any) -> t.Dict[str, t.Any]:
    """Exchange 2016 and later: the server name and thumbprint OWA takes from the setting override that applies to the
    server, as the role left it (its change, where one ran; else the first read)."""
    if _ran(applied):
        mine = [o for o in applied.get("after") or [] if str(o.get("name") or "").lower() == str(applied.get("name") or "").lower()]
        values = dict(str(p).partition("=")[::2] for p in (mine[0].get("parameters") if mine else []) or [])
    else:
        current = state.get("setting_override") or {}
        values = {"IMServerName": current.get("IMServerName"), "IMCertificateThumbprint": current.get("IMCertificateThumbprint")}
    return {"instant_messaging_server_name": values.get("IMServerName") or None,
            "instant_messaging_certificate_thumbprint": values.get("IMCertificateThumbprint") or None}


def role_entries(hosts: t.Sequence[t.Mapping[str, t.Any]]) -> t.List[t.Dict[str, t.Any]]:
    """One pool entry per host from what the cas role registered: its first read, and the change where one ran.

    ``hosts``: each host's variables (``hostvars[host]``). A host the role has not read yet (a later batch of ``serial``)
    is left out; the caller says which part of the pool the entries cover.
    """
    entries = []
    for host in hosts:
        state = host.get("owa_im_state")
        if not _ran(state):
            continue
        applied = host.get("owa_im_virtual_directory")
        if _ran(applied):
            settings, certificate = applied.get("after"), applied.get("certificate")
        else:
            settings, certificate = state.get("virtual_directory"), state.get("certificate")
        override = host.get("owa_im_setting_override")
        web_config = host.get("owa_im_web_config")
        if state.get("im_settings_from") == "setting_override":
            settings = dict(settings or {}, **_override_settings(state, override))
        elif state.get("im_settings_from") == "web_config" and _ran(web_config):
            # Exchange 2013: what the role's web.config step found or left there.
            after = web_config.get("after") or {}
            settings = dict(settings or {}, instant_messaging_server_name=after.get("im_server_name"),
                            instant_messaging_certificate_thumbprint=after.get("im_certificate_thumbprint"))
        restart = host.get("owa_im_restart")
        components = host.get("owa_im_components")
        changed = bool((_ran(applied) and applied.get("changed")) or (_ran(components) and components.get("changed"))
                       or (_ran(override) and override.get("changed")) or (_ran(web_config) and web_config.get("changed")))
        entries.append({
            "server": host.get("inventory_hostname"),
            "pool": host.get("owa_im_pool_name") or "",
            "intended": {key: value for key, value in (state.get("intended") or {}).items() if key in POOL_WIDE},
            "settings": {key: value for key, value in (settings or {}).items() if key != "identity"},
            "certificate": certificate,
            "changed": changed,
            # Owed: changed now, or the first read found OWA's worker older than the last change. The server has the
            # last word (iis_restart when_pending).
            "restart_owed": changed or bool(state.get("restart_pending")),
            "reset": _ran(restart) and bool(restart.get("changed")),
        })
    return entries
