# ocs_components (and ocs_components_info with $DetectOnly): which OCS components the uninstall registry lists, at the
# version each needs, and the patches applied to each; where their installers are (expanding CWAOWASSPMain.msi when they
# are not in $Source) and where the hotfixes (.msp) are; installing each missing component in order, then applying each
# missing hotfix (msiexec /p); reading the registry again. Needs no Exchange snap-in. With $DetectOnly and $StagingFiles,
# also the size and SHA-1 of those files in $StagingDirectory (what the controller need not send again).
# $HotfixMode: 'required' (a needed hotfix without its .msp stops before anything is installed), 'available' (apply
# those found, report the others), 'skip'. $HotfixTargets: the index of the component each hotfix patches.
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
    [string[]]$ComponentMinimumVersions,
    [string]$Expander,
    [string[]]$SuccessCodes,
    [int]$InstallerTimeout,
    [string]$StagingDirectory,
    [string[]]$StagingFiles,
    [string]$HotfixMode,
    [string[]]$HotfixNames,
    [string[]]$HotfixFiles,
    [string[]]$HotfixTargets
)
function Invoke-OwaImInstaller([string]$Record, [string]$Program, [string[]]$Arguments, [string]$Log, [string]$Label) {
    # Start-Process joins the arguments with spaces; paths are wrapped in double quotes for Windows' own splitting. No
    # -Wait: a setup program that shows a dialog (an unknown switch, a wizard) never ends in a WinRM session, where no one
    # sees the desktop; after $InstallerTimeout seconds it is stopped and the task fails, instead of waiting for ever.
    $owaImProcess = Start-Process -FilePath $Program -ArgumentList $Arguments -PassThru
    $owaImHandle = $owaImProcess.Handle  # with a handle held, .NET can still read the exit code once the process ends
    Out-OwaImField $Record 'log_file' $Log
    if (-not $owaImProcess.WaitForExit($InstallerTimeout * 1000)) {
        try { $owaImProcess.Kill() } catch { }
        Out-OwaImError 'installer_timeout' $Label ([string]$InstallerTimeout) $null
        exit 8
    }
    $owaImCode = [int]$owaImProcess.ExitCode
    Out-OwaImField $Record 'exit_code' ([string]$owaImCode)
    if (-not ($SuccessCodes -contains [string]$owaImCode)) {
        if ($Log -ne '') { Out-OwaImField 'failure' 'log_tail' @(Get-Content -LiteralPath $Log -ErrorAction SilentlyContinue | Select-Object -Last 25) }
        Out-OwaImError 'installer_failed' $Label ([string]$owaImCode) $null
        exit 6
    }
}
function Assert-OwaImRunnable([string]$Path) {
    # A package on this server's disk runs with an administrator's rights: only one that Administrators, SYSTEM or this
    # account own and nobody else may write. Under C:\ a local user can create folders and files (the expand folder, a
    # staging folder made before us), own them, and swap their content at any time. A share is its owner's to guard.
    if ($Path.StartsWith('\\')) { return }
    $owaImWhy = Get-OwaImUntrusted $Path
    if ($owaImWhy -ne '') {
        Out-OwaImError 'untrusted_installer' $owaImWhy $Path $null
        exit 12
    }
}
function Get-OwaImArguments([string]$Kind, [string]$Path, [string]$Log) {
    # The Visual C++ 2008 redistributable knows /q (quiet) and /qb (progress only); /norestart and /log are the 2010 and
    # later packages' switches, which the 2008 package answers with a message box. It takes no log file.
    if ($Kind -eq 'exe') { return @('/q') }
    # An update package (.msp) is applied to the installed product it names with /p, quiet as the installers.
    $owaImAction = '/i'
    if ($Kind -eq 'msp') { $owaImAction = '/p' }
    return @($owaImAction, ('"' + $Path + '"'), '/qn', '/norestart', '/l*v', ('"' + $Log + '"'))
}
function Out-OwaImStaged {
    foreach ($owaImName in @($StagingFiles)) {
        $owaImPath = Join-Path $StagingDirectory $owaImName
        $owaImRecord = 'staged/' + $owaImName
        if (Test-Path -LiteralPath $owaImPath -PathType Leaf) {
            $owaImReader = [IO.File]::OpenRead($owaImPath)
            try {
                Out-OwaImField $owaImRecord 'length' ([string]$owaImReader.Length)
                Out-OwaImField $owaImRecord 'sha1' ([BitConverter]::ToString([Security.Cryptography.SHA1]::Create().ComputeHash($owaImReader)).Replace('-', ''))
            }
            finally { $owaImReader.Close() }
        }
    }
}

