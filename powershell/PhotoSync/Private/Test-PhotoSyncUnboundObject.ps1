# True (after writing a non-terminating error) when a pipeline object had none of the properties
# the cmdlets bind, so PowerShell turned the whole object into an -Identity string such as
# '@{User=jdoe}'. The message lists what the object has (a dictionary: its keys), so the column
# to rename is plain; a plain value (42) is told what a user looks like.

function Test-PhotoSyncUnboundObject($InputObject, [System.Management.Automation.PSCmdlet]$Cmdlet) {
    if ($null -eq $InputObject -or $InputObject -is [string] -or $InputObject -is [guid]) { return $false }
    $expected = 'ObjectGUID, UserPrincipalName, SamAccountName, Mail, EmailAddress, EmployeeId'
    $hint = 'Rename a column or property to one of those names (Select-Object @{n=''UserPrincipalName'';e={$_.User}}), or pass -Identity.'
    if ($InputObject -is [System.Collections.IDictionary]) {
        $names = @($InputObject.Keys | Select-Object -First 12 | ForEach-Object { "$_" }) -join ', '
        $message = "The input dictionary has none of the keys $expected (it has: $names)."
    }
    elseif ($InputObject -is [System.ValueType] -or @($InputObject.PSObject.Properties).Count -eq 0) {
        $message = "The input '$InputObject' ($($InputObject.GetType().Name)) is not a user: pipe user names as strings, or objects or hashtables with one of the properties $expected."
        $hint = 'Pipe users as Get-ADUser or Import-Csv give them, or names: ''ann.lee@contoso.com'' | Get-PhotoSyncStatus.'
    }
    else {
        $names = @($InputObject.PSObject.Properties | Select-Object -First 12 | ForEach-Object { $_.Name }) -join ', '
        $message = "The input object has none of the properties $expected (it has: $names)."
    }
    $errorRecord = New-PhotoSyncErrorRecord -Code 'no-identity' -Message $message -Hint $hint -TargetObject $InputObject
    $Cmdlet.WriteError($errorRecord)
    return $true
}
