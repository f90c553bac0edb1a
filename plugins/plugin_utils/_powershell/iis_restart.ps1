# iis_restart: iisreset /noforce (if a service does not stop in time, iisreset gives up rather than killing IIS), or a
# recycle of one application pool through appcmd. Its output and exit code go back as records. With $WhenPending, only
# when this server says OWA owes a restart (its worker started before the last change it reads), decided here.
param(
    [string]$Method,
    [string]$AppPool,
    [bool]$WhenPending,
    [bool]$CheckMode,
    [string]$Identity
)
if ($WhenPending) {
    Import-OwaImExchangeShell
    Out-OwaImExchangeServer
    $owaImFound = @(Get-OwaImVirtualDirectories $Identity)
    Assert-OwaImOneDirectory $owaImFound
    $owaImState = Get-OwaImRestartState $owaImFound[0] (Get-OwaImSettingOverrideTicks)
    Out-OwaImRestartState $owaImState
    if ($CheckMode -or -not $owaImState['pending']) { exit 0 }
}
elseif ($CheckMode) { exit 0 }
# A native program's stderr, redirected with 2>&1, becomes error records; under the bootstrap's 'Stop' the first would
# end the script before its exit code is read. Here they are output like the rest.
$ErrorActionPreference = 'Continue'
# The server's own clock just before the reset (whole seconds): the controller reads OWA's events from this moment on.
Out-OwaImField 'restart' 'started' (Get-Date)
if ($Method -eq 'iisreset') { $owaImOutput = @(& iisreset.exe /noforce 2>&1) }
else { $owaImOutput = @(& (Join-Path $env:windir 'system32\inetsrv\appcmd.exe') recycle apppool ('/apppool.name:' + $AppPool) 2>&1) }
Out-OwaImField 'restart' 'exit_code' ([string]$LASTEXITCODE)
Out-OwaImField 'restart' 'output' @($owaImOutput | ForEach-Object { [string]$_ })
