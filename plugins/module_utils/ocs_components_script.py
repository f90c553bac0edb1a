# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one remote script of ocs_components: detect, find sources (expanding CWAOWASSPMain.msi), install, detect again."""

from __future__ import annotations

from .ocs_components import COMPONENTS, EXPANDER, SUCCESS_CODES, Component
from .powershell_script import quote_literal, windows_script

UNINSTALL_KEYS = (
    "HKLM:\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*",
    "HKLM:\\SOFTWARE\\Wow6432Node\\Microsoft\\Windows\\CurrentVersion\\Uninstall\\*",
)
_SUCCESS = " -and ".join("$owaImCode -ne %d" % code for code in SUCCESS_CODES)


def _products() -> str:
    return "$owaImProducts = @(%s)" % " + ".join(
        "@(Get-ItemProperty -Path %s -ErrorAction SilentlyContinue)" % quote_literal(key) for key in UNINSTALL_KEYS)


def _detect(index: int, component: Component, record: str) -> list:
    found = "$owaImFound%d" % index
    return [
        "%s = @($owaImProducts | Where-Object { [string]$_.DisplayName -like %s })" % (found, quote_literal(component.display_name)),
        "Out-OwaImField '%s' 'installed' (%s.Count -gt 0)" % (record, found),
        "if (%s.Count -gt 0) { Out-OwaImObject '%s' %s[0] @('DisplayName', 'DisplayVersion') }" % (found, record, found),
    ]


def _arguments(component: Component, path: str, log: str) -> str:
    # Start-Process joins these with spaces; the paths are wrapped in double quotes for Windows' own splitting.
    if component.kind == "exe":
        return "@('/q', '/norestart', '/log', ('\"' + %s + '\"'))" % log
    return "@('/i', ('\"' + %s + '\"'), '/qn', '/norestart', '/l*v', ('\"' + %s + '\"'))" % (path, log)


def _run(record: str, program: str, arguments: str, log: str, label: str) -> list:
    return [
        "    $owaImProcess = Start-Process -FilePath %s -ArgumentList %s -Wait -PassThru" % (program, arguments),
        "    $owaImCode = [int]$owaImProcess.ExitCode",
        "    Out-OwaImField '%s' 'exit_code' ([string]$owaImCode)" % record,
        "    Out-OwaImField '%s' 'log_file' %s" % (record, log),
        "    if (%s) {" % _SUCCESS,
        "        Out-OwaImField 'failure' 'log_tail' @(Get-Content -LiteralPath %s -ErrorAction SilentlyContinue | Select-Object -Last 25)" % log,
        "        Out-OwaImError 'installer_failed' %s ([string]$owaImCode) $null" % quote_literal(label),
        "        exit 6",
        "    }",
    ]


def detect() -> str:
    """Only read which components are installed (for audits)."""
    lines = [_products()]
    for index, component in enumerate(COMPONENTS):
        lines += _detect(index, component, "before/%d" % index)
    return windows_script("\n".join(lines) + "\n")


def build(source: str, expand_directory: str, log_directory: str, check_mode: bool) -> str:
    lines = [
        "$owaImSource = %s" % quote_literal(source or ""),
        "$owaImExpand = %s" % quote_literal(expand_directory),
        "$owaImLogDir = %s" % quote_literal(log_directory),
        _products(),
        "$owaImNeedFiles = $false",
    ]
    for index, component in enumerate(COMPONENTS):
        record = "before/%d" % index
        lines += _detect(index, component, record)
        lines += [
            "$owaImPath%d = $null" % index,
            "if ($owaImFound%d.Count -eq 0) {" % index,
            "    foreach ($owaImDir in @($owaImSource, $owaImExpand)) {",
            "        if ($owaImDir -ne '') {",
            "            $owaImCandidate = Join-Path $owaImDir %s" % quote_literal(component.file_name),
            "            if (($null -eq $owaImPath%d) -and (Test-Path -LiteralPath $owaImCandidate -PathType Leaf)) { $owaImPath%d = $owaImCandidate }"
            % (index, index),
            "        }",
            "    }",
            "    if ($null -eq $owaImPath%d) { $owaImNeedFiles = $true }" % index,
            "}",
        ]
    expander_log = "(Join-Path $owaImLogDir 'owa_im_expand_cwaowasspmain.log')"
    lines += [
        "if ($owaImNeedFiles) {",
        "    $owaImMain = ''",
        "    if ($owaImSource -ne '') { $owaImMain = Join-Path $owaImSource %s }" % quote_literal(EXPANDER),
        "    if (($owaImMain -eq '') -or -not (Test-Path -LiteralPath $owaImMain -PathType Leaf)) {",
        "        Out-OwaImError 'source_missing' $owaImSource $null $null",
        "        exit 7",
        "    }",
        "    Out-OwaImField 'expand' 'package' $owaImMain",
    ]
    if not check_mode:
        lines += ["    $owaImLog = %s" % expander_log]
        lines += _run("expand", "'msiexec.exe'", _arguments(COMPONENTS[1], "$owaImMain", "$owaImLog"), "$owaImLog", EXPANDER)
    for index, component in enumerate(COMPONENTS):
        lines.append("    if (($owaImFound%d.Count -eq 0) -and ($null -eq $owaImPath%d)) { $owaImPath%d = Join-Path $owaImExpand %s }"
                     % (index, index, index, quote_literal(component.file_name)))
    lines.append("}")
    for index, component in enumerate(COMPONENTS):
        record = "install/%d" % index
        log = "$owaImLog%d" % index
        lines += [
            "if ($owaImFound%d.Count -eq 0) {" % index,
            "    Out-OwaImField '%s' 'source' $owaImPath%d" % (record, index),
        ]
        if not check_mode:
            program = "$owaImPath%d" % index if component.kind == "exe" else "'msiexec.exe'"
            lines += ["    %s = Join-Path $owaImLogDir %s" % (log, quote_literal("owa_im_%s.log" % component.name))]
            lines += _run(record, program, _arguments(component, "$owaImPath%d" % index, log), log, component.file_name)
        lines.append("}")
    if not check_mode:
        lines.append(_products())
        for index, component in enumerate(COMPONENTS):
            lines += _detect(index, component, "after/%d" % index)
    return windows_script("\n".join(lines) + "\n")
