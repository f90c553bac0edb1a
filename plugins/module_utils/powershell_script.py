# Copyright: (c) 2026, exchange.owa_im contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Building PowerShell 2.0 scripts: quoting user values as data, the shared prelude, encoding."""

from __future__ import annotations

import base64

# Every character PowerShell's tokenizer accepts as a single quote; inside a single-quoted
# string each is escaped by doubling it (PowerShell reads the pair as the second character).
SINGLE_QUOTES = "'\u2018\u2019\u201a\u201b"

RECORD_MARKER = "OWAIM"

SNAPINS = (
    "Microsoft.Exchange.Management.PowerShell.E2010",
    "Microsoft.Exchange.Management.PowerShell.SnapIn",
)


def quote_literal(value: str) -> str:
    """Return ``value`` as one PowerShell verbatim string literal, whatever it contains."""
    if not isinstance(value, str):
        raise TypeError("quote_literal takes a str, got %s" % type(value).__name__)
    if "\x00" in value or any(0xD800 <= ord(char) <= 0xDFFF for char in value):
        raise ValueError("a value holds a NUL or an unpaired surrogate character, which no PowerShell script can carry")
    return "'" + "".join(char * 2 if char in SINGLE_QUOTES else char for char in value) + "'"


def names_literal(names: "list[str] | tuple[str, ...]") -> str:
    """A PowerShell array of names, such as the properties Out-OwaImObject writes."""
    return "@(%s)" % ", ".join(quote_literal(name) for name in names)


def bool_literal(value: bool) -> str:
    return "$true" if value else "$false"


# The prelude every module script starts with. Records go to stdout as
# OWAIM|record|field|kind|base64(UTF-8 text), which Python parses strictly; PowerShell 2.0 has
# no ConvertTo-Json. Exit codes: 0 done, 2 Exchange (or Windows) refused, 3 not an Exchange server.
# Lists of objects use records named 'kind/0', 'kind/1', ...
PRELUDE = r"""$ErrorActionPreference = 'Stop'
function Out-OwaImField([string]$Record, [string]$Name, $Value) {
    if ($null -eq $Value) { $kind = 'null'; $text = '' }
    elseif ($Value -is [bool]) { $kind = 'bool'; $text = [string]$Value }
    elseif ($Value -is [array]) { $kind = 'list'; $text = [string]::Join("`n", @($Value | ForEach-Object { [string]$_ })) }
    else { $kind = 'string'; $text = [string]$Value }
    '%(marker)s|' + $Record + '|' + $Name + '|' + $kind + '|' + [Convert]::ToBase64String([Text.Encoding]::UTF8.GetBytes($text))
}
function Out-OwaImObject([string]$Record, $Object, [string[]]$Names) {
    foreach ($owaImProperty in $Names) {
        $owaImValue = $Object.$owaImProperty
        if ($owaImValue -is [DateTime]) { $owaImValue = $owaImValue.ToString('s') }
        Out-OwaImField $Record $owaImProperty $owaImValue
    }
}
function Out-OwaImError([string]$Kind, $Message, $ErrorId, $Exception) {
    Out-OwaImField 'error' 'kind' $Kind
    Out-OwaImField 'error' 'message' $Message
    Out-OwaImField 'error' 'id' $ErrorId
    Out-OwaImField 'error' 'exception' $Exception
}
""" % {"marker": RECORD_MARKER}

SNAPIN_LOAD = """$owaImSnapin = $null
foreach ($owaImName in @(%(names)s)) {
    if (Get-PSSnapin -Registered -Name $owaImName -ErrorAction SilentlyContinue) { $owaImSnapin = $owaImName; break }
}
if ($null -eq $owaImSnapin) {
    Out-OwaImError 'not_exchange' 'No Exchange Management Shell snap-in is registered on this server.' $null $null
    exit 3
}
if (-not (Get-PSSnapin -Name $owaImSnapin -ErrorAction SilentlyContinue)) { Add-PSSnapin $owaImSnapin }
""" % {"names": ", ".join(quote_literal(name) for name in SNAPINS)}

# Every script names its server first, so even a failure before Exchange answers says where it happened.
SERVER_NAME = "Out-OwaImField 'server' 'name' $env:COMPUTERNAME\n"

EPILOGUE_CATCH = """} catch {
    Out-OwaImError 'exchange' ($_.Exception.Message) ($_.FullyQualifiedErrorId) ($_.Exception.GetType().FullName)
    exit 2
}
"""


def exchange_script(body: str) -> str:
    """Wrap ``body`` so it runs with the Exchange snap-in loaded and reports failures as records."""
    return PRELUDE + "try {\n" + SERVER_NAME + SNAPIN_LOAD + body.rstrip("\n") + "\n" + EPILOGUE_CATCH


def windows_script(body: str) -> str:
    """Wrap ``body`` for a script that needs no Exchange snap-in (files, registry, installers)."""
    return PRELUDE + "try {\n" + SERVER_NAME + body.rstrip("\n") + "\n" + EPILOGUE_CATCH


def encode_command(script: str) -> str:
    """The command line that runs ``script`` in a new powershell.exe, as WinRM clients send it."""
    encoded = base64.b64encode(script.encode("utf-16-le")).decode("ascii")
    return "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Unrestricted -EncodedCommand " + encoded
