# True (after writing a non-terminating error) when a pipeline object had none of the properties
# the cmdlets bind, so PowerShell turned the whole object into an -Identity string such as
# '@{User=jdoe}'. The message lists what the object has, so the column to rename is plain.

function Test-PhotoSyncUnboundObject($InputObject, [System.Management.Automation.PSCmdlet]$Cmdlet) {
    if ($null -eq $InputObject -or $InputObject -is [string] -or $InputObject -is [guid]) { return $false }
    $names = @($InputObject.PSObject.Properties | Select-Object -First 12 | ForEach-Object { $_.Name }) -join ', '
    $errorRecord = New-PhotoSyncErrorRecord -Code 'no-identity' `
        -Message "The input object has none of the properties ObjectGUID, UserPrincipalName, SamAccountName, Mail, EmailAddress, EmployeeId (it has: $names)." `
        -Hint 'Rename a column or property to one of those names (Select-Object @{n=''UserPrincipalName'';e={$_.User}}), or pass -Identity.' `
        -TargetObject $InputObject
    $Cmdlet.WriteError($errorRecord)
    return $true
}
