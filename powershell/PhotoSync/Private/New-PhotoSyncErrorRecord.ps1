# An ErrorRecord with ErrorId 'PhotoSync.<code>', the input object as TargetObject, the hint as
# RecommendedAction and the category of Get-PhotoSyncErrorCategory. The core's wording of flags
# and variables becomes the module's parameters. The message may be empty (the core sends what
# it has). A plain function: it runs for every failed user.

function New-PhotoSyncErrorRecord([string]$Code, [string]$Message, [string]$Hint, [object]$TargetObject, [string]$UserLabel) {
    if (-not $Code) { $Code = 'unknown' }
    if (-not $Message) { $Message = "photosync reported '$Code' without a message." }
    $Message = ConvertTo-PhotoSyncModuleHint -Text $Message
    $Hint = ConvertTo-PhotoSyncModuleHint -Text $Hint
    $text = if ($UserLabel) { "${UserLabel}: $Message" } else { $Message }
    $exception = switch ($Code) {
        'user-not-found' { [System.Management.Automation.ItemNotFoundException]::new($text); break }
        'auth-failed' { [System.UnauthorizedAccessException]::new($text); break }
        'permission-denied' { [System.UnauthorizedAccessException]::new($text); break }
        'blocked-by-policy' { [System.UnauthorizedAccessException]::new($text); break }
        'throttled' { [System.TimeoutException]::new($text); break }
        'transient' { [System.TimeoutException]::new($text); break }
        'no-input' { [System.ArgumentException]::new($text); break }
        'config' { [System.ArgumentException]::new($text); break }
        default {
            if ($Code -like 'photo-*' -or $Code -like 'bad-*') { [System.IO.InvalidDataException]::new($text) }
            else { [System.InvalidOperationException]::new($text) }
        }
    }
    $category = Get-PhotoSyncErrorCategory -Code $Code
    # ::new rather than New-Object: New-Object would unroll a collection given as TargetObject.
    $errorRecord = [System.Management.Automation.ErrorRecord]::new($exception, "PhotoSync.$Code", $category, $TargetObject)
    $details = [System.Management.Automation.ErrorDetails]::new($text)
    if ($Hint) { $details.RecommendedAction = $Hint }
    $errorRecord.ErrorDetails = $details
    return $errorRecord
}
