"""The remote scripts: each parses, declares param(), runs on the PowerShell it can meet, and travels as data."""

from __future__ import annotations

import base64
import re

import pytest
import tree_sitter_powershell
from hypothesis import given, settings
from hypothesis import strategies as st
from tree_sitter import Language, Node, Parser

from ansible.plugins.loader import shell_loader
from ansible_collections.exchange.owa_im.plugins.plugin_utils import _remote, _scripts

from ansible_collections.exchange.owa_im.tests.unit.plugins.plugin_utils.powershell_versions import NEWER_THAN_2_0, Construct

PARSER = Parser(Language(tree_sitter_powershell.language()))
# The built-in aliases of the commands the list names (Get-Alias on Windows PowerShell 2.0).
ALIASES = {"gc": "get-content", "cat": "get-content", "type": "get-content", "gci": "get-childitem", "ls": "get-childitem",
           "dir": "get-childitem", "sc": "set-content"}
SIMPLIFIED_ALIASES = {"where-object": ("where-object", "where", "?"), "foreach-object": ("foreach-object", "foreach", "%")}
ALL_SCRIPTS = sorted(set(_scripts.POWERSHELL_2_SCRIPTS) | set(_scripts.POWERSHELL_3_SCRIPTS))


def _walk(node: Node):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.children)


def _text(node: Node) -> str:
    return node.text.decode("utf-8")


def newer_constructs(source: str) -> list[str]:
    """What ``source`` uses that Windows PowerShell 2.0 lacks (see powershell_versions.py)."""
    tree = PARSER.parse(source.encode("utf-8"))
    found = []
    for node in _walk(tree.root_node):
        if node.type == "command":
            name_node = next((c for c in node.children if c.type == "command_name"), None)
            name = _text(name_node).lower() if name_node is not None else ""
            name = ALIASES.get(name, name)
            elements = next((c for c in node.children if c.type == "command_elements"), None)
            words = [c for c in elements.children if c.type != "command_argument_sep"] if elements is not None else []
            parameters = [_text(c).lower().rstrip(":") for c in words if c.type == "command_parameter"]
            for construct in NEWER_THAN_2_0:
                if construct.kind == "command" and name == construct.name:
                    found.append(construct.name)
                if construct.kind == "parameter":
                    command, parameter = construct.name.split(" ", 1)
                    if command == "*" and parameter == "-erroraction ignore":
                        for index, word in enumerate(words[:-1]):
                            if _is_parameter(_text(word).lower(), "-erroraction", "-ea") and \
                                    _text(words[index + 1]).strip("'\"").lower() == "ignore":
                                found.append(construct.name)
                    elif name == command and any(_is_parameter(given, parameter) for given in parameters):
                        found.append(construct.name)
                if construct.kind == "simplified" and name in SIMPLIFIED_ALIASES[construct.name]:
                    # The 2.0 form takes a script block; a bare property name is the 3.0 simplified syntax.
                    if words and words[0].type != "command_parameter" and "{" not in _text(words[0]):
                        found.append(construct.name + " (simplified syntax)")
        elif node.type == "type_literal":
            name = _text(node).strip("[]").lower()
            for namespace in ("system.management.automation.", "system.collections.specialized."):
                name = name[len(namespace):] if name.startswith(namespace) else name
            found += [c.name for c in NEWER_THAN_2_0 if c.kind == "type" and name == c.name]
        elif node.type == "comparison_operator":
            found += [c.name for c in NEWER_THAN_2_0 if c.kind == "operator" and _text(node).lower() == c.name]
        elif node.type == "invokation_expression":
            member = next((c for c in node.children if c.type == "member_name"), None)
            static = any(c.type == "::" for c in node.children)
            if member is not None:
                kind = "static_method" if static else "method"
                found += [c.name for c in NEWER_THAN_2_0 if c.kind == kind and _text(member).lower() == c.name]
        elif node.type == "variable":
            found += [c.name for c in NEWER_THAN_2_0 if c.kind == "variable" and _text(node).lower() in ("$" + c.name, "${" + c.name + "}")]
        else:
            found += [c.name for c in NEWER_THAN_2_0 if c.kind == "node" and node.type == c.name]
    # tree-sitter-powershell reads ".ForEach(" as the foreach keyword and gives up (an ERROR node), and ".Where{" (a script
    # block without parentheses) is no method call to it: look at the text.
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("#"))
    found += [c.name for c in NEWER_THAN_2_0 if c.kind == "method"
              and re.search(r"\.\s*%s\s*[({]" % c.name, code, re.IGNORECASE) and c.name not in found]
    # $ErrorActionPreference = 'Ignore' is the 3.0 value set another way.
    if re.search(r"\$ErrorActionPreference\s*=\s*['\"]ignore['\"]", code, re.IGNORECASE):
        found.append("* -erroraction ignore")
    return found


