# What OWA IM needs from the network, read on the CAS itself: the OCS pool's name resolves, the pool accepts this
# server's connection on its SIP TLS port, and Windows Firewall lets OCS connect back to OWA's listener. Windows Server
# 2008 R2 with PowerShell 2.0 has no Test-NetConnection or Get-NetFirewallRule (both came with 2012): .NET and the
# firewall's COM interface (INetFwPolicy2) do the same there and on every later version.
param()
function Out-OwaImNameResolution([string]$Record, [string]$Name) {
    Out-OwaImField $Record 'name' $Name
    try {
        $owaImAddresses = @([System.Net.Dns]::GetHostAddresses($Name) | ForEach-Object { [string]$_ })
        Out-OwaImField $Record 'resolves' $true
        Out-OwaImField $Record 'addresses' $owaImAddresses
    }
    catch {
        Out-OwaImField $Record 'resolves' $false
        Out-OwaImField $Record 'error' ([string]$_.Exception.Message)
    }
}
function Out-OwaImTcpConnection([string]$Record, [string]$Name, [int]$Port, [int]$TimeoutMilliseconds) {
    # BeginConnect with a bounded wait: a dropped SYN would otherwise hold Connect() for about 21 seconds.
    Out-OwaImField $Record 'port' ([string]$Port)
    $owaImClient = New-Object System.Net.Sockets.TcpClient
    try {
        $owaImPending = $owaImClient.BeginConnect($Name, $Port, $null, $null)
        if ($owaImPending.AsyncWaitHandle.WaitOne($TimeoutMilliseconds, $false)) {
            $owaImClient.EndConnect($owaImPending)
            Out-OwaImField $Record 'result' 'connected'
        }
        else { Out-OwaImField $Record 'result' 'no_answer' }
    }
    catch {
        Out-OwaImField $Record 'result' 'failed'
        Out-OwaImField $Record 'error' ([string]$_.Exception.Message)
    }
    finally { $owaImClient.Close() }
}
function Test-OwaImPortInList([string]$Ports, [int]$Port) {
    # INetFwRule.LocalPorts: '*', or a comma-separated list of ports, ranges and keywords ('5075', '5075-5077,443',
    # 'RPC-EPMap', 'IPHTTPS'); a keyword names no port of ours.
    foreach ($owaImPart in $Ports.Split(',')) {
        $owaImPart = $owaImPart.Trim()
        if ($owaImPart -eq '*') { return $true }
        if ($owaImPart -match '^[0-9]+$') { if ([int]$owaImPart -eq $Port) { return $true } }
        elseif ($owaImPart -match '^([0-9]+)-([0-9]+)$') {
            if (([int]$matches[1] -le $Port) -and ($Port -le [int]$matches[2])) { return $true }
        }
    }
    return $false
}
function Out-OwaImInboundRule([string]$Record, [int]$Port) {
    # Allowed when the firewall is off in every current profile, or an enabled inbound allow rule of a current profile
    # covers TCP $Port and no such block rule does (block rules win). Constants from icftypes.h: direction in 1, action
    # block 0 / allow 1, protocol TCP 6 / any 256. Which remote addresses and program a rule names is reported, not judged.
    Out-OwaImField $Record 'port' ([string]$Port)
    try { $owaImPolicy = New-Object -ComObject HNetCfg.FwPolicy2 }
    catch {
        Out-OwaImField $Record 'result' 'unknown'
        Out-OwaImField $Record 'error' ([string]$_.Exception.Message)
        return
    }
    $owaImProfiles = [int]$owaImPolicy.CurrentProfileTypes
    $owaImOn = $false
    foreach ($owaImProfile in @(1, 2, 4)) {
        if (($owaImProfiles -band $owaImProfile) -and $owaImPolicy.FirewallEnabled($owaImProfile)) { $owaImOn = $true }
    }
    if (-not $owaImOn) { Out-OwaImField $Record 'result' 'firewall_off'; return }
    $owaImAllow = $null
    foreach ($owaImRule in @($owaImPolicy.Rules)) {
        if ($owaImRule.Enabled -and ([int]$owaImRule.Direction -eq 1) -and
            (([int]$owaImRule.Protocol -eq 6) -or ([int]$owaImRule.Protocol -eq 256)) -and
            (([int]$owaImRule.Profiles -band $owaImProfiles) -ne 0) -and (Test-OwaImPortInList ([string]$owaImRule.LocalPorts) $Port)) {
            if ([int]$owaImRule.Action -eq 0) {
                Out-OwaImField $Record 'result' 'blocked'
                Out-OwaImField $Record 'rule' ([string]$owaImRule.Name)
                return
            }
            if (($null -eq $owaImAllow) -and ([int]$owaImRule.Action -eq 1)) { $owaImAllow = $owaImRule }
        }
    }
    if ($null -eq $owaImAllow) { Out-OwaImField $Record 'result' 'no_rule'; return }
    Out-OwaImField $Record 'result' 'allowed'
    Out-OwaImField $Record 'rule' ([string]$owaImAllow.Name)
    Out-OwaImField $Record 'remote_addresses' ([string]$owaImAllow.RemoteAddresses)
    Out-OwaImField $Record 'program' ([string]$owaImAllow.ApplicationName)
}
