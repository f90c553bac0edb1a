# ocs_components (and ocs_components_info with $DetectOnly): which OCS components the uninstall registry lists;
# where their installers are (expanding CWAOWASSPMain.msi when they are not in $Source); installing each missing one
# in order; reading the registry again. Needs no Exchange snap-in.
param(
    [string]$Source,
    [string]$ExpandDirectory,
    [string]$LogDirectory,
    [bool]$CheckMode,
    [bool]$DetectOnly,
    [string[]]$ComponentNames,
    [string[]]$ComponentFiles,
    [string[]]$ComponentKinds,
    [string[]]$ComponentPatterns,
    [string]$Expander,
    [string[]]$SuccessCodes
)
function Get-OwaImProducts {
    @(Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Uninstall\*' -ErrorAction SilentlyContinue) +
    @(Get-ItemProperty -Path 'HKLM:\SOFTWARE\Wow6432Node\Microsoft\Windows\CurrentVersion\Uninstall\*' -ErrorAction SilentlyContinue)
}
# Callers wrap the call in @(): on PowerShell 2.0 a function that returns one item or none gives a scalar or $null,
# neither of which has a Count.
function Find-OwaImProduct($Products, [string]$Pattern) {
    @($Products | Where-Object { [string]$_.DisplayName -like $Pattern })
}
function Out-OwaImDetected([string]$Phase, $Products) {
    for ($owaImI = 0; $owaImI -lt $ComponentFiles.Count; $owaImI++) {
        $owaImHit = @(Find-OwaImProduct $Products $ComponentPatterns[$owaImI])
        Out-OwaImField ($Phase + '/' + $owaImI) 'installed' ($owaImHit.Count -gt 0)
        if ($owaImHit.Count -gt 0) { Out-OwaImObject ($Phase + '/' + $owaImI) $owaImHit[0] @('DisplayName', 'DisplayVersion') }
    }
}
function Invoke-OwaImInstaller([string]$Record, [string]$Program, [string[]]$Arguments, [string]$Log, [string]$Label) {
    # Start-Process joins the arguments with spaces; paths are wrapped in double quotes for Windows' own splitting.
    $owaImProcess = Start-Process -FilePath $Program -ArgumentList $Arguments -Wait -PassThru
    $owaImCode = [int]$owaImProcess.ExitCode
    Out-OwaImField $Record 'exit_code' ([string]$owaImCode)
    Out-OwaImField $Record 'log_file' $Log
    if (-not ($SuccessCodes -contains [string]$owaImCode)) {
        Out-OwaImField 'failure' 'log_tail' @(Get-Content -LiteralPath $Log -ErrorAction SilentlyContinue | Select-Object -Last 25)
        Out-OwaImError 'installer_failed' $Label ([string]$owaImCode) $null
        exit 6
    }
}
function Get-OwaImArguments([string]$Kind, [string]$Path, [string]$Log) {
    if ($Kind -eq 'exe') { return @('/q', '/norestart', '/log', ('"' + $Log + '"')) }
    return @('/i', ('"' + $Path + '"'), '/qn', '/norestart', '/l*v', ('"' + $Log + '"'))
}

$owaImProducts = Get-OwaImProducts
Out-OwaImDetected 'before' $owaImProducts
if ($DetectOnly) { exit 0 }

# Where each missing component's installer is: the source folder first, then what was expanded before.
$owaImPaths = @{}
$owaImNeedFiles = $false
for ($owaImI = 0; $owaImI -lt $ComponentFiles.Count; $owaImI++) {
    if (@(Find-OwaImProduct $owaImProducts $ComponentPatterns[$owaImI]).Count -gt 0) { continue }
    foreach ($owaImDir in @($Source, $ExpandDirectory)) {
        if (($owaImDir -ne '') -and -not $owaImPaths.ContainsKey($owaImI)) {
            $owaImCandidate = Join-Path $owaImDir $ComponentFiles[$owaImI]
            if (Test-Path -LiteralPath $owaImCandidate -PathType Leaf) { $owaImPaths[$owaImI] = $owaImCandidate }
        }
    }
    if (-not $owaImPaths.ContainsKey($owaImI)) { $owaImNeedFiles = $true }
}
if ($owaImNeedFiles) {
    $owaImMain = ''
    if ($Source -ne '') { $owaImMain = Join-Path $Source $Expander }
    if (($owaImMain -eq '') -or -not (Test-Path -LiteralPath $owaImMain -PathType Leaf)) {
        Out-OwaImError 'source_missing' $Source $null $null
        exit 7
    }
    Out-OwaImField 'expand' 'package' $owaImMain
    if (-not $CheckMode) {
        $owaImLog = Join-Path $LogDirectory 'owa_im_expand_cwaowasspmain.log'
        Invoke-OwaImInstaller 'expand' 'msiexec.exe' (Get-OwaImArguments 'msi' $owaImMain $owaImLog) $owaImLog $Expander
    }
    for ($owaImI = 0; $owaImI -lt $ComponentFiles.Count; $owaImI++) {
        if ((@(Find-OwaImProduct $owaImProducts $ComponentPatterns[$owaImI]).Count -eq 0) -and -not $owaImPaths.ContainsKey($owaImI)) {
            $owaImPaths[$owaImI] = Join-Path $ExpandDirectory $ComponentFiles[$owaImI]
        }
    }
}
for ($owaImI = 0; $owaImI -lt $ComponentFiles.Count; $owaImI++) {
    if (-not $owaImPaths.ContainsKey($owaImI)) { continue }
    $owaImRecord = 'install/' + $owaImI
    Out-OwaImField $owaImRecord 'source' $owaImPaths[$owaImI]
    if ($CheckMode) { continue }
    $owaImLog = Join-Path $LogDirectory ('owa_im_' + $ComponentNames[$owaImI] + '.log')
    $owaImProgram = 'msiexec.exe'
    if ($ComponentKinds[$owaImI] -eq 'exe') { $owaImProgram = $owaImPaths[$owaImI] }
    Invoke-OwaImInstaller $owaImRecord $owaImProgram (Get-OwaImArguments $ComponentKinds[$owaImI] $owaImPaths[$owaImI] $owaImLog) $owaImLog $ComponentFiles[$owaImI]
}
if (-not $CheckMode) { Out-OwaImDetected 'after' (Get-OwaImProducts) }
