"""Quoting: every user value stays one literal, for tree-sitter and for PowerShell's own tokenizer."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import tree_sitter_powershell
from hypothesis import given, settings
from hypothesis import strategies as st
from tree_sitter import Language, Parser

from ansible_collections.exchange.owa_im.plugins.module_utils.powershell_script import quote_literal

sys.path.insert(0, str(Path(__file__).resolve().parents[4] / "tests" / "lab"))
from owa_lab.powershell.builtins import core_cmdlets  # noqa: E402
from owa_lab.powershell.engine import Engine  # noqa: E402

PARSER = Parser(Language(tree_sitter_powershell.language()))
_SPECIAL = "'\"`$(){};|&@#<>\n\r\t -–—:x\\\u2018\u2019\u201a\u201b\u201c\u201d\u201e\u200e\u200f"
HOSTILE = st.text(alphabet=st.sampled_from(list(_SPECIAL)) | st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=40)


def _literal_nodes(script: str) -> list[str]:
    tree = PARSER.parse(script.encode("utf-8"))
    assert not tree.root_node.has_error
    found = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type in ("verbatim_string_characters",):
            found.append(node.text.decode("utf-8"))
        stack.extend(node.children)
    return found


def _powershell_reads(script: str) -> list[object]:
    engine = Engine(2.0, core_cmdlets(), {}, {}, lambda *a: None)
    code, output = engine.run(script)
    assert code == 0, engine.errors
    return output


@settings(max_examples=3000, deadline=None)
@given(HOSTILE)
def test_value_is_one_literal_for_tree_sitter(value: str) -> None:
    script = "Write-Output " + quote_literal(value)
    assert _literal_nodes(script) == [quote_literal(value)]


@settings(max_examples=1500, deadline=None)
@given(HOSTILE)
def test_value_round_trips_through_powershell_tokenizer(value: str) -> None:
    # The lab tokenizes quotes as PowerShell does, typographic ones included.
    assert _powershell_reads("$v = " + quote_literal(value) + "\n$v") == [value]


@pytest.mark.parametrize("value", ["a\u2019; Remove-Item x; \u2018b", "it's", "\u201a\u201b", "''", "\u2019"])
def test_typographic_quotes_are_doubled(value: str) -> None:
    assert _powershell_reads("$v = " + quote_literal(value) + "\n$v") == [value]


def test_naive_quoting_is_caught() -> None:
    """The check above can fail: a quoter that escapes only ASCII quotes lets code run."""
    naive = "'" + "a\u2019; Write-Output injected; \u2018b".replace("'", "''") + "'"
    assert _powershell_reads("$v = " + naive + "\n$v") != ["a\u2019; Write-Output injected; \u2018b"]


@pytest.mark.parametrize("value", ["a\x00b", "\ud800"])
def test_unscriptable_values_refused(value: str) -> None:
    with pytest.raises(ValueError, match="NUL or an unpaired surrogate"):
        quote_literal(value)
