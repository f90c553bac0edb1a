"""Interprets PowerShell from tree-sitter-powershell's parse tree.

The engine knows PowerShell, not our scripts: whatever it does not implement fails loudly as a
parse error or an unrecognised term. Each run is one powershell.exe process: variables, loaded
snap-ins and ``$LASTEXITCODE`` live for one ``run`` call.
"""

from __future__ import annotations

import base64
import math
import sys
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import tree_sitter_powershell
from tree_sitter import Language, Node, Parser

from . import composite, known, members, regexes, source
from .values import (
    CIDict, DotNetVersion, ExitScript, FlowBreak, FlowContinue, FlowReturn, HostText, ParseError, PSChar, PSCollection, PSEnum,
    PSEnumerator, PSObject, PSOrdered, PSType, RuntimeError_, ScriptBlock, SwitchValue, error_record, format_date_current_culture,
    get_property, is_true, to_list, to_number, to_string, type_name_of,
)

_LANGUAGE = Language(tree_sitter_powershell.language())
# A PowerShell call is about 20 Python frames deep: room for PowerShell's own limit of 1000 nested calls.
sys.setrecursionlimit(max(sys.getrecursionlimit(), 40000))

# Wrapper nodes that stand for their single meaningful child.
# Parsed trees by (normalised text, PowerShell 3.0 or later), and the node each pass-through node unwraps to, by node
# id: the collection sends the same bootstrap and libraries with every command.
_TREE_CACHE_SIZE = 512
_TREES: dict[tuple[str, bool], Any] = {}
_UNWRAPPED: dict[int, Any] = {}
_NORMALISED: dict[str, str] = {}


def _normalised(text: str) -> str:
    found = _NORMALISED.get(text)
    if found is None:
        if len(_NORMALISED) >= _TREE_CACHE_SIZE:
            _NORMALISED.clear()
        found = _NORMALISED[text] = source.normalise(text)
    return found


_PASS_THROUGH = {
    "pipeline_chain", "logical_expression", "bitwise_expression", "comparison_expression",
    "additive_expression", "multiplicative_expression", "format_expression", "range_expression",
    "array_literal_expression", "unary_expression", "argument_expression", "logical_argument_expression",
    "bitwise_argument_expression", "comparison_argument_expression", "additive_argument_expression",
    "multiplicative_argument_expression", "format_argument_expression", "range_argument_expression",
    "left_assignment_expression", "key_expression", "statement", "script_block_body",
}

_PS3_OPERATORS = {"-in", "-notin", "-shl", "-shr"}


@dataclass
class Param:
    name: str
    kind: str = "value"          # value | switch
    position: int | None = None
    aliases: tuple[str, ...] = ()
    convert: Callable[[Any, str], Any] | None = None
    min_version: float = 1.0     # the PowerShell version that added the parameter
    remaining: bool = False      # ValueFromRemainingArguments: takes the positional arguments no other parameter took


@dataclass
class Cmdlet:
    name: str
    params: list[Param]
    handler: Callable[["Invocation"], list[Any]]
    aliases: tuple[str, ...] = ()
    supports_should_process: bool = False
    min_version: float = 1.0


@dataclass
class Invocation:
    engine: "Engine"
    cmdlet: Cmdlet
    args: CIDict
    input: list[Any]
    bound_positional: list[Any] = field(default_factory=list)

    def has(self, name: str) -> bool:
        return name in self.args

    def get(self, name: str, default: Any = None) -> Any:
        return self.args.get(name, default)

    def error(self, error: RuntimeError_) -> None:
        """A non-terminating error (``Write-Error``-style), obeying -ErrorAction."""
        error.command = error.command or self.cmdlet.name
        self.engine.non_terminating(error, self.args.get("ErrorAction"))


COMMON_PARAMS = [
    Param("ErrorAction", aliases=("ea",)), Param("WarningAction", aliases=("wa",)),
    Param("Verbose", "switch", aliases=("vb",)), Param("Debug", "switch", aliases=("db",)),
    Param("ErrorVariable", aliases=("ev",)), Param("OutVariable", aliases=("ov",)),
    Param("WarningVariable", aliases=("wv",)), Param("OutBuffer", aliases=("ob",)),
]
SHOULD_PROCESS_PARAMS = [Param("WhatIf", "switch", aliases=("wi",)), Param("Confirm", "switch", aliases=("cf",))]


class Scope:
    def __init__(self, parent: "Scope | None" = None) -> None:
        self.parent = parent
        self.variables = CIDict()
        # A function lives in the scope that defined it (about_Scopes): one defined inside "& { }" is gone
        # after the block; dot-sourcing (". { }") runs the block in the caller's scope, so its functions stay.
        self.functions = CIDict()

    def function(self, name: str) -> "Function | None":
        scope: Scope | None = self
        while scope is not None:
            if name in scope.functions:
                return scope.functions[name]
            scope = scope.parent
        return None

    def lookup(self, name: str) -> tuple[bool, Any]:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.variables:
                return True, scope.variables[name]
            scope = scope.parent
        return False, None

    def assign(self, name: str, value: Any) -> None:
        # Reading walks up to the parents; writing does not (about_Scopes): without a scope modifier an assignment
        # creates or changes the variable in the current scope, leaving a parent's variable of that name as it was.
        self.variables[name] = value


@dataclass
class Function:
    name: str
    params: list[tuple[str, str | None, Node | None]]
    body: Node
    is_filter: bool = False   # "filter f { }": the body runs once per input object, with $_ (about_Functions)


