# iis_restart: iisreset /noforce (if a service does not stop in time, iisreset gives up rather than killing IIS), or a
# recycle of one application pool through appcmd. Its output and exit code go back as records.
param(
    [string]$Method,
    [string]$AppPool
)
if ($Method -eq 'iisreset') { $owaImOutput = @(& iisreset.exe /noforce 2>&1) }
else { $owaImOutput = @(& (Join-Path $env:windir 'system32\inetsrv\appcmd.exe') recycle apppool ('/apppool.name:' + $AppPool) 2>&1) }
Out-OwaImField 'restart' 'exit_code' ([string]$LASTEXITCODE)
Out-OwaImField 'restart' 'output' @($owaImOutput | ForEach-Object { [string]$_ })
