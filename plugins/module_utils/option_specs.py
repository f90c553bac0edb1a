# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Argument specs shared by each module's documentation stub and its action plugin."""

from __future__ import annotations

# A virtual directory and the IM settings intended for it: what owa_virtual_directory sets and cas_info compares.
_INTENDED_SETTINGS = {
    "identity": {"type": "str"},
    "instant_messaging_enabled": {"type": "bool"},
    "instant_messaging_type": {"type": "str"},
    "instant_messaging_server_name": {"type": "str"},
    "instant_messaging_certificate_thumbprint": {"type": "str"},
    "verify_certificate": {"type": "bool", "default": True},
    "discover_certificate": {"type": "bool", "default": False},
}

OWA_VIRTUAL_DIRECTORY_SPEC = dict(_INTENDED_SETTINGS, backup_directory={"type": "path"}, change_id={"type": "str"})

CAS_INFO_SPEC = {
    **_INTENDED_SETTINGS,
    "include_components": {"type": "bool", "default": True},
    "include_hotfixes": {"type": "bool", "default": True},
    "certificate_required": {"type": "bool", "default": False},
    "host_authorization_name": {"type": "str"},
    "check_prerequisites": {"type": "bool", "default": False},
    "pool_port": {"type": "int", "default": 5061},
    "connect_back_port": {"type": "int", "default": 5075},
    "connect_timeout": {"type": "int", "default": 3},
    "allow_self_signed_certificate": {"type": "bool", "default": False},
    "error_names": {"type": "dict"},
    "require_linear_strategy": {"type": "bool", "default": False},
    "query": {"type": "str"},
}

OWA_VIRTUAL_DIRECTORY_INFO_SPEC = {
    "scope": {"type": "str", "choices": ["server", "organization"], "default": "server"},
    "identity": {"type": "str"},
    "include_certificates": {"type": "bool", "default": False},
    "include_mailbox_policies": {"type": "bool", "default": False},
    "query": {"type": "str"},
}

EXCHANGE_CERTIFICATE_INFO_SPEC = {
    "thumbprint": {"type": "str"},
    "issuer": {"type": "str"},
    "serial_number": {"type": "str"},
    "query": {"type": "str"},
}

OCS_COMPONENTS_SPEC = {
    "source": {"type": "str"},
    "controller_source": {"type": "path"},
    "staging_directory": {"type": "str"},
    "installer_timeout": {"type": "int", "default": 1800},
    "expand_directory": {"type": "str", "default": "C:\\Web Service Provider Installer Package"},
    "log_directory": {"type": "str", "default": "C:\\Windows\\Temp"},
    "state": {"type": "str", "choices": ["present"], "default": "present"},
    # Unset: apply the hotfixes whose .msp is there and warn about the others.
    "hotfixes": {"type": "bool"},
}

OCS_COMPONENTS_INFO_SPEC = {
    "query": {"type": "str"},
}

IIS_RESTART_SPEC = {
    "method": {"type": "str", "choices": ["iisreset", "recycle_app_pool"], "default": "iisreset"},
    "app_pool": {"type": "str", "default": "MSExchangeOWAAppPool"},
    "when_pending": {"type": "bool", "default": False},
    "identity": {"type": "str"},
    "wait_url": {"type": "str"},
    "wait_timeout": {"type": "int", "default": 300},
    "wait_ca_path": {"type": "path"},
    "wait_validate_certs": {"type": "bool", "default": True},
    "check_im_events": {"type": "bool", "default": False},
    "halt_on_failure": {"type": "bool", "default": False},
}

OWA_VIRTUAL_DIRECTORY_BACKUP_INFO_SPEC = {
    "max_files": {"type": "int", "default": 200},
    "max_bytes": {"type": "int", "default": 65536},
    "query": {"type": "str"},
}

SERVER_RESTART_SPEC = {
    "reboot_timeout": {"type": "int", "default": 900},
    "pre_reboot_delay": {"type": "int", "default": 2},
    "post_reboot_delay": {"type": "int", "default": 0},
}

OWA_WEB_CONFIG_INFO_SPEC = {
    "path": {"type": "str"},
    "query": {"type": "str"},
}

OWA_IM_EVENT_INFO_SPEC = {
    "since": {"type": "str"},
    "minutes_back": {"type": "int"},
    "ids": {"type": "list", "elements": "int"},
    "max_events": {"type": "int", "default": 50},
    "query": {"type": "str"},
}

OWA_MAILBOX_POLICY_SPEC = {
    "name": {"type": "str", "required": True, "aliases": ["identity"]},
    "instant_messaging_enabled": {"type": "bool"},
    "instant_messaging_type": {"type": "str"},
    "change_id": {"type": "str"},
}

SETTING_OVERRIDE_SPEC = {
    "name": {"type": "str", "required": True},
    "component": {"type": "str", "default": "OwaServer"},
    "section": {"type": "str", "default": "IMSettings"},
    "parameters": {"type": "dict"},
    "reason": {"type": "str", "default": "OWA instant messaging (exchange.owa_im)"},
    "server": {"type": "list", "elements": "str"},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "replace_others": {"type": "bool", "default": True},
    "refresh": {"type": "str", "choices": ["changed", "always", "never"], "default": "changed"},
    "change_id": {"type": "str"},
}

OWA_WEB_CONFIG_SPEC = {
    "im_server_name": {"type": "str"},
    "im_certificate_thumbprint": {"type": "str"},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "path": {"type": "str"},
    "change_id": {"type": "str"},
    "remove_keys": {"type": "list", "elements": "str", "choices": ["im_server_name", "im_certificate_thumbprint"]},
}

CS_TRUSTED_APPLICATION_SPEC = {
    "pool_fqdn": {"type": "str", "required": True},
    "registrar": {"type": "str"},
    "site": {"type": "str"},
    "application_id": {"type": "str", "default": "OutlookWebApp"},
    "port": {"type": "int", "default": 5199},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "publish": {"type": "bool", "default": True},
    "keep_pool": {"type": "bool", "default": False},
    "change_id": {"type": "str"},
}

OCS_HOST_AUTHORIZATION_SPEC = {
    "servers": {"type": "list", "elements": "str", "required": True},
    "state": {"type": "str", "choices": ["present", "absent"], "default": "present"},
    "outbound_only": {"type": "bool", "default": False},
    "throttle_as_server": {"type": "bool", "default": True},
    "treat_as_authenticated": {"type": "bool", "default": True},
    "backend": {"type": "str", "default": "(local)\\rtc"},
    "change_id": {"type": "str"},
}