class Engine:
    """One PowerShell process."""

    def __init__(self, ps_version: float, commands: dict[str, Cmdlet], environment: dict[str, str],
                 types: dict[str, Any], external: Callable[["Engine", str, list[str]], tuple[int, list[Any]]]) -> None:
        self.ps_version = ps_version
        self.commands = CIDict()
        for cmdlet in commands.values():
            if cmdlet.min_version <= ps_version:
                self.commands[cmdlet.name] = cmdlet
                for alias in cmdlet.aliases:
                    self.commands[alias] = cmdlet
        self.environment = CIDict(environment.items())
        self.types = types
        # .NET static members the host provides (the lab's file system: [IO.File]::OpenRead and the like), by
        # (type, member) in lower case; their types resolve like the built-in ones.
        self.statics: dict[tuple[str, str], Callable[..., Any]] = {}
        self.external = external
        self.globals = Scope()
        self.scope = self.globals
        self.errors: list[RuntimeError_] = []
        self.warnings: list[str] = []
        self.success = True
        self.source = ""
        self.state: dict[str, Any] = {}
        # Write-Host text taken out of a captured pipeline, on its way to the host (see _strip_host).
        self.host_pending: list[Any] = []
        # How many try blocks the running code is inside: there a statement-terminating error goes to the catch.
        self.try_depth = 0
        self.call_depth = 0
        # The errors each running command wrote, innermost last, for -ErrorVariable.
        self.command_errors: list[list[RuntimeError_]] = []
        self.automation_null: set[str] = set()
        self.last_success = True   # $?: whether the previous statement succeeded
        self._in_catch: list[RuntimeError_] = []
        for name, value in (("true", True), ("false", False), ("null", None), ("ErrorActionPreference", "Continue"),
                            ("WarningPreference", "Continue"), ("LASTEXITCODE", None), ("PSVersionTable", CIDict([
                                ("PSVersion", _Version(ps_version)), ("CLRVersion", "2.0.50727.5485" if ps_version < 3 else "4.0.30319.42000")])),
                            ("Error", [])):
            self.globals.variables[name] = value

    # ----- entry point -------------------------------------------------------------------------
    def run(self, script: str, input_lines: list[str] | None = None) -> tuple[int, list[Any]]:
        """Run a script; return (exit code, output objects). Errors collect in ``self.errors``.

        ``input_lines`` is what the process reads from standard input: powershell.exe hands the lines of a
        redirected stdin to the script as $input.
        """
        self.source = _normalised(script)
        tree = self.parse(self.source)
        self.globals.variables["input"] = PSEnumerator(input_lines or [])
        self.globals.variables["args"] = []
        output: list[Any] = []
        code = 0
        try:
            # A script's own param() block: with no arguments on the command line, each parameter takes its default.
            for name, type_name, default in self.parameters(tree.root_node):
                value = self.pipeline_value(next(c for c in default.children if c.is_named)) if default is not None else None
                if type_name and (default is not None or type_name.lower() in ("string", "bool", "int", "switch")):
                    value = self.convert(value, type_name) if type_name.lower() != "switch" else SwitchValue(is_true(value))
                self.globals.variables[name] = value
            output = self.statements(tree.root_node)
            code = 0 if self.success else 1
        except ExitScript as exit_:
            code = exit_.code
            output = exit_.partial
        except RuntimeError_ as error:
            self.record_error(error)
            code = 1
            output = getattr(error, "partial", [])
        except (FlowBreak, FlowContinue) as flow:
            code = 0
            output = getattr(flow, "partial", [])
        except FlowReturn as returned:
            # return at the script's own level ends the script, its value written (about_Return).
            code = 0 if self.success else 1
            output = getattr(returned, "partial", []) + returned.value
        return code, output + self._take_host()

    def parse(self, text: str) -> Any:
        """A syntax tree of ``text`` (already normalised) or the ParseError PowerShell's parser would raise.

        Trees are immutable, so the same text on the same PowerShell version is parsed once per lab process.
        """
        key = (text, self.ps_version >= 3)
        cached = _TREES.get(key)
        if cached is not None:
            return cached
        tree = Parser(_LANGUAGE).parse(text.encode("utf-8"))
        problem = _first_problem(tree.root_node)
        if problem is not None:
            raise ParseError(_parse_message(text, problem))
        self._check_version(tree.root_node, text)
        if len(_TREES) >= _TREE_CACHE_SIZE:
            # An evicted tree's node ids may be reused by the next tree: forget every node-keyed entry with it.
            _TREES.clear()
            _UNWRAPPED.clear()
        _TREES[key] = tree
        return tree

    def create_script_block(self, text: Any) -> ScriptBlock:
        """[ScriptBlock]::Create: parse now, run when invoked; a parse error is the method call's exception."""
        normalised = _normalised(to_string(text))
        try:
            tree = self.parse(normalised)
        except ParseError as problem:
            reason = str(problem).splitlines()[-1]
            raise RuntimeError_(f'Exception calling "Create" with "1" argument(s): "{reason}"', error_id="ParseException",
                                category="NotSpecified", exception_type="System.Management.Automation.MethodInvocationException")
        block = ScriptBlock(tree.root_node, normalised)
        block.tree = tree  # the nodes live only as long as their tree
        return block

    def _check_version(self, node: Node, text: str = "") -> None:
        if self.ps_version >= 3:
            return
        stack = [node]
        while stack:
            current = stack.pop()
            if current.type == "comparison_operator" and self.text(current).lower() in _PS3_OPERATORS:
                raise ParseError(_parse_message(text or self.source, current, f"Unexpected token '{self.text(current)}' in expression or statement."))
            stack.extend(current.children)

    # ----- helpers -----------------------------------------------------------------------------
    def text(self, node: Node) -> str:
        # Each node reads its own tree's source: [ScriptBlock]::Create parses text of its own at run time.
        return node.text.decode("utf-8")

    def named(self, node: Node) -> list[Node]:
        return [child for child in node.named_children if child.type != "comment"]

    def non_terminating(self, error: RuntimeError_, action: Any = None) -> None:
        preference = to_string(action if action is not None else self.variable("ErrorActionPreference")).lower()
        self.success = False
        if self.command_errors:
            self.command_errors[-1].append(error)
        if preference == "stop":
            # -ErrorAction Stop makes the error end the script, not only the statement (about_CommonParameters).
            error.script_terminating = True
            raise error
        if preference == "ignore":
            return  # Ignore, unlike SilentlyContinue, does not add the error to $Error (about_CommonParameters, 3.0+)
        self.globals.variables["Error"] = [error_record(error)] + list(self.globals.variables["Error"])
        if preference == "silentlycontinue":
            return
        self.errors.append(error)

    def record_error(self, error: RuntimeError_) -> None:
        """A terminating error that nothing caught: written to the error stream and to $Error."""
        self.success = False
        self.globals.variables["Error"] = [error_record(error)] + list(self.globals.variables["Error"])
        self.errors.append(error)

    def _take_host(self) -> list[Any]:
        taken, self.host_pending = self.host_pending, []
        return taken

    def _strip_host(self, values: list[Any]) -> list[Any]:
        """Write-Host text goes to the host, never into a variable or the next command: set it aside for the host."""
        if not any(isinstance(v, HostText) for v in values):
            return values
        self.host_pending.extend(v for v in values if isinstance(v, HostText))
        return [v for v in values if not isinstance(v, HostText)]

    def variable(self, name: str) -> Any:
        found, value = self.scope.lookup(name)
        return value if found else None

    # ----- statements --------------------------------------------------------------------------
    def statements(self, node: Node) -> list[Any]:
        output: list[Any] = []
        children = self.named(node)
        traps = [c for c in children if c.type == "trap_statement"]
        # A trap takes the errors of the functions this block calls too: let them come up to it as to a try.
        self.try_depth += bool(traps)
        try:
            for child in children:
                try:
                    result = self.statement(child)
                except LabGap:
                    raise
                except RuntimeError_ as error:
                    # A statement-terminating error ends this statement only; the block goes on with the next one
                    # (about_Throw, about_Try_Catch_Finally), unless a try is waiting for it, a trap of this block takes
                    # it, or it ends the script (throw, -ErrorAction Stop, $ErrorActionPreference = 'Stop').
                    if not error.position:
                        error.position = _position(_source_of(child), child)
                    output.extend(getattr(error, "partial", []))
                    error.partial = []
                    if traps:
                        output.extend(self._take_host())
                        output.extend(self.run_trap(traps, error))
                        continue
                    if self.try_depth or error.script_terminating or self._stop_preference():
                        raise
                    output.extend(self._take_host())
                    self.record_error(error)
                    continue
                if self.host_pending:
                    output.extend(self._take_host())
                output.extend(result)
        except (ExitScript, RuntimeError_, FlowReturn, FlowBreak, FlowContinue) as escaping:
            # Output already written stays written when a statement ends the block.
            escaping.partial = output + self._take_host() + getattr(escaping, "partial", [])
            raise
        finally:
            self.try_depth -= bool(traps)
        return output

    def _stop_preference(self) -> bool:
        return to_string(self.variable("ErrorActionPreference")).lower() == "stop"

    def run_trap(self, traps: list[Node], error: RuntimeError_) -> list[Any]:
        """about_Trap: the first trap whose type matches runs with $_ the error; 'continue' in it drops the error and
        goes on, 'break' ends the block with the error, and a trap that does neither writes the error and goes on."""
        for trap in traps:
            type_node = next((c for c in trap.children if c.type == "type_literal"), None)
            if type_node is not None and not _type_matches(error.exception_type, self.text(type_node).strip("[]"),
                                                                     getattr(error, "inner_type", "")):
                continue
            block = next(c for c in trap.children if c.type == "statement_block")
            saved = self.scope.lookup("_")
            self.scope.variables["_"] = error_record(error)
            try:
                output = self.statements(block)
            except FlowContinue as flow:
                return getattr(flow, "partial", [])
            except FlowBreak as flow:
                error.partial = getattr(flow, "partial", [])
                error.script_terminating = True
                raise error from None
            finally:
                if saved[0]:
                    self.scope.variables["_"] = saved[1]
            self.record_error(error)
            return output
        if self.try_depth > 1 or error.script_terminating or self._stop_preference():
            raise error
        self.record_error(error)
        return []

    def statement(self, node: Node) -> list[Any]:
        kind = node.type
        if kind in ("statement_list", "program", "script_block", "statement_block", "script_block_body"):
            return self.statements(node)
        if kind in ("empty_statement", "param_block", "trap_statement"):
            return []  # a trap runs only when an error reaches its block (statements)
        if kind == "function_statement":
            self.define_function(node)
            return []
        handler = getattr(self, _STATEMENTS.get(kind, ""), None)
        if handler is None:
            raise self.unsupported(node)
        return handler(node)

    def lab_gap(self, what: str) -> "LabGap":
        return LabGap(f"owa-lab does not emulate {what}; a real server may accept it.")

    def unsupported(self, node: Node) -> ParseError:
        return ParseError(_parse_message(self.source, node,
                                         f"The lab's PowerShell engine does not implement '{node.type}': {self.text(node)[:60]!r}"))

    def pipeline_statement(self, node: Node) -> list[Any]:
        named = self.named(node)
        if len(named) == 1 and named[0].type == "assignment_expression":
            self.assignment(named[0])
            return []
        if len(named) == 1 and named[0].type == "pipeline_chain" and len(self.named(named[0])) == 1:
            lone = self.unwrap(self.named(named[0])[0])
            if lone.type == "expression_with_unary_operator":
                lone = self.unwrap(self.named(lone)[0])
            if lone.type in _STEP_EXPRESSIONS:
                # $i++ as a statement writes nothing; only inside an expression does it yield a value.
                self.expression(lone)
                return []
        self.last_success, self.success = self.success, True
        return self.pipeline(node)

    def if_statement(self, node: Node) -> list[Any]:
        condition = next(child for child in node.children if child.type == "pipeline")
        block = next(child for child in node.children if child.type == "statement_block")
        if is_true(self.pipeline_value(condition)):
            return self.statements(block)
        for child in node.children:
            if child.type == "elseif_clauses":
                for clause in self.named(child):
                    cond = next(c for c in clause.children if c.type == "pipeline")
                    if is_true(self.pipeline_value(cond)):
                        return self.statements(next(c for c in clause.children if c.type == "statement_block"))
            elif child.type == "else_clause":
                return self.statements(next(c for c in child.children if c.type == "statement_block"))
        return []

    def foreach_statement(self, node: Node) -> list[Any]:
        variable = next(child for child in node.children if child.type == "variable")
        collection = next(child for child in node.children if child.type == "pipeline")
        block = next(child for child in node.children if child.type == "statement_block")
        output: list[Any] = []
        value = self.pipeline_value(collection)
        items = _drain(value) if isinstance(value, PSEnumerator) else to_list(value)
        if value is None and self.ps_version < 3 and not any(n.type == "command" for n in self.walk(collection)):
            # PowerShell 2.0 enters the loop once for a $null value; 3.0 stopped that ("What's New in Windows
            # PowerShell 3.0"), while a command that writes nothing gives no pass in either.
            items = [None]
        for item in items:
            self.scope.assign(self.text(variable)[1:], item)
            if not self._loop_body(block, output):
                break
        return output

    def _has_command(self, pipeline: Node) -> bool:
        named = self.named(pipeline)
        chain = named[0] if len(named) == 1 and named[0].type == "pipeline_chain" else pipeline
        return any(c.type == "command" for c in chain.children)

    def for_statement(self, node: Node) -> list[Any]:
        """for (init; condition; iterator) { } (about_For): an empty condition is true."""
        part = {c.type: next((p for p in c.children if p.type == "pipeline"), None) for c in node.children
                if c.type in ("for_initializer", "for_condition", "for_iterator")}
        block = next(child for child in node.children if child.type == "statement_block")
        output: list[Any] = []
        if part.get("for_initializer") is not None:
            output.extend(self.pipeline_statement(part["for_initializer"]))
        while part.get("for_condition") is None or is_true(self.pipeline_value(part["for_condition"])):
            if not self._loop_body(block, output):
                break
            if part.get("for_iterator") is not None:
                output.extend(self.pipeline_statement(part["for_iterator"]))
        return output

    def _loop_body(self, block: Node, output: list[Any]) -> bool:
        """One pass of a loop's body; False when a break ends the loop."""
        return self._loop_body_with(lambda: self.statements(block), output)

    def _loop_body_with(self, body: Callable[[], list[Any]], output: list[Any]) -> bool:
        try:
            output.extend(body())
        except FlowContinue as flow:
            output.extend(getattr(flow, "partial", []))
        except FlowBreak as flow:
            output.extend(getattr(flow, "partial", []))
            return False
        return True

    def while_statement(self, node: Node) -> list[Any]:
        """while (condition) { } (about_While)."""
        condition = next(c for c in node.children if c.type == "while_condition")
        block = next(c for c in node.children if c.type == "statement_block")
        output: list[Any] = []
        while is_true(self.pipeline_value(self.named(condition)[0])):
            if not self._loop_body(block, output):
                break
        return output

    def do_statement(self, node: Node) -> list[Any]:
        """do { } while (condition) runs while it is true, do { } until (condition) until it is (about_Do)."""
        condition = next(c for c in node.children if c.type == "while_condition")
        block = next(c for c in node.children if c.type == "statement_block")
        until = any(c.type == "until" for c in node.children)
        output: list[Any] = []
        while True:
            if not self._loop_body(block, output):
                break
            if is_true(self.pipeline_value(self.named(condition)[0])) == until:
                break
        return output

    def switch_statement(self, node: Node) -> list[Any]:
        """about_Switch: each value of the condition goes through every clause in order; all clauses that match run;
        'default' runs when none did; 'break' leaves the switch, 'continue' goes on with the next value."""
        options = {self.text(p).lower() for holder in node.children if holder.type == "switch_parameters"
                   for p in holder.children if p.type == "switch_parameter"}
        condition = next(c for c in node.children if c.type == "switch_condition")
        if "-file" in options or any(c.type == "-file" for c in condition.children):
            raise self.lab_gap("switch -file")
        body = next(c for c in node.children if c.type == "switch_body")
        clauses = [c for holder in body.children if holder.type == "switch_clauses" for c in holder.children if c.type == "switch_clause"]
        value = self.pipeline_value(next(c for c in condition.children if c.type == "pipeline"))
        values = _drain(value) if isinstance(value, PSEnumerator) else ([value] if value is None else to_list(value))
        case_sensitive = "-casesensitive" in options
        output: list[Any] = []
        saved = self.scope.lookup("_")
        try:
            parts = [(next(c for c in clause.children if c.type == "switch_clause_condition"),
                      next(c for c in clause.children if c.type == "statement_block")) for clause in clauses]
            for item in values:
                self.scope.variables["_"] = item
                if not self._loop_body_with(lambda: self._switch_value(parts, item, options, case_sensitive), output):
                    break
        finally:
            if saved[0]:
                self.scope.variables["_"] = saved[1]
        return output

    def _switch_value(self, parts: list[tuple[Node, Node]], item: Any, options: set[str], case_sensitive: bool) -> list[Any]:
        output: list[Any] = []
        matched = False
        try:
            for test, block in parts:
                if self.text(test).lower() != "default" and self._switch_matches(test, item, options, case_sensitive):
                    matched = True
                    output.extend(self.statements(block))
            if not matched:
                for test, block in parts:
                    if self.text(test).lower() == "default":
                        output.extend(self.statements(block))
        except (FlowBreak, FlowContinue) as flow:
            flow.partial = output + getattr(flow, "partial", [])
            raise
        return output

    def _switch_matches(self, test: Node, item: Any, options: set[str], case_sensitive: bool) -> bool:
        inner = self.named(test)
        if inner and self.unwrap(inner[0]).type == "script_block_expression":
            block = self.expression(inner[0])
            return is_true(self.invoke_block(block, [item], item, bind_underscore=True))
        if inner:
            pattern = self.expression(inner[0])
        else:
            pattern = self.text(test)
            if pattern.startswith('"'):
                if "$" in pattern:
                    raise self.lab_gap("a switch clause written as a double-quoted string with variables")
                pattern = _unescape(pattern[1:-1])
        if "-regex" in options:
            return _compare_one("match", to_string(item), pattern, case_sensitive, self)
        if "-wildcard" in options:
            return _compare_one("like", to_string(item), pattern, case_sensitive)
        return _compare_one("eq", item, pattern, case_sensitive)

    def try_statement(self, node: Node) -> list[Any]:
        block = next(child for child in node.children if child.type == "statement_block")
        catch_clauses = [c for c in node.children if c.type == "catch_clauses"]
        finally_clause = next((c for c in node.children if c.type == "finally_clause"), None)
        output: list[Any] = []
        try:
            try:
                self.try_depth += 1
                try:
                    output.extend(self.statements(block))
                finally:
                    self.try_depth -= 1
            except RuntimeError_ as error:
                if isinstance(error, LabGap):
                    raise
                output.extend(getattr(error, "partial", []))
                error.partial = []
                clause = self._matching_catch(error, catch_clauses)
                if clause is None:
                    raise
                output.extend(self._run_catch(clause, error))
        except (ExitScript, RuntimeError_, FlowReturn, FlowBreak, FlowContinue) as escaping:
            # Output written before the try (or its catch) ended stays written, as PowerShell streams it.
            escaping.partial = output + getattr(escaping, "partial", []) + self._finally(finally_clause)
            raise
        return output + self._finally(finally_clause)

    def _matching_catch(self, error: RuntimeError_, catch_clauses: list[Node]) -> Node | None:
        for clauses in catch_clauses:
            for clause in self.named(clauses):
                types = [self.text(t).removeprefix("[").removesuffix("]") for t in clause.children if t.type == "catch_type_list"]
                names = " ".join(types).replace(",", " ").split()
                if not types or any(_type_matches(error.exception_type, t, getattr(error, "inner_type", "")) for t in names):
                    return clause
        return None

    def _run_catch(self, clause: Node, error: RuntimeError_) -> list[Any]:
        saved = self.scope.lookup("_")
        self.scope.variables["_"] = error_record(error)
        self._in_catch.append(error)
        try:
            return self.statements(next(c for c in clause.children if c.type == "statement_block"))
        finally:
            self._in_catch.pop()
            if saved[0]:
                self.scope.variables["_"] = saved[1]

    def _finally(self, clause: Node | None) -> list[Any]:
        return self.statements(next(c for c in clause.children if c.type == "statement_block")) if clause is not None else []

    def flow_control(self, node: Node) -> list[Any]:
        keyword = node.children[0].type.lower()
        argument = next((c for c in node.children if c.type == "pipeline"), None)
        value = self.pipeline_value(argument) if argument is not None else None
        if keyword == "exit":
            raise ExitScript(int(to_number(value)) if value is not None else 0)
        if keyword == "throw":
            if isinstance(value, PSObject) and "__error__" in value.methods:
                rethrown = value.methods["__error__"]
                rethrown.script_terminating = True
                raise rethrown
            if value is None and self._in_catch:
                # A bare throw in a catch block throws the error the catch took again (about_Throw).
                rethrown = self._in_catch[-1]
                rethrown.script_terminating = True
                raise rethrown
            message = to_string(value) if value is not None else "ScriptHalted"
            thrown = RuntimeError_(message, error_id=message, category="OperationStopped", target=value)
            thrown.script_terminating = True
            raise thrown
        if keyword == "return":
            raise FlowReturn(to_list(value))
        if keyword == "break":
            raise FlowBreak()
        if keyword == "continue":
            raise FlowContinue()
        raise self.unsupported(node)

    def define_function(self, node: Node) -> None:
        name = self.text(next(c for c in node.children if c.type == "function_name"))
        declaration = next((c for c in node.children if c.type == "function_parameter_declaration"), None)
        body = next(c for c in node.children if c.type == "script_block")
        param_lists = []
        if declaration is not None:
            param_lists += [c for c in declaration.children if c.type == "parameter_list"]
        is_filter = any(c.type == "filter" for c in node.children)
        self.scope.functions[name] = Function(name, self.parameters(body, param_lists), body, is_filter)

    def parameters(self, body: Node, param_lists: list[Node] | None = None) -> list[tuple[str, str | None, Node | None]]:
        """The parameters a function or script block declares: (name, type name, default node)."""
        params: list[tuple[str, str | None, Node | None]] = []
        param_lists = list(param_lists or [])
        holders = [body]
        if body.parent is not None and body.parent.type == "script_block_expression":
            holders.append(body.parent)  # "{ param($a) ... }" on one line: the grammar puts param() beside the block
        for block in (c for holder in holders for c in holder.children if c.type == "param_block"):
            param_lists += [c for c in block.children if c.type == "parameter_list"]
        for plist in param_lists:
            for parameter in (c for c in plist.children if c.type == "script_parameter"):
                var = next(c for c in parameter.children if c.type == "variable")
                type_name = None
                for attr in (c for c in parameter.children if c.type == "attribute_list"):
                    for literal in (n for n in self.walk(attr) if n.type == "type_literal"):
                        type_name = self.text(literal).removeprefix("[").removesuffix("]")
                default = next((c for c in parameter.children if c.type == "script_parameter_default"), None)
                params.append((self.text(var)[1:], type_name, default))
        return params

    def walk(self, node: Node):
        stack = [node]
        while stack:
            current = stack.pop()
            yield current
            stack.extend(reversed(current.children))

    # ----- assignment --------------------------------------------------------------------------
    def _step(self, node: Node, delta: int, post: bool) -> Any:
        target = self.unwrap(self.named(node)[0])
        if target.type != "variable":
            raise self.unsupported(node)
        old = self.expression(target)
        new = to_number(old if old is not None else 0) + delta
        self.set_variable(self.qualified_name(target), new)
        return old if post else new

    def expr_post_increment_expression(self, node: Node) -> Any:
        return self._step(node, 1, True)

    def expr_post_decrement_expression(self, node: Node) -> Any:
        return self._step(node, -1, True)

    def expr_pre_increment_expression(self, node: Node) -> Any:
        return self._step(node, 1, False)

    def expr_pre_decrement_expression(self, node: Node) -> Any:
        return self._step(node, -1, False)

    def assignment(self, node: Node) -> Any:
        """An assignment; its value is what was assigned ($a = $b = 2, if ($x = 5)) (about_Assignment_Operators)."""
        target = node.children[0]
        operator = self.text(node.children[1]).strip()
        value_node = node.children[2]
        value = self.pipeline_value(value_node)
        target = self.unwrap(target)
        if target.type == "array_literal_expression" and operator == "=":
            # $a, $b = 1, 2, 3: each variable takes one value, the last one the rest.
            names = self.named(target)
            values = list(to_list(value))
            for index, variable in enumerate(names):
                rest = values[index:] if index == len(names) - 1 else values[index:index + 1]
                self.set_variable(self.qualified_name(self.unwrap(variable)), rest[0] if len(rest) == 1 else (rest or None))
            return value
        if target.type == "variable":
            # A command that wrote nothing leaves AutomationNull in the variable, which 3.0 and later enumerate as
            # nothing; an expression's $null is a value.
            name = self.variable_name(target).lower()
            empty = value is None and value_node.type == "pipeline" and self._has_command(value_node)
            (self.automation_null.add if empty else self.automation_null.discard)(name)
        if target.type == "expression_with_unary_operator" and [c.type for c in target.named_children] == ["cast_expression"]:
            target = target.named_children[0]
        if target.type == "cast_expression" or (target.type == "expression_with_unary_operator"
                                                and target.children[0].type == "type_literal"):
            # [int]$n = "7": the variable takes the value converted to the type.
            type_node = target.children[0]
            target = self.unwrap(target.children[1])
            value = self.convert(value, self.text(type_node).removeprefix("[").removesuffix("]"))
        if operator != "=":
            current = self.expression(target)
            value = self.binary(operator[0], current, value)
        if target.type == "variable":
            name = self.variable_name(target)
            if name.lower().startswith("env:"):
                self.environment[name[4:]] = to_string(value)
            else:
                self.set_variable(self.qualified_name(target), value)
        elif target.type == "member_access":
            owner = self.expression(target.children[0])
            member = self.member_name(target.children[-1])
            if isinstance(owner, CIDict):
                owner[member] = value
            elif isinstance(owner, PSObject):
                owner.properties[member] = value
            else:
                raise RuntimeError_(f"Property '{member}' cannot be found on this object; make sure it exists and is settable.",
                                    error_id="PropertyAssignmentException")
        elif target.type == "element_access":
            owner = self.expression(target.children[0])
            index = self.expression(self.named(target)[1])
            if isinstance(owner, CIDict):
                owner[index] = value
            elif isinstance(owner, list):
                owner[int(to_number(index))] = value
            else:
                raise RuntimeError_("Unable to index into an object of type " + type_name_of(owner) + ".")
        else:
            raise self.unsupported(target)
        return value

    def variable_name(self, node: Node) -> str:
        name = self.qualified_name(node)
        for prefix in ("global:", "script:", "local:"):
            if name.lower().startswith(prefix):
                name = name[len(prefix):]
        return name

    def qualified_name(self, node: Node) -> str:
        """The variable's name with its scope modifier, if any ($global:x -> global:x)."""
        name = self.text(node)[1:]
        if name.startswith("{") and name.endswith("}"):
            name = name[1:-1]
        return name

    def set_variable(self, qualified: str, value: Any) -> None:
        """An assignment: $global: and $script: (the lab's one script scope is the global one) or the current scope."""
        lower = qualified.lower()
        for prefix in ("global:", "script:"):
            if lower.startswith(prefix):
                self.globals.assign(qualified[len(prefix):], value)
                return
        self.scope.assign(qualified[6:] if lower.startswith("local:") else qualified, value)

    def unwrap(self, node: Node) -> Node:
        known = _UNWRAPPED.get(node.id)
        if known is not None:
            return known
        start = node
        while node.type in _PASS_THROUGH:
            named = node.named_children if node.named_child_count == 1 else self.named(node)
            if len(named) != 1 or named[0].type == "comment":
                break
            node = named[0]
        _UNWRAPPED[start.id] = node
        return node

    # ----- pipelines ---------------------------------------------------------------------------
    def pipeline_value(self, node: Node | None) -> Any:
        if node is None:
            return None
        if node.type == "pipeline":
            named = self.named(node)
            chain = named[0] if len(named) == 1 and named[0].type == "pipeline_chain" else node
            elements = [c for c in chain.children if c.is_named and c.type != "comment"]
            if len(elements) == 1 and elements[0].type not in ("command", "assignment_expression"):
                # A lone expression keeps its value: $a = @(1) is still an array.
                return self.expression(elements[0])
        if node.type == "pipeline" and len(self.named(node)) == 1 and self.named(node)[0].type == "assignment_expression":
            return self.assignment(self.named(node)[0])
        if node.type in _STATEMENTS and node.type != "pipeline":
            # $r = switch/foreach/for/if ...: the statement's output is the value (Language Specification 3.0, 7.11).
            output = self._strip_host(self.statement(node))
            return output[0] if len(output) == 1 else (output or None)
        output = self._strip_host(self.pipeline(node) if node.type == "pipeline" else to_list(self.expression(node)))
        if len(output) == 1:
            return output[0]
        return output if output else None

    def pipeline(self, node: Node) -> list[Any]:
        named = self.named(node)
        if len(named) == 1 and named[0].type == "assignment_expression":
            self.assignment(named[0])
            return []
        chain = named[0] if len(named) == 1 and named[0].type == "pipeline_chain" else node
        elements = [c for c in chain.children if c.is_named and c.type != "comment"]
        data: list[Any] = []
        first = True
        for element in elements:
            if element.type == "command":
                data = self.command(element, self._strip_host(data) if not first else data, first)
            else:
                if not first:
                    raise ParseError(_parse_message(self.source, element, "Expressions are only allowed as the first element of a pipeline."))
                value = self.expression(element)
                data = _enumerate(value)
                if value is None and self._writes_null(element):
                    data = [None]
            first = False
        return data

    def _writes_null(self, element: Node) -> bool:
        """Whether an expression that is $null writes $null to the pipeline ("$null | ForEach-Object" runs once,
        about_Automatic_Variables). A method call that returns nothing (void) and a [void] cast write nothing; from 3.0
        on, neither does a variable that holds the empty result of a command (AutomationNull)."""
        inner = self.unwrap(element)
        if inner.type in ("invokation_expression", "assignment_expression") or self.text(inner).lower().startswith("[void]"):
            return False
        if inner.type == "variable" and self.ps_version >= 3:
            return self.variable_name(inner).lower() not in self.automation_null
        return inner.type not in ("pipeline", "sub_expression", "parenthesized_expression") or self.ps_version < 3

    # ----- commands ----------------------------------------------------------------------------
    def command(self, node: Node, pipeline_input: list[Any], first: bool) -> list[Any]:
        name_node = next((c for c in node.children if c.type in ("command_name", "command_name_expr")), None)
        operator = next((self.text(c) for c in node.children if c.type == "command_invokation_operator"), None)
        if name_node is None:
            raise self.unsupported(node)
        if name_node.type == "command_name_expr" or operator:
            target_node = self.unwrap(self.named(name_node)[0]) if self.named(name_node) else None
            if target_node is not None and target_node.type == "path_command_name" and [c.type for c in target_node.children] == ["variable"]:
                target_node = target_node.children[0]  # "& $block": the grammar reads the variable as a path
            if target_node is None or target_node.type in ("command_name", "path_command_name"):
                target = self.text(target_node if target_node is not None else name_node)  # "& iisreset.exe": a name
            else:
                target = self.expression(target_node)
            if isinstance(target, ScriptBlock):
                arguments, _redirect = self.command_arguments(node)
                block = Function("<ScriptBlock>", self.parameters(target.node), target.node)
                return self.call_function(block, arguments, pipeline_input, dot_source=operator == ".")
            name = to_string(target)
        else:
            name = self.text(name_node)
        arguments, redirect_errors = self.command_arguments(node)
        function = self.scope.function(name)
        if function is not None:
            return self.call_function(function, arguments, pipeline_input)
        cmdlet = self.commands.get(name)
        if cmdlet is None:
            return self.external_command(name, arguments)
        saved_errors = len(self.errors)
        invocation = None
        self.command_errors.append([])
        try:
            invocation = self.bind(cmdlet, arguments, pipeline_input)
            self.state.setdefault("cmdlet_log", []).append({
                "cmdlet": cmdlet.name,
                "parameters": {key: _loggable(value) for key, value in invocation.args.items()},
                "pipeline_input": len(pipeline_input)})
            result = cmdlet.handler(invocation)
        except RuntimeError_ as error:
            if not error.position:
                error.position = _position(_source_of(node), node)
            if error not in self.command_errors[-1]:
                self.command_errors[-1].append(error)
            raise
        finally:
            written = self.command_errors.pop()
            if invocation is not None and invocation.has("ErrorVariable"):
                self._error_variable(to_string(invocation.get("ErrorVariable")), written)
        for error in self.errors[saved_errors:]:
            if not error.position:
                error.position = _position(_source_of(node), node)
        if redirect_errors == "merge":
            # 2>&1: the command's errors join its output as error records, in place of reaching the error stream.
            merged = [error_record(error) for error in self.errors[saved_errors:]]
            del self.errors[saved_errors:]
            return list(result) + merged
        if redirect_errors:
            del self.errors[saved_errors:]
        return result

    def _error_variable(self, name: str, errors: list[RuntimeError_]) -> None:
        """-ErrorVariable name: the command's errors (an ArrayList, empty when there were none); +name adds to it
        (about_CommonParameters)."""
        records = [error_record(error) for error in errors]
        if name.startswith("+"):
            name = name[1:]
            records = list(to_list(self.variable(name))) + records
        self.scope.assign(name, records)

    def command_arguments(self, node: Node) -> tuple[list[tuple[str, Any]], bool]:
        """Arguments as ("-name", value-or-marker) and ("", value) pairs; splats expanded."""
        elements = next((c for c in node.children if c.type == "command_elements"), None)
        arguments: list[tuple[str, Any]] = []
        redirect_errors = False
        merge_errors = False
        if elements is None:
            return arguments, redirect_errors
        attach_next = False
        for child in elements.children:
            if child.type == "command_argument_sep":
                attach_next = self.text(child) == ":"
                continue
            if child.type == "command_parameter":
                arguments.append((self.text(child).rstrip(":"), _NO_VALUE))
                attach_next = self.text(child).endswith(":")
                continue
            if child.type == "comment":
                continue
            if child.type in ("redirection", "file_redirection", "merging_redirection"):
                token = self.text(child).replace(" ", "")
                if token.startswith(("2>&1", "*>&1")):
                    merge_errors = True
                elif token.startswith(("2>", "*>")):
                    redirect_errors = True
                continue
            if child.type == "generic_token":
                token = self.text(child)
                if re.fullmatch(r"[1-6*]?>>?(\$null|&1|.+)", token):
                    if token.startswith(("2>&1", "*>&1")):
                        merge_errors = True
                    else:
                        redirect_errors = redirect_errors or token.startswith(("2>", "*>"))
                    continue
                if token.startswith(",") and arguments:
                    flag, previous = arguments[-1]
                    wrapper = type(previous) if isinstance(previous, (_Attached, _Pending)) else None
                    inner = previous.value if wrapper is not None else previous
                    merged = list(to_list(inner)) + [self.bareword(part) for part in token[1:].split(",") if part]
                    arguments[-1] = (flag, wrapper(merged) if wrapper is not None else merged)
                    continue
                value = self.bareword(token)
                if "," in token and not token.startswith(("'", '"')):
                    value = [self.bareword(part) for part in token.split(",") if part]
            else:
                unwrapped = self.unwrap(child)
                if unwrapped.type == "variable" and self.text(unwrapped).startswith("@"):
                    splat = self.variable(self.text(unwrapped)[1:])
                    if isinstance(splat, CIDict):
                        for key, val in splat.items():
                            arguments.append(("-" + to_string(key), _Attached(val)))
                    else:
                        arguments.extend(("", item) for item in to_list(splat))
                    continue
                value = self.expression(child)
            if attach_next and arguments and arguments[-1][1] is _NO_VALUE:
                arguments[-1] = (arguments[-1][0], _Attached(value))
            elif arguments and arguments[-1][1] is _NO_VALUE and arguments[-1][0]:
                arguments[-1] = (arguments[-1][0], _Pending(value))
            else:
                arguments.append(("", value))
            attach_next = False
        return arguments, "merge" if merge_errors else redirect_errors

    def bareword(self, token: str) -> Any:
        if re.fullmatch(r"[+-]?\d+", token):
            return int(token)
        return token

    def bind(self, cmdlet: Cmdlet, arguments: list[tuple[str, Any]], pipeline_input: list[Any]) -> Invocation:
        params = [p for p in cmdlet.params if p.min_version <= self.ps_version] + COMMON_PARAMS + (
            SHOULD_PROCESS_PARAMS if cmdlet.supports_should_process else [])
        bound = CIDict()
        positional: list[Any] = []
        for flag, raw in arguments:
            if not flag:
                positional.append(raw)
                continue
            param = self.resolve_param(cmdlet, params, flag[1:])
            if param.kind == "switch":
                if isinstance(raw, _Attached):
                    bound[param.name] = SwitchValue(is_true(raw.value))
                else:
                    bound[param.name] = SwitchValue(True)
                    if isinstance(raw, _Pending):
                        positional.append(raw.value)
                continue
            if raw is _NO_VALUE:
                raise RuntimeError_(
                    f"Missing an argument for parameter '{param.name}'. Specify a parameter of type 'System.Object' and try again.",
                    error_id=f"MissingArgument,{_cmdlet_class(cmdlet.name)}", category="InvalidArgument",
                    exception_type="System.Management.Automation.ParameterBindingException", command=cmdlet.name)
            value = raw.value if isinstance(raw, (_Attached, _Pending)) else raw
            bound[param.name] = self.convert_param(cmdlet, param, value)
        positional_params = sorted((p for p in params if p.position is not None and p.name not in bound), key=lambda p: p.position or 0)
        remaining = next((p for p in params if p.remaining), None)
        if remaining is not None and len(positional) > len(positional_params) and remaining.name not in bound:
            # Write-Host a b c: the parameter that takes the remaining arguments gets them all as one list.
            positional_params = [p for p in positional_params if p is not remaining]
            taken = len(positional_params)
            bound[remaining.name] = positional[taken:] if taken else list(positional)
            positional = positional[:taken]
        for value in positional:
            if not positional_params:
                raise RuntimeError_(
                    f"A positional parameter cannot be found that accepts argument '{to_string(value)}'.",
                    error_id=f"PositionalParameterNotFound,{_cmdlet_class(cmdlet.name)}", category="InvalidArgument",
                    exception_type="System.Management.Automation.ParameterBindingException", command=cmdlet.name, target=None)
            param = positional_params.pop(0)
            bound[param.name] = self.convert_param(cmdlet, param, value)
        if "ErrorAction" in bound:
            bound["ErrorAction"] = self.action_preference(cmdlet, bound["ErrorAction"])
        return Invocation(self, cmdlet, bound, pipeline_input)

    def action_preference(self, cmdlet: Cmdlet, value: Any) -> str:
        """-ErrorAction takes an ActionPreference: Ignore (and Suspend) came with PowerShell 3.0."""
        names = ["SilentlyContinue", "Stop", "Continue", "Inquire"] + (["Ignore", "Suspend"] if self.ps_version >= 3 else [])
        text = to_string(value)
        found = next((n for n in names if n.lower() == text.lower()), None)
        if found is None and text.isdigit():
            found = {0: "SilentlyContinue", 1: "Stop", 2: "Continue", 3: "Inquire", 4: "Ignore", 5: "Suspend"}.get(int(text))
            found = found if found in names else None
        if found is None:
            listed = ", ".join(names) if self.ps_version < 3 else ",".join(names)
            reason = "invalid enumeration values" if self.ps_version < 3 else "enumeration values that are not valid"
            raise RuntimeError_(
                f'Cannot bind parameter \'ErrorAction\'. Cannot convert value "{text}" to type '
                f'"System.Management.Automation.ActionPreference" due to {reason}. Specify one of the following '
                f'enumeration values and try again. The possible enumeration values are "{listed}".',
                error_id=f"CannotConvertArgumentNoMessage,{_cmdlet_class(cmdlet.name)}", category="InvalidArgument",
                exception_type="System.Management.Automation.ParameterBindingException", command=cmdlet.name)
        return found

    def resolve_param(self, cmdlet: Cmdlet, params: list[Param], name: str) -> Param:
        lower = name.lower()
        for param in params:
            if param.name.lower() == lower or lower in (a.lower() for a in param.aliases):
                return param
        matches = [p for p in params if p.name.lower().startswith(lower)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            names = ", ".join("-" + p.name for p in matches)
            raise RuntimeError_(
                f"Parameter cannot be processed because the parameter name '{name}' is ambiguous. Possible matches include: {names}.",
                error_id=f"AmbiguousParameter,{_cmdlet_class(cmdlet.name)}", category="InvalidArgument",
                exception_type="System.Management.Automation.ParameterBindingException", command=cmdlet.name)
        raise RuntimeError_(
            f"A parameter cannot be found that matches parameter name '{name}'.",
            error_id=f"NamedParameterNotFound,{_cmdlet_class(cmdlet.name)}", category="InvalidArgument",
            exception_type="System.Management.Automation.ParameterBindingException", command=cmdlet.name)

    def convert_param(self, cmdlet: Cmdlet, param: Param, value: Any) -> Any:
        if param.convert is None:
            return value
        try:
            return param.convert(value, param.name)
        except RuntimeError_ as error:
            error.command = cmdlet.name
            if not error.message.startswith("Cannot"):
                raise
            error.message = f"Cannot process argument transformation on parameter '{param.name}'. {error.message}"
            error.error_id = f"ParameterArgumentTransformationError,{_cmdlet_class(cmdlet.name)}"
            error.category = "InvalidData"
            error.exception_type = "System.Management.Automation.ParameterBindingArgumentTransformationException"
            raise

    def call_function(self, function: Function, arguments: list[tuple[str, Any]], pipeline_input: list[Any],
                      dot_source: bool = False) -> list[Any]:
        if self.call_depth >= _CALL_DEPTH_LIMIT.get(self.ps_version, 1000):
            raise self.call_depth_overflow()
        self.call_depth += 1
        try:
            return self._call_function(function, arguments, pipeline_input, dot_source)
        except RecursionError:
            if self.call_depth > 1:
                raise
            raise LabGap(f"owa-lab cannot nest script calls this deep (PowerShell {self.ps_version} allows "
                         f"{_CALL_DEPTH_LIMIT.get(self.ps_version, 1000)}).") from None
        finally:
            self.call_depth -= 1

    def call_depth_overflow(self) -> RuntimeError_:
        limit = _CALL_DEPTH_LIMIT.get(self.ps_version, 1000)
        # ScriptCallDepthException: 2.0 names the depth and the limit; 3.0 and later say only the first sentence.
        message = "The script failed due to call depth overflow." + (
            f"  The call depth reached {limit + 1} and the maximum is {limit}." if self.ps_version < 3 else "")
        error = RuntimeError_(message, error_id="CallDepthOverflow", category="InvalidOperation",
                              exception_type="System.Management.Automation.ScriptCallDepthException")
        error.script_terminating = True
        return error

    def _call_function(self, function: Function, arguments: list[tuple[str, Any]], pipeline_input: list[Any],
                       dot_source: bool = False) -> list[Any]:
        scope = self.scope if dot_source else Scope(self.scope)
        values: dict[str, Any] = {}
        positional = []
        names = [p[0] for p in function.params]
        for flag, raw in arguments:
            value = raw.value if isinstance(raw, (_Attached, _Pending)) else raw
            if flag:
                match = [n for n in names if n.lower().startswith(flag[1:].lower())]
                if len(match) != 1:
                    raise RuntimeError_(f"A parameter cannot be found that matches parameter name '{flag[1:]}'.",
                                        error_id="NamedParameterNotFound," + function.name, category="InvalidArgument",
                                        exception_type="System.Management.Automation.ParameterBindingException")
                values[match[0]] = True if raw is _NO_VALUE else value
            else:
                positional.append(value)
        unbound = [n for n in names if n not in values]
        extra = []
        for value in positional:
            if unbound:
                values[unbound.pop(0)] = value
            else:
                extra.append(value)
        saved_scope = self.scope
        # Dot-sourced code runs in the caller's scope, but PowerShell keeps the caller's own $input and $args: it saves
        # them before and puts them back after (a dot-sourced library must not empty the script's standard input).
        kept = {name: scope.variables[name] for name in ("input", "args") if dot_source and name in scope.variables}
        self.scope = scope
        try:
            for name, type_name, default in function.params:
                if name in values:
                    value = values[name]
                elif default is not None:
                    value = self.pipeline_value(next(c for c in default.children if c.is_named))
                else:
                    value = None
                if type_name and (name in values or default is not None or type_name.lower() in ("string", "bool", "int", "switch")):
                    value = self.convert(value, type_name) if type_name.lower() != "switch" else SwitchValue(is_true(value))
                scope.variables[name] = value
            scope.variables["args"] = extra
            scope.variables["input"] = PSEnumerator(pipeline_input)
            try:
                return self.function_body(function, scope, pipeline_input)
            except FlowReturn as returned:
                return getattr(returned, "partial", []) + returned.value
        finally:
            self.scope = saved_scope
            for name, value in kept.items():
                scope.variables[name] = value

    def function_body(self, function: Function, scope: Scope, pipeline_input: list[Any]) -> list[Any]:
        """A filter runs its body per input object; begin, process and end blocks run once, per object (with $_; once
        with no input) and once (about_Functions)."""
        blocks = {}
        for holder in (c for c in function.body.children if c.type == "script_block_body"):
            for block_list in (c for c in holder.children if c.type == "named_block_list"):
                for named_block in (c for c in block_list.children if c.type == "named_block"):
                    kind = self.text(next(c for c in named_block.children if c.type == "block_name")).lower()
                    blocks[kind] = next(c for c in named_block.children if c.type == "statement_block")
        if not blocks and not function.is_filter:
            return self.statements(function.body)
        output: list[Any] = []
        if "begin" in blocks:
            output.extend(self.statements(blocks["begin"]))
        process = function.body if function.is_filter else blocks.get("process")
        if process is not None:
            for item in (pipeline_input if pipeline_input or function.is_filter else [None]):
                scope.variables["_"] = item
                if self.ps_version >= 3:
                    scope.variables["PSItem"] = item
                output.extend(self.statements(process))
        if "end" in blocks:
            output.extend(self.statements(blocks["end"]))
        if "dynamicparam" in blocks:
            raise self.lab_gap("dynamicparam blocks")
        return output

    def invoke_block(self, block: ScriptBlock, pipeline_input: list[Any], dollar_underscore: Any, bind_underscore: bool = False) -> list[Any]:
        if self.call_depth >= _CALL_DEPTH_LIMIT.get(self.ps_version, 1000):
            raise self.call_depth_overflow()
        self.call_depth += 1
        try:
            return self._invoke_block(block, pipeline_input, dollar_underscore, bind_underscore)
        finally:
            self.call_depth -= 1

    def _invoke_block(self, block: ScriptBlock, pipeline_input: list[Any], dollar_underscore: Any, bind_underscore: bool) -> list[Any]:
        """A cmdlet's script block (ForEach-Object, Where-Object, a calculated property): PowerShell runs it dot-sourced,
        in the caller's scope, so "$sum += $_" changes the caller's $sum; $_ (and $PSItem from 3.0) is the object."""
        names = ["_", "input"] + (["PSItem"] if self.ps_version >= 3 else [])
        saved = {name: self.scope.variables[name] for name in names if name in self.scope.variables}
        if bind_underscore:
            self.scope.variables["_"] = dollar_underscore
            if self.ps_version >= 3:
                self.scope.variables["PSItem"] = dollar_underscore
        self.scope.variables["input"] = PSEnumerator(pipeline_input)
        try:
            return self.statements(block.node)
        except FlowReturn as returned:
            return getattr(returned, "partial", []) + returned.value
        finally:
            for name in names:
                if name in saved:
                    self.scope.variables[name] = saved[name]
                elif name in self.scope.variables:
                    del self.scope.variables[name]

    def external_command(self, name: str, arguments: list[tuple[str, Any]]) -> list[Any]:
        words = []
        for flag, raw in arguments:
            if flag:
                words.append(flag)
            if raw is not _NO_VALUE and raw is not None:
                value = raw.value if isinstance(raw, (_Attached, _Pending)) else raw
                if isinstance(raw, _Attached):
                    words[-1] = words[-1] + ":" + to_string(value)
                else:
                    words.extend(to_string(v) for v in to_list(value))
        result = self.external(self, name, words)
        if result is None:
            real = known.real_command(name, self.ps_version)
            if real is not None:
                raise self.lab_gap(f"the command {real}" + (f" (alias {name})" if real.lower() != name.lower() else ""))
            raise RuntimeError_(
                f"The term '{name}' is not recognized as the name of a cmdlet, function, script file, or operable program. "
                "Check the spelling of the name, or if a path was included, verify that the path is correct and try again.",
                error_id="CommandNotFoundException", category="ObjectNotFound",
                exception_type="System.Management.Automation.CommandNotFoundException", target=name)
        code, output = result
        self.globals.variables["LASTEXITCODE"] = code
        self.success = code == 0
        return output

    # ----- expressions -------------------------------------------------------------------------
    def expression(self, node: Node) -> Any:
        node = self.unwrap(node)
        kind = node.type
        method = getattr(self, "expr_" + kind, None)
        if method is None:
            raise self.unsupported(node)
        return method(node)

    def expr_pipeline(self, node: Node) -> Any:
        return self.pipeline_value(node)

    def expr_variable(self, node: Node) -> Any:
        name = self.variable_name(node)
        lower = name.lower()
        if lower.startswith("env:"):
            return self.environment.get(name[4:])
        if lower == "?":
            return self.last_success
        found, value = self.scope.lookup(name)
        return value if found else None

    def expr_integer_literal(self, node: Node) -> Any:
        text = self.text(node).lower()
        multiplier = 1
        for suffix, factor in (("kb", 1024), ("mb", 1024 ** 2), ("gb", 1024 ** 3)):
            if text.endswith(suffix):
                text, multiplier = text[:-2], factor
        text = text.rstrip("l")
        return (int(text, 16) if text.startswith("0x") else int(text)) * multiplier

    def expr_real_literal(self, node: Node) -> Any:
        return float(self.text(node))

    def expr_string_literal(self, node: Node) -> Any:
        return self.expression(self.named(node)[0])

    def expr_verbatim_string_characters(self, node: Node) -> Any:
        return self.text(node)[1:-1].replace("''", "'")

    def expr_verbatim_here_string_characters(self, node: Node) -> Any:
        return _here_body(self.text(node))

    def expr_expandable_here_string_literal(self, node: Node) -> Any:
        text = self.expand(node, self.text(node))
        return _here_body(text)

    def expr_expandable_string_literal(self, node: Node) -> Any:
        text = self.expand(node, self.text(node))
        return text[1:-1]

    def expand(self, node: Node, raw: str) -> str:
        base = node.start_byte
        pieces: list[str] = []
        cursor = 0
        raw_bytes = raw.encode("utf-8")
        for child in node.children:
            if child.type not in ("variable", "sub_expression"):
                continue
            pieces.append(_unescape(raw_bytes[cursor:child.start_byte - base].decode("utf-8")))
            value = self.expr_variable(child) if child.type == "variable" else self.expr_sub_expression(child)
            if isinstance(value, list):
                # An array in a string: its items joined with $OFS, a space when $OFS is not set (about_Preference_Variables).
                separator = self.variable("OFS")
                pieces.append((" " if separator is None else to_string(separator)).join(to_string(v) for v in value))
            else:
                pieces.append(to_string(value))
            cursor = child.end_byte - base
        pieces.append(_unescape(raw_bytes[cursor:].decode("utf-8")))
        return "".join(pieces)

    def expr_sub_expression(self, node: Node) -> Any:
        statements = next((c for c in node.children if c.type == "statement_list"), None)
        output = self._strip_host(self.statements(statements)) if statements is not None else []
        return output[0] if len(output) == 1 else (output if output else None)

    def expr_array_expression(self, node: Node) -> Any:
        statements = next((c for c in node.children if c.type == "statement_list"), None)
        if statements is None:
            return []
        return list(self._strip_host(self.statements(statements)))

    def expr_parenthesized_expression(self, node: Node) -> Any:
        inner = self.named(node)[0]
        return self.pipeline_value(inner) if inner.type == "pipeline" else self.expression(inner)

    def expr_array_literal_expression(self, node: Node) -> Any:
        return [self.expression(child) for child in self.named(node)]

    def expr_hash_literal_expression(self, node: Node) -> Any:
        table = CIDict()
        body = next((c for c in node.children if c.type == "hash_literal_body"), None)
        if body is None:
            return table
        for entry in (c for c in body.children if c.type == "hash_entry"):
            key_node = next(c for c in entry.children if c.type == "key_expression")
            key_inner = self.unwrap(key_node)
            key = self.text(key_inner) if key_inner.type == "simple_name" else self.expression(key_inner)
            value_node = next(c for c in entry.children if c.type in ("pipeline", "statement"))
            table[key] = self.pipeline_value(value_node)
        return table

    def expr_simple_name(self, node: Node) -> Any:
        return self.text(node)

    def expr_script_block_expression(self, node: Node) -> Any:
        block = next((c for c in node.children if c.type == "script_block"), None)
        return ScriptBlock(block if block is not None else node, self.text(node)[1:-1])

    def expr_type_literal(self, node: Node) -> Any:
        name = self.text(node).removeprefix("[").removesuffix("]").strip()
        self.resolve_type(name)
        return PSType(name)

    def resolve_type(self, name: str) -> Any:
        key = name.lower()
        if key.startswith("system."):
            key = key[7:]
        if key.endswith("[]"):
            return self.resolve_type(name[:-2])
        if key in _BUILTIN_TYPES or key in self.types or any(k == key for k, _m in self.statics):
            return key
        if key in _PS3_TYPES and self.ps_version >= 3:
            return key
        if key in known.DOTNET_TYPES or key.split("[")[0] in known.DOTNET_TYPES:
            raise self.lab_gap(f"the type [{name}]")
        # 3.0 shortened 2.0's message (TypeNotFound, RuntimeException).
        message = (f"Unable to find type [{name}]: make sure that the assembly containing this type is loaded." if self.ps_version < 3
                   else f"Unable to find type [{name}].")
        raise RuntimeError_(message, error_id="TypeNotFound", category="InvalidOperation", target=name)

    def expr_cast_expression(self, node: Node) -> Any:
        type_name = self.text(node.children[0]).removeprefix("[").removesuffix("]")
        value = self.expression(node.children[1])
        return self.convert(value, type_name)

    def expr_expression_with_unary_operator(self, node: Node) -> Any:
        first = node.children[0]
        if first.type == "cast_expression":
            return self.expr_cast_expression(first)
        operator = self.text(first).lower()
        if node.type == "expression_with_unary_operator" and first.type == "type_literal":
            return self.convert(self.expression(node.children[1]), self.text(first).removeprefix("[").removesuffix("]"))
        operand = self.expression(node.children[-1])
        if operator in ("-not", "!"):
            return not is_true(operand)
        if operator == "-":
            return -to_number(operand)
        if operator == "+":
            return to_number(operand)
        if operator == ",":
            return [operand]
        if operator in ("++", "--"):
            raise self.unsupported(node)
        if operator == "-join":
            return "".join(to_string(v) for v in to_list(operand))
        if operator == "-split":
            return to_string(operand).split()
        if operator == "-bnot":
            return ~int(to_number(operand))
        raise self.unsupported(node)

    def expr_member_access(self, node: Node) -> Any:
        owner_node = node.children[0]
        static = any(c.type == "::" for c in node.children)
        member = self.member_name(node.children[-1])
        owner = self.expression(owner_node)
        if static:
            return self.static_member(owner, member)
        return self.property(owner, member)

    def property(self, owner: Any, member: str) -> Any:
        """Member access; from PowerShell 3.0 on, a scalar has Count and Length 1 ($null 0) and a collection without
        the member gives its items' values of it (member enumeration; about_Properties)."""
        value = get_property(owner, member)
        if value is not None or self.ps_version < 3:
            return value
        lower = member.lower()
        if lower in ("count", "length") and not isinstance(owner, (list, PSCollection, CIDict)):
            return 0 if owner is None else 1
        if isinstance(owner, (list, PSCollection)) and not isinstance(owner, members.GroupCollection):
            found = [v for item in owner for v in to_list(self.property(item, member))]
            return found[0] if len(found) == 1 else (found or None)
        return None

    def member_name(self, node: Node) -> str:
        """``.Name``, or a computed ``.$name`` / ``.($expression)``."""
        named = self.named(node) if node.type == "member_name" else []
        if len(named) == 1 and named[0].type in ("variable", "parenthesized_expression", "string_literal", "sub_expression"):
            return to_string(self.expression(named[0]))
        return self.text(node)

    def static_member(self, owner: Any, member: str) -> Any:
        type_key = self.resolve_type(to_string(owner))
        if type_key == "math" and member.lower() in members.MATH_PROPERTIES:
            return members.MATH_PROPERTIES[member.lower()]
        handler = _STATIC_PROPERTIES.get((type_key, member.lower()))
        if handler is None and (type_key, member.lower()) in self.statics:
            return self.statics[(type_key, member.lower())]()
        if handler is None:
            raise RuntimeError_(f"Unable to find static member '{member}' on [{owner}].", error_id="PropertyNotFound")
        return handler(self)

    def expr_invokation_expression(self, node: Node) -> Any:
        owner_node = node.children[0]
        static = any(c.type == "::" for c in node.children)
        name_node = next(c for c in node.children if c.type == "member_name")
        args_node = next((c for c in node.children if c.type == "argument_list"), None)
        member = self.member_name(name_node)
        args = self.argument_list(args_node)
        owner = self.expression(owner_node)
        if static:
            return self.call_static(owner, member, args)
        return self.call_method(owner, member, args)

    def call_static(self, owner: Any, member: str, args: list[Any]) -> Any:
        type_key = self.resolve_type(to_string(owner))
        lower = member.lower()
        handler = _STATIC_METHODS.get((type_key, lower))
        if handler is None and type_key == "math":
            function = members.MATH_METHODS.get(lower)
            handler = (lambda engine, *a: function(*a)) if function is not None else None
        if handler is None and type_key == "string":
            handler = members.STRING_STATICS.get(lower)
        if handler is None and type_key == "regex":
            handler = members.REGEX_STATICS.get(lower)
        if (type_key, lower) in members.NET4_ONLY and self.ps_version < 3:
            handler = None  # PowerShell 2.0 runs on CLR 2.0, which lacks it
        elif handler is None and lower == "new" and self.ps_version >= 5:
            return self.convert(args[0] if len(args) == 1 else list(args), to_string(owner))
        if handler is None and (type_key, lower) in self.statics:
            return self.statics[(type_key, lower)](*args)
        if handler is None:
            if members.known_method(type_key, lower) and not ((type_key, lower) in members.NET4_ONLY and self.ps_version < 3):
                raise self.lab_gap(f"the method [{to_string(owner)}]::{member}()")
            if type_key not in known.STATIC_METHODS and lower != "new":
                raise self.lab_gap(f"the method [{to_string(owner)}]::{member}() (or the type has no such method)")
            raise self.method_not_found(f"[{self.full_type_name(type_key, to_string(owner))}]", member)
        return handler(self, *args)

    def full_type_name(self, type_key: str, written: str) -> str:
        return _FULL_NAMES.get(type_key, written)

    def method_not_found(self, owner_text: str, member: str) -> RuntimeError_:
        # PowerShell 3.0 reworded 2.0's "doesn't contain" as "does not contain".
        verb = "doesn't" if self.ps_version < 3 else "does not"
        return RuntimeError_(f"Method invocation failed because {owner_text} {verb} contain a method named '{member}'.",
                             error_id="MethodNotFound", category="InvalidOperation", target=member)

    def argument_list(self, node: Node | None) -> list[Any]:
        if node is None:
            return []
        expr_list = next((c for c in node.children if c.type == "argument_expression_list"), None)
        if expr_list is None:
            return []
        return [self.expression(c) for c in expr_list.children if c.is_named]

    def call_method(self, owner: Any, member: str, args: list[Any]) -> Any:
        lower = member.lower()
        if owner is None:
            raise RuntimeError_("You cannot call a method on a null-valued expression.", error_id="InvokeMethodOnNull",
                                category="InvalidOperation")
        if isinstance(owner, PSObject) and member in owner.methods:
            return owner.methods[member](*args)
        try:
            return self._builtin_method(owner, lower, args)
        except members.NoMember:
            pass
        if lower == "tostring":
            if isinstance(owner, dt.datetime) and args:
                return composite.format_date(owner, to_string(args[0]))
            if isinstance(owner, (int, float)) and not isinstance(owner, bool) and args:
                return composite.format_number(owner, to_string(args[0]))
            if isinstance(owner, dt.datetime):
                return format_date_current_culture(owner)
            return to_string(owner)
        if lower == "gettype":
            return PSObject("System.RuntimeType", {"FullName": type_name_of(owner), "Name": type_name_of(owner).rsplit(".", 1)[-1]},
                            text=type_name_of(owner))
        if lower == "equals" and args:
            return _equal(owner, args[0])
        if isinstance(owner, str):
            method = members.STRING_METHODS.get(lower)
            if method is not None:
                return method(owner, *args)
            if lower in known.STRING_METHODS:
                raise self.lab_gap(f"the method System.String.{member}()")
        if isinstance(owner, PSEnumerator):
            if lower == "movenext":
                return owner.move_next()
            if lower == "reset":
                owner.position = -1
                return None
        if isinstance(owner, (list, PSCollection)):
            if lower == "contains":
                return any(_equal(item, args[0]) for item in owner)
        if isinstance(owner, (str, int, float, bool, list, CIDict, dt.datetime, dt.timedelta, ScriptBlock)) or (
                isinstance(owner, PSObject) and owner.type_name in _PLAIN_OBJECTS):
            raise self.method_not_found(f"[{type_name_of(owner)}]", member)
        raise self.lab_gap(f"the method {member}() of [{type_name_of(owner)}] (or the type has no such method)")

    def _builtin_method(self, owner: Any, lower: str, args: list[Any]) -> Any:
        """Methods of hashtables, dates, script blocks and (from 4.0) arrays' ForEach/Where; NoMember otherwise."""
        if isinstance(owner, CIDict):
            return members.hashtable_method(owner, lower, args)
        if isinstance(owner, dt.datetime):
            return members.datetime_method(owner, lower, args)
        if isinstance(owner, ScriptBlock):
            return members.script_block_method(self, owner, lower, args)
        if lower in ("foreach", "where") and self.ps_version >= 4 and args and isinstance(args[0], ScriptBlock):
            # The ForEach and Where methods of PowerShell 4.0 (about_Arrays); a scalar behaves as a one-item array.
            if lower == "where" and len(args) > 1:
                raise self.lab_gap("the mode argument of the Where() method")
            output: list[Any] = []
            for item in ([] if owner is None else _enumerate(owner)):
                result = self.invoke_block(args[0], [item], item, bind_underscore=True)
                if lower == "foreach":
                    output.extend(result)
                elif is_true(result):
                    output.append(item)
            return output
        raise members.NoMember()

    def expr_element_access(self, node: Node) -> Any:
        named = self.named(node)
        owner = self.expression(named[0])
        index = self.expression(named[1])
        if hasattr(owner, "ps_index"):
            return owner.ps_index(index)
        if isinstance(owner, CIDict):
            if isinstance(index, list):
                return [owner.get(key) for key in index]   # $h["a", "b"]: the value of each key
            return owner.get(index)
        if isinstance(owner, (list, str, bytes, PSCollection)):
            # A .NET collection with an indexer (MatchCollection, MultiValuedProperty) is indexed like an array.
            items = owner.items if isinstance(owner, PSCollection) else owner
            if isinstance(index, list):
                return [self._index(items, i) for i in index]
            return self._index(items, index)
        if owner is None:
            raise RuntimeError_("Cannot index into a null array.", error_id="NullArray", category="InvalidOperation")
        return self._index([owner], index)

    def _index(self, items: Any, index: Any) -> Any:
        position = int(to_number(index))
        try:
            return items[position]
        except IndexError:
            return None

    def expr_comparison_expression(self, node: Node) -> Any:
        left = self.expression(node.children[0])
        operator = self.text(node.children[1]).lower()
        right = self.expression(node.children[2])
        return self.compare(operator, left, right)

    def compare(self, operator: str, left: Any, right: Any) -> Any:
        if operator in ("-is", "-isnot"):
            result = self.is_type(left, to_string(right))
            return result if operator == "-is" else not result
        if operator == "-as":
            try:
                return self.convert(left, to_string(right))
            except RuntimeError_:
                return None
        # -ceq is case-sensitive, -ieq and -eq are not (about_Comparison_Operators); -contains starts with "-c" too.
        prefixed = operator[1] in "ic" and operator[2:] in _COMPARISONS
        case_sensitive = prefixed and operator[1] == "c"
        base = "-" + operator[2:] if prefixed else operator
        if base[1:] not in _COMPARISONS:
            raise self.lab_gap(f"the operator '{operator}'")
        if base in ("-contains", "-notcontains"):
            found = any(_compare_one("eq", item, right, case_sensitive) for item in to_list(left))
            return found if base == "-contains" else not found
        if base in ("-in", "-notin"):
            found = any(_compare_one("eq", right_item, left, case_sensitive) for right_item in to_list(right))
            return found if base == "-in" else not found
        if base == "-replace":
            if isinstance(right, list) and not 1 <= len(right) <= 2:
                raise RuntimeError_(f"The {operator} operator allows only two elements to follow it, not {len(right)}.",
                                    error_id="BadReplaceArgument", category="InvalidOperation")
            pattern, replacement = (list(right) + [""])[:2] if isinstance(right, list) else (right, "")
            compiled = regexes.compile_pattern(to_string(pattern), not case_sensitive)
            if isinstance(left, (list, PSCollection)):
                return [compiled.replace(to_string(item), to_string(replacement)) for item in left]
            return compiled.replace(to_string(left), to_string(replacement))
        if base == "-split":
            return self.split(left, right, case_sensitive)
        if base == "-join":
            return to_string(right).join(to_string(item) for item in to_list(left))
        if base == "-f":
            return self.format(left, right)
        if isinstance(left, (list, PSCollection)):
            # A collection on the left filters: the items for which the comparison is true, and no $Matches.
            return [item for item in left if _compare_one(base[1:], item, right, case_sensitive)]
        return _compare_one(base[1:], left, right, case_sensitive, self)

    def split(self, left: Any, right: Any, case_sensitive: bool) -> list[str]:
        """-split (about_Split): a regular expression, an optional maximum number of substrings, and SimpleMatch."""
        parts = list(right) if isinstance(right, list) else [right]
        if not parts:
            # The delimiter is always required (ParserOps.SplitOperator); .NET formats the empty object[] by its type.
            raise RuntimeError_("Bad argument to operator '-split': System.Object[].", error_id="BadOperatorArgument",
                                category="InvalidOperation")
        pattern, limit, options = to_string(parts[0]), int(to_number(parts[1])) if len(parts) > 1 else 0, parts[2:] if len(parts) > 2 else []
        if isinstance(parts[0], ScriptBlock):
            raise self.lab_gap("a script block as the delimiter of -split")
        option_text = ",".join(to_string(o) for o in options).lower()
        if "simplematch" in option_text:
            pattern = regexes.escape(pattern)
        compiled = regexes.compile_pattern(pattern, not case_sensitive and "ignorecase" not in option_text or "ignorecase" in option_text)
        output: list[str] = []
        for item in to_list(left):
            text = to_string(item)
            if limit > 0:
                output.extend(p if p is not None else "" for p in compiled.compiled.split(text, maxsplit=limit - 1))
            else:
                output.extend(compiled.split(text))
        return output

    def format(self, template: Any, args: Any) -> str:
        try:
            return composite.composite(to_string(template), to_list(args) if isinstance(args, list) else [args], to_string)
        except composite.FormatError:
            message = ("Index (zero based) must be greater than or equal to zero and less than the size of the argument list."
                       if re.search(r"\{\d", to_string(template)) else "Input string was not in a correct format.")
            error = RuntimeError_(f'Error formatting a string: {message}.' if not message.endswith(".") else
                                  f"Error formatting a string: {message}", error_id="FormatError", category="InvalidOperation",
                                  target=to_string(template))
            error.inner_type = "System.FormatException"
            raise error from None

    def is_type(self, value: Any, type_name: str) -> bool:
        key = type_name.lower()
        key = key[7:] if key.startswith("system.") else key
        if key in ("array", "object[]"):
            return isinstance(value, list)
        if key == "object":
            return value is not None
        if key in ("collections.ienumerable", "collections.icollection"):
            # Strings are enumerable (of characters) in .NET; ICollection is not theirs.
            return isinstance(value, (list, tuple, CIDict, PSCollection)) or (key == "collections.ienumerable" and isinstance(value, str))
        checks = {"string": str, "bool": bool, "boolean": bool, "hashtable": CIDict, "datetime": dt.datetime,
                  "scriptblock": ScriptBlock}
        if key in ("int", "int32", "long", "int64"):
            return isinstance(value, int) and not isinstance(value, bool)
        if key in ("double", "decimal"):
            return isinstance(value, float)
        if key in checks:
            return isinstance(value, checks[key])
        self.resolve_type(type_name)
        return type_name_of(value).lower() == type_name.lower() or (
            isinstance(value, PSObject) and any(t.lower() == type_name.lower() for t in value.type_names))

    def expr_logical_expression(self, node: Node) -> Any:
        left = is_true(self.expression(node.children[0]))
        operator = self.text(node.children[1]).lower()
        if operator == "-and":
            return left and is_true(self.expression(node.children[2]))
        if operator == "-or":
            return left or is_true(self.expression(node.children[2]))
        if operator == "-xor":
            return left != is_true(self.expression(node.children[2]))
        raise self.unsupported(node)

    def expr_bitwise_expression(self, node: Node) -> Any:
        left = int(to_number(self.expression(node.children[0])))
        operator = self.text(node.children[1]).lower()
        right = int(to_number(self.expression(node.children[2])))
        return {"-band": left & right, "-bor": left | right, "-bxor": left ^ right}[operator]

    def expr_additive_expression(self, node: Node) -> Any:
        return self.binary(self.text(node.children[1]), self.expression(node.children[0]), self.expression(node.children[2]))

    expr_multiplicative_expression = expr_additive_expression
    # The same operators inside a method call's argument list ($p.WaitForExit($seconds * 1000)).
    expr_additive_argument_expression = expr_additive_expression
    expr_multiplicative_argument_expression = expr_additive_expression

    def expr_format_expression(self, node: Node) -> Any:
        return self.format(self.expression(node.children[0]), self.expression(node.children[2]))

    def expr_range_expression(self, node: Node) -> Any:
        start = int(to_number(self.expression(node.children[0])))
        end = int(to_number(self.expression(node.children[2])))
        step = 1 if end >= start else -1
        return list(range(start, end + step, step))

    def binary(self, operator: str, left: Any, right: Any) -> Any:
        if operator == "+":
            if isinstance(left, str):
                return left + to_string(right)
            if isinstance(left, list):
                return left + to_list(right) if isinstance(right, list) else left + [right]
            if isinstance(left, CIDict) and isinstance(right, CIDict):
                merged = CIDict(left.items())
                for key, value in right.items():
                    merged[key] = value
                return merged
            if left is None:
                return right
            if isinstance(left, dt.datetime) and isinstance(right, dt.timedelta):
                return left + right
            return to_number(left) + to_number(right)
        if operator == "-":
            if isinstance(left, dt.datetime) and isinstance(right, dt.datetime):
                return left - right
            return to_number(left) - to_number(right)
        if operator == "*":
            if isinstance(left, str):
                return left * int(to_number(right))
            if isinstance(left, list):
                return list(left) * int(to_number(right))
            return to_number(left) * to_number(right)
        if operator in ("/", "%") and to_number(right) == 0:
            error = RuntimeError_("Attempted to divide by zero.", error_id="RuntimeException", category="NotSpecified")
            error.inner_type = "System.DivideByZeroException"
            raise error
        if operator == "/":
            result = to_number(left) / to_number(right)
            return int(result) if result == int(result) else result
        if operator == "%":
            # The remainder takes the dividend's sign, as in C# (about_Arithmetic_Operators: -7 % 3 is -1).
            result = math.fmod(to_number(left), to_number(right))
            return int(result) if isinstance(left, int) and isinstance(to_number(right), int) else result
        raise RuntimeError_(f"The lab's PowerShell engine does not implement the operator '{operator}'.")

    # ----- conversions -------------------------------------------------------------------------
    def convert(self, value: Any, type_name: str) -> Any:
        key = type_name.lower().strip()
        key = key[7:] if key.startswith("system.") else key
        if key in _PS3_TYPES and self.ps_version >= 3:
            return self._convert_v3(value, key, type_name)
        if key in ("regex", "text.regularexpressions.regex"):
            return members.regex_object(value)
        if key in ("string",):
            return to_string(value) if value is not None else ""
        if key in ("bool", "boolean"):
            return is_true(value)
        if key in ("int", "int32", "long", "int64", "byte"):
            number = to_number(value)
            return int(round(number)) if isinstance(number, float) else number
        if key in ("double", "decimal", "float"):
            return float(to_number(value))
        if key in ("array", "object[]", "string[]"):
            items = to_list(value)
            return [to_string(i) for i in items] if key == "string[]" else list(items)
        if key.endswith("[]"):
            return [self.convert(item, type_name.strip()[:-2]) for item in to_list(value)]
        if key in ("object", "psobject"):
            return value
        if key == "hashtable":
            if isinstance(value, CIDict):
                return value
        if key == "version":
            return value if isinstance(value, DotNetVersion) else DotNetVersion(to_string(value))
        if key == "datetime":
            if isinstance(value, dt.datetime):
                return value
            return _parse_datetime(to_string(value))
        if key == "char":
            # A char is a UTF-16 code unit: a number in its range, or text of exactly one character.
            if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 0xFFFF:
                return PSChar(chr(value))
            if isinstance(value, str) and len(value) == 1:
                return PSChar(value)
            if isinstance(value, str):
                raise RuntimeError_(f'Cannot convert value "{value}" to type "System.Char". Error: "String must be exactly one '
                                    'character long."', error_id="InvalidCastParseTargetInvocation", category="InvalidArgument")
        if key == "switch":
            return SwitchValue(is_true(value))
        if key == "void":
            return None
        converter = self.types.get(key)
        if converter is not None:
            return converter(value)
        self.resolve_type(type_name)
        if key in _UNCONVERTED_TYPES:
            # Real types whose conversion the lab lacks: PowerShell would convert, so its refusal would be a lie.
            raise self.lab_gap(f"converting a value to [{type_name}]")
        raise RuntimeError_(f'Cannot convert value "{to_string(value)}" to type "{type_name}".', error_id="ConvertToFinalInvalidCastException",
                            category="InvalidArgument")


    def _convert_v3(self, value: Any, key: str, type_name: str) -> Any:
        """[ordered] and [pscustomobject] (PowerShell 3.0, about_Hash_Tables and about_Object_Creation)."""
        if key == "ordered":
            if not isinstance(value, CIDict):
                raise RuntimeError_(f'Cannot convert value "{to_string(value)}" to type "System.Collections.Specialized.'
                                    'OrderedDictionary".', error_id="ConvertToFinalInvalidCastException", category="InvalidArgument")
            return PSOrdered(value.items())
        if isinstance(value, CIDict):
            return PSObject("System.Management.Automation.PSCustomObject", dict(value.items()),
                            display=list(value.keys()) if len(value) <= 4 else None)
        return value


def _Version(number: float) -> PSObject:
    """A System.Version: prints as 2.0, with Major/Minor/Build/Revision properties."""
    major, minor = int(number), int(round((number - int(number)) * 10))
    return PSObject("System.Version", {"Major": major, "Minor": minor, "Build": -1, "Revision": -1},
                    display=["Major", "Minor", "Build", "Revision"], text=f"{major}.{minor}")


_STATEMENTS = {kind: kind for kind in (
    "if_statement", "foreach_statement", "for_statement", "while_statement", "do_statement", "switch_statement",
    "try_statement")} | {"pipeline": "pipeline_statement", "flow_control_statement": "flow_control"}

# How deep scripts may call each other: 100 in PowerShell 2.0 (ScriptCallDepthException's message); 1000 from 3.0 on.
_CALL_DEPTH_LIMIT = {2.0: 100}

_NO_VALUE = object()


class LabGap(RuntimeError_):
    """Something PowerShell may do that the lab does not emulate: it ends the script, and no catch or trap takes it,
    so a script never goes on from a lab gap as if PowerShell had answered."""

    def __init__(self, message: str) -> None:
        super().__init__(message, error_id="OwaLabNotEmulated", category="NotImplemented",
                         exception_type="OwaLab.NotEmulatedException")
        self.script_terminating = True


class _Attached:
    def __init__(self, value: Any) -> None:
        self.value = value


class _Pending:
    def __init__(self, value: Any) -> None:
        self.value = value


def _loggable(value: Any) -> Any:
    if isinstance(value, (bool, int, float)) or value is None:
        return value
    if isinstance(value, list):
        return [_loggable(v) for v in value]
    if isinstance(value, SwitchValue):
        return value.present
    if isinstance(value, ScriptBlock):
        return "{" + value.source + "}"
    return to_string(value)


def _source_of(node: Node) -> str:
    """The source of the tree ``node`` belongs to (a script block made at run time has its own)."""
    while node.parent is not None:
        node = node.parent
    return node.text.decode("utf-8")


def _position(text: str, node: Node) -> str:
    line_number = node.start_point[0] + 1
    lines = text.splitlines() or [""]
    line = lines[min(line_number - 1, len(lines) - 1)]
    return f"At line:{line_number} char:{node.start_point[1] + 1}\r\n+ {line.strip()[:100]}"


def _cmdlet_class(name: str) -> str:
    return "Microsoft.PowerShell.Commands." + name.replace("-", "") + "Command"


def _type_matches(exception_type: str, name: str, inner_type: str = "") -> bool:
    name = name.lower()
    if not name.startswith("system.") and "." in name:
        name = "system." + name
    for start in (exception_type, inner_type):
        current = start
        while current:
            if current.lower() == name or current.lower().endswith("." + name):
                return True
            current = _BASE_TYPES.get(current.rsplit(".", 1)[-1], "")
    return name in ("exception", "system.exception")


# The base classes of the exceptions the lab raises, so that "catch [Base]" takes a derived one (.NET reference pages).
_BASE_TYPES = {
    "ParameterBindingException": "System.Management.Automation.RuntimeException",
    "ParameterBindingArgumentTransformationException": "System.Management.Automation.ParameterBindingException",
    "ParameterBindingValidationException": "System.Management.Automation.ParameterBindingException",
    "CommandNotFoundException": "System.Management.Automation.RuntimeException",
    "MethodInvocationException": "System.Management.Automation.MethodException",
    "MethodException": "System.Management.Automation.RuntimeException",
    "ItemNotFoundException": "System.Management.Automation.SessionStateException",
    "SessionStateException": "System.Management.Automation.RuntimeException",
    "ActionPreferenceStopException": "System.Management.Automation.RuntimeException",
    "RuntimeException": "System.SystemException",
    "FileNotFoundException": "System.IO.IOException", "DirectoryNotFoundException": "System.IO.IOException",
    "IOException": "System.SystemException", "ArgumentOutOfRangeException": "System.ArgumentException",
    "ArgumentNullException": "System.ArgumentException", "ArgumentException": "System.SystemException",
    "UnauthorizedAccessException": "System.SystemException", "InvalidOperationException": "System.SystemException",
    "FormatException": "System.SystemException", "DivideByZeroException": "System.ArithmeticException",
    "ArithmeticException": "System.SystemException", "WriteErrorException": "System.SystemException",
    "SystemException": "System.Exception",
}


def _drain(enumerator: PSEnumerator):
    """foreach over an enumerator takes one item at a time, so a break leaves the rest in it."""
    while enumerator.move_next():
        yield enumerator.current()


def _enumerate(value: Any) -> list[Any]:
    if isinstance(value, PSEnumerator):
        return value.rest()
    if isinstance(value, (list, PSCollection)):
        return list(value)
    return [] if value is None else [value]


def _here_body(text: str) -> str:
    first = text.find("\n") + 1
    last = text.rfind("\n")
    body = text[first:last] if last >= first else ""
    return body.rstrip("\r")


_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0", "a": "\a", "b": "\b", "f": "\f", "v": "\v", "`": "`", '"': '"', "$": "$"}


def _unescape(text: str) -> str:
    out = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "`" and index + 1 < len(text):
            following = text[index + 1]
            out.append(_ESCAPES.get(following, following))
            index += 2
            continue
        if char == '"' and index + 1 < len(text) and text[index + 1] == '"':
            out.append('"')
            index += 2
            continue
        out.append(char)
        index += 1
    return "".join(out)


def _equal(left: Any, right: Any, case_sensitive: bool = False) -> bool:
    return _compare_one("eq", left, right, case_sensitive)


def _coerce_pair(left: Any, right: Any) -> tuple[Any, Any]:
    if isinstance(left, DotNetVersion):
        # The right operand converts to the left's type, as PowerShell compares: [version]'9.0.30729' -ge '9.0.21022'.
        return left.key(), (right if isinstance(right, DotNetVersion) else DotNetVersion(to_string(right))).key()
    if isinstance(left, PSEnum):
        if isinstance(right, (int, float)) and not isinstance(right, bool):
            return left.number, right
        return left.name, to_string(right)
    if isinstance(left, bool):
        return left, is_true(right)
    if isinstance(left, (int, float)):
        try:
            return left, to_number(right)
        except RuntimeError_:
            return to_string(left), to_string(right)
    if isinstance(left, dt.datetime):
        return left, right if isinstance(right, dt.datetime) else _parse_datetime(to_string(right))
    if isinstance(left, str):
        return left, to_string(right)
    return left, right


def _compare_one(operator: str, left: Any, right: Any, case_sensitive: bool = False, engine: Engine | None = None) -> bool:
    if operator in ("like", "notlike"):
        matched = wildcard(to_string(right), case_sensitive).fullmatch(to_string(left)) is not None
        return matched if operator == "like" else not matched
    if operator in ("match", "notmatch"):
        compiled = regexes.compile_pattern(to_string(right), not case_sensitive)
        found = compiled.search(to_string(left))
        if engine is not None and found:
            engine.scope.assign("Matches", compiled.matches_table(found))
        return bool(found) if operator == "match" else not found
    if left is None or right is None:
        if operator == "eq":
            return left is None and right is None
        if operator == "ne":
            return not (left is None and right is None)
        left = "" if left is None else left
        right = "" if right is None else right
    if isinstance(left, (PSObject, CIDict, ScriptBlock)):
        same = left is right
        return same if operator == "eq" else (not same if operator == "ne" else False)
    left_value, right_value = _coerce_pair(left, right)
    if isinstance(left_value, str) and not case_sensitive:
        left_value, right_value = left_value.lower(), to_string(right_value).lower()
    try:
        return {
            "eq": lambda: left_value == right_value, "ne": lambda: left_value != right_value,
            "gt": lambda: left_value > right_value, "ge": lambda: left_value >= right_value,
            "lt": lambda: left_value < right_value, "le": lambda: left_value <= right_value,
        }[operator]()
    except TypeError:
        return False


_COMPARISONS: dict[str, Any] = {name: True for name in (
    "eq", "ne", "gt", "ge", "lt", "le", "like", "notlike", "match", "notmatch", "contains", "notcontains",
    "in", "notin", "replace", "split", "join", "f")}


def wildcard(pattern: str, case_sensitive: bool = False) -> Any:
    """about_Wildcards: * any run, ? one character, [abc] and [a-z] one of a set; a backtick makes the next literal."""
    out: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "`" and index + 1 < len(pattern):
            out.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[":
            end = pattern.find("]", index + 1)
            if end < 0:
                out.append(re.escape(char))
            else:
                body = pattern[index + 1:end]
                out.append("[" + "".join("\\" + c if c in "\\^[" else c for c in body) + "]")
                index = end
        else:
            out.append(re.escape(char))
        index += 1
    return re.compile("".join(out), re.S | (0 if case_sensitive else re.I))


def _format_operator(template: str, args: list[Any]) -> str:
    def replace(match: re.Match[str]) -> str:
        index = int(match.group(1))
        value = args[index] if index < len(args) else None
        spec = match.group(3)
        if spec and isinstance(value, (int, float)):
            if spec.upper().startswith("N"):
                return f"{value:,.{int(spec[1:] or 2)}f}"
            if spec.upper().startswith("D"):
                return f"{int(value):0{int(spec[1:] or 0)}d}"
        text = to_string(value)
        width = match.group(2)
        if width:
            size = int(width)
            return text.rjust(size) if size > 0 else text.ljust(-size)
        return text
    return re.sub(r"\{(\d+)(?:,(-?\d+))?(?::([^}]*))?\}", replace, template.replace("{{", "\0").replace("}}", "\1")).replace("\0", "{").replace("\1", "}")


_DATE_PATTERNS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M", "%Y-%m-%dT%H:%M:%S",
                  "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")


def _parse_datetime(text: str) -> dt.datetime:
    for pattern in _DATE_PATTERNS:
        try:
            return dt.datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
    raise RuntimeError_(f'Cannot convert value "{text}" to type "System.DateTime". Error: "String was not recognized as a valid DateTime."',
                        error_id="InvalidCastParseTargetInvocationWithFormatProvider", category="InvalidArgument")


_STEP_EXPRESSIONS = ("post_increment_expression", "post_decrement_expression", "pre_increment_expression", "pre_decrement_expression")


def _format_datetime(value: dt.datetime, fmt: str) -> str:
    if fmt in ("o", "O"):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%f") + "0"
    if fmt in ("s",):
        return value.strftime("%Y-%m-%dT%H:%M:%S")
    table = [("yyyy", "%Y"), ("MM", "%m"), ("dd", "%d"), ("HH", "%H"), ("mm", "%M"), ("ss", "%S")]
    out = fmt
    for token, code in table:
        out = out.replace(token, code)
    return value.strftime(out)


def _string_split(text: str, *separators: Any) -> list[str]:
    if not separators:
        return text.split()
    chars = "".join(to_string(s) for s in separators)
    if not chars:
        return [text]
    return re.split("[" + re.escape(chars) + "]", text)


_STRING_METHODS: dict[str, Callable[..., Any]] = {
    "toupper": lambda s: s.upper(),
    "tolower": lambda s: s.lower(),
    "toupperinvariant": lambda s: s.upper(),
    "tolowerinvariant": lambda s: s.lower(),
    "trim": lambda s, *chars: s.strip("".join(to_string(c) for c in chars)) if chars else s.strip(),
    "trimstart": lambda s, *chars: s.lstrip("".join(to_string(c) for c in chars)) if chars else s.lstrip(),
    "trimend": lambda s, *chars: s.rstrip("".join(to_string(c) for c in chars)) if chars else s.rstrip(),
    "replace": lambda s, old, new: s.replace(to_string(old), to_string(new)),
    "split": _string_split,
    "contains": lambda s, part: to_string(part) in s,
    "startswith": lambda s, part: s.startswith(to_string(part)),
    "endswith": lambda s, part: s.endswith(to_string(part)),
    "substring": lambda s, start, length=None: s[int(start):] if length is None else s[int(start):int(start) + int(length)],
    "indexof": lambda s, part: s.find(to_string(part)),
    "lastindexof": lambda s, part: s.rfind(to_string(part)),
    "padleft": lambda s, width, char=" ": s.rjust(int(width), to_string(char)),
    "padright": lambda s, width, char=" ": s.ljust(int(width), to_string(char)),
    "tochararray": lambda s: list(s),
}


def _to_bytes(value: Any) -> bytes:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    return bytes(int(to_number(v)) for v in to_list(value))


class _Encoding:
    def __init__(self, codec: str, name: str) -> None:
        self.codec = codec
        self.name = name


def _encoding(codec: str, name: str) -> PSObject:
    return PSObject("System.Text." + name, {"EncodingName": name}, methods={
        "GetBytes": lambda text: to_string(text).encode(codec),
        "GetString": lambda data: _to_bytes(data).decode(codec, errors="replace"),
    })


# Objects with no methods beyond those of System.Object, whose missing method is PowerShell's own MethodNotFound.
_PLAIN_OBJECTS = {"System.Management.Automation.PSCustomObject", "System.Collections.DictionaryEntry",
                  "System.Text.RegularExpressions.Match", "System.Text.RegularExpressions.Group"}
_FULL_NAMES = {"math": "System.Math", "string": "System.String", "regex": "System.Text.RegularExpressions.Regex",
               "datetime": "System.DateTime", "int": "System.Int32", "convert": "System.Convert"}

# Types PowerShell converts to (from text, for instance [xml]'<a/>') that the lab knows by name but does not convert to.
_UNCONVERTED_TYPES = {"xml", "xml.xmldocument", "timespan", "guid"}

# Type accelerators PowerShell 3.0 added: a 2.0 server cannot find them.
_PS3_TYPES = {"ordered", "pscustomobject", "management.automation.pscustomobject"}

_BUILTIN_TYPES = {"stringsplitoptions", "dayofweek",
    "string", "bool", "boolean", "int", "int32", "int64", "long", "double", "decimal", "float", "byte", "char", "array",
    "object", "object[]", "hashtable", "datetime", "timespan", "convert", "text.encoding", "environment", "math",
    "switch", "void", "psobject", "scriptblock", "regex", "guid", "io.path", "net.dns", "version", "exception",
    "management.automation.runtimeexception", "string[]", "xml", "collections.ienumerable", "collections.icollection",
}

_STATIC_PROPERTIES: dict[tuple[str, str], Callable[[Engine], Any]] = {
    ("text.encoding", "utf8"): lambda e: _encoding("utf-8", "UTF8Encoding"),
    ("text.encoding", "unicode"): lambda e: _encoding("utf-16-le", "UnicodeEncoding"),
    ("text.encoding", "bigendianunicode"): lambda e: _encoding("utf-16-be", "UnicodeEncoding"),
    ("text.encoding", "ascii"): lambda e: _encoding("ascii", "ASCIIEncoding"),
    ("datetime", "now"): lambda e: e.state["clock"](),
    ("datetime", "utcnow"): lambda e: e.state["clock"](),
    ("datetime", "today"): lambda e: e.state["clock"]().replace(hour=0, minute=0, second=0, microsecond=0),
    ("environment", "machinename"): lambda e: e.environment.get("COMPUTERNAME"),
    ("environment", "newline"): lambda e: "\r\n",
    ("string", "empty"): lambda e: "",
    ("stringsplitoptions", "none"): lambda e: "None",
    ("stringsplitoptions", "removeemptyentries"): lambda e: "RemoveEmptyEntries",
}

_STATIC_METHODS: dict[tuple[str, str], Callable[..., Any]] = {
    ("scriptblock", "create"): lambda e, text: e.create_script_block(text),
    ("convert", "tobase64string"): lambda e, data: base64.b64encode(_to_bytes(data)).decode("ascii"),
    ("convert", "frombase64string"): lambda e, text: _from_base64(to_string(text)),
    ("convert", "toint64"): lambda e, value, base=None: _to_int64(value, base),
    ("string", "isnullorempty"): lambda e, text: text is None or to_string(text) == "",
    ("string", "join"): lambda e, sep, items: to_string(sep).join(to_string(i) for i in to_list(items)),
    ("math", "floor"): lambda e, n: int(to_number(n) // 1),
    ("math", "max"): lambda e, a, b: max(to_number(a), to_number(b)),
    ("regex", "escape"): lambda e, text: re.escape(to_string(text)),
    ("datetime", "parse"): lambda e, text: _parse_datetime(to_string(text)),
}


def _to_int64(value: Any, base: Any) -> int:
    """Convert.ToInt64(value) and Convert.ToInt64(string, fromBase 2/8/10/16); base 16 takes an optional 0x prefix."""
    argc = 1 if base is None else 2
    if base is None:
        return int(to_number(value))
    radix, text = int(to_number(base)), to_string(value).strip()
    if radix not in (2, 8, 10, 16):
        raise RuntimeError_(f'Exception calling "ToInt64" with "{argc}" argument(s): "Invalid Base."', error_id="ArgumentException")
    if radix == 16 and text.lower().startswith("0x"):
        text = text[2:]
    try:
        number = int(text, radix)
    except ValueError as exc:
        raise RuntimeError_(f'Exception calling "ToInt64" with "{argc}" argument(s): "Could not find any recognizable digits."',
                            error_id="FormatException") from exc
    # Out of range of an unsigned 64-bit value: OverflowException; above the signed range the bits wrap (two's complement).
    if number >= 1 << 64:
        raise RuntimeError_(f'Exception calling "ToInt64" with "{argc}" argument(s): "Value was either too large or too small for a '
                            'UInt64."', error_id="OverflowException")
    return number - (1 << 64) if radix != 10 and number >= 1 << 63 else number


def _from_base64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except Exception as exc:
        raise RuntimeError_('Exception calling "FromBase64String" with "1" argument(s): "Invalid length for a Base-64 char array."',
                            error_id="FormatException") from exc


def _in_argument_separator(node: Node) -> bool:
    while node is not None:
        if node.type == "command_argument_sep":
            return True
        node = node.parent
    return False


def _first_problem(node: Node) -> Node | None:
    stack = [node]
    while stack:
        current = stack.pop()
        if current.type == "ERROR" or (current.is_missing and not _in_argument_separator(current)):
            # The grammar inserts an empty separator before ",b" in "fl a,b"; PowerShell reads that as a list.
            return current
        if current.has_error:
            stack.extend(reversed(current.children))
    return None


def _parse_message(text: str, node: Node, message: str | None = None) -> str:
    line_number = node.start_point[0] + 1
    column = node.start_point[1] + 1
    lines = text.splitlines() or [""]
    line = lines[min(line_number - 1, len(lines) - 1)]
    token = text.encode("utf-8")[node.start_byte:node.end_byte].decode("utf-8", errors="replace").split("\n")[0][:40]
    lacking = re.search(r"(?<![\w-])-([ci](?:notin|in))\b", token, re.I)
    if message is None and lacking:
        # PowerShell 3.0's -cin, -iin, -cnotin, -inotin: tree-sitter-powershell 0.26 has no token for them.
        message = (f"owa-lab's parser (tree-sitter-powershell) does not read the operator '-{lacking.group(1)}'; "
                   "a real server with PowerShell 3.0 or later may accept it.")
    if message is None:
        if node.is_missing:
            message = f"Missing '{node.type}' in statement."
        else:
            message = f"Unexpected token '{token}' in expression or statement."
    return f"At line:{line_number} char:{column}\n+ {line.strip()}\n{message}"
