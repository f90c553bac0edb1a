"""The lab's PowerShell engine never fails as the lab itself: random scripts from a small grammar end in output, in
PowerShell errors or in a parse error, never in a Python exception ("lab internal error"); what the lab does not emulate
says so and names the construct; and two smaller promises of issue #11 (CLIXML underscores, owa-lab's --state)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from owa_lab.powershell.builtins import core_cmdlets
from owa_lab.powershell.engine import Engine
from owa_lab.powershell.formatting import render
from owa_lab.powershell.values import ParseError
from owa_lab.process import _clixml_text


def _engine(version: float) -> Engine:
    engine = Engine(version, core_cmdlets(), {"COMPUTERNAME": "CAS01"}, {}, lambda *args: None)
    engine.state["clock"] = lambda: dt.datetime(2024, 3, 5, 14, 7, 9)
    return engine


def _run(script: str, version: float) -> tuple[str, list[str]]:
    engine = _engine(version)
    _code, output = engine.run(script)
    return render(output), [error.message for error in engine.errors]


# ----- random scripts ---------------------------------------------------------------------------------------------
_atoms = st.sampled_from([
    "1", "0", "-3", "2.5", "0x1F", "1kb", "'a'", '"b$x"', '"$(1+1)"', "$x", "$y", "$null", "$true", "@()", "@(1,2)", "1,2,3",
    "@{a=1}", "[int]'4'", "[int]'z'", "'x'.Length", "$x.Foo()", "$null.Bar()", "[math]::Round(2.5)", "[math]::Cos(1)",
    "'a,b'.Split(',')", "(1..3)", "$h.a", "$h['b']", "[ordered]@{z=1}", "[pscustomobject]@{n=1}", "[regex]::Match('ab','(?<n>a)')",
    "'{0,4:N1}' -f 3.14", "{ $_ }", "[datetime]'2024-03-05'", "(Get-Date)", "$Matches", "[char]65", "[Foo.Bar]",
])
_operators = st.sampled_from(["+", "-", "*", "/", "%", "-eq", "-ne", "-gt", "-lt", "-like", "-match", "-notmatch", "-contains",
                              "-in", "-replace", "-split", "-join", "-and", "-or", "-f", "-is [int]", "-as [string]", ".."])
_expressions = st.recursive(
    _atoms,
    lambda inner: st.one_of(
        st.tuples(inner, _operators, inner).map(lambda t: f"{t[0]} {t[1]} {t[2]}"),
        inner.map(lambda e: f"({e})"),
        inner.map(lambda e: f"@({e})"),
        inner.map(lambda e: f"$({e})"),
        inner.map(lambda e: f"-not {e}"),
        st.tuples(inner, inner).map(lambda t: f"{t[0]}[{t[1]}]"),
        st.tuples(inner, st.sampled_from(["Count", "Length", "Name", "ToString()", "Trim()", "GetType()", "ForEach({$_})"]))
        .map(lambda t: f"{t[0]}.{t[1]}"),
    ),
    max_leaves=6,
)
_commands = st.sampled_from([
    "Write-Output", "ForEach-Object { $_ }", "Where-Object { $_ }", "Where-Object Name -eq 1", "Select-Object -First 1",
    "Select-Object @{n='x';e={$_}}", "Sort-Object", "Sort-Object -Descending", "Group-Object", "Measure-Object -Sum",
    "Out-Null", "Out-String", "Format-List", "Format-Table", "ConvertTo-Json", "Get-Foo", "Get-Member", "% Length",
    "Write-Host", "Write-Error -ErrorAction SilentlyContinue", "Write-Error -ErrorAction Ignore",
])


def _statement(expressions: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        expressions,
        expressions.map(lambda e: f"$x = {e}"),
        expressions.map(lambda e: f"$y += {e}"),
        st.tuples(expressions, _commands).map(lambda t: f"{t[0]} | {t[1]}"),
        st.tuples(expressions, expressions).map(lambda t: f"if ({t[0]}) {{ {t[1]} }} else {{ 'no' }}"),
        st.tuples(expressions, expressions).map(lambda t: f"foreach ($i in {t[0]}) {{ {t[1]}; if ($i) {{ continue }} }}"),
        expressions.map(lambda e: f"$n = 0; while ($n -lt 3) {{ $n++; {e} }}"),
        expressions.map(lambda e: f"do {{ {e}; break }} until ($true)"),
        st.tuples(expressions, expressions).map(lambda t: f"switch ({t[0]}) {{ 1 {{ 'one' }}\n {{ $_ }} {{ {t[1]} }}\n default {{ break }} }}"),
        st.tuples(expressions, expressions).map(lambda t: f"try {{ {t[0]} }} catch {{ $_.Exception.Message; {t[1]} }} finally {{ 'f' }}"),
        expressions.map(lambda e: f"trap {{ 'trapped'; continue }} {e}"),
        expressions.map(lambda e: f"function f($p) {{ {e}; $p }}; f 1; f -p {e}"),
        expressions.map(lambda e: f"function r($d) {{ if ($d -lt 200) {{ r ($d + 1) }} else {{ {e} }} }}; r 0"),
        expressions.map(lambda e: f"& {{ param($q) {e} }} 2"),
        expressions.map(lambda e: f"throw {e}"),
        st.just("return"), st.just("break"), st.just("exit 3"),
    )


_scripts = st.lists(_statement(_expressions), min_size=1, max_size=4).map(
    lambda statements: "$x = 1; $y = 0; $h = @{a=1; b='two'}\n" + "\n".join(statements))


@settings(max_examples=max(300, settings.default.max_examples), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_scripts, st.sampled_from([2.0, 5.1]))
@example("1 -split @()", 2.0)   # found by make fuzz: an empty right operand
def test_random_scripts_never_fail_inside_the_lab(script: str, version: float) -> None:
    engine = _engine(version)
    try:
        _code, output = engine.run(script)
    except ParseError:
        return   # PowerShell's parser would have refused it too, or the lab says what it cannot read
    render(output)
    for error in engine.errors:
        assert "internal" not in error.message.lower() and "Traceback" not in error.message


@pytest.mark.parametrize("text", ["%", "{", "(((", "'", "@'", "$(", "[", "-", "`", "\x00", "switch", "trap", "function"])
def test_broken_scripts_are_parse_errors(text: str) -> None:
    try:
        _run(text, 2.0)
    except ParseError:
        pass


# ----- honest gaps --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("script", "named"), [
    ("Get-Member", "Get-Member"),                     # a real cmdlet the lab lacks
    ("gm", "Get-Member (alias gm)"),
    ("[math]::Cos(1)", "[math]::Cos()"),             # a real .NET method the lab lacks
    ("'abc'.Normalize()", "System.String.Normalize()"),
    ("[System.Collections.ArrayList]", "[System.Collections.ArrayList]"),
    ("switch -file x.txt { default { 1 } }", "switch -file"),
    ("[xml]'<a><b>1</b></a>'", "[xml]"),                  # a real conversion the lab lacks
])
def test_what_the_lab_lacks_says_so_and_names_it(script: str, named: str) -> None:
    _output, errors = _run(script + "; 'never'", 5.1)
    assert len(errors) == 1 and errors[0].startswith("owa-lab does not emulate") and named in errors[0], errors
    assert "never" not in _output


def test_a_lab_gap_is_not_caught_as_if_powershell_had_answered() -> None:
    output, errors = _run("try { Get-Member } catch { 'caught' }; 'after'", 5.1)
    assert output == "" and errors[0].startswith("owa-lab does not emulate the command Get-Member")


def test_an_unknown_name_gets_powershells_own_message() -> None:
    _output, errors = _run("Get-Foo", 2.0)
    assert errors == ["The term 'Get-Foo' is not recognized as the name of a cmdlet, function, script file, or operable program. "
                      "Check the spelling of the name, or if a path was included, verify that the path is correct and try again."]


def test_an_operator_the_parser_cannot_read_is_reported_as_the_labs() -> None:
    with pytest.raises(ParseError, match="owa-lab's parser .* does not read the operator '-cin'"):
        _run('"A" -cin "a"', 5.1)


def test_call_depth_overflow_is_powershells_error_not_a_python_one() -> None:
    _output, errors = _run("function r { r }; r; 'after'", 5.1)
    assert errors == ["The script failed due to call depth overflow."]
    _output, errors = _run("function r { r }; r", 2.0)
    assert errors[0].startswith("The script failed due to call depth overflow.")


# ----- CLIXML and owa-lab's command line ----------------------------------------------------------------------------
def test_clixml_escapes_an_underscore_only_where_it_could_start_an_escape() -> None:
    # MS-PSRP 2.2.5.3.2: "Order_Details is not encoded, but Order_x0020_ is encoded as Order_x005f_x0020_".
    assert _clixml_text("Order_Details") == "Order_Details"
    assert _clixml_text("Order_x0020_") == "Order_x005F_x0020_"
    assert _clixml_text("a\r\nb") == "a_x000D__x000A_b"


def test_owa_lab_takes_state_before_or_after_the_subcommand(tmp_path: Path) -> None:
    owa_lab = [sys.executable, "-m", "owa_lab.cli"]
    before = subprocess.run([*owa_lab, "--state", str(tmp_path / "none"), "status"], capture_output=True, text=True)
    after = subprocess.run([*owa_lab, "status", "--state", str(tmp_path / "none")], capture_output=True, text=True)
    assert before.returncode == after.returncode == 1 and "no lab here" in before.stdout and "no lab here" in after.stdout
    down = subprocess.run([*owa_lab, "down", "--state", str(tmp_path / "none")], capture_output=True, text=True)
    assert down.returncode == 0, down.stderr
