"""The lab's PowerShell against what Windows PowerShell prints: the corpus in tests/lab/tests/conformance/*.yml.

Each case is a script, the console output real PowerShell shows for it, the error messages it writes (in order), the
versions it applies to (2.0 as on Exchange 2010, 5.1 as on Exchange 2016) and the source the expectation was taken
from (a section of the PowerShell Language Specification, an about_* help topic, a cmdlet's or a .NET type's reference
page). The expectations were written from those sources, not from what the lab prints. Each case runs in-process in a
fresh engine of that version (no WinRM), with the clock at Tuesday 5 March 2024 14:07:09.

``python tests/lab/tests/test_conformance.py`` prints the table of tests/lab/README.md (cases per category and version,
and the fraction the lab passes).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from owa_lab.powershell.builtins import core_cmdlets
from owa_lab.powershell.engine import Engine
from owa_lab.powershell.formatting import render
from owa_lab.powershell.values import ParseError

CORPUS = Path(__file__).parent / "conformance"
VERSIONS = (2.0, 5.1)
CLOCK = dt.datetime(2024, 3, 5, 14, 7, 9)
_FIELDS = {"script", "output", "errors", "parse_error", "versions", "source", "id", "xfail"}


def load() -> list[dict[str, Any]]:
    """Every case, with its group's category, source and versions unless it names its own."""
    cases: list[dict[str, Any]] = []
    for path in sorted(CORPUS.glob("*.yml")):
        for group in yaml.safe_load(path.read_text(encoding="utf-8")):
            for number, case in enumerate(group["cases"], start=1):
                unknown = set(case) - _FIELDS
                assert not unknown, f"{path.name}: unknown fields {unknown} in {case}"
                assert isinstance(case.get("output", ""), str), f"{path.name}: quote the output of {case['script']!r}"
                entry = {"category": group["category"], "source": group["source"], "versions": group.get("versions", list(VERSIONS)),
                         "file": path.stem, **case}
                entry["id"] = case.get("id") or f"{path.stem}-{len([c for c in cases if c['file'] == path.stem]) + 1:03d}"
                entry["number"] = number
                cases.append(entry)
    return cases


def run(script: str, version: float) -> tuple[str, list[str], str | None]:
    """(console output, error messages, parse error message) of a script in a fresh engine."""
    engine = Engine(version, core_cmdlets(), {"COMPUTERNAME": "CAS01", "windir": "C:\\Windows"}, {}, lambda *args: None)
    engine.state["clock"] = lambda: CLOCK
    try:
        _code, output = engine.run(script)
    except ParseError as problem:
        return "", [], str(problem).splitlines()[-1]
    return render(output), [error.message for error in engine.errors], None


def normalise(text: str) -> str:
    """Trailing blanks off each line, no blank lines around the whole, one blank line where there were several."""
    lines = [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")]
    kept: list[str] = []
    for line in lines:
        if line or (kept and kept[-1]):
            kept.append(line)
    while kept and not kept[-1]:
        kept.pop()
    return "\n".join(kept)


def _params() -> list[Any]:
    params = []
    for case in load():
        for version in case["versions"]:
            marks = [pytest.mark.xfail(reason=case["xfail"], strict=True)] if case.get("xfail") else []
            params.append(pytest.param(case, float(version), id=f"{case['id']}@{version}", marks=marks))
    return params


def check(case: dict[str, Any], version: float) -> None:
    output, errors, parse_error = run(case["script"], version)
    if "parse_error" in case:
        assert parse_error == case["parse_error"]
        return
    assert parse_error is None, parse_error
    assert normalise(output) == normalise(str(case.get("output", ""))), f"source: {case['source']}"
    assert [e.replace("\r\n", "\n") for e in errors] == [str(e).replace("\r\n", "\n") for e in case.get("errors", [])]


@pytest.mark.parametrize(("case", "version"), _params())
def test_corpus(case: dict[str, Any], version: float) -> None:
    check(case, version)


def test_corpus_is_large_and_sourced() -> None:
    cases = load()
    assert len(cases) >= 300
    for case in cases:
        assert case["source"].strip() and set(map(float, case["versions"])) <= set(VERSIONS), case


def table() -> str:
    """The README's table: per category, the cases for each version and the fraction the lab passes."""
    totals: Counter[tuple[str, float]] = Counter()
    passed: Counter[tuple[str, float]] = Counter()
    for case in load():
        for version in map(float, case["versions"]):
            totals[(case["category"], version)] += 1
            try:
                check(case, version)
                passed[(case["category"], version)] += 1
            except AssertionError:
                pass
    rows = ["| category | 2.0 cases | 2.0 passing | 5.1 cases | 5.1 passing |", "| --- | --- | --- | --- | --- |"]
    for category in sorted({c for c, _v in totals}):
        cells = []
        for version in VERSIONS:
            count = totals[(category, version)]
            cells += [str(count), f"{passed[(category, version)] / count:.0%}" if count else "-"]
        rows.append(f"| {category} | " + " | ".join(cells) + " |")
    all_cells = []
    for version in VERSIONS:
        count = sum(n for (_c, v), n in totals.items() if v == version)
        ok = sum(n for (_c, v), n in passed.items() if v == version)
        all_cells += [str(count), f"{ok / count:.0%}" if count else "-"]
    rows.append("| **all** | " + " | ".join(all_cells) + " |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