def _is_parameter(given: str, *names: str) -> bool:
    """PowerShell takes any unambiguous prefix of a parameter's name (three characters at least, here)."""
    return any(given == name or (len(given) >= 3 and name.startswith(given)) for name in names)


@pytest.mark.parametrize("construct", NEWER_THAN_2_0, ids=lambda c: c.name)
def test_the_check_catches_each_construct(construct: Construct) -> None:
    """The version check can fail: each listed construct, in its documented example, is found."""
    assert newer_constructs(construct.example), "%s (PowerShell %s) not caught in %r" % (construct.name, construct.since, construct.example)
    assert construct.source


def test_the_check_passes_powershell_2_idioms() -> None:
    assert newer_constructs("Get-Process | Where-Object { $_.Name -eq 'x' } | ForEach-Object { $_.Id }\n"
                            "$h = @{}; if ($h -contains 1) { }; Get-Item x -ErrorAction SilentlyContinue") == []


@pytest.mark.parametrize("name", ALL_SCRIPTS)
def test_script_parses_and_declares_param(name: str) -> None:
    tree = PARSER.parse(_scripts.source(name).encode("utf-8"))
    assert not tree.root_node.has_error, "%s.ps1 does not parse" % name
    assert any(child.type == "param_block" for child in tree.root_node.children), "%s.ps1 has no param() block" % name


@pytest.mark.parametrize("name", _scripts.POWERSHELL_2_SCRIPTS)
def test_scripts_that_reach_exchange_2010_are_powershell_2(name: str) -> None:
    assert newer_constructs(_scripts.source(name)) == [], "%s.ps1 can reach an Exchange 2010 server" % name


def test_every_script_file_is_classified() -> None:
    import importlib.resources
    files = importlib.resources.files("ansible_collections.exchange.owa_im.plugins.plugin_utils").joinpath(_scripts.SCRIPT_DIRECTORY)
    on_disk = sorted(entry.name[:-4] for entry in files.iterdir() if entry.name.endswith(".ps1"))
    assert on_disk == ALL_SCRIPTS


def test_command_line_is_far_below_cmd_limit_whatever_is_sent() -> None:
    shell = shell_loader.get("powershell")

    class Connection:
        _shell = shell

    line = _remote.command_line(Connection())
    assert line.startswith("PowerShell -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand ")
    assert len(line) < _remote.COMMAND_LINE_LIMIT // 2
    # The script and the values are on standard input: a large value does not touch the command line.
    big = _scripts.payload("owa_web_config_info", {"Path": "C:\\" + "x" * 100000})
    assert len(big) > 100000 and _remote.command_line(Connection()) == line


HOSTILE = st.text(alphabet=st.sampled_from(list("'\"`$(){};|&@#<>\n\r\t -:,x\\\u2018\u2019\u201c\u200e")) |
                  st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40)


@settings(max_examples=300, deadline=None)
@given(HOSTILE, st.lists(HOSTILE, max_size=4))
def test_values_are_data_never_code(value: str, items: list[str]) -> None:
    """Whatever a value holds, it is one base64 token of one input line; the scripts' text never changes."""
    lines = [_scripts.parameter_line("Value", value), _scripts.parameter_line("Items", items)]
    for line in lines:
        kind, name, data = line.split(" ")
        assert data == "-" or all(part == "-" or base64.b64decode(part, validate=True) is not None for part in data.split(","))
    assert base64.b64decode(lines[0].split(" ")[2]).decode("utf-8") == value if value else lines[0].endswith(" -")


@pytest.mark.parametrize("bad", ["a b", "", "1x", "x-y"])
def test_parameter_names_are_ours(bad: str) -> None:
    with pytest.raises(ValueError):
        _scripts.parameter_line(bad, "v")


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("0123456789abcdefABCDEF :\t\u200e\u200f\u200b\u200c\u200d\ufeff\u00a0")), max_size=60))
def test_the_two_thumbprint_cleaners_agree(raw: str) -> None:
    """ConvertTo-OwaImThumbprint (on the server) and clean_thumbprint (on the controller) clean alike."""
    from ansible_collections.exchange.owa_im.plugins.plugin_utils._owa_settings import clean_thumbprint
    from owa_lab.powershell.builtins import core_cmdlets
    from owa_lab.powershell.engine import Engine

    engine = Engine(2.0, core_cmdlets(), {}, {}, lambda *a: None)
    script = _scripts.source("OwaImExchange") + "\nConvertTo-OwaImThumbprint ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String('%s')))" % (
        base64.b64encode(raw.encode("utf-8")).decode("ascii"))
    code, output = engine.run(script)
    assert code == 0, [str(e) for e in engine.errors]
    assert output == [clean_thumbprint(raw)]
