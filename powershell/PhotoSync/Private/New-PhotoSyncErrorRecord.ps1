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
        'user-not-found' { New-Object -TypeName System.Management.Automation.ItemNotFoundException -ArgumentList $text; break }
        'auth-failed' { New-Object -TypeName System.UnauthorizedAccessException -ArgumentList $text; break }
        'permission-denied' { New-Object -TypeName System.UnauthorizedAccessException -ArgumentList $text; break }
        'blocked-by-policy' { New-Object -TypeName System.UnauthorizedAccessException -ArgumentList $text; break }
        'throttled' { New-Object -TypeName System.TimeoutException -ArgumentList $text; break }
        'transient' { New-Object -TypeName System.TimeoutException -ArgumentList $text; break }
        'no-input' { New-Object -TypeName System.ArgumentException -ArgumentList $text; break }
        'config' { New-Object -TypeName System.ArgumentException -ArgumentList $text; break }
        default {
            if ($Code -like 'photo-*' -or $Code -like 'bad-*') { New-Object -TypeName System.IO.InvalidDataException -ArgumentList $text }
            else { New-Object -TypeName System.InvalidOperationException -ArgumentList $text }
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
