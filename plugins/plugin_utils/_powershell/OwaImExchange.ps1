# The Exchange Management Shell in this process, the server record, and the one rule for the IIS certificate.
param()
# What this process already asked Exchange about this server: its version does not change while a script runs, and each
# Get-ExchangeServer is a directory query on a real server.
$owaImExchangeServerCache = @{}
function Import-OwaImExchangeShell {
    # Exchange 2010 registers the E2010 snap-in, 2013 and later the SnapIn one.
    foreach ($owaImName in @('Microsoft.Exchange.Management.PowerShell.E2010', 'Microsoft.Exchange.Management.PowerShell.SnapIn')) {
        if (Get-PSSnapin -Registered -Name $owaImName -ErrorAction SilentlyContinue) {
            if (-not (Get-PSSnapin -Name $owaImName -ErrorAction SilentlyContinue)) { Add-PSSnapin $owaImName }
            return
        }
    }
    Out-OwaImError 'not_exchange' 'No Exchange Management Shell snap-in is registered on this server.' $null $null
    exit 3
}
function Out-OwaImExchangeServer {
    # Name, FQDN, version, and the server's clock: certificate validity is judged on it.
    $owaImServer = Get-ExchangeServer -Identity $env:COMPUTERNAME
    $owaImExchangeServerCache['version'] = [string]$owaImServer.AdminDisplayVersion
    Out-OwaImField 'server' 'name' $owaImServer.Name
    Out-OwaImField 'server' 'fqdn' $owaImServer.Fqdn
    Out-OwaImField 'server' 'version' ([string]$owaImServer.AdminDisplayVersion)
    Out-OwaImField 'server' 'now' ((Get-Date).ToString('s'))
}
function Select-OwaImIisCertificate($Certificates) {
    # Bound to IIS, status Valid, valid on the server's clock; a CA-issued certificate beats a self-signed one (OCS
    # would not trust it), then the one that lives longest. $null when none qualifies.
    $owaImNow = Get-Date
    $owaImChosen = $null
    foreach ($owaImCandidate in @($Certificates)) {
        if ((([string]$owaImCandidate.Services) -match '(^|, )IIS(,|$)') -and ([string]$owaImCandidate.Status -eq 'Valid') -and
            ($owaImCandidate.NotBefore -le $owaImNow) -and ($owaImCandidate.NotAfter -ge $owaImNow)) {
            if (($null -eq $owaImChosen) -or ($owaImChosen.IsSelfSigned -and -not $owaImCandidate.IsSelfSigned) -or
                (($owaImChosen.IsSelfSigned -eq $owaImCandidate.IsSelfSigned) -and ($owaImCandidate.NotAfter -gt $owaImChosen.NotAfter))) {
                $owaImChosen = $owaImCandidate
            }
        }
    }
    return $owaImChosen
}
function ConvertTo-OwaImThumbprint([string]$Value) {
    # The same cleaning as the controller's: spaces, colons, tabs and invisible marks copied with a thumbprint go.
    foreach ($owaImMark in @(' ', ':', "`t", [string][char]0x200E, [string][char]0x200F, [string][char]0x200B, [string][char]0x200C,
                             [string][char]0x200D, [string][char]0xFEFF, [string][char]0x00A0)) {
        $Value = $Value.Replace($owaImMark, '')
    }
    return $Value.ToUpper()
}
function Get-OwaImVdirArguments {
    # -ADPropertiesOnly reads the virtual directory from Active Directory alone (no IIS metabase, no remote server to
    # reach); the cmdlet reference gives it for Exchange 2010, but not every 2010 service pack is known to have it: ask
    # the cmdlet rather than the version. Splat the hashtable this returns.
    $owaImArguments = @{}
    if ((Get-Command Get-OwaVirtualDirectory).Parameters.ContainsKey('ADPropertiesOnly')) { $owaImArguments['ADPropertiesOnly'] = $true }
    return $owaImArguments
}
function Get-OwaImVirtualDirectories([string]$Identity) {
    # The OWA virtual directories $Identity names (default this server's). One that matches none is Exchange's
    # terminating "couldn't be found", which the bootstrap reports as it stands.
    if ($Identity -eq '') { $Identity = $env:COMPUTERNAME + '\owa (Default Web Site)' }
    $owaImVdirArguments = Get-OwaImVdirArguments
    Get-OwaVirtualDirectory -Identity $Identity @owaImVdirArguments
}
function Assert-OwaImOneDirectory($Found) {
    # A wildcard or an ambiguous identity can match many directories: go no further unless exactly one matched.
    # Called as a statement of its own (not in an assignment), so its records reach the output.
    if (@($Found).Count -ne 1) {
        Out-OwaImError 'identity_count' ([string]@($Found).Count) $null $null
        exit 4
    }
    Out-OwaImField 'before' 'Identity' ([string]@($Found)[0].Identity)
}
function Test-OwaImNotFound($ErrorRecord) {
    # Exchange says "not found" with a terminating error that -ErrorAction SilentlyContinue does not suppress:
    # ManagementObjectNotFoundException ("couldn't be found"), or for certificates "The certificate with thumbprint ...
    # was not found." Anything else (Active Directory out of reach, access denied) is not a "not found".
    $owaImText = [string]$ErrorRecord.Exception.Message
    return (($ErrorRecord.Exception.GetType().FullName -like '*ManagementObjectNotFoundException') -or
            ($owaImText -match 'was not found|couldn''t be found|could not be found'))
}
function Get-OwaImAdminDisplayVersion {
    # This server's AdminDisplayVersion, asked of Exchange once per process (Out-OwaImExchangeServer asks it first).
    if (-not $owaImExchangeServerCache.ContainsKey('version')) {
        $owaImExchangeServerCache['version'] = [string](Get-ExchangeServer -Identity $env:COMPUTERNAME).AdminDisplayVersion
    }
    return $owaImExchangeServerCache['version']
}
function Test-OwaImSettingOverridesApply {
    # OWA takes its IM settings from setting overrides from Exchange 2016 (15.1) on; 2013 (15.0) reads web.config, and
    # 2010 has no such cmdlets. AdminDisplayVersion reads "Version 15.1 (Build 2507.6)".
    if (-not ((Get-OwaImAdminDisplayVersion) -match 'Version (\d+)\.(\d+)')) { return $false }
    return (([int]$matches[1] -gt 15) -or (([int]$matches[1] -eq 15) -and ([int]$matches[2] -ge 1)))
}
function Get-OwaImImSettingOverrides {
    # Exchange 2016 and later: the OwaServer/IMSettings setting overrides that apply to this server (the organisation's,
    # or one naming this server); none on earlier versions.
    if (-not (Test-OwaImSettingOverridesApply)) { return }
    foreach ($owaImOverride in @(Get-SettingOverride)) {
        if (([string]$owaImOverride.ComponentName -ne 'OwaServer') -or ([string]$owaImOverride.SectionName -ne 'IMSettings')) { continue }
        $owaImServers = @(@($owaImOverride.Server) | Where-Object { [string]$_ -ne '' } | ForEach-Object { [string]$_ })
        if (($owaImServers.Count -gt 0) -and -not ($owaImServers -contains $env:COMPUTERNAME)) { continue }
        $owaImOverride
    }
}
function Get-OwaImSettingOverrideTicks($Overrides = $null) {
    # The newest WhenChanged (local ticks) of the IM setting overrides that apply to this server; 0 when there is none.
    # $Overrides: those Get-OwaImImSettingOverrides already returned in this process (a read); $null asks Exchange now
    # (after a change).
    if ($null -eq $Overrides) { $Overrides = @(Get-OwaImImSettingOverrides) }
    $owaImNewest = [long]0
    foreach ($owaImOverride in @($Overrides)) {
        if ($null -ne $owaImOverride.WhenChanged) {
            $owaImTicks = [long]([DateTime]$owaImOverride.WhenChanged).Ticks
            if ($owaImTicks -gt $owaImNewest) { $owaImNewest = $owaImTicks }
        }
    }
    return $owaImNewest
}
