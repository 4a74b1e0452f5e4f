# Shared by the Pester files (dot-sourced in BeforeAll): the cargo-built binaries, the module,
# objects shaped like Get-ADUser output, and a throw-away Microsoft 365 emulator.
# Runs on Windows PowerShell 5.1 and PowerShell 7: no $IsWindows (5.1 lacks it).

$script:Repo = (Resolve-Path -LiteralPath (Join-Path $PSScriptRoot '../..')).ProviderPath
$script:OnWindows = [System.IO.Path]::DirectorySeparatorChar -eq '\'
$script:Exe = if ($script:OnWindows) { '.exe' } else { '' }
$script:Binary = if ($env:PHOTOSYNC_TEST_BINARY) { $env:PHOTOSYNC_TEST_BINARY } else { Join-Path $script:Repo "target/debug/photosync$($script:Exe)" }
$script:EmulatorBinary = Join-Path $script:Repo "target/debug/photosync-emulator$($script:Exe)"
if (-not (Test-Path -LiteralPath $script:Binary)) {
    throw "No photosync binary at $($script:Binary): run 'cargo build -p photosync -p photosync-emulator' first."
}
$env:PHOTOSYNC_BINARY = $script:Binary
$env:PHOTOSYNC_NO_PROGRESS = '1'
# Settings of the machine running the tests must not leak into the runs.
Get-ChildItem -Path Env: | Where-Object { $_.Name -like 'PHOTOSYNC_*' -and $_.Name -notin 'PHOTOSYNC_BINARY', 'PHOTOSYNC_NO_PROGRESS', 'PHOTOSYNC_TEST_BINARY', 'PHOTOSYNC_TEST_MODULE' } |
    ForEach-Object { Remove-Item -LiteralPath "Env:$($_.Name)" }
# PHOTOSYNC_TEST_MODULE: run the suite against another copy of the module (e.g. an older release).
$script:ModuleManifest = if ($env:PHOTOSYNC_TEST_MODULE) { $env:PHOTOSYNC_TEST_MODULE } else { Join-Path $script:Repo 'powershell/PhotoSync/PhotoSync.psd1' }
Import-Module $script:ModuleManifest -Force

$script:Hr = Join-Path $script:Repo 'examples/hr'
$script:AnnPhoto = Join-Path $script:Hr 'ann.lee.jpg'
$script:BobPhoto = Join-Path $script:Hr 'bob.smith.jpg'

function New-AdUserLike([string]$Sam, [byte[]]$Photo, [string]$Mail) {
    # What Get-ADUser -Properties thumbnailPhoto, mail emits: a [guid] ObjectGUID, a [byte[]]
    # thumbnailPhoto, and properties the cmdlets must ignore (DistinguishedName, FullName-like Name).
    $user = [ordered]@{
        DistinguishedName = "CN=$Sam,OU=Staff,DC=contoso,DC=com"
        Enabled           = $true
        GivenName         = 'Ann'
        Name              = "$Sam (Staff)"
        FullName          = "Ann Lee"
        ObjectClass       = 'user'
        ObjectGUID        = [guid]::NewGuid()
        SamAccountName    = $Sam
        SID               = 'S-1-5-21-1-2-3-1001'
        Surname           = 'Lee'
        UserPrincipalName = "$Sam@contoso.com"
    }
    if ($Mail) { $user['mail'] = $Mail }
    if ($Photo) { $user['thumbnailPhoto'] = $Photo }
    [pscustomobject]$user
}

function New-TestFolder {
    $path = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
    New-Item -ItemType Directory -Path $path | Out-Null
    return $path
}

function Get-PhotoSyncChildProcess([string]$Path) {
    # Processes started from the binary at $Path (a per-test copy, so other runs do not count).
    @(Get-Process -ErrorAction SilentlyContinue | Where-Object { try { $_.Path -eq $Path } catch { $false } })
}

function Start-TestEmulator([string]$Fault, [int]$LatencyMs, [string]$Seed = (Join-Path $script:Repo 'tests/emulator/seed/example.json')) {
    # The bundled Microsoft 365 emulator with the example tenant (or -Seed), on a free loopback port.
    # Returns its endpoints (baseUrl, tenantId, adminUrl, ...) plus Process; stop it with Stop-TestEmulator.
    if (-not (Test-Path -LiteralPath $script:EmulatorBinary)) {
        throw "No emulator at $($script:EmulatorBinary): run 'cargo build -p photosync-emulator' first."
    }
    $info = New-Object -TypeName System.Diagnostics.ProcessStartInfo
    $info.FileName = $script:EmulatorBinary
    $arguments = '--listen 127.0.0.1:0 --seed "' + $Seed + '"'
    if ($Fault) { $arguments += ' --fault "' + $Fault.Replace('"', '\"') + '"' }
    if ($LatencyMs) { $arguments += " --latency-ms $LatencyMs" }
    $info.Arguments = $arguments
    $info.UseShellExecute = $false
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $process = [System.Diagnostics.Process]::Start($info)
    $line = $process.StandardOutput.ReadLine()
    if (-not $line) {
        $process.WaitForExit(2000) | Out-Null
        throw "the emulator did not start: $($process.StandardError.ReadToEnd())"
    }
    # Its log goes to stderr; drain it so the pipe never fills.
    $null = $process.StandardError.ReadToEndAsync()
    $endpoints = $line | ConvertFrom-Json
    $endpoints | Add-Member -NotePropertyName Process -NotePropertyValue $process
    return $endpoints
}

function Stop-TestEmulator($Emulator) {
    if ($Emulator -and $Emulator.Process -and -not $Emulator.Process.HasExited) {
        $Emulator.Process.Kill()
        $Emulator.Process.WaitForExit(5000) | Out-Null
    }
}

function Connect-TestEmulator($Emulator, [string]$Secret = 'test-only-secret-not-real', [string]$ClientId = 'aaaaaaaa-0000-4000-8000-000000000001') {
    # The example tenant's TEST-ONLY secret app (Graph only), as the README's demo wires it.
    Connect-PhotoSync -TenantId $Emulator.tenantId -ClientId $ClientId `
        -ClientSecret (ConvertTo-SecureString $Secret -AsPlainText -Force) `
        -GraphUrl $Emulator.baseUrl -LoginUrl $Emulator.baseUrl -SharePointUrl $Emulator.sharepointUrl
}
