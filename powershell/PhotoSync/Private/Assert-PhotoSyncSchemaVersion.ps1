# A module and binary from different releases would misread each other's records: before the
# first run of a binary, `photosync schema` must name this module's schema version.

function Assert-PhotoSyncSchemaVersion([System.Management.Automation.PSCmdlet]$Cmdlet, [string]$Binary) {
    if ($script:PhotoSyncCheckedBinaries.ContainsKey($Binary)) { return }
    $version = $null
    $run = Invoke-PhotoSyncBinary -Binary $Binary -ArgumentList @('schema') -Cmdlet $Cmdlet
    if ($run.Problem) {
        $Cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'binary-unusable' -Message "'$Binary schema' failed: $($run.Problem)" `
                    -Hint 'Check that the binary matches this platform and is executable, or set PHOTOSYNC_BINARY to a working build.'))
    }
    # Only the top-level number is needed; a regex avoids parsing the whole JSON Schema.
    if ($run.Stdout -match '"schemaVersion"\s*:\s*(\d+)') { $version = [int]$Matches[1] }
    if ($version -ne $script:PhotoSyncSchemaVersion) {
        $Cmdlet.ThrowTerminatingError((New-PhotoSyncSetupError -Code 'schema-mismatch' `
                    -Message "This PhotoSync module reads JSON schema version $($script:PhotoSyncSchemaVersion), but '$Binary' writes version '$version'." `
                    -Hint 'Install the module and the photosync binary from the same release (the module package ships a matching binary).'))
    }
    $script:PhotoSyncCheckedBinaries[$Binary] = $true
}
