"""What every action plugin does before and after its remote call (issue #15): connection settings that expose the
password or the traffic need an opt-in, limits come from host variables, and no credential reaches a result."""

from __future__ import annotations

import typing as t

import pytest

from ansible.errors import AnsibleConnectionFailure
from ansible_collections.exchange.owa_im.plugins.action.owa_virtual_directory_info import ActionModule as OwaVirtualDirectoryInfo
from ansible_collections.exchange.owa_im.plugins.action.owa_web_config_info import WEB_CONFIG_LIMIT
from ansible_collections.exchange.owa_im.plugins.action.owa_web_config_info import ActionModule as OwaWebConfigInfo
from ansible_collections.exchange.owa_im.plugins.module_utils.option_specs import OWA_VIRTUAL_DIRECTORY_INFO_SPEC
from ansible_collections.exchange.owa_im.tests.unit.plugins.action.test_action_plugins import SERVER, FakeConnection, make, record

PASSWORD = "Corr3ct-Horse"


class ConnectionWithOptions(FakeConnection):
    """FakeConnection with the options of ansible-core's winrm connection plugin."""

    def __init__(self, stdout: str = "", options: t.Optional[t.Dict[str, t.Any]] = None, **kwargs: t.Any) -> None:
        super().__init__(stdout, **kwargs)
        self.options = dict({"remote_password": PASSWORD, "transport": ["ntlm"], "port": 5986, "scheme": "https", "_extras": {}},
                            **(options or {}))

    def get_option(self, name: str) -> t.Any:
        if name not in self.options:
            raise KeyError(name)
        return self.options[name]


def directories(server_name: str = "ocs.contoso.com") -> str:
    lines = list(SERVER) + [record("vdir/0", "Identity", "CAS01\\owa (Default Web Site)"), record("vdir/0", "Server", "CAS01"),
                            record("vdir/0", "InstantMessagingServerName", server_name)]
    return "\r\n".join(lines) + "\r\n"


BASIC_OVER_HTTP = {"transport": ["plaintext"], "scheme": "http", "port": 5985}


def test_basic_over_http_is_refused_before_anything_is_sent() -> None:
    connection = ConnectionWithOptions(directories(), BASIC_OVER_HTTP)
    result = make(OwaVirtualDirectoryInfo, connection, {}).run(task_vars={"inventory_hostname": "cas01"})
    assert result["failed"] and connection.calls == []
    assert result["msg"].startswith("Refused before connecting to cas01; nothing was sent.")
    assert "ansible_winrm_transport plaintext" in result["msg"] and "owa_im_allow_basic_over_http: true" in result["msg"]
    assert "owa_im_allow_unencrypted_messages: true" in result["msg"]


def test_an_opt_in_lets_it_through_with_a_warning() -> None:
    connection = ConnectionWithOptions(directories(), BASIC_OVER_HTTP)
    task_vars = {"owa_im_allow_basic_over_http": True, "owa_im_allow_unencrypted_messages": "yes"}
    result = make(OwaVirtualDirectoryInfo, connection, {}).run(task_vars=task_vars)
    assert not result.get("failed"), result
    assert len(connection.calls) == 1
    assert [w.split(":")[0] for w in result["warnings"]] == ["owa_im_allow_basic_over_http is true", "owa_im_allow_unencrypted_messages is true"]


def test_one_opt_in_does_not_cover_the_other() -> None:
    connection = ConnectionWithOptions(directories(), BASIC_OVER_HTTP)
    result = make(OwaVirtualDirectoryInfo, connection, {}).run(task_vars={"owa_im_allow_basic_over_http": True})
    assert result["failed"] and connection.calls == []
    assert "owa_im_allow_unencrypted_messages: true" in result["msg"] and "owa_im_allow_basic_over_http: true" not in result["msg"]


def test_ntlm_over_http_with_encryption_needs_no_opt_in() -> None:
    connection = ConnectionWithOptions(directories(), {"transport": ["ntlm"], "scheme": "http", "port": 5985})
    result = make(OwaVirtualDirectoryInfo, connection, {}).run(task_vars={})
    assert not result.get("failed") and not result.get("warnings"), result


