"""What Windows PowerShell 2.0 (Exchange 2010 on Windows Server 2008 R2) lacks, in one place, with sources.

Each entry: what to look for in a tree-sitter-powershell parse, the version that brought it, an example that must
be caught, and where the version is documented.
"""

from __future__ import annotations

import dataclasses
import typing as t


@dataclasses.dataclass(frozen=True)
class Construct:
    kind: str          # command | parameter | type | operator | method | static_method | variable | node | simplified
    name: str          # lower case; for parameter: "command -parameter"; for node: a tree-sitter node type
    since: str
    example: str
    source: str


NEWER_THAN_2_0: t.Tuple[Construct, ...] = (
    Construct("command", "convertto-json", "3.0", "@{a=1} | ConvertTo-Json",
              "Microsoft Learn, ConvertTo-Json: 'This cmdlet was introduced in Windows PowerShell 3.0.'"),
    Construct("command", "convertfrom-json", "3.0", "'{}' | ConvertFrom-Json", "Microsoft Learn, ConvertFrom-Json (introduced in 3.0)"),
    Construct("command", "get-ciminstance", "3.0", "Get-CimInstance Win32_OperatingSystem", "Microsoft Learn, CimCmdlets module (3.0)"),
    Construct("command", "invoke-restmethod", "3.0", "Invoke-RestMethod http://x", "Microsoft Learn, Invoke-RestMethod (3.0)"),
    Construct("command", "invoke-webrequest", "3.0", "Invoke-WebRequest http://x", "Microsoft Learn, Invoke-WebRequest (3.0)"),
    Construct("command", "get-filehash", "4.0", "Get-FileHash C:\\x", "Microsoft Learn, Get-FileHash (4.0)"),
    Construct("command", "new-guid", "5.0", "New-Guid", "Microsoft Learn, New-Guid (5.0)"),
    Construct("command", "test-netconnection", "4.0 (Windows 8.1 / 2012 R2)", "Test-NetConnection x -Port 1",
              "Microsoft Learn, NetTCPIP module: Windows Server 2012 R2 and later"),
    Construct("command", "resolve-dnsname", "3.0 (Windows 8 / 2012)", "Resolve-DnsName x", "Microsoft Learn, DnsClient module: Windows Server 2012"),
    Construct("parameter", "get-content -raw", "3.0", "Get-Content C:\\x -Raw", "Microsoft Learn, Get-Content: -Raw 'introduced in Windows PowerShell 3.0'"),
    Construct("parameter", "get-content -tail", "3.0", "Get-Content C:\\x -Tail 5",
              "Microsoft Learn, Get-Content: -Tail 'introduced in Windows PowerShell 3.0'"),
    Construct("parameter", "get-childitem -file", "3.0", "Get-ChildItem C:\\ -File", "Microsoft Learn, Get-ChildItem: -File (3.0)"),
    Construct("parameter", "get-acl -literalpath", "3.0", "Get-Acl -LiteralPath C:\\x",
              "TechNet dd347635, Get-Acl for Windows PowerShell 2.0: [-Path] only; -LiteralPath in the 3.0 reference"),
    Construct("parameter", "set-acl -literalpath", "3.0", "Set-Acl -LiteralPath C:\\x -AclObject $a",
              "TechNet dd315261, Set-Acl for Windows PowerShell 2.0: [-Path] only; -LiteralPath in the 3.0 reference"),
    Construct("parameter", "get-childitem -directory", "3.0", "Get-ChildItem C:\\ -Directory", "Microsoft Learn, Get-ChildItem: -Directory (3.0)"),
    Construct("parameter", "out-file -nonewline", "5.0", "'x' | Out-File C:\\x -NoNewline", "Microsoft Learn, Out-File: -NoNewline (5.0)"),
    Construct("parameter", "set-content -nonewline", "5.0", "Set-Content C:\\x 'a' -NoNewline", "Microsoft Learn, Set-Content: -NoNewline (5.0)"),
    Construct("parameter", "* -erroraction ignore", "3.0", "Get-Item x -ErrorAction Ignore",
              "Microsoft Learn, about_CommonParameters: the Ignore value was introduced in PowerShell 3.0"),
    Construct("type", "pscustomobject", "3.0", "[pscustomobject]@{a=1}", "Microsoft Learn, about_PSCustomObject (type accelerator added in 3.0)"),
    Construct("type", "pscustomobject", "3.0", "[System.Management.Automation.PSCustomObject]@{a=1}",
              "Microsoft Learn, about_PSCustomObject (the accelerator's full name)"),
    Construct("parameter", "get-content -raw", "3.0", "gc C:\\x -Ra", "the alias gc and a prefix of -Raw (about_Parameters)"),
    Construct("parameter", "get-childitem -file", "3.0", "gci C:\\ -file", "the alias gci of Get-ChildItem"),
    Construct("parameter", "* -erroraction ignore", "3.0", "$ErrorActionPreference = 'Ignore'",
              "Microsoft Learn, about_Preference_Variables: Ignore is not a valid preference value before 3.0"),
    Construct("method", "where", "4.0", "$x.Where{ $_ -gt 1 }", "Microsoft Learn, about_Arrays: the Where method takes a bare script block"),
    Construct("type", "ordered", "3.0", "[ordered]@{a=1}", "Microsoft Learn, about_Hash_Tables: 'Beginning in PowerShell 3.0 ... [ordered]'"),
    Construct("operator", "-in", "3.0", "1 -in @(1)", "Microsoft Learn, about_Comparison_Operators: -in/-notin introduced in PowerShell 3"),
    Construct("operator", "-notin", "3.0", "1 -notin @(1)", "Microsoft Learn, about_Comparison_Operators"),
    Construct("operator", "-shl", "3.0", "1 -shl 2", "Microsoft Learn, about_Arithmetic_Operators: -shl/-shr introduced in PowerShell 3.0"),
    Construct("operator", "-shr", "3.0", "4 -shr 1", "Microsoft Learn, about_Arithmetic_Operators"),
    Construct("method", "where", "4.0", "@(1,2).Where({ $_ -gt 1 })", "Microsoft Learn, about_Arrays: Where and ForEach methods (4.0)"),
    Construct("method", "foreach", "4.0", "@(1,2).ForEach({ $_ })", "Microsoft Learn, about_Arrays: Where and ForEach methods (4.0)"),
    Construct("static_method", "new", "5.0", "[Text.StringBuilder]::new()", "Microsoft Learn, about_Classes / What's new in 5.0: ::new()"),
    Construct("variable", "psitem", "3.0", "@(1) | ForEach-Object { $PSItem }", "Microsoft Learn, about_Automatic_Variables: $PSItem (3.0)"),
    Construct("variable", "psscriptroot", "3.0 (in scripts)", "Join-Path $PSScriptRoot x",
              "Microsoft Learn, about_Automatic_Variables: in 2.0 only in script modules"),
    Construct("node", "class_statement", "5.0", "class A { }", "Microsoft Learn, about_Classes (5.0)"),
    Construct("node", "enum_statement", "5.0", "enum E { A }", "Microsoft Learn, about_Enum (5.0)"),
    Construct("simplified", "where-object", "3.0", "Get-Process | Where-Object Name -eq x",
              "Microsoft Learn, Where-Object: 'Starting in Windows PowerShell 3.0 ... comparison statement' syntax"),
    Construct("simplified", "foreach-object", "3.0", "Get-Process | ForEach-Object Name",
              "Microsoft Learn, ForEach-Object: operation statement syntax (3.0)"),
)
