# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What Exchange said, turned into what an administrator can act on."""

from __future__ import annotations

import re
import typing as t


class ExchangeError(Exception):
    """Exchange refused or failed; nothing was changed by this call."""

    def __init__(self, message: str, kind: str = "exchange", exchange_message: t.Optional[str] = None) -> None:
        super().__init__(message)
        self.kind = kind
        self.exchange_message = exchange_message


def translate(error: t.Mapping[str, t.Any], server: str) -> ExchangeError:
    """Turn the ``error`` record of a remote script into an actionable ExchangeError."""
    kind = error.get("kind") or "exchange"
    message = (error.get("message") or "").strip()
    exception = error.get("exception") or ""
    if kind == "identity_count":
        return ExchangeError("%s: the identity matched %s OWA virtual directories, not exactly one; nothing was changed. Give identity as "
                             "SERVER\\owa (Default Web Site)." % (server, message or "no"), "not_found", message)
    if kind == "certificate_missing":
        return ExchangeError("%s has no Exchange certificate with thumbprint %s (instant_messaging_certificate_thumbprint). "
                             "Use the thumbprint of this server's IIS certificate "
                             "(Get-ExchangeCertificate | fl services,thumbprint), or set verify_certificate: false." % (server, message),
                             "certificate_missing", message)
    if kind == "no_iis_certificate":
        return ExchangeError("%s has no Exchange certificate that is bound to IIS, has status Valid and is valid today (its certificates: "
                             "%s). Enable one for IIS (Enable-ExchangeCertificate -Services IIS) or give the thumbprint; nothing was changed."
                             % (server, message or "none"), "no_iis_certificate", message)
    if kind == "not_exchange":
        return ExchangeError("%s is not an Exchange server: no Exchange Management Shell snap-in is registered there. "
                             "Point the play at the Client Access servers." % server, "not_exchange")
    if "successful bind must be completed" in message or "000004DC" in message:
        return ExchangeError(
            "Exchange on %s could not reach Active Directory with your credentials: a WinRM session authenticated with NTLM, "
            "Basic, or Kerberos without delegation cannot pass them on to a domain controller (the second hop). Use "
            "ansible_winrm_transport: credssp, or kerberos with ansible_winrm_kerberos_delegation: true, or run the play on the "
            "server itself. Exchange said: %s"
            % (server, message.splitlines()[0]), "second_hop", message)
    if exception.endswith("ManagementObjectNotFoundException"):
        return ExchangeError("%s: %s Check the identity option (format: SERVER\\owa (Default Web Site))." % (server, message),
                             "not_found", message)
    if "ParameterBinding" in exception or "ArgumentTransformation" in exception:
        return ExchangeError("Exchange on %s rejected a parameter: %s" % (server, message), "rejected", message)
    return ExchangeError("Exchange on %s failed: %s" % (server, message or "(no message)"), kind, message)


# A codec's own words name the character it could not encode and where: of a password, that is part of it.
_CODEC_DETAIL = re.compile(r"""codec can't (en|de)code (?:character|byte)s? (?:(?:'[^']*'|"[^"]*"|\S+) )?in position \d+(?:-\d+)?(?:: [^,;\n]*)?""")
MASK = "********"


def without_secrets(message: str, secrets: t.Iterable[str]) -> str:
    """``message`` with every secret masked and no codec detail that could show a character of one."""
    text = _CODEC_DETAIL.sub(lambda match: "codec can't %scode a character (not shown: it may be part of a credential)" % match.group(1), message)
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text
