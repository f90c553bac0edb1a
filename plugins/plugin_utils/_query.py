# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""JMESPath queries over what the info modules and the audit return, evaluated on the controller.

Why: the question an administrator asks of a pool is usually one line ("which servers have IM off", "which certificates
expire within 30 days"), and a JMESPath expression says it without a chain of Jinja filters or a dependency on
community.general. This is the one place that imports ``jmespath`` (a declared dependency of the collection), so a
missing library and a malformed expression fail the same way in every module and in the ``jmespath_query`` filter.

``compile_query`` does all the checking that needs no data - syntax, function names, argument counts - so an action
plugin calls it before it starts anything on a server; ``evaluate`` then only meets errors that depend on the data.
"""

from __future__ import annotations

import sys
import typing as t

try:
    import jmespath
    from jmespath import exceptions as jmespath_errors
    from jmespath.functions import Functions
    from jmespath.parser import ParsedResult
except ImportError:  # a declared requirement of the collection; require_jmespath() says how to install it
    jmespath = None


class QueryError(ValueError):
    """A query that cannot run: the library is missing, the expression is malformed, or it does not fit the data."""


def require_jmespath() -> None:
    """Fail with the fix when the Python that runs Ansible lacks jmespath."""
    if jmespath is None:
        raise QueryError("JMESPath queries need the Python library jmespath in the Python that runs Ansible (%s): "
                         "pip install jmespath, for instance '%s -m pip install jmespath'." % (sys.executable, sys.executable))


def _function_calls(node: t.Mapping[str, t.Any]) -> t.Iterator[t.Tuple[str, int]]:
    """Each function call in a parsed expression as (name, number of arguments)."""
    if node.get("type") == "function_expression":
        yield node["value"], len(node.get("children") or ())
    for child in node.get("children") or ():
        if isinstance(child, t.Mapping):
            yield from _function_calls(child)


def _function_problem(parsed: t.Mapping[str, t.Any]) -> t.Optional[str]:
    """An unknown function or a wrong number of arguments, which jmespath itself finds only when the query runs."""
    table = Functions.FUNCTION_TABLE
    for name, count in _function_calls(parsed):
        if name not in table:
            return "unknown function %s() (JMESPath has %s)" % (name, ", ".join(sorted(table)))
        signature = table[name]["signature"]
        variadic = bool(signature) and bool(signature[-1].get("variadic"))
        if count < len(signature) or (count > len(signature) and not variadic):
            wanted = "%s%d argument%s" % ("at least " if variadic else "", len(signature), "" if len(signature) == 1 else "s")
            return "%s() takes %s, not %d" % (name, wanted, count)
    return None


def compile_query(expression: t.Optional[str], option: str = "query") -> t.Optional[ParsedResult]:
    """The compiled expression, or None when none is given (None or an empty string).

    ``option`` names the option or variable in messages, so the administrator knows which value to fix.
    """
    if expression is None or str(expression) == "":
        return None
    require_jmespath()
    try:
        compiled = jmespath.compile(str(expression))
    except jmespath_errors.JMESPathError as exc:
        raise QueryError("%s is not a valid JMESPath expression: %s" % (option, exc))
    problem = _function_problem(compiled.parsed)
    if problem:
        raise QueryError("%s is not a valid JMESPath expression: %s" % (option, problem))
    return compiled


def plain(value: t.Any) -> t.Any:
    """``value`` with Python's own dict, list, str, int and float, which jmespath's type checks recognise.

    Ansible hands templates tagged and lazy subclasses of these, which jmespath functions such as contains() reject.
    """
    if isinstance(value, t.Mapping):
        return {str(key): plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(item) for item in value]
    for kind in (bool, str, int, float):
        if isinstance(value, kind):
            return kind(value)
    return value


def evaluate(compiled: ParsedResult, data: t.Any, option: str = "query") -> t.Any:
    """The compiled expression applied to ``data``; an error that depends on the data names ``option`` too."""
    try:
        return compiled.search(plain(data))
    except jmespath_errors.JMESPathError as exc:
        raise QueryError("%s %r failed on this data: %s" % (option, compiled.expression, exc))


def with_query_result(result: t.Dict[str, t.Any], compiled: t.Optional[ParsedResult]) -> t.Dict[str, t.Any]:
    """A module's result with ``query_result`` added: the query over the whole result as it was, other keys untouched."""
    if compiled is None:
        return result
    return dict(result, query_result=evaluate(compiled, result))


def search(expression: str, data: t.Any, option: str = "query") -> t.Any:
    """Compile and apply in one step (for the filter); an empty expression is an error here, as there is nothing to return."""
    compiled = compile_query(expression, option)
    if compiled is None:
        raise QueryError("%s is empty: give a JMESPath expression." % option)
    return evaluate(compiled, data, option)
