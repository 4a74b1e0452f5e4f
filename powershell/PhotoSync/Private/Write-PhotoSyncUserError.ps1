# A user's failure in a record (a store that could not be read, a target that could not be
# written) as the PhotoSync.ErrorInfo the output object carries; with -Tell, also one
# non-terminating ErrorRecord per user and store or target, unless the core already reported
# this user's cause (an `error` record with the same code) for all of them. Place: the store or
# target as the user gave it; Line: the input line of the record, which tells users apart.

function Write-PhotoSyncUserError($Core, $Line, $Problem, [string]$Place, $Label, $Item, [bool]$Tell = $true) {
    $errorInfo = [pscustomobject]@{ PSTypeName = 'PhotoSync.ErrorInfo'; Code = $Problem.code; Message = $Problem.message; Hint = (ConvertTo-PhotoSyncModuleHint -Text $Problem.hint) }
    if (-not $Tell) { return $errorInfo }
    $userId = 'line ' + $Line
    $perPlace = $userId + '|' + $Place
    if (-not $Core.Reported.Contains($perPlace) -and -not $Core.Reported.Contains($userId + '|*|' + $errorInfo.Code)) {
        [void]$Core.Reported.Add($perPlace)
        $target = $null
        if ($Item) { $target = $Item.Target }
        $Core.Cmdlet.WriteError((New-PhotoSyncErrorRecord -Code $errorInfo.Code -Message ([string]$errorInfo.Message) `
                    -Hint $errorInfo.Hint -TargetObject $target -UserLabel "$Label ($Place)"))
    }
    $errorInfo
}
