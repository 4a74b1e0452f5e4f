# A `status` record as a PhotoSync.UserPhotoStatus. Every object of one run has the same
# properties, so Export-Csv keeps every column: the input keys (PascalCase, so the objects pipe
# back into Sync-UserPhoto), Verdict, Reference, InputState, one <Store>State per store read
# (two folders: FolderState, Folder2State), ErrorCode, ErrorMessage, FindingCodes, InputPhoto
# (the photo the input carried, so Sync-UserPhoto can write it), then the nested Stores and
# Findings, which read as one line in a CSV. Stores are named as given to -Store.

function ConvertTo-PhotoSyncUserPhotoStatus($Core, $Record, $Item) {
    $user = $Record.user
    $states = New-Object -TypeName 'object[]' -ArgumentList $Core.StateColumns.Count
    $stores = New-Object -TypeName 'System.Collections.Generic.List[object]'
    $inputState = 'absent'
    $errorCode = $null
    $errorMessage = $null
    $next = 0
    foreach ($store in $Record.stores) {
        if ($null -eq $store) { continue }
        $name = $store.store
        if ($name -eq 'input') { $inputState = $store.state }
        elseif ($next -lt $Core.Specs.Count) {
            # The core lists the stores in the order they were given.
            $states[$next] = $store.state
            $name = $Core.Specs[$next]
            $next++
        }
        $errorInfo = $null
        if ($store.error) {
            if (-not $errorCode) { $errorCode = $store.error.code; $errorMessage = $store.error.message }
            $errorInfo = [pscustomobject]@{ PSTypeName = 'PhotoSync.ErrorInfo'; Code = $store.error.code; Message = $store.error.message; Hint = (ConvertTo-PhotoSyncModuleHint -Text $store.error.hint) }
        }
        $stores.Add([pscustomobject]@{
                PSTypeName       = 'PhotoSync.StoreStatus'
                Store            = $name
                State            = $store.state
                MatchesReference = $store.matchesReference
                Distance         = $store.distance
                Photo            = if ($store.photo) { ConvertTo-PhotoSyncPhotoInfo -Photo $store.photo } else { $null }
                Details          = $store.details
                Error            = $errorInfo
            })
    }
    $findings = New-Object -TypeName 'System.Collections.Generic.List[object]'
    $codes = ''
    foreach ($finding in $Record.findings) {
        if ($null -eq $finding) { continue }
        $codes = if ($codes) { $codes + ';' + $finding.code } else { [string]$finding.code }
        $findings.Add([pscustomobject]@{
                PSTypeName = 'PhotoSync.Finding'
                Code       = $finding.code
                Severity   = $finding.severity
                Store      = $finding.store
                Message    = $finding.message
                Hint       = ConvertTo-PhotoSyncModuleHint -Text $finding.hint
            })
    }
    $reference = $Record.reference
    if ($reference -and $Core.ReferenceNames.ContainsKey($reference)) { $reference = $Core.ReferenceNames[$reference] }

    $properties = [ordered]@{
        PSTypeName        = 'PhotoSync.UserPhotoStatus'
        User              = Get-PhotoSyncUserLabel -User $user
        UserPrincipalName = $user.userPrincipalName
        ObjectGUID        = $user.objectGuid
        SamAccountName    = $user.samAccountName
        Mail              = $user.mail
        EmployeeId        = $user.employeeId
        Verdict           = $Record.verdict
        Reference         = $reference
        InputState        = $inputState
    }
    for ($i = 0; $i -lt $states.Length; $i++) { $properties[$Core.StateColumns[$i]] = $states[$i] }
    $properties['ErrorCode'] = $errorCode
    $properties['ErrorMessage'] = $errorMessage
    $properties['FindingCodes'] = $codes
    $properties['InputPhoto'] = if ($Item) { $Item.InputPhoto } else { $null }
    $properties['Stores'] = New-PhotoSyncList -Items $stores
    $properties['Findings'] = New-PhotoSyncList -Items $findings
    return [pscustomobject]$properties
}
