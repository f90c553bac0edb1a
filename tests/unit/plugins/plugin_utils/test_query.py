"""JMESPath queries: compiled and checked before anything runs, applied to plain data, and failures that name the option."""

from __future__ import annotations

import sys

import jmespath
import pytest
import yaml

from ansible.errors import AnsibleFilterError
from ansible_collections.exchange.owa_im.plugins.filter import jmespath_query as filter_plugin
from ansible_collections.exchange.owa_im.plugins.module_utils import option_specs
from ansible_collections.exchange.owa_im.plugins.doc_fragments import query as query_fragment
from ansible_collections.exchange.owa_im.plugins.modules import (cas_info, exchange_certificate_info, ocs_components_info, owa_virtual_directory_info,
                                                                 owa_web_config_info)
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _query

RESULT = {
    "changed": False,
    "server": {"name": "CAS01"},
    "virtual_directories": [
        {"server": "CAS01", "identity": "CAS01\\owa (Default Web Site)", "instant_messaging_enabled": True},
        {"server": "CAS02", "identity": "CAS02\\owa (Default Web Site)", "instant_messaging_enabled": False},
        {"server": "CAS03", "identity": "CAS03\\owa (Default Web Site)", "instant_messaging_enabled": None},
    ],
}

INFO_MODULES = {
    "cas_info": (cas_info, option_specs.CAS_INFO_SPEC),
    "owa_virtual_directory_info": (owa_virtual_directory_info, option_specs.OWA_VIRTUAL_DIRECTORY_INFO_SPEC),
    "exchange_certificate_info": (exchange_certificate_info, option_specs.EXCHANGE_CERTIFICATE_INFO_SPEC),
    "ocs_components_info": (ocs_components_info, option_specs.OCS_COMPONENTS_INFO_SPEC),
    "owa_web_config_info": (owa_web_config_info, option_specs.OWA_WEB_CONFIG_INFO_SPEC),
}


def test_query_result_is_added_and_the_rest_left_as_it_was() -> None:
    compiled = _query.compile_query("virtual_directories[?instant_messaging_enabled == `false`].server")
    before = {"changed": False, **RESULT}
    result = _query.with_query_result(before, compiled)
    assert result["query_result"] == ["CAS02"]
    assert {k: v for k, v in result.items() if k != "query_result"} == RESULT
    assert "query_result" not in before


@pytest.mark.parametrize("expression", [None, ""])
def test_no_query_returns_the_result_unchanged(expression: str | None) -> None:
    assert _query.compile_query(expression) is None
    assert _query.with_query_result(dict(RESULT), None) == RESULT


def test_query_sees_the_whole_result() -> None:
    compiled = _query.compile_query("{server: server.name, off: length(virtual_directories[?!instant_messaging_enabled])}")
    assert _query.with_query_result(RESULT, compiled)["query_result"] == {"server": "CAS01", "off": 2}


@pytest.mark.parametrize("expression", ["virtual_directories[?", "virtual_directories[0", "server..name", "server.name ||"])
def test_bad_expression_names_the_option_and_carries_jmespaths_parse_error(expression: str) -> None:
    with pytest.raises(jmespath.exceptions.JMESPathError) as parse_error:
        jmespath.compile(expression)
    with pytest.raises(_query.QueryError) as failure:
        _query.compile_query(expression)
    assert str(failure.value) == "query is not a valid JMESPath expression: %s" % parse_error.value


@pytest.mark.parametrize("expression,message", [
    ("virtual_directories[?contain(server, 'CAS')]", "unknown function contain() (JMESPath has abs, avg"),
    ("length(virtual_directories, server)", "length() takes 1 argument, not 2"),
    ("sort_by(virtual_directories)", "sort_by() takes 2 arguments, not 1"),
    ("{a: not_null()}", "not_null() takes at least 1 argument, not 0"),
])
def test_unknown_function_or_argument_count_fails_before_any_data(expression: str, message: str) -> None:
    with pytest.raises(_query.QueryError, match="^owa_im_audit_query is not a valid JMESPath expression: ") as failure:
        _query.compile_query(expression, "owa_im_audit_query")
    assert message in str(failure.value)


