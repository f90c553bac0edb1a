# setting_override: read the setting overrides of one component and section, compare the named one with what the task
# asks, back up on this server each override a change replaces or removes, create, change or remove, refresh this
# server's VariantConfiguration, read back, and say whether OWA here owes a restart; one process. Exchange 2016 and
# later: OWA 2010 and 2013 read their IM settings elsewhere (2010 has no setting overrides at all).
# $Parameters arrive as Key=Value strings; $Server is empty for an override of the whole organisation.
param(
    [string]$Name,
    [string]$Component,
    [string]$Section,
    [string[]]$Parameters,
    [string]$Reason,
    [string[]]$Server,
    [bool]$Present,
    [bool]$ReplaceOthers,
    [string]$Refresh,
    [bool]$CheckMode,
    [string[]]$OverrideProperties,
    [string]$BackupHost,
    [string]$Run
)
Import-OwaImExchangeShell
Out-OwaImExchangeServer
if (-not (Test-OwaImSettingOverridesApply)) {
    Out-OwaImError 'no_setting_overrides' '' $null $null
    exit 4
}
function Get-OwaImParameterKey([string[]]$Values) {
    # Key=Value pairs as one text to compare: keys and values trimmed, in key order (Exchange keeps them as a list).
    $owaImPairs = @()
    foreach ($owaImValue in @($Values)) {
        $owaImAt = ([string]$owaImValue).IndexOf('=')
        if ($owaImAt -lt 0) { $owaImPairs += ([string]$owaImValue).Trim(); continue }
        $owaImPairs += (([string]$owaImValue).Substring(0, $owaImAt).Trim() + '=' + ([string]$owaImValue).Substring($owaImAt + 1).Trim())
    }
    [string]::Join("`n", @($owaImPairs | Sort-Object))
}
function Get-OwaImScopeKey($Servers) {
    # Which servers an override applies to, as one text: '' for the whole organisation.
    [string]::Join(',', @(@($Servers) | Where-Object { [string]$_ -ne '' } | ForEach-Object { ([string]$_).ToLower() } | Sort-Object))
}
$owaImAll = @(Get-SettingOverride | Where-Object { ([string]$_.ComponentName -eq $Component) -and ([string]$_.SectionName -eq $Section) })
Out-OwaImList 'before' $owaImAll $OverrideProperties
$owaImMine = @($owaImAll | Where-Object { [string]$_.Name -eq $Name })
$owaImScope = Get-OwaImScopeKey $Server
# What this override replaces: others for the same component, section and servers (Exchange would apply both).
$owaImOthers = @()
if ($Present -and $ReplaceOthers) {
    $owaImOthers = @($owaImAll | Where-Object { ([string]$_.Name -ne $Name) -and ((Get-OwaImScopeKey $_.Server) -eq $owaImScope) })
}
$owaImAction = 'none'
if ($Present -and ($owaImMine.Count -eq 0)) { $owaImAction = 'create' }
elseif ($Present -and (((Get-OwaImParameterKey $owaImMine[0].Parameters) -ne (Get-OwaImParameterKey $Parameters)) -or
                       ((Get-OwaImScopeKey $owaImMine[0].Server) -ne $owaImScope))) { $owaImAction = 'update' }
elseif ((-not $Present) -and ($owaImMine.Count -gt 0)) { $owaImAction = 'remove' }
Out-OwaImField 'change' 'action' $owaImAction
Out-OwaImField 'change' 'replaces' @($owaImOthers | ForEach-Object { [string]$_.Name })
function Update-OwaImVariantConfiguration {
    # OWA reads an override only after this server's VariantConfiguration is refreshed, then when its pool restarts.
    Get-ExchangeDiagnosticInfo -Server $env:COMPUTERNAME -Process Microsoft.Exchange.Directory.TopologyService `
        -Component VariantConfiguration -Argument Refresh | Out-Null
    Out-OwaImField 'refresh' 'server' $env:COMPUTERNAME
}
$owaImVd = @(Get-OwaImVirtualDirectories '')[0]
if ($CheckMode -or (($owaImAction -eq 'none') -and ($owaImOthers.Count -eq 0))) {
    if ((-not $CheckMode) -and ($Refresh -eq 'always')) { Update-OwaImVariantConfiguration }
    Out-OwaImRestartState (Get-OwaImRestartState $owaImVd (Get-OwaImSettingOverrideTicks))
    exit 0
}
# Nothing changes without its backup: each override replaced or removed goes to a file on this server first.
# A new override is recorded as one that did not exist, so that a rollback to before this change removes it.
if ($owaImAction -eq 'create') { Write-OwaImBackup $BackupHost $Run @{ 'Identity' = $Name } @() 'setting-override-backups' $false }
else { foreach ($owaImOld in $owaImMine) { Write-OwaImBackup $BackupHost $Run $owaImOld $OverrideProperties 'setting-override-backups' } }
foreach ($owaImOld in $owaImOthers) { Write-OwaImBackup $BackupHost $Run $owaImOld $OverrideProperties 'setting-override-backups' }
Set-OwaImChangeMarker 'setting_override'
$owaImScopeArguments = @{}
if ($owaImScope -ne '') { $owaImScopeArguments['Server'] = $Server }
if ($owaImAction -eq 'create') {
    New-SettingOverride -Name $Name -Component $Component -Section $Section -Parameters $Parameters -Reason $Reason @owaImScopeArguments |
        Out-Null
}
elseif (($owaImAction -eq 'update') -and ($owaImScope -eq '') -and ((Get-OwaImScopeKey $owaImMine[0].Server) -ne '')) {
    # To the whole organisation from named servers: Set-SettingOverride without -Server keeps the servers it has, so the
    # override is removed and created again under its name (its backup is written above).
    Remove-SettingOverride -Identity ([string]$owaImMine[0].Identity) -Confirm:$false
    New-SettingOverride -Name $Name -Component $Component -Section $Section -Parameters $Parameters -Reason $Reason | Out-Null
}
elseif ($owaImAction -eq 'update') {
    Set-SettingOverride -Identity ([string]$owaImMine[0].Identity) -Parameters $Parameters -Reason $Reason @owaImScopeArguments -Confirm:$false
}
elseif ($owaImAction -eq 'remove') { Remove-SettingOverride -Identity ([string]$owaImMine[0].Identity) -Confirm:$false }
foreach ($owaImOld in $owaImOthers) { Remove-SettingOverride -Identity ([string]$owaImOld.Identity) -Confirm:$false }
if ($Refresh -ne 'never') { Update-OwaImVariantConfiguration }
Out-OwaImList 'after' @(Get-SettingOverride | Where-Object { ([string]$_.ComponentName -eq $Component) -and ([string]$_.SectionName -eq $Section) }) $OverrideProperties
Out-OwaImRestartState (Get-OwaImRestartState $owaImVd (Get-OwaImSettingOverrideTicks))
