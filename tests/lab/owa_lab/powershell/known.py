"""Names that exist in Windows PowerShell, so the lab can tell a real command or member it lacks (an honest "owa-lab
does not emulate ...") from a name no PowerShell knows (PowerShell's own "is not recognized" / "doesn't contain").

The cmdlets are those of the modules a fresh Windows PowerShell loads or autoloads: Microsoft.PowerShell.Core,
.Management, .Utility, .Security, .Diagnostics, .Host and Microsoft.WSMan.Management in 2.0 (the "Windows PowerShell 2.0
cmdlet" list of the PowerShell 2.0 documentation, Windows Server 2008 R2), and for 5.1 what 3.0 to 5.1 added to those
modules and the in-box ones they autoload (CimCmdlets, Microsoft.PowerShell.Archive, PackageManagement, PowerShellGet,
Microsoft.PowerShell.LocalAccounts). Windows role modules and Exchange's snap-in are not listed here.
"""

from __future__ import annotations

_CMDLETS_2 = """
Add-Computer Add-Content Add-History Add-Member Add-PSSnapin Add-Type Checkpoint-Computer Clear-Content Clear-EventLog
Clear-History Clear-Item Clear-ItemProperty Clear-Variable Compare-Object Complete-Transaction Connect-WSMan
ConvertFrom-Csv ConvertFrom-SecureString ConvertFrom-StringData Convert-Path ConvertTo-Csv ConvertTo-Html
ConvertTo-SecureString ConvertTo-Xml Copy-Item Copy-ItemProperty Debug-Process Disable-ComputerRestore
Disable-PSBreakpoint Disable-PSRemoting Disable-PSSessionConfiguration Disable-WSManCredSSP Disconnect-WSMan
Enable-ComputerRestore Enable-PSBreakpoint Enable-PSRemoting Enable-PSSessionConfiguration Enable-WSManCredSSP
Enter-PSSession Exit-PSSession Export-Alias Export-Clixml Export-Console Export-Counter Export-Csv Export-FormatData
Export-ModuleMember Export-PSSession ForEach-Object Format-Custom Format-List Format-Table Format-Wide Get-Acl Get-Alias
Get-AuthenticodeSignature Get-ChildItem Get-Command Get-ComputerRestorePoint Get-Content Get-Counter Get-Credential
Get-Culture Get-Date Get-Event Get-EventLog Get-EventSubscriber Get-ExecutionPolicy Get-FormatData Get-Help Get-History
Get-Host Get-HotFix Get-Item Get-ItemProperty Get-Job Get-Location Get-Member Get-Module Get-PfxCertificate Get-Process
Get-PSBreakpoint Get-PSCallStack Get-PSDrive Get-PSProvider Get-PSSession Get-PSSessionConfiguration Get-PSSnapin
Get-Random Get-Service Get-TraceSource Get-Transaction Get-UICulture Get-Unique Get-Variable Get-WinEvent Get-WmiObject
Get-WSManCredSSP Get-WSManInstance Group-Object Import-Alias Import-Clixml Import-Counter Import-Csv
Import-LocalizedData Import-Module Import-PSSession Invoke-Command Invoke-Expression Invoke-History Invoke-Item
Invoke-WmiMethod Invoke-WSManAction Join-Path Limit-EventLog Measure-Command Measure-Object Move-Item Move-ItemProperty
New-Alias New-Event New-EventLog New-Item New-ItemProperty New-Module New-ModuleManifest New-Object New-PSDrive
New-PSSession New-PSSessionOption New-Service New-TimeSpan New-Variable New-WebServiceProxy New-WinEvent
New-WSManInstance New-WSManSessionOption Out-Default Out-File Out-GridView Out-Host Out-Null Out-Printer Out-String
Pop-Location Push-Location Read-Host Receive-Job Register-EngineEvent Register-ObjectEvent
Register-PSSessionConfiguration Register-WmiEvent Remove-Computer Remove-Event Remove-EventLog Remove-Item
Remove-ItemProperty Remove-Job Remove-Module Remove-PSBreakpoint Remove-PSDrive Remove-PSSession Remove-PSSnapin
Remove-Variable Remove-WmiObject Remove-WSManInstance Rename-Item Rename-ItemProperty Reset-ComputerMachinePassword
Resolve-Path Restart-Computer Restart-Service Restore-Computer Resume-Service Select-Object Select-String Select-Xml
Send-MailMessage Set-Acl Set-Alias Set-AuthenticodeSignature Set-Content Set-Date Set-ExecutionPolicy Set-Item
Set-ItemProperty Set-Location Set-PSBreakpoint Set-PSDebug Set-PSSessionConfiguration Set-Service Set-StrictMode
Set-TraceSource Set-Variable Set-WmiInstance Set-WSManInstance Set-WSManQuickConfig Show-EventLog Sort-Object
Split-Path Start-Job Start-Process Start-Service Start-Sleep Start-Transaction Start-Transcript Stop-Computer Stop-Job
Stop-Process Stop-Service Stop-Transcript Suspend-Service Tee-Object Test-ComputerSecureChannel Test-Connection
Test-ModuleManifest Test-Path Test-WSMan Trace-Command Undo-Transaction Unregister-Event
Unregister-PSSessionConfiguration Update-FormatData Update-List Update-TypeData Use-Transaction Wait-Event Wait-Job
Wait-Process Where-Object Write-Debug Write-Error Write-EventLog Write-Host Write-Output Write-Progress Write-Verbose
Write-Warning
"""

