# owa_web_config_info: the OWA web.config whole (the controller parses the XML). Needs no Exchange snap-in.
param(
    [string]$Path
)
if ($Path -eq '') { $Path = Join-Path $env:ExchangeInstallPath 'ClientAccess\Owa\web.config' }
Out-OwaImField 'web_config' 'path' $Path
if (Test-Path -LiteralPath $Path -PathType Leaf) {
    Out-OwaImField 'web_config' 'exists' $true
    Out-OwaImField 'web_config' 'text' ([string]::Join("`n", @(Get-Content -LiteralPath $Path)))
}
else { Out-OwaImField 'web_config' 'exists' $false }
