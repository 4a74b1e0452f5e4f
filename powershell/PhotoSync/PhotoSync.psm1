# PhotoSync: a thin PowerShell face on the photosync binary. The cmdlets turn pipeline objects
# into JSON Lines, run one photosync process per pipeline, and turn its JSON Lines back into
# objects and ErrorRecords; all photo logic lives in the binary (DESIGN.md section 8).
# Private/ holds one function per file, each file named after its function.

# Strict mode off for the module's own scope: the core's records leave optional JSON fields out,
# and reading them as $null keeps the per-record code short and fast whatever the caller's mode.
Set-StrictMode -Off

$script:PhotoSyncModuleRoot = $PSScriptRoot
# The session's connection (a PhotoSync.Connection from Connect-PhotoSync), or $null.
$script:PhotoSyncConnection = $null
# The schema version of the JSON contract this module understands (src/schema.rs SCHEMA_VERSION).
$script:PhotoSyncSchemaVersion = 1
# Binaries whose `photosync schema` already matched, so the check runs once per session.
$script:PhotoSyncCheckedBinaries = @{}
# Input items kept to map records back to their pipeline objects, at most this many at a time.
$script:PhotoSyncItemWindow = 2048
# The largest piped thumbnailPhoto sent inline: its base64 must fit the core's 16 MiB line limit.
$script:PhotoSyncMaxInlinePhotoBytes = 10MB
# How long users in flight may take to finish when a pipeline stops early, before the core is killed.
$script:PhotoSyncStopGraceMilliseconds = 15000
# A non-empty stdout line that is not one JSON object: checked before parsing, which would throw.
$script:PhotoSyncNotARecord = New-Object -TypeName System.Text.RegularExpressions.Regex -ArgumentList '^(?!\s*\{.*\}\s*$).*\S.*$', ([System.Text.RegularExpressions.RegexOptions]::Multiline)
# Characters that need escaping in a JSON string.
$script:PhotoSyncJsonSpecial = [char[]](@([char]'\', [char]'"') + (0..31 | ForEach-Object { [char]$_ }))
# Records are parsed by the static method behind ConvertFrom-Json (no cmdlet per batch). Its
# assembly comes with Microsoft.PowerShell.Utility, which Windows PowerShell 5.1 may not have
# loaded yet in a fresh session.
if (-not ('Microsoft.PowerShell.Commands.JsonObject' -as [type])) { Import-Module -Name Microsoft.PowerShell.Utility }

foreach ($folder in 'Private', 'Public') {
    $folderPath = Join-Path -Path $PSScriptRoot -ChildPath $folder
    foreach ($file in (Get-ChildItem -LiteralPath $folderPath -Filter '*.ps1' | Sort-Object -Property Name)) {
        . $file.FullName
    }
}

# A status's Findings when there are none (most users): one shared empty PhotoSync.List.
$script:PhotoSyncNoFindings = New-PhotoSyncList -Items @()

# Tab completion of store specs: ad, graph, sharepoint, input and folder:DIR[:RULE] (with the
# folders under DIR). The script blocks run in the module's scope, so they reach private functions.
Register-ArgumentCompleter -CommandName 'Get-PhotoSyncStatus' -ParameterName 'Store' -ScriptBlock {
    param($commandName, $parameterName, $wordToComplete)
    Get-PhotoSyncStoreCompletion -Word $wordToComplete -Kinds 'graph', 'ad', 'sharepoint', 'folder:'
}
Register-ArgumentCompleter -CommandName 'Sync-UserPhoto' -ParameterName 'Target' -ScriptBlock {
    param($commandName, $parameterName, $wordToComplete)
    Get-PhotoSyncStoreCompletion -Word $wordToComplete -Kinds 'graph', 'ad', 'sharepoint', 'folder:'
}
Register-ArgumentCompleter -CommandName 'Sync-UserPhoto' -ParameterName 'Source' -ScriptBlock {
    param($commandName, $parameterName, $wordToComplete)
    Get-PhotoSyncStoreCompletion -Word $wordToComplete -Kinds 'input', 'ad', 'folder:'
}
# The role names photosync knows (role template ids are taken too).
Register-ArgumentCompleter -CommandName 'Set-PhotoSyncPolicy' -ParameterName 'AllowedRoles' -ScriptBlock {
    param($commandName, $parameterName, $wordToComplete)
    foreach ($role in 'people-administrator', 'user-administrator', 'global-administrator', 'none') {
        if ($role -like "$wordToComplete*") { New-Object -TypeName System.Management.Automation.CompletionResult -ArgumentList $role, $role, 'ParameterValue', $role }
    }
}

# Chosen once at import (and again at call time if PHOTOSYNC_BINARY is set later). A missing
# binary does not stop the import, so Get-Help works; the cmdlets then fail naming the platform.
$script:PhotoSyncBinary = Resolve-PhotoSyncBinary -ModuleRoot $PSScriptRoot
if (-not $script:PhotoSyncBinary.Path) {
    Write-Verbose "PhotoSync: $($script:PhotoSyncBinary.Problem)"
}

Export-ModuleMember -Function 'Connect-PhotoSync', 'Disconnect-PhotoSync', 'Get-PhotoSyncConnection', 'Get-PhotoSyncPolicy', 'Get-PhotoSyncStatus', 'Set-PhotoSyncPolicy', 'Sync-UserPhoto', 'Test-PhotoSyncConnection'
