"""The info modules' query option with the remote side mocked: checked before the server is contacted, applied after."""

from __future__ import annotations

import typing as t

import pytest

from ansible_collections.exchange.owa_im.plugins.action.exchange_certificate_info import ActionModule as ExchangeCertificateInfo
from ansible_collections.exchange.owa_im.plugins.action.ocs_components_info import ActionModule as OcsComponentsInfo
from ansible_collections.exchange.owa_im.plugins.action.owa_virtual_directory_info import ActionModule as OwaVirtualDirectoryInfo
from ansible_collections.exchange.owa_im.plugins.action.owa_web_config_info import ActionModule as OwaWebConfigInfo
from ansible_collections.exchange.owa_im.tests.unit.plugins.action.test_action_plugins import SERVER, FakeConnection, make, record

INFO_MODULES = [OwaVirtualDirectoryInfo, ExchangeCertificateInfo, OcsComponentsInfo, OwaWebConfigInfo]


def directories_output() -> str:
    lines = list(SERVER)
    for index, (server, enabled) in enumerate((("CAS01", True), ("CAS02", False), ("CAS03", True))):
        lines += [record("vdir/%d" % index, "Identity", "%s\\owa (Default Web Site)" % server), record("vdir/%d" % index, "Server", server),
                  record("vdir/%d" % index, "InstantMessagingEnabled", enabled)]
    return "\r\n".join(lines) + "\r\n"


def run(connection: FakeConnection, args: t.Dict[str, t.Any]) -> t.Dict[str, t.Any]:
    return make(OwaVirtualDirectoryInfo, connection, args).run(task_vars={"inventory_hostname": "cas01"})


@pytest.mark.parametrize("plugin", INFO_MODULES, ids=lambda plugin: plugin.__module__.rsplit(".", 1)[-1])
@pytest.mark.parametrize("query,message", [
    ("virtual_directories[?instant_messaging_enabled == `false`", "query is not a valid JMESPath expression: Invalid jmespath expression"),
    ("components[?!installed].nam | lenght(@)", "query is not a valid JMESPath expression: unknown function lenght()"),
])
def test_a_bad_query_fails_before_the_server_is_contacted(plugin: t.Any, query: str, message: str) -> None:
    connection = FakeConnection(directories_output())
    result = make(plugin, connection, {"query": query}).run(task_vars={"inventory_hostname": "cas01"})
    assert result["failed"] and result["msg"].startswith(message), result
    assert connection.calls == []
    assert "query_result" not in result


def test_query_result_is_the_query_over_the_result_which_is_otherwise_unchanged() -> None:
    plain = run(FakeConnection(directories_output()), {})
    assert not plain.get("failed") and "query_result" not in plain, plain
    connection = FakeConnection(directories_output())
    queried = run(connection, {"query": "virtual_directories[?instant_messaging_enabled == `false`].server"})
    assert queried["query_result"] == ["CAS02"]
    assert {key: value for key, value in queried.items() if key != "query_result"} == plain
    assert len(connection.calls) == 1    # the query adds no remote call


def test_query_sees_every_key_of_the_result() -> None:
    result = run(FakeConnection(directories_output()), {"query": "{changed: changed, server: server.name, count: length(virtual_directories)}"})
    assert result["query_result"] == {"changed": False, "server": "CAS01", "count": 3}


def test_empty_query_is_no_query() -> None:
    result = run(FakeConnection(directories_output()), {"query": ""})
    assert not result.get("failed") and "query_result" not in result, result


def test_a_query_that_does_not_fit_the_data_fails_with_its_reason() -> None:
    connection = FakeConnection(directories_output())
    result = run(connection, {"query": "sum(virtual_directories[].server)"})
    assert result["failed"] and result["msg"].startswith("query 'sum(virtual_directories[].server)' failed on this data: In function sum()")
    assert len(connection.calls) == 1
