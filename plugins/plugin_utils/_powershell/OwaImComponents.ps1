# Which OCS components the uninstall registry lists (64-bit and 32-bit views), at the version each needs. Shared by
# ocs_components and cas_info, so both detect alike.
param()
function Get-OwaImProducts {
    @(Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*' -ErrorAction SilentlyContinue) +
    @(Get-ItemProperty -Path 'HKLM:\SOFTWARE\Wow6432Node\Microsoft\Windows\CurrentVersion\Uninstall\*' -ErrorAction SilentlyContinue)
}
function Test-OwaImVersion($Product, [string]$Minimum) {
    # DisplayVersion compared as a System.Version: 9.0.30729 (SP1) and 9.0.30729.4148 pass a minimum of 9.0.30729,
    # 9.0.21022 (RTM) does not. A version that does not parse does not pass.
    if ($Minimum -eq '') { return $true }
    try { return ([version][string]$Product.DisplayVersion) -ge ([version]$Minimum) }
    catch { return $false }
}
# Callers wrap the call in @(): on PowerShell 2.0 a function that returns one item or none gives a scalar or $null,
# neither of which has a Count.
function Find-OwaImProduct($Products, [string]$Pattern, [string]$Minimum) {
    @($Products | Where-Object { ([string]$_.DisplayName -like $Pattern) -and (Test-OwaImVersion $_ $Minimum) })
}
function Out-OwaImDetected([string]$Phase, $Products) {
    # $ComponentPatterns and $ComponentMinimumVersions are the calling script's parameters.
    for ($owaImI = 0; $owaImI -lt $ComponentPatterns.Count; $owaImI++) {
        $owaImHit = @(Find-OwaImProduct $Products $ComponentPatterns[$owaImI] $ComponentMinimumVersions[$owaImI])
        Out-OwaImField ($Phase + '/' + $owaImI) 'installed' ($owaImHit.Count -gt 0)
        if ($owaImHit.Count -gt 0) { Out-OwaImObject ($Phase + '/' + $owaImI) $owaImHit[0] @('DisplayName', 'DisplayVersion') }
        else {
            # Installed, but older than needed (the 2008 RTM redistributable where SP1 is needed): say which.
            $owaImOld = @(Find-OwaImProduct $Products $ComponentPatterns[$owaImI] '')
            if ($owaImOld.Count -gt 0) { Out-OwaImField ($Phase + '/' + $owaImI) 'older' @($owaImOld | ForEach-Object { [string]$_.DisplayVersion }) }
        }
    }
}
