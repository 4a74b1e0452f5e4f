# The module installed the way admins install modules: publish it to a local file repository
# (Register-PSResourceRepository + Publish-PSResource, PSResourceGet ships with PowerShell 7.4+),
# install it with Install-PSResource into a clean PowerShell (its own home and module path, no
# PHOTOSYNC_* variables), import it by name, and run a status from it against the bundled
# Microsoft 365 emulator with the binary the package carries for this platform. Called by
# .ci/run; prints one line per step and fails on the first step that does not work.
#   pwsh -NoProfile -File scripts/check-module-install.ps1 [-Binary target/debug/photosync]
param(
    # The photosync binary to package for this platform (default: the debug build).
    [string]$Binary,
    # The Microsoft 365 emulator to run the status against (default: the debug build).
    [string]$Emulator
)

$ErrorActionPreference = 'Stop'
$repo = (Resolve-Path -LiteralPath (Join-Path $PSScriptRoot '..')).ProviderPath
$onWindows = [System.IO.Path]::DirectorySeparatorChar -eq '\'
$exe = if ($onWindows) { '.exe' } else { '' }
if (-not $Binary) { $Binary = Join-Path $repo "target/debug/photosync$exe" }
if (-not $Emulator) { $Emulator = Join-Path $repo "target/debug/photosync-emulator$exe" }
foreach ($file in $Binary, $Emulator) {
    if (-not (Test-Path -LiteralPath $file -PathType Leaf)) {
        throw "No binary at ${file}: run 'cargo build -p photosync -p photosync-emulator' first."
    }
}
$source = Join-Path $repo 'powershell/PhotoSync'
$work = Join-Path ([System.IO.Path]::GetTempPath()) ('photosync-install-' + [guid]::NewGuid().ToString('N'))
$emulatorProcess = $null
try {
    # 1. The package: the module's files and this platform's binary under bin/<rid>/.
    $stage = Join-Path $work 'stage/PhotoSync'
    New-Item -ItemType Directory -Path $stage | Out-Null
    Copy-Item -Path (Join-Path $source '*') -Destination $stage -Recurse
    $rid = & (Import-Module (Join-Path $source 'PhotoSync.psd1') -PassThru -Force) { Get-PhotoSyncRuntimeId }
    Remove-Module PhotoSync -Force
    $binDir = Join-Path $stage "bin/$rid"
    New-Item -ItemType Directory -Path $binDir -Force | Out-Null
    Copy-Item -LiteralPath $Binary -Destination (Join-Path $binDir "photosync$exe")
    Write-Host "package: PhotoSync with bin/$rid/photosync$exe"

    # 2. A clean PowerShell: its own home (where Install-PSResource puts CurrentUser modules and
    # PSResourceGet keeps its repositories), only PowerShell's own modules on the path, and no
    # PHOTOSYNC_* settings, so the installed module must find its binary by itself.
    $home2 = Join-Path $work 'home'
    $repository = Join-Path $work 'repository'
    New-Item -ItemType Directory -Path $home2, $repository | Out-Null

    # 3. The example tenant in the emulator, on a free loopback port: its first stdout line is
    # its endpoints (JSON); its log goes to stderr, drained so the pipe never fills.
    $info = New-Object -TypeName System.Diagnostics.ProcessStartInfo
    $info.FileName = $Emulator
    $info.Arguments = '--listen 127.0.0.1:0 --seed "{0}"' -f (Join-Path $repo 'tests/emulator/seed/example.json')
    $info.UseShellExecute = $false
    $info.RedirectStandardOutput = $true
    $info.RedirectStandardError = $true
    $emulatorProcess = [System.Diagnostics.Process]::Start($info)
    $null = $emulatorProcess.StandardError.ReadToEndAsync()
    $endpoints = $emulatorProcess.StandardOutput.ReadLine() | ConvertFrom-Json
    if (-not $endpoints.baseUrl) { throw 'the emulator did not start' }
    Write-Host "emulator: $($endpoints.baseUrl)"
    $child = Join-Path $work 'install.ps1'
    @'
param($Stage, $Repository, $UserModules, $TenantId, $BaseUrl)
$ErrorActionPreference = 'Stop'
Register-PSResourceRepository -Name PhotoSyncLocal -Uri $Repository -Trusted
Publish-PSResource -Path $Stage -Repository PhotoSyncLocal
Write-Host "published: $((Get-ChildItem -LiteralPath $Repository -Filter *.nupkg).Name)"
Install-PSResource -Name PhotoSync -Repository PhotoSyncLocal -Scope CurrentUser -TrustRepository
$installed = Get-Module -ListAvailable -Name PhotoSync
Write-Host "installed: PhotoSync $($installed.Version) in $($installed.ModuleBase)"
Import-Module PhotoSync
$module = Get-Module PhotoSync
if (-not $module.ModuleBase.StartsWith($UserModules)) { throw "PhotoSync was imported from $($module.ModuleBase), not from the install in $UserModules" }
$binary = & $module { $script:PhotoSyncBinary.Path }
if (-not $binary -or -not $binary.StartsWith($module.ModuleBase)) { throw "the installed module did not find its own binary: '$binary'" }
Write-Host "binary: $binary"
# The example tenant's TEST-ONLY secret app (Graph only): alice has a photo in Graph, bruno none.
Connect-PhotoSync -TenantId $TenantId -ClientId 'aaaaaaaa-0000-4000-8000-000000000001' `
    -ClientSecret (ConvertTo-SecureString 'test-only-secret-not-real' -AsPlainText -Force) -GraphUrl $BaseUrl -LoginUrl $BaseUrl
$status = @('alice@contoso.test', 'bruno@contoso.test' | Get-PhotoSyncStatus -Store graph)
$states = ($status | Sort-Object UserPrincipalName | ForEach-Object { '{0}={1}' -f $_.UserPrincipalName, $_.GraphState }) -join ' '
Write-Host "status: $states"
if ($states -ne 'alice@contoso.test=present bruno@contoso.test=absent') { throw "unexpected status: $states" }
'@ | Set-Content -LiteralPath $child -Encoding UTF8

    $shell = if ($PSVersionTable.PSEdition -eq 'Core') { Join-Path $PSHOME "pwsh$exe" } else { Join-Path $PSHOME 'powershell.exe' }
    $info = New-Object -TypeName System.Diagnostics.ProcessStartInfo
    $info.FileName = $shell
    # Where Install-PSResource puts CurrentUser modules: under the (clean) home on Linux and macOS,
    # under Documents on Windows (a known folder, not an environment variable).
    $userModules = if ($onWindows) { Join-Path ([Environment]::GetFolderPath('MyDocuments')) 'PowerShell\Modules' } else { Join-Path $home2 '.local/share/powershell/Modules' }
    $info.Arguments = '-NoProfile -NonInteractive -File "{0}" -Stage "{1}" -Repository "{2}" -UserModules "{3}" -TenantId "{4}" -BaseUrl "{5}"' -f $child, $stage, $repository, $userModules, $endpoints.tenantId, $endpoints.baseUrl
    $info.UseShellExecute = $false
    # NuGet writes a NuGet/NuGet.Config where it runs when it finds no user profile: not in the repo.
    $info.WorkingDirectory = $work
    foreach ($name in @($info.EnvironmentVariables.Keys)) {
        if ($name -like 'PHOTOSYNC_*' -or $name -like 'PSModulePath' -or $name -like 'XDG_*') { $info.EnvironmentVariables.Remove($name) }
    }
    $info.EnvironmentVariables['HOME'] = $home2
    $info.EnvironmentVariables['USERPROFILE'] = $home2
    $info.EnvironmentVariables['PSModulePath'] = (Join-Path $PSHOME 'Modules') + [System.IO.Path]::PathSeparator + $userModules
    $process = [System.Diagnostics.Process]::Start($info)
    $process.WaitForExit()
    if ($process.ExitCode -ne 0) { throw "installing from the repository failed (exit code $($process.ExitCode))" }
    Write-Host 'module install from a PowerShell repository: ok'
}
finally {
    if ($emulatorProcess -and -not $emulatorProcess.HasExited) { $emulatorProcess.Kill(); $null = $emulatorProcess.WaitForExit(5000) }
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
}