_CMDLETS_3_TO_5 = """
ConvertFrom-Json ConvertTo-Json Invoke-RestMethod Invoke-WebRequest Get-CimInstance Get-CimClass New-CimSession
Invoke-CimMethod Set-CimInstance Remove-CimInstance New-CimInstance Get-CimAssociatedInstance Register-CimIndicationEvent
Get-CimSession Remove-CimSession New-CimSessionOption Show-Command Unblock-File Get-TypeData Remove-TypeData Resume-Job
Suspend-Job Disconnect-PSSession Connect-PSSession Receive-PSSession Save-Help Update-Help Get-ControlPanelItem
Show-ControlPanelItem Rename-Computer New-PSTransportOption New-PSSessionConfigurationFile
Test-PSSessionConfigurationFile New-PSRoleCapabilityFile Get-PSHostProcessInfo Enter-PSHostProcess Exit-PSHostProcess
Debug-Runspace Get-Runspace Enable-RunspaceDebug Disable-RunspaceDebug Get-RunspaceDebug Wait-Debugger Debug-Job
Clear-RecycleBin Get-Clipboard Set-Clipboard Compress-Archive Expand-Archive Format-Hex Get-FileHash New-Guid
New-TemporaryFile Get-ItemPropertyValue ConvertFrom-String Convert-String Write-Information Get-ComputerInfo
Get-TimeZone Set-TimeZone Get-LocalUser New-LocalUser Set-LocalUser Remove-LocalUser Enable-LocalUser Disable-LocalUser
Get-LocalGroup New-LocalGroup Get-LocalGroupMember Add-LocalGroupMember Remove-LocalGroupMember Find-Module
Install-Module Get-InstalledModule Update-Module Uninstall-Module Save-Module Register-PSRepository Get-PSRepository
Set-PSRepository Find-Package Install-Package Get-Package Get-PackageProvider Get-PackageSource Protect-CmsMessage
Unprotect-CmsMessage Get-CmsMessage New-FileCatalog Test-FileCatalog Import-PowerShellDataFile Get-Verb
Register-ArgumentCompleter Get-PSReadlineOption Set-PSReadlineOption Get-PSReadlineKeyHandler Set-PSReadlineKeyHandler
New-WinEvent Enable-PSTrace Disable-PSTrace Get-LogProperties Set-LogProperties Get-ScheduledJob Register-ScheduledJob
"""

# Aliases of Windows PowerShell 2.0 (Get-Alias on a fresh 2.0 console), by the cmdlet they stand for.
ALIASES: dict[str, str] = {
    "ac": "Add-Content", "asnp": "Add-PSSnapin", "cat": "Get-Content", "cd": "Set-Location", "chdir": "Set-Location",
    "clc": "Clear-Content", "clear": "Clear-Host", "clhy": "Clear-History", "cli": "Clear-Item", "clp": "Clear-ItemProperty",
    "cls": "Clear-Host", "clv": "Clear-Variable", "compare": "Compare-Object", "copy": "Copy-Item", "cp": "Copy-Item",
    "cpi": "Copy-Item", "cpp": "Copy-ItemProperty", "cvpa": "Convert-Path", "dbp": "Disable-PSBreakpoint",
    "del": "Remove-Item", "diff": "Compare-Object", "dir": "Get-ChildItem", "ebp": "Enable-PSBreakpoint",
    "epal": "Export-Alias", "epcsv": "Export-Csv", "epsn": "Export-PSSession", "erase": "Remove-Item",
    "etsn": "Enter-PSSession", "exsn": "Exit-PSSession", "fc": "Format-Custom", "fw": "Format-Wide",
    "gal": "Get-Alias", "gbp": "Get-PSBreakpoint", "gc": "Get-Content", "gci": "Get-ChildItem", "gcs": "Get-PSCallStack",
    "gdr": "Get-PSDrive", "ghy": "Get-History", "gi": "Get-Item", "gjb": "Get-Job", "gl": "Get-Location",
    "gm": "Get-Member", "gmo": "Get-Module", "gp": "Get-ItemProperty", "gps": "Get-Process", "group": "Group-Object",
    "gsn": "Get-PSSession", "gsnp": "Get-PSSnapin", "gsv": "Get-Service", "gu": "Get-Unique", "gwmi": "Get-WmiObject",
    "h": "Get-History", "history": "Get-History", "icm": "Invoke-Command", "iex": "Invoke-Expression",
    "ihy": "Invoke-History", "ii": "Invoke-Item", "ipal": "Import-Alias", "ipcsv": "Import-Csv", "ipmo": "Import-Module",
    "ipsn": "Import-PSSession", "iwmi": "Invoke-WmiMethod", "kill": "Stop-Process", "lp": "Out-Printer",
    "ls": "Get-ChildItem", "man": "help", "md": "mkdir", "mi": "Move-Item", "mount": "New-PSDrive", "move": "Move-Item",
    "mp": "Move-ItemProperty", "mv": "Move-Item", "nal": "New-Alias", "ndr": "New-PSDrive", "ni": "New-Item",
    "nmo": "New-Module", "nsn": "New-PSSession", "nv": "New-Variable", "ogv": "Out-GridView", "oh": "Out-Host",
    "popd": "Pop-Location", "ps": "Get-Process", "pushd": "Push-Location", "pwd": "Get-Location", "r": "Invoke-History",
    "rbp": "Remove-PSBreakpoint", "rcjb": "Receive-Job", "rd": "Remove-Item", "rdr": "Remove-PSDrive", "ren": "Rename-Item",
    "ri": "Remove-Item", "rjb": "Remove-Job", "rm": "Remove-Item", "rmdir": "Remove-Item", "rmo": "Remove-Module",
    "rni": "Rename-Item", "rnp": "Rename-ItemProperty", "rp": "Remove-ItemProperty", "rsn": "Remove-PSSession",
    "rsnp": "Remove-PSSnapin", "rv": "Remove-Variable", "rvpa": "Resolve-Path", "rwmi": "Remove-WmiObject",
    "sajb": "Start-Job", "sal": "Set-Alias", "saps": "Start-Process", "sasv": "Start-Service", "sbp": "Set-PSBreakpoint",
    "sc": "Set-Content", "set": "Set-Variable", "si": "Set-Item", "sl": "Set-Location", "sp": "Set-ItemProperty",
    "spjb": "Stop-Job", "spps": "Stop-Process", "spsv": "Stop-Service", "start": "Start-Process", "sv": "Set-Variable",
    "swmi": "Set-WmiInstance", "tee": "Tee-Object", "type": "Get-Content", "wjb": "Wait-Job",
}

