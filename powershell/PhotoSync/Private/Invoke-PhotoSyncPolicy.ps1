# Runs `photosync policy show|set ...` and turns its one `policy` record into a PhotoSync.Policy
# with the same properties every time (Previous is $null for `show`); an `error` record (a
# refused permission, a bad role name) stops the command with the core's hint in the module's
# words.

function Invoke-PhotoSyncPolicy([System.Management.Automation.PSCmdlet]$Cmdlet, $Connection, [string[]]$ArgumentList) {
    $record = Invoke-PhotoSyncReport -Cmdlet $Cmdlet -Connection $Connection -ArgumentList (@('policy') + $ArgumentList)
    if ($record.type -ne 'policy') {
        $Cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code $record.code -Message $record.message -Hint $record.hint))
    }
    $values = [ordered]@{ PSTypeName = 'PhotoSync.Policy'; Action = [string]$record.action }
    foreach ($property in (ConvertTo-PhotoSyncPolicySetting -Setting $record).PSObject.Properties) { $values[$property.Name] = $property.Value }
    $values['Previous'] = if ($record.previous) { ConvertTo-PhotoSyncPolicySetting -Setting $record.previous } else { $null }
    $values['Hint'] = ConvertTo-PhotoSyncModuleHint -Text $record.hint
    return [pscustomobject]$values
}