$owaImProducts = Get-OwaImProducts
Out-OwaImDetected 'before' $owaImProducts
if ($DetectOnly) {
    if ($StagingDirectory -ne '') { Out-OwaImStaged }
    exit 0
}

# Where each missing component's installer is: the source folder first, then what was expanded before.
$owaImPaths = @{}
$owaImNeedFiles = $false
for ($owaImI = 0; $owaImI -lt $ComponentFiles.Count; $owaImI++) {
    if (@(Find-OwaImProduct $owaImProducts $ComponentPatterns[$owaImI] $ComponentMinimumVersions[$owaImI]).Count -gt 0) { continue }
    foreach ($owaImDir in @($Source, $ExpandDirectory)) {
        if (($owaImDir -ne '') -and -not $owaImPaths.ContainsKey($owaImI)) {
            $owaImCandidate = Join-Path $owaImDir $ComponentFiles[$owaImI]
            if (Test-Path -LiteralPath $owaImCandidate -PathType Leaf) { $owaImPaths[$owaImI] = $owaImCandidate }
        }
    }
    if (-not $owaImPaths.ContainsKey($owaImI)) { $owaImNeedFiles = $true }
}
$owaImMain = ''
if ($owaImNeedFiles) {
    if ($Source -ne '') { $owaImMain = Join-Path $Source $Expander }
    if (($owaImMain -eq '') -or -not (Test-Path -LiteralPath $owaImMain -PathType Leaf)) {
        # Test-Path says $false alike for a missing file and a share this session may not read (from a WinRM session
        # authenticated with NTLM, the server has no credentials to pass on: the second hop). Ask the folder itself,
        # so the message can quote what Windows says.
        if ($Source -ne '') {
            try { [void](Get-Item -LiteralPath $Source -ErrorAction Stop) }
            catch { Out-OwaImField 'source' 'error' ([string]$_.Exception.Message) }
        }
        Out-OwaImError 'source_missing' $Source $null $null
        exit 7
    }
}
# Which hotfixes this server needs: those whose product is missing now (it is installed above) or carries no applied
# patch. Their .msp is looked for as the installers are; when one is missing and required, stop before any change.
$owaImPatchPaths = @{}
$owaImPatchMissing = @()
if ($HotfixMode -ne 'skip') {
    for ($owaImJ = 0; $owaImJ -lt $HotfixFiles.Count; $owaImJ++) {
        $owaImTarget = [int]$HotfixTargets[$owaImJ]
        $owaImHit = @(Find-OwaImProduct $owaImProducts $ComponentPatterns[$owaImTarget] $ComponentMinimumVersions[$owaImTarget])
        if (($owaImHit.Count -gt 0) -and (@(Get-OwaImAppliedPatches ([string]$owaImHit[0].PSChildName)).Count -gt 0)) { continue }
        foreach ($owaImDir in @($Source, $ExpandDirectory)) {
            if (($owaImDir -ne '') -and -not $owaImPatchPaths.ContainsKey($owaImJ)) {
                $owaImCandidate = Join-Path $owaImDir $HotfixFiles[$owaImJ]
                if (Test-Path -LiteralPath $owaImCandidate -PathType Leaf) { $owaImPatchPaths[$owaImJ] = $owaImCandidate }
            }
        }
        if (-not $owaImPatchPaths.ContainsKey($owaImJ)) {
            Out-OwaImField ('patch/' + $owaImJ) 'missing' $true
            $owaImPatchMissing += $HotfixFiles[$owaImJ]
        }
    }
    if (($HotfixMode -eq 'required') -and ($owaImPatchMissing.Count -gt 0)) {
        if ($Source -ne '') {
            try { [void](Get-Item -LiteralPath $Source -ErrorAction Stop) }
            catch { Out-OwaImField 'source' 'error' ([string]$_.Exception.Message) }
        }
        Out-OwaImError 'hotfix_missing' $Source ([string]::Join(', ', $owaImPatchMissing)) $null
        exit 9
    }
}
# Every package already on disk is judged before the first one runs, so that a refusal leaves nothing half done; each is
# judged again right before it runs (those the expansion writes, once they exist).
# Check mode too: a preview says what the real run would refuse.
foreach ($owaImPath in @($owaImPaths.Values) + @($owaImPatchPaths.Values) + @($owaImMain)) {
    if (($owaImPath -ne '') -and (Test-Path -LiteralPath $owaImPath -PathType Leaf)) { Assert-OwaImRunnable $owaImPath }
}
if ($owaImNeedFiles) {
    Out-OwaImField 'expand' 'package' $owaImMain
    if (-not $CheckMode) {
        $owaImLog = Join-Path $LogDirectory 'owa_im_expand_cwaowasspmain.log'
        Assert-OwaImRunnable $owaImMain
        Invoke-OwaImInstaller 'expand' 'msiexec.exe' (Get-OwaImArguments 'msi' $owaImMain $owaImLog) $owaImLog $Expander
    }
    for ($owaImI = 0; $owaImI -lt $ComponentFiles.Count; $owaImI++) {
        if ((@(Find-OwaImProduct $owaImProducts $ComponentPatterns[$owaImI] $ComponentMinimumVersions[$owaImI]).Count -eq 0) -and
            -not $owaImPaths.ContainsKey($owaImI)) {
            $owaImPaths[$owaImI] = Join-Path $ExpandDirectory $ComponentFiles[$owaImI]
        }
    }
}
# OWA loads the provider when its worker starts: the time of this change tells later reads that a restart is owed.
if ((-not $CheckMode) -and (($owaImPaths.Count -gt 0) -or ($owaImPatchPaths.Count -gt 0))) { Set-OwaImChangeMarker 'components' }
for ($owaImI = 0; $owaImI -lt $ComponentFiles.Count; $owaImI++) {
    if (-not $owaImPaths.ContainsKey($owaImI)) { continue }
    $owaImRecord = 'install/' + $owaImI
    Out-OwaImField $owaImRecord 'source' $owaImPaths[$owaImI]
    if ($CheckMode) { continue }
    $owaImLog = Join-Path $LogDirectory ('owa_im_' + $ComponentNames[$owaImI] + '.log')
    $owaImProgram = 'msiexec.exe'
    if ($ComponentKinds[$owaImI] -eq 'exe') { $owaImProgram = $owaImPaths[$owaImI]; $owaImLog = '' }
    Assert-OwaImRunnable $owaImPaths[$owaImI]
    Invoke-OwaImInstaller $owaImRecord $owaImProgram (Get-OwaImArguments $ComponentKinds[$owaImI] $owaImPaths[$owaImI] $owaImLog) $owaImLog $ComponentFiles[$owaImI]
}
# The hotfixes after every installer, in the order given: each patches one product, which is installed by now.
for ($owaImJ = 0; $owaImJ -lt $HotfixFiles.Count; $owaImJ++) {
    if (-not $owaImPatchPaths.ContainsKey($owaImJ)) { continue }
    $owaImRecord = 'patch/' + $owaImJ
    Out-OwaImField $owaImRecord 'source' $owaImPatchPaths[$owaImJ]
    if ($CheckMode) { continue }
    $owaImLog = Join-Path $LogDirectory ('owa_im_' + $HotfixNames[$owaImJ] + '.log')
    Assert-OwaImRunnable $owaImPatchPaths[$owaImJ]
    Invoke-OwaImInstaller $owaImRecord 'msiexec.exe' (Get-OwaImArguments 'msp' $owaImPatchPaths[$owaImJ] $owaImLog) $owaImLog $HotfixFiles[$owaImJ]
}
if (-not $CheckMode) { Out-OwaImDetected 'after' (Get-OwaImProducts) }
Out-OwaImRestartState (Get-OwaImRestartState $null)
