# The only text on the command line (cmd.exe takes 8,191 characters at most), kept small: the first line of standard
# input is the loader (OwaImLoader.ps1, base64), which reads the rest of the input. $input is read once, as a stream:
# winrm gives the lines of standard input, psrp text lines, or one string on ansible-core before 2.19.
param()
$ErrorActionPreference = 'Stop'
$oiInput = $input
foreach ($oiFirst in $oiInput) { break }
$oiRest = @(([string]$oiFirst).Split("`n"))
. ([ScriptBlock]::Create([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($oiRest[0].Trim()))))
