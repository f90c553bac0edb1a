# owa_mailbox_policy: read one OWA mailbox policy, compare its IM settings, back up on this server what a change
# replaces, change what differs, read it back; one process. A policy lives in Active Directory once for the whole
# organisation, and for the mailboxes it is assigned to it overrides the virtual directory's IM settings.
# $Manage names the settings the task sets; their values arrive in the two parameters after it.
param(
    [string]$Identity,
    [string[]]$Manage,
    [bool]$Enabled,
    [string]$Type,
    [bool]$CheckMode,
    [string[]]$PolicyProperties,
    [string]$BackupHost,
    [string]$Run
)
Import-OwaImExchangeShell
Out-OwaImExchangeServer
# Get-OwaMailboxPolicy takes wildcards: go no further unless the name matched exactly one policy.
$owaImFound = @()
try { $owaImFound = @(Get-OwaMailboxPolicy -Identity $Identity) }
catch { if (-not (Test-OwaImNotFound $_)) { throw $_ } }
if ($owaImFound.Count -ne 1) {
    $owaImNames = @(Get-OwaMailboxPolicy | ForEach-Object { [string]$_.Name })
    Out-OwaImField 'policies' 'count' ([string]$owaImFound.Count)
    Out-OwaImField 'policies' 'names' ([string]::Join("`n", $owaImNames))
    Out-OwaImError 'policy_count' ([string]$owaImFound.Count) $null $null
    exit 4
}
$owaImPolicy = $owaImFound[0]
Out-OwaImObject 'before' $owaImPolicy $PolicyProperties

$owaImChanges = @{}
if (($Manage -contains 'InstantMessagingEnabled') -and ([bool]$owaImPolicy.InstantMessagingEnabled -ne $Enabled)) {
    $owaImChanges['InstantMessagingEnabled'] = $Enabled
}
# Exchange compares enumeration names case-insensitively; an unset type reads as ''.
if (($Manage -contains 'InstantMessagingType') -and ([string]$owaImPolicy.InstantMessagingType -ne $Type)) {
    $owaImChanges['InstantMessagingType'] = $Type
}
foreach ($owaImKey in $owaImChanges.Keys) { Out-OwaImField 'change' $owaImKey $owaImChanges[$owaImKey] }
if ($CheckMode -or ($owaImChanges.Count -eq 0)) {
    Out-OwaImObject 'after' $owaImPolicy $PolicyProperties
    exit 0
}
# Nothing changes without its backup: the replaced values go to a file on this server first.
Write-OwaImBackup $BackupHost $Run $owaImPolicy $PolicyProperties 'mailbox-policy-backups'
Set-OwaMailboxPolicy -Identity ([string]$owaImPolicy.Identity) @owaImChanges -Confirm:$false -WarningAction SilentlyContinue
Out-OwaImObject 'after' (Get-OwaMailboxPolicy -Identity ([string]$owaImPolicy.Identity)) $PolicyProperties
