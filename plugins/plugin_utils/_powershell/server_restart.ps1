# server_restart: ask Windows to restart after $Delay seconds, with a reason code for planned application installs.
param(
    [int]$Delay,
    [string]$Comment
)
$owaImOutput = @(& shutdown.exe /r /t $Delay /c $Comment /d p:4:2 2>&1)
Out-OwaImField 'restart' 'exit_code' ([string]$LASTEXITCODE)
Out-OwaImField 'restart' 'output' @($owaImOutput | ForEach-Object { [string]$_ })
