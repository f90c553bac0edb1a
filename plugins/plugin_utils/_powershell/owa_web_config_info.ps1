# owa_web_config_info: the OWA web.config whole (the controller parses the XML), when it is at most $MaxBytes long.
# Needs no Exchange snap-in.
param(
    [string]$Path,
    [int]$MaxBytes
)
if ($Path -eq '') {
    # A WinRM service started before Exchange setup hands its shells the environment it started with, without
    # ExchangeInstallPath; setup's own record of the folder is in the registry (v14: 2010, v15: 2013 and later).
    $owaImInstall = $env:ExchangeInstallPath
    foreach ($owaImKey in @('HKLM:\SOFTWARE\Microsoft\ExchangeServer\v14\Setup', 'HKLM:\SOFTWARE\Microsoft\ExchangeServer\v15\Setup')) {
        if (($null -eq $owaImInstall) -or ($owaImInstall -eq '')) {
            $owaImInstall = (Get-ItemProperty -Path $owaImKey -ErrorAction SilentlyContinue).MsiInstallPath
        }
    }
    if (($null -eq $owaImInstall) -or ($owaImInstall -eq '')) {
        Out-OwaImError 'no_install_path' 'Neither $env:ExchangeInstallPath nor MsiInstallPath under HKLM:\SOFTWARE\Microsoft\ExchangeServer says where Exchange is.' $null $null
        exit 3
    }
    $Path = Join-Path $owaImInstall 'ClientAccess\Owa\web.config'
}
Out-OwaImField 'web_config' 'path' $Path
if (Test-Path -LiteralPath $Path -PathType Leaf) {
    Out-OwaImField 'web_config' 'exists' $true
    # Measured before it is read: an OWA web.config is tens of kilobytes, and a file far larger is not one to load.
    $owaImLength = (Get-Item -LiteralPath $Path).Length
    Out-OwaImField 'web_config' 'length' ([string]$owaImLength)
    if ($owaImLength -gt $MaxBytes) {
        Out-OwaImError 'too_large' ([string]$owaImLength) $null $null
        exit 3
    }
    # Read as UTF-8 (a BOM, if any, still decides): without -Encoding, Windows PowerShell reads a file that has no BOM
    # in the ANSI code page, which garbles any non-ASCII character of a UTF-8 web.config.
    $owaImText = [string]::Join("`n", @(Get-Content -LiteralPath $Path -Encoding UTF8))
    # The file may have grown since it was measured: what goes back stays within the limit all the same.
    if ($owaImText.Length -gt $MaxBytes) {
        Out-OwaImError 'too_large' ([string]$owaImText.Length) $null $null
        exit 3
    }
    Out-OwaImField 'web_config' 'text' $owaImText
}
else { Out-OwaImField 'web_config' 'exists' $false }