# Functions every Windows PowerShell session defines.
_FUNCTIONS = "Clear-Host help mkdir more prompt TabExpansion Get-Verb"

CMDLETS_2 = {name.lower(): name for name in (_CMDLETS_2 + _FUNCTIONS).split()}
CMDLETS_5 = dict(CMDLETS_2, **{name.lower(): name for name in _CMDLETS_3_TO_5.split()})


def real_command(name: str, ps_version: float) -> str | None:
    """The name of the real command ``name`` stands for on this PowerShell version, or None."""
    table = CMDLETS_2 if ps_version < 3 else CMDLETS_5
    lower = name.lower()
    if lower in table:
        return table[lower]
    target = ALIASES.get(lower)
    if target is not None and target.lower() in table:
        return table[target.lower()]
    return None


# Public members of the .NET types scripts use most (.NET Framework 2.0 and 4.x reference pages); one the lab lacks is
# reported as not emulated, any other name gets PowerShell's own "doesn't contain a method named" error.
STRING_METHODS = set("""
clone compareto contains copyto endswith equals gethashcode gettype gettypecode indexof indexofany insert isnormalized
lastindexof lastindexofany normalize padleft padright remove replace split startswith substring tochararray tolower
tolowerinvariant tostring toupper toupperinvariant trim trimend trimstart getenumerator
""".split())
STATIC_METHODS = {
    "math": set("abs acos asin atan atan2 bigmul ceiling cos cosh divrem exp floor ieeeremainder log log10 max min pow round "
                "sign sin sinh sqrt tan tanh truncate".split()),
    "string": set("compare compareordinal concat copy equals format intern isinterned isnullorempty isnullorwhitespace join "
                  "referenceequals".split()),
    "regex": set("escape unescape ismatch match matches replace split cachesize getgroupnames".split()),
    "datetime": set("compare daysinmonth equals fromfiletime fromfiletimeutc fromoadate isleapyear parse parseexact specifykind "
                    "tryparse tryparseexact".split()),
    "convert": set("changetype frombase64chararray frombase64string getcode isdbnull tobase64chararray tobase64string "
                   "toboolean tobyte tochar todatetime todecimal todouble toint16 toint32 toint64 tosbyte tosingle tostring "
                   "touint16 touint32 touint64".split()),
}

# .NET types scripts create or cast to that the lab does not model (the .NET Framework class library).
DOTNET_TYPES = set("""
collections.arraylist collections.generic.list collections.generic.dictionary collections.generic.hashset collections.queue
collections.stack collections.specialized.ordereddictionary text.stringbuilder io.fileinfo io.directoryinfo io.streamreader
io.streamwriter io.memorystream net.webclient net.webrequest net.httpwebrequest net.ipaddress uri timezoneinfo
security.securestring management.automation.pscredential diagnostics.process diagnostics.processstartinfo
diagnostics.stopwatch xml.xmldocument random int16 uint16 uint32 uint64 sbyte single intptr enum type
""".split())
