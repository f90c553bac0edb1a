# server_restart: ask Windows to restart after $Delay seconds, with a reason code for planned application installs.
param(
    [int]$Delay,
    [string]$Comment
)
# A native program's stderr, redirected with 2>&1, becomes error records; under the bootstrap's 'Stop' the first would
# end the script before its exit code is read. Here they are output like the rest.
$ErrorActionPreference = 'Continue'
$owaImOutput = @(& shutdown.exe /r /t $Delay /c $Comment /d p:4:2 2>&1)
Out-OwaImField 'restart' 'exit_code' ([string]$LASTEXITCODE)
Out-OwaImField 'restart' 'output' @($owaImOutput | ForEach-Object { [string]$_ })
