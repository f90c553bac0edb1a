# owa_web_config_info: the OWA web.config whole (the controller parses the XML). Needs no Exchange snap-in.
param(
    [string]$Path
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
    # Read as UTF-8 (a BOM, if any, still decides): without -Encoding, Windows PowerShell reads a file that has no BOM
    # in the ANSI code page, which garbles any non-ASCII character of a UTF-8 web.config.
    Out-OwaImField 'web_config' 'text' ([string]::Join("`n", @(Get-Content -LiteralPath $Path -Encoding UTF8)))
}
else { Out-OwaImField 'web_config' 'exists' $false }
