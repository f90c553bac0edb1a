# Which OCS components the uninstall registry lists (64-bit and 32-bit views), at the version each needs, and the
# Windows Installer patches applied to each (the hotfixes). Shared by ocs_components and cas_info, so both detect alike.
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
function ConvertTo-OwaImPackedGuid([string]$Guid) {
    # Windows Installer's packed form of a GUID, in which it names its registry keys: the first three groups reversed,
    # then the two hex digits of each of the last eight bytes swapped. Packing twice gives the GUID's digits back. A name
    # that is no GUID (the uninstall key of a product Windows Installer did not install) gives ''.
    $owaImDigits = $Guid.Trim().TrimStart('{').TrimEnd('}').Replace('-', '').ToUpper()
    if ($owaImDigits -notmatch '^[0-9A-F]{32}$') { return '' }
    $owaImPacked = ''
    foreach ($owaImAt in @(7, 6, 5, 4, 3, 2, 1, 0, 11, 10, 9, 8, 15, 14, 13, 12, 17, 16, 19, 18, 21, 20, 23, 22, 25, 24, 27, 26, 29, 28, 31, 30)) {
        $owaImPacked += [string]$owaImDigits[$owaImAt]
    }
    $owaImPacked
}
function Get-OwaImAppliedPatches([string]$ProductCode) {
    # The patches Windows Installer applied to a per-machine product, where it registers them and MsiGetPatchInfoEx
    # reads them: UserData\S-1-5-18\Products\<packed product code>\Patches\<packed patch code>, value State 1
    # (MSIPATCHSTATE_APPLIED; 2 superseded and 4 obsoleted are replaced by a later patch, which is then the applied one).
    # A registry read in this process: PowerShell 2.0 needs neither COM nor msi.dll for it. The key exists in the 64-bit
    # view only, which is what the 64-bit powershell.exe of a WinRM session reads.
    $owaImPacked = ConvertTo-OwaImPackedGuid $ProductCode
    if ($owaImPacked -eq '') { return @() }
    @(Get-ItemProperty -Path ('HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Installer\UserData\S-1-5-18\Products\' + $owaImPacked + '\Patches\*') -ErrorAction SilentlyContinue |
        Where-Object { [string]$_.State -eq '1' })
}
function ConvertFrom-OwaImPackedGuid([string]$Packed) {
    $owaImDigits = ConvertTo-OwaImPackedGuid $Packed
    if ($owaImDigits -eq '') { return $Packed }
    '{' + $owaImDigits.Substring(0, 8) + '-' + $owaImDigits.Substring(8, 4) + '-' + $owaImDigits.Substring(12, 4) + '-' + $owaImDigits.Substring(16, 4) + '-' + $owaImDigits.Substring(20) + '}'
}
function Out-OwaImDetected([string]$Phase, $Products) {
    # $ComponentPatterns and $ComponentMinimumVersions are the calling script's parameters. Each record also carries the
    # product code (the uninstall key's name) and the codes and names of the patches applied to it, empty lists when
    # the product is missing; the controller decides which component needs a hotfix.
    for ($owaImI = 0; $owaImI -lt $ComponentPatterns.Count; $owaImI++) {
        $owaImHit = @(Find-OwaImProduct $Products $ComponentPatterns[$owaImI] $ComponentMinimumVersions[$owaImI])
        Out-OwaImField ($Phase + '/' + $owaImI) 'installed' ($owaImHit.Count -gt 0)
        $owaImPatches = @()
        if ($owaImHit.Count -gt 0) {
            Out-OwaImObject ($Phase + '/' + $owaImI) $owaImHit[0] @('DisplayName', 'DisplayVersion')
            Out-OwaImField ($Phase + '/' + $owaImI) 'product_code' ([string]$owaImHit[0].PSChildName)
            $owaImPatches = @(Get-OwaImAppliedPatches ([string]$owaImHit[0].PSChildName))
        }
        Out-OwaImField ($Phase + '/' + $owaImI) 'patches' @($owaImPatches | ForEach-Object { ConvertFrom-OwaImPackedGuid ([string]$_.PSChildName) })
        Out-OwaImField ($Phase + '/' + $owaImI) 'patch_names' @($owaImPatches | ForEach-Object { [string]$_.DisplayName })
        if ($owaImHit.Count -eq 0) {
            # Installed, but older than needed (the 2008 RTM redistributable where SP1 is needed): say which.
            $owaImOld = @(Find-OwaImProduct $Products $ComponentPatterns[$owaImI] '')
            if ($owaImOld.Count -gt 0) { Out-OwaImField ($Phase + '/' + $owaImI) 'older' @($owaImOld | ForEach-Object { [string]$_.DisplayVersion }) }
        }
    }
}
function Out-OwaImProviderRegistration {
    # Where OWA looks for its IM provider when its worker starts: a DLL's full path in ImplementationDLLPath. The Web
    # Service Provider's installation writes it; an empty value or a missing file leaves IM off (events 83 and 84).
    $owaImPath = ''
    $owaImKey = Get-ItemProperty -Path 'HKLM:\SYSTEM\CurrentControlSet\Services\MSExchange OWA\InstantMessaging' -ErrorAction SilentlyContinue
    if ($null -ne $owaImKey) { $owaImPath = [string]$owaImKey.ImplementationDLLPath }
    Out-OwaImField 'provider' 'dll_path' $owaImPath
    Out-OwaImField 'provider' 'dll_exists' (($owaImPath -ne '') -and (Test-Path -LiteralPath $owaImPath -PathType Leaf))
}
