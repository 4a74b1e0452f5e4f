# A failure around the run (no binary, bad settings, no result at all), about no user: the
# cmdlets throw it as a terminating error.

function New-PhotoSyncSetupError([string]$Code, [string]$Message, [string]$Hint) {
    return New-PhotoSyncErrorRecord -Code $Code -Message $Message -Hint $Hint -TargetObject $null
}