@pytest.mark.parametrize("variable,value", [("owa_im_allow_unverified_certificates", "maybe"), ("owa_im_remote_output_limit", "lots"),
                                            ("owa_im_remote_error_limit", 0), ("owa_im_remote_timeout", -5)])
def test_bad_settings_are_refused_naming_the_variable(variable: str, value: t.Any) -> None:
    connection = ConnectionWithOptions(directories(), {"_extras": {"ansible_winrm_server_cert_validation": "ignore"}})
    result = make(OwaVirtualDirectoryInfo, connection, {}).run(task_vars={variable: value})
    assert result["failed"] and result["msg"].startswith(variable + " must be") and connection.calls == []


def test_the_password_never_reaches_a_result() -> None:
    # A server (or a value placed in the wrong variable) that hands the password back: it is masked wherever it is.
    connection = ConnectionWithOptions(directories(server_name="ocs-" + PASSWORD + ".contoso.com"))
    result = make(OwaVirtualDirectoryInfo, connection, {}).run(task_vars={})
    assert PASSWORD not in repr(result)
    assert result["virtual_directories"][0]["instant_messaging_server_name"] == "ocs-********.contoso.com"
    lines = SERVER[:1] + [record("error", "kind", "exchange"), record("error", "message", "object '%s' couldn't be found" % PASSWORD),
                          record("error", "id", "x"), record("error", "exception", "ManagementObjectNotFoundException")]
    failed = make(OwaVirtualDirectoryInfo, ConnectionWithOptions("\r\n".join(lines)), {"identity": PASSWORD}).run(task_vars={})
    assert failed["failed"] and PASSWORD not in repr(failed) and "object '********' couldn't be found" in failed["msg"]


class WithSecretOption(OwaVirtualDirectoryInfo):
    argument_spec = dict(OWA_VIRTUAL_DIRECTORY_INFO_SPEC, api_key={"type": "str", "no_log": True})

    def manage(self, params: t.Dict[str, t.Any]) -> t.Dict[str, t.Any]:
        return {"changed": False, "said": "the key is %s" % params["api_key"]}


def test_values_of_no_log_options_are_masked() -> None:
    result = make(WithSecretOption, ConnectionWithOptions(""), {"api_key": "k-123456"}).run(task_vars={})
    assert result["said"] == "the key is ********"


def test_a_connection_failure_stays_unreachable_without_the_codec_detail() -> None:
    error = AnsibleConnectionFailure("plaintext: 'latin-1' codec can't encode character '\\u20ac' in position 3: ordinal not in range(256)")
    connection = ConnectionWithOptions(error=error, options={"transport": ["ntlm", "plaintext"]})
    with pytest.raises(AnsibleConnectionFailure) as raised:
        make(OwaVirtualDirectoryInfo, connection, {}).run(task_vars={})
    assert "u20ac" not in str(raised.value) and "position" not in str(raised.value)
    assert raised.value.__context__ is None and raised.value.__cause__ is None


def test_basic_with_a_password_it_cannot_send_is_refused_without_showing_it() -> None:
    connection = ConnectionWithOptions(directories(), {"transport": ["basic"], "remote_password": "Gr\u00fc\u00dfe-\u20ac"})
    result = make(OwaVirtualDirectoryInfo, connection, {}).run(task_vars={"inventory_hostname": "cas01"})
    assert result["failed"] and connection.calls == [] and "\u20ac" not in result["msg"] and "Latin-1" in result["msg"]


def test_web_config_over_the_limit_is_not_read() -> None:
    lines = ["OWAIM|server|name|string|Q0FTMDE=", record("web_config", "path", "C:\\x\\web.config"), record("web_config", "exists", True),
             record("web_config", "length", "52428800"), record("error", "kind", "too_large"), record("error", "message", "52428800")]
    connection = ConnectionWithOptions("\r\n".join(lines), rc=3)
    result = make(OwaWebConfigInfo, connection, {}).run(task_vars={})
    assert result["failed"] and "C:\\x\\web.config is 52428800 bytes, more than the %d bytes" % WEB_CONFIG_LIMIT in result["msg"]
    assert connection.sent_parameters()["MaxBytes"] == str(WEB_CONFIG_LIMIT)