def test_an_error_that_depends_on_the_data_names_the_option_and_the_expression() -> None:
    compiled = _query.compile_query("sum(virtual_directories[].server)")
    with pytest.raises(_query.QueryError, match=r"^query 'sum\(virtual_directories\[\]\.server\)' failed on this data: "
                                                r"In function sum\(\), invalid type"):
        _query.with_query_result(RESULT, compiled)


def test_missing_library_says_how_to_install_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_query, "jmespath", None)
    with pytest.raises(_query.QueryError) as failure:
        _query.compile_query("server.name")
    message = str(failure.value)
    assert "pip install jmespath" in message and "in the Python that runs Ansible (%s)" % sys.executable in message
    assert _query.compile_query(None) is None    # no query, no library needed


class TaggedStr(str):
    """Stands for the str subclasses Ansible hands templates (jmespath's type checks know only str itself)."""


class LazyDict(dict):
    pass


class LazyList(list):
    pass


@pytest.mark.parametrize("expression", ["contains(services, 'IIS')", "starts_with(name, 'CAS')", "length(@) == `2`"])
def test_ansible_subclasses_become_plain_types_that_jmespath_functions_accept(expression: str) -> None:
    data = LazyDict(services=LazyList([TaggedStr("IIS"), TaggedStr("SMTP")]), name=TaggedStr("CAS01"))
    with pytest.raises(jmespath.exceptions.JMESPathTypeError):
        jmespath.search(expression, data)
    assert _query.search(expression, data) is True


def test_plain_types() -> None:
    plain = _query.plain(LazyDict(services=LazyList([TaggedStr("IIS")])))
    assert [value.__class__ for value in (plain, plain["services"], plain["services"][0])] == [dict, list, str]
    assert _query.plain((1, 2.5, True, None)) == [1, 2.5, True, None]


def test_filter_queries_and_fails_as_a_filter() -> None:
    entries = [{"host": "cas01", "settings": {"instant_messaging_enabled": True}},
               {"host": "cas02", "settings": {"instant_messaging_enabled": False}}]
    assert filter_plugin.jmespath_query(entries, "[?settings.instant_messaging_enabled == `false`].host") == ["cas02"]
    for expression, message in (("[?", "jmespath_query: expression is not a valid JMESPath expression: "),
                                ("", "jmespath_query: expression is empty")):
        with pytest.raises(AnsibleFilterError, match=message):
            filter_plugin.jmespath_query(entries, expression)
    assert filter_plugin.FilterModule().filters()["jmespath_query"] is filter_plugin.jmespath_query


def _tasks_with_query(examples: str) -> list[str]:
    return [task[module]["query"] for task in yaml.safe_load(examples) for module in task
            if module.startswith("exchange.owa_im.") and isinstance(task[module], dict) and "query" in task[module]]


@pytest.mark.parametrize("name", sorted(INFO_MODULES))
def test_info_module_documents_query_and_its_examples_compile(name: str) -> None:
    module, spec = INFO_MODULES[name]
    assert spec["query"] == {"type": "str"}
    documentation = yaml.safe_load(module.DOCUMENTATION)
    # The option is documented once, in the query doc fragment, which every info module extends.
    assert "exchange.owa_im.query" in documentation["extends_documentation_fragment"]
    fragment = yaml.safe_load(query_fragment.ModuleDocFragment.DOCUMENTATION)["options"]
    assert fragment["query"]["type"] == "str"
    assert set(documentation["options"] or {}) | set(fragment) == set(spec)
    returned = yaml.safe_load(module.RETURN)["query_result"]
    assert returned["returned"] == "when O(query) is given" and returned["type"] == "raw"
    queries = _tasks_with_query(module.EXAMPLES)
    assert 1 <= len(queries) <= 3
    for query in queries:
        assert _query.compile_query(query) is not None


def test_filter_examples_compile() -> None:
    for task in yaml.safe_load(filter_plugin.EXAMPLES):
        expression = task["ansible.builtin.debug"]["msg"].split("jmespath_query('", 1)[1].rsplit("')", 1)[0]
        assert _query.compile_query(expression, "expression") is not None
