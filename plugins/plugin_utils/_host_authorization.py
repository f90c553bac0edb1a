# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The name OCS knows a Client Access server by: the subject of the certificate OWA IM presents.

OCS 2007 R2 accepts a server's mutual TLS connection only when the certificate's subject name is on its Host
Authorization list ("peer is not a configured server" otherwise), so the entry is named from the certificate, not from
the server: one entry per CAS with certificates of their own, one for the whole array when they share one.
"""

from __future__ import annotations

import re
import typing as t


class HostAuthorizationError(Exception):
    """The certificate and the name the user gave disagree, or the certificate names no server OCS could list."""


def _attributes(subject: str) -> t.List[t.Tuple[str, str]]:
    """``CN=mail.contoso.com, OU=IT, O=Contoso`` -> ``[('CN', 'mail.contoso.com'), ('OU', 'IT'), ('O', 'Contoso')]``;
    a comma escaped with a backslash stays in its value."""
    parts = re.split(r"(?<!\\),", subject or "")
    pairs = []
    for part in parts:
        key, sep, value = part.partition("=")
        if sep:
            pairs.append((key.strip().upper(), value.strip().replace("\\,", ",")))
    return pairs


def subject_common_name(subject: t.Optional[str]) -> t.Optional[str]:
    """The subject's common name (the most specific CN, Windows prints it first), or None."""
    names = [value for key, value in _attributes(subject or "") if key == "CN" and value]
    return names[0] if names else None


def _same_name(first: str, second: str) -> bool:
    return first.rstrip(".").lower() == second.rstrip(".").lower()


def entry(certificate: t.Optional[t.Mapping[str, t.Any]], expected: t.Optional[str], expected_option: str,
          server: str) -> t.Dict[str, t.Any]:
    """The Host Authorization entry for a server whose OWA IM uses ``certificate``.

    ``expected`` is the name the user set (``expected_option``), checked against the certificate. Raises
    HostAuthorizationError with the fix when they cannot both be right.
    """
    if certificate is None:
        return {"name": expected or None, "from": "variable" if expected else None, "certificate_thumbprint": None,
                "subject": None, "domains": []}
    thumbprint = certificate.get("thumbprint")
    subject = certificate.get("subject") or ""
    domains = [str(d) for d in certificate.get("domains") or []]
    name = subject_common_name(subject)
    # From the server: capped before any of it reaches a message or the notes.
    subject, name = subject[:300], (name or "")[:256] or None
    domains = [d[:256] for d in domains[:20]]
    if name and name.startswith("*"):
        raise HostAuthorizationError(
            "%s: the certificate OWA IM would use (%s) has the wildcard subject %s. OCS lists Client Access servers by host "
            "name in its Host Authorization entries and matches them by the certificate's subject: use a certificate whose "
            "subject is the server's or the array's FQDN." % (server, thumbprint, name[:256]))
    if not name:
        raise HostAuthorizationError(
            "%s: the certificate OWA IM would use (%s) has no common name in its subject (%r). OCS names the Client Access "
            "server by its certificate's subject in the Host Authorization list; use a certificate whose subject is "
            "CN=<the server's or the array's FQDN>." % (server, thumbprint, subject))
    if domains and not any(_same_name(name, domain) for domain in domains):
        raise HostAuthorizationError(
            "%s: the certificate OWA IM would use (%s) has the subject name %s, which is not among its subject alternative "
            "names (%s). OCS names the server by the subject, TLS clients check the alternative names: use a certificate "
            "that lists %s in both." % (server, thumbprint, name, ", ".join(domains), name))
    if expected and not _same_name(expected, name):
        raise HostAuthorizationError(
            "%s: %s is %s, but the certificate OWA IM would use (%s) has the subject name %s, and OCS matches the "
            "connecting Client Access server by that subject: its Host Authorization entry must be %s. Set %s to %s, or "
            "leave it empty to take the name from the certificate. Nothing was changed."
            % (server, expected_option, expected, thumbprint, name, name, expected_option, name))
    return {"name": name, "from": "certificate", "certificate_thumbprint": thumbprint, "subject": subject,
            "domains": domains}


# ----- which IM server trusts the CAS, and how ------------------------------------------------------------------------
# OCS 2007 R2 lists Client Access servers in its Host Authorization entries; Lync Server (2010, 2013) and Skype for
# Business Server trust them through a trusted application pool instead. Exchange 2010 SP1 works with either; Exchange
# 2013 and later only with Lync Server 2013 or Skype for Business Server, whose OWA integration needs UCMA 4.0.
OCS = "ocs2007r2"
LYNC = "lync"
PRODUCTS = ("auto", OCS, LYNC)


def partner(im_settings_from: t.Optional[str], product: t.Optional[str]) -> t.Optional[str]:
    """``ocs2007r2`` or ``lync`` for a server whose OWA reads its IM settings from ``im_settings_from`` (None: not read),
    with ``product`` the user's owa_im_server_product; None when a server not read has ``auto``."""
    chosen = str(product or "auto").lower()
    if chosen in (OCS, LYNC):
        return chosen
    if im_settings_from is None:
        return None
    return OCS if im_settings_from == "virtual_directory" else LYNC


def partners(hosts_vars: t.Iterable[t.Mapping[str, t.Any]], default_product: t.Optional[str]) -> t.List[t.Dict[str, t.Any]]:
    """For each host's variables: its inventory name, its partner, whether the role read it, and the name the partner
    must know it by (the certificate's subject, from the first read), or None."""
    entries = []
    for host_vars in hosts_vars:
        state = host_vars.get("owa_im_state")
        state = state if isinstance(state, t.Mapping) else {}
        settings_from = state.get("im_settings_from")
        product = host_vars.get("owa_im_server_product") or default_product
        found = state.get("host_authorization")
        name = found.get("name") if isinstance(found, t.Mapping) else None
        entries.append({"host": str(host_vars.get("inventory_hostname") or ""), "partner": partner(settings_from, product),
                        "read": settings_from is not None, "name": str(name)[:256] if name else None})
    return entries
