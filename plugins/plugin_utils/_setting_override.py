# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exchange semantics of a setting override (Exchange 2016 and later): what the task asks for and how Exchange compares.

OWA 2016 and 2019 take their IM server and certificate from a setting override of component OwaServer, section
IMSettings, parameters IMServerName and IMCertificateThumbprint, for the whole organisation or per server (by the
server's name, not its FQDN); each server reads it after its VariantConfiguration is refreshed and OWA's pool restarted
("Configure instant messaging integration with Outlook on the web in Exchange", learn.microsoft.com).
"""

from __future__ import annotations

import re
import typing as t

from ._owa_settings import SettingError, normalise_thumbprint, validate_server_name

IM_COMPONENT = "OwaServer"
IM_SECTION = "IMSettings"
# The IMSettings parameters Microsoft documents, by the lower-case key an admin may type.
IM_PARAMETERS = {"imservername": "IMServerName", "imcertificatethumbprint": "IMCertificateThumbprint"}
# What Get-SettingOverride shows of each override, read and kept in the backups.
OVERRIDE_PROPERTIES = ("Name", "Identity", "ComponentName", "SectionName", "Parameters", "Server", "Reason", "WhenChanged")

_KEY = re.compile(r"^[A-Za-z][A-Za-z0-9_.]*$")
_SERVER_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,62}$")


def desired_parameters(component: str, section: str, parameters: t.Mapping[str, t.Any]) -> t.List[str]:
    """The override's parameters as Exchange stores them (``Key=Value``, in key order), checked; SettingError names
    the option and the fix."""
    if not parameters:
        raise SettingError("parameters must name at least one setting, such as {IMServerName: pool.contoso.com, "
                           "IMCertificateThumbprint: <thumbprint of this server's IIS certificate>}.")
    is_im = component.lower() == IM_COMPONENT.lower() and section.lower() == IM_SECTION.lower()
    pairs: t.Dict[str, str] = {}
    for key, raw in parameters.items():
        key = str(key)
        value = "" if raw is None else str(raw)
        if is_im:
            if key.lower() not in IM_PARAMETERS:
                raise SettingError("parameters.%s is not a setting of %s/%s; Microsoft documents IMServerName and IMCertificateThumbprint."
                                   % (key, IM_COMPONENT, IM_SECTION))
            key = IM_PARAMETERS[key.lower()]
            if key == "IMServerName":
                value = validate_server_name(value, "parameters.IMServerName")
            else:
                value = normalise_thumbprint(value, "parameters.IMCertificateThumbprint")
        elif not _KEY.match(key):
            raise SettingError("parameters key %r must start with a letter and hold letters, digits, '_' or '.' only." % key)
        if any(c in value for c in "\r\n") or value != value.strip():
            raise SettingError("parameters.%s has a line break or whitespace at its start or end (%r); remove it." % (key, value))
        if key.lower() in (k.lower() for k in pairs):
            raise SettingError("parameters names %s twice (keys are compared without regard to case)." % key)
        pairs[key] = value
    return ["%s=%s" % (key, pairs[key]) for key in sorted(pairs, key=str.lower)]


def validate_servers(servers: t.Optional[t.Sequence[t.Any]]) -> t.List[str]:
    """Per-server overrides name servers by their name, not their FQDN (Microsoft's instructions)."""
    names = []
    for server in servers or []:
        name = str(server)
        if "." in name:
            raise SettingError("server %r is a fully qualified name; give the Exchange server's name (such as %s), as "
                               "New-SettingOverride -Server expects." % (name, name.split(".", maxsplit=1)[0].upper()))
        if not _SERVER_NAME.match(name):
            raise SettingError("server %r is not an Exchange server name (letters, digits and hyphens)." % name)
        names.append(name)
    return names


def parameter_key(values: t.Optional[t.Sequence[str]]) -> str:
    """How the script compares two parameter lists: trimmed Key=Value pairs in order, without regard to case."""
    pairs = []
    for value in values or []:
        key, sep, rest = str(value).partition("=")
        pairs.append((key.strip() + sep + rest.strip()).lower())
    return "\n".join(sorted(pairs))


def expected_action(before: t.Sequence[t.Mapping[str, t.Any]], name: str, parameters: t.Sequence[str], servers: t.Sequence[str],
                    present: bool) -> str:
    """What the server should decide (create, update, remove or none); the plugin checks the server agrees."""
    mine = [o for o in before if str(o.get("Name") or "").lower() == name.lower()]
    if present and not mine:
        return "create"
    if present:
        scope = sorted(str(s).lower() for s in mine[0].get("Server") or [] if s)
        if parameter_key(mine[0].get("Parameters")) != parameter_key(parameters) or scope != sorted(s.lower() for s in servers):
            return "update"
        return "none"
    return "remove" if mine else "none"


def as_overrides(records: t.Sequence[t.Mapping[str, t.Any]]) -> t.List[t.Dict[str, t.Any]]:
    """Overrides as the module returns them (option-style keys)."""
    return [{"name": o.get("Name"), "component": o.get("ComponentName"), "section": o.get("SectionName"),
             "parameters": list(o.get("Parameters") or []), "server": [s for s in o.get("Server") or [] if s],
             "reason": o.get("Reason")} for o in records]


def im_mechanism(admin_display_version: t.Optional[str]) -> str:
    """Where OWA on a server of this version takes its IM server and certificate from: the virtual directory (Exchange
    2010, 14.x), web.config (2013, 15.0) or a setting override (2016 and later, 15.1 and up)."""
    match = re.search(r"Version (\d+)\.(\d+)", admin_display_version or "")
    if not match or int(match.group(1)) < 15:
        return "virtual_directory"
    return "web_config" if (int(match.group(1)), int(match.group(2))) == (15, 0) else "setting_override"


def parameters_as_dict(values: t.Optional[t.Sequence[str]]) -> t.Dict[str, str]:
    """``Key=Value`` strings as a mapping with the documented IMSettings keys spelled as Microsoft spells them."""
    found: t.Dict[str, str] = {}
    for value in values or []:
        key, _sep, rest = str(value).partition("=")
        key = key.strip()
        found[IM_PARAMETERS.get(key.lower(), key)] = rest.strip()
    return found


def effective_im_settings(overrides: t.Sequence[t.Mapping[str, t.Any]], server: str) -> t.Dict[str, t.Any]:
    """The IMSettings that apply to ``server``: an override naming the server before one for the whole organisation
    (the more specific scope; the lab's assumption, see tests/lab/README.md). Several of one scope are ambiguous."""
    def scope(override: t.Mapping[str, t.Any]) -> t.List[str]:
        return [str(s).lower() for s in override.get("Server") or [] if s]
    own = [o for o in overrides if server.lower() in scope(o)]
    organisation = [o for o in overrides if not scope(o)]
    chosen = own or organisation
    settings = parameters_as_dict(chosen[0].get("Parameters")) if len(chosen) == 1 else {}
    return {"from": chosen[0].get("Name") if len(chosen) == 1 else None, "ambiguous": [o.get("Name") for o in chosen] if len(chosen) > 1 else [],
            "IMServerName": settings.get("IMServerName"), "IMCertificateThumbprint": settings.get("IMCertificateThumbprint")}


def im_setting_changes(effective: t.Mapping[str, t.Any], desired: t.Mapping[str, t.Any]) -> t.Dict[str, t.Any]:
    """The IMSettings parameters that differ from what the virtual-directory-style ``desired`` settings ask for."""
    changes: t.Dict[str, t.Any] = {}
    server = desired.get("InstantMessagingServerName")
    if server and str(effective.get("IMServerName") or "").rstrip(".").lower() != str(server).lower():
        changes["IMServerName"] = server
    thumbprint = desired.get("InstantMessagingCertificateThumbprint")
    if thumbprint and str(effective.get("IMCertificateThumbprint") or "").upper() != str(thumbprint).upper():
        changes["IMCertificateThumbprint"] = thumbprint
    return changes
