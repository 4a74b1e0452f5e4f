#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# The PhotoSync module under real PowerShell: parameter binding, -WhatIf, error records and
# output types. Runs wherever pwsh and Pester 5 exist (.ci/run runs it when pwsh is on PATH):
#   cargo build --bin photosync; pwsh -c "Invoke-Pester -Path tests/pester -Output Detailed"
# The binary is the debug build (or PHOTOSYNC_BINARY); stores are local folders, so no cloud or
# directory is needed.

BeforeAll {
    $script:Repo = (Resolve-Path -LiteralPath (Join-Path $PSScriptRoot '../..')).ProviderPath
    $exe = if ($IsWindows) { 'photosync.exe' } else { 'photosync' }
    $script:Binary = if ($env:PHOTOSYNC_BINARY) { $env:PHOTOSYNC_BINARY } else { Join-Path $script:Repo "target/debug/$exe" }
    if (-not (Test-Path -LiteralPath $script:Binary)) {
        throw "No photosync binary at $($script:Binary): run 'cargo build --bin photosync' (or scripts/test) first."
    }
    $env:PHOTOSYNC_BINARY = $script:Binary
    $env:PHOTOSYNC_NO_PROGRESS = '1'
    Import-Module (Join-Path $script:Repo 'powershell/PhotoSync/PhotoSync.psd1') -Force

    $script:Hr = Join-Path $script:Repo 'examples/hr'
    $script:AnnPhoto = Join-Path $script:Hr 'ann.lee.jpg'
    $script:BobPhoto = Join-Path $script:Hr 'bob.smith.jpg'

    function New-AdUserLike {
        # What Get-ADUser -Properties thumbnailPhoto, mail emits; empty attributes are absent.
        param([string]$Sam, [byte[]]$Photo, [string]$Mail)
        $user = [ordered]@{
            ObjectGUID        = [guid]::NewGuid()
            SamAccountName    = $Sam
            UserPrincipalName = "$Sam@contoso.com"
            DistinguishedName = "CN=$Sam,OU=Staff,DC=contoso,DC=com"
            Enabled           = $true
        }
        if ($Mail) { $user['mail'] = $Mail }
        if ($Photo) { $user['thumbnailPhoto'] = $Photo }
        [pscustomobject]$user
    }
}

AfterAll {
    Remove-Module PhotoSync -Force -ErrorAction SilentlyContinue
}

Describe 'Module surface' {
    It 'exports exactly the four commands' {
        (Get-Command -Module PhotoSync).Name | Sort-Object |
            Should -Be @('Connect-PhotoSync', 'Disconnect-PhotoSync', 'Get-PhotoSyncStatus', 'Sync-UserPhoto')
    }

    It 'Sync-UserPhoto supports ShouldProcess and Get-PhotoSyncStatus does not' {
        (Get-Command Sync-UserPhoto).Parameters.Keys | Should -Contain 'WhatIf'
        (Get-Command Sync-UserPhoto).Parameters.Keys | Should -Contain 'Confirm'
        (Get-Command Get-PhotoSyncStatus).Parameters.Keys | Should -Not -Contain 'WhatIf'
    }

    It 'has help starting with permissions on every command' {
        foreach ($name in 'Connect-PhotoSync', 'Disconnect-PhotoSync', 'Get-PhotoSyncStatus', 'Sync-UserPhoto') {
            $help = Get-Help $name -Full
            ($help.description | Out-String).Trim() | Should -BeLike 'Permissions:*'
            @($help.examples.example).Count | Should -BeGreaterOrEqual 3
        }
    }
}

Describe 'Pipeline binding (what is sent to photosync)' {
    BeforeEach {
        # A global, because a mock body does not run in this file's script scope.
        $global:PhotoSyncTestCalls = New-Object -TypeName 'System.Collections.Generic.List[object]'
        Mock -ModuleName PhotoSync Invoke-PhotoSyncCore {
            $global:PhotoSyncTestCalls.Add([pscustomobject]@{
                Arguments = $ArgumentList
                Lines     = @($Items | ForEach-Object { $_.Json | ConvertFrom-Json })
                Targets   = @($Items | ForEach-Object { $_.Target })
            })
        }
    }

    AfterAll {
        Remove-Variable -Name PhotoSyncTestCalls -Scope Global -ErrorAction SilentlyContinue
    }

    It 'sends Get-ADUser objects as one record each, in one process' {
        $photo = [System.IO.File]::ReadAllBytes($script:AnnPhoto)
        $users = @(
            New-AdUserLike -Sam 'ann.lee' -Photo $photo -Mail 'ann.lee@contoso.com'
            New-AdUserLike -Sam 'bob.smith'
        )
        $users | Get-PhotoSyncStatus

        Should -Invoke -ModuleName PhotoSync Invoke-PhotoSyncCore -Times 1 -Exactly
        $call = $global:PhotoSyncTestCalls[0]
        $call.Lines.Count | Should -Be 2
        $call.Lines[0].objectGuid | Should -Be $users[0].ObjectGUID.ToString()
        $call.Lines[0].userPrincipalName | Should -Be 'ann.lee@contoso.com'
        $call.Lines[0].mail | Should -Be 'ann.lee@contoso.com'
        [System.Convert]::FromBase64String($call.Lines[0].thumbnailPhoto) | Should -Be $photo
        $call.Arguments | Should -Contain '--input'
        $call.Targets[1] | Should -Be $users[1]
    }

    It 'binds objects that lack properties, without carrying values over from the previous object' {
        @(
            [pscustomobject]@{ SamAccountName = 'ann.lee'; Mail = 'ann.lee@contoso.com' }
            [pscustomobject]@{ SamAccountName = 'bob.smith' }
            [pscustomobject]@{ UserPrincipalName = 'carol.diaz@contoso.com' }
        ) | Get-PhotoSyncStatus

        $lines = $global:PhotoSyncTestCalls[0].Lines
        $lines.Count | Should -Be 3
        $lines[1].samAccountName | Should -Be 'bob.smith'
        $lines[1].PSObject.Properties.Name | Should -Not -Contain 'mail'
        $lines[2].PSObject.Properties.Name | Should -Not -Contain 'samAccountName'
    }

    It 'binds Import-Csv rows and resolves relative PhotoPath against the current location' {
        $csv = Join-Path $TestDrive 'photos.csv'
        "UserPrincipalName,PhotoPath`nann.lee@contoso.com,hr/ann.lee.jpg`nbob.smith@contoso.com," | Set-Content -LiteralPath $csv
        Push-Location $TestDrive
        try { Import-Csv $csv | Sync-UserPhoto -Force } finally { Pop-Location }

        $lines = $global:PhotoSyncTestCalls[0].Lines
        $lines[0].photoPath | Should -Be ([System.IO.Path]::GetFullPath((Join-Path $TestDrive 'hr/ann.lee.jpg')))
        # An empty CSV cell is not a path.
        $lines[1].PSObject.Properties.Name | Should -Not -Contain 'photoPath'
    }

    It 'binds Get-ChildItem files through FullName' {
        Get-ChildItem -LiteralPath $script:Hr -Filter '*.jpg' |
            Select-Object FullName, @{ n = 'SamAccountName'; e = { $_.BaseName } } |
            Sync-UserPhoto -Force
        $lines = $global:PhotoSyncTestCalls[0].Lines
        $lines.Count | Should -BeGreaterOrEqual 2
        $lines | ForEach-Object { Test-Path -LiteralPath $_.photoPath | Should -BeTrue }
    }

    It 'classifies plain strings given to -Identity' {
        $guid = [guid]::NewGuid()
        'ann.lee@contoso.com', 'CONTOSO\bob.smith', $guid.ToString(), 'carol.diaz' | Get-PhotoSyncStatus
        $lines = $global:PhotoSyncTestCalls[0].Lines
        $lines[0].userPrincipalName | Should -Be 'ann.lee@contoso.com'
        $lines[1].samAccountName | Should -Be 'bob.smith'
        $lines[2].objectGuid | Should -Be $guid.ToString()
        $lines[3].samAccountName | Should -Be 'carol.diaz'
    }

    It 'reports an object with no identity property instead of sending its text' {
        $errors = $null
        [pscustomobject]@{ User = 'ann' } | Get-PhotoSyncStatus -ErrorVariable errors -ErrorAction SilentlyContinue
        # Either the module's own check or PowerShell's binder refuses it; it is never sent.
        $errors[0].FullyQualifiedErrorId | Should -Match '^(PhotoSync\.no-identity|InputObjectNotBound)'
        Should -Invoke -ModuleName PhotoSync Invoke-PhotoSyncCore -Times 0 -Exactly
    }

    It 'maps -WhatIf to --dry-run and still sends every user' {
        New-AdUserLike -Sam 'ann.lee' | Sync-UserPhoto -WhatIf
        $global:PhotoSyncTestCalls[0].Arguments | Should -Contain '--dry-run'
        $global:PhotoSyncTestCalls[0].Lines.Count | Should -Be 1
    }

    It 'passes --force only with -Force' {
        New-AdUserLike -Sam 'ann.lee' | Sync-UserPhoto -Force
        $global:PhotoSyncTestCalls[0].Arguments | Should -Contain '--force'
        $global:PhotoSyncTestCalls[0].Arguments | Should -Not -Contain '--dry-run'
    }

    It 'does not prompt by default (ConfirmImpact Medium) and sends every user with -Confirm:$false' {
        $binding = (Get-Command Sync-UserPhoto).ScriptBlock.Attributes | Where-Object { $_ -is [System.Management.Automation.CmdletBindingAttribute] }
        $binding.ConfirmImpact | Should -Be 'Medium'
        New-AdUserLike -Sam 'ann.lee' | Sync-UserPhoto -Confirm:$false
        $global:PhotoSyncTestCalls[0].Lines.Count | Should -Be 1
    }
}

Describe 'Connections keep secrets out of argv' {
    AfterEach { Disconnect-PhotoSync }

    It 'puts the access token only in the child environment' {
        $token = ConvertTo-SecureString 'secret-token-value' -AsPlainText -Force
        Connect-PhotoSync -TenantId 'contoso.onmicrosoft.com' -AccessToken $token
        InModuleScope PhotoSync {
            $connection = Get-PhotoSyncConnectionSetting -Bound @{}
            $environment = Get-PhotoSyncChildEnvironment -Connection $connection
            $environment.Variables['PHOTOSYNC_ACCESS_TOKEN'] | Should -Be 'secret-token-value'
            $environment.Variables['PHOTOSYNC_AUTH'] | Should -Be 'token'
            $environment.Variables['PHOTOSYNC_TENANT_ID'] | Should -Be 'contoso.onmicrosoft.com'
        }
        $env:PHOTOSYNC_ACCESS_TOKEN | Should -BeNullOrEmpty
    }

    It 'lets a credential given on the call replace the session one' {
        Connect-PhotoSync -AccessToken (ConvertTo-SecureString 'a' -AsPlainText -Force)
        InModuleScope PhotoSync {
            $connection = Get-PhotoSyncConnectionSetting -Bound @{ ManagedIdentity = [switch]$true }
            $environment = Get-PhotoSyncChildEnvironment -Connection $connection
            $environment.Variables['PHOTOSYNC_AUTH'] | Should -Be 'managed-identity'
            $environment.Variables.ContainsKey('PHOTOSYNC_ACCESS_TOKEN') | Should -BeFalse
        }
    }

    It 'quotes arguments so paths with spaces survive' {
        InModuleScope PhotoSync {
            ConvertTo-PhotoSyncArgumentString -ArgumentList @('status', '--stores', 'folder:C:\My Photos\', 'a"b') |
                Should -Be 'status --stores "folder:C:\My Photos\\" "a\"b"'
        }
    }
}

Describe 'Against the real photosync binary (folder stores)' {
    BeforeEach {
        $script:Target = Join-Path $TestDrive ([guid]::NewGuid().ToString('N'))
        New-Item -ItemType Directory -Path $script:Target | Out-Null
        $script:Rows = @(
            [pscustomobject]@{ UserPrincipalName = 'ann.lee@contoso.com'; PhotoPath = $script:AnnPhoto }
            [pscustomobject]@{ UserPrincipalName = 'bob.smith@contoso.com'; PhotoPath = $script:BobPhoto }
        )
    }

    It 'Get-PhotoSyncStatus writes one typed status object per user' {
        $status = $script:Rows | Get-PhotoSyncStatus -Store "folder:$($script:Target)"
        $status.Count | Should -Be 2
        $status | ForEach-Object { $_.PSObject.TypeNames[0] | Should -Be 'PhotoSync.UserPhotoStatus' }
        # Records arrive as users finish, in any order.
        ($status.UserPrincipalName | Sort-Object) | Should -Be @('ann.lee@contoso.com', 'bob.smith@contoso.com')
        $status | ForEach-Object {
            $_.Verdict | Should -BeIn @('in-sync', 'differs', 'missing-in-cloud', 'missing-in-store', 'missing-in-source', 'not-found', 'no-photo', 'error')
        }
    }

    It '-WhatIf never writes, and says what would change' {
        $results = $script:Rows | Sync-UserPhoto -Source input -Target "folder:$($script:Target)" -WhatIf
        @(Get-ChildItem -LiteralPath $script:Target).Count | Should -Be 0
        $results | ForEach-Object {
            $_.PSObject.TypeNames[0] | Should -Be 'PhotoSync.SyncResult'
            $_.Action | Should -Be 'would-update'
        }
    }

    It 'writes, then skips users already in sync on the next run' {
        $first = $script:Rows | Sync-UserPhoto -Source input -Target "folder:$($script:Target)" -Force
        ($first | Where-Object Action -eq 'updated').Count | Should -Be 2
        @(Get-ChildItem -LiteralPath $script:Target).Count | Should -Be 2

        $second = $script:Rows | Sync-UserPhoto -Source input -Target "folder:$($script:Target)" -Confirm:$false
        $second | ForEach-Object { $_.Action | Should -Be 'skipped' }
    }

    It 'turns a per-user failure into a non-terminating error and goes on with the others' {
        $rows = @(
            [pscustomobject]@{ UserPrincipalName = 'ghost@contoso.com'; PhotoPath = (Join-Path $TestDrive 'missing.jpg') }
            $script:Rows[0]
        )
        $errors = $null
        $results = $rows | Sync-UserPhoto -Source input -Target "folder:$($script:Target)" -Force -ErrorVariable errors -ErrorAction SilentlyContinue
        $errors.Count | Should -BeGreaterOrEqual 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'PhotoSync.*,Sync-UserPhoto'
        $errors[0].TargetObject | Should -Be $rows[0]
        $errors[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        ($results | Where-Object { $_.UserPrincipalName -eq 'ann.lee@contoso.com' }).Action | Should -Be 'updated'
    }

    It 'stops with a terminating error on a configuration error (exit code 2)' {
        { $script:Rows | Get-PhotoSyncStatus -Store 'no-such-store' -ErrorAction Stop } |
            Should -Throw -ErrorId 'PhotoSync.*'
    }
}

Describe 'Binary and schema checks' {
    AfterEach { $env:PHOTOSYNC_BINARY = $script:Binary }

    It 'picks one of the shipped platform folders for this machine' {
        InModuleScope PhotoSync { Get-PhotoSyncRuntimeId } |
            Should -BeIn @('win-x64', 'linux-x64', 'linux-arm64', 'osx-x64', 'osx-arm64')
    }

    It 'skips Write-Progress inside Azure Automation jobs' {
        Remove-Item Env:PHOTOSYNC_NO_PROGRESS
        try {
            InModuleScope PhotoSync { Test-PhotoSyncProgressWanted } | Should -BeTrue
            $env:AUTOMATION_ASSET_ACCOUNTID = '00000000-0000-0000-0000-000000000000'
            InModuleScope PhotoSync { Test-PhotoSyncProgressWanted } | Should -BeFalse
        }
        finally {
            Remove-Item Env:AUTOMATION_ASSET_ACCOUNTID -ErrorAction SilentlyContinue
            $env:PHOTOSYNC_NO_PROGRESS = '1'
        }
    }

    It 'names the platform when no binary is found' {
        $env:PHOTOSYNC_BINARY = Join-Path $TestDrive 'nope/photosync'
        { 'ann.lee' | Get-PhotoSyncStatus -ErrorAction Stop } | Should -Throw -ErrorId 'PhotoSync.binary-missing*'
    }

    It 'refuses a binary that writes another schema version' -Skip:$IsWindows {
        $fake = Join-Path $TestDrive 'fake-photosync'
        "#!/bin/sh`necho '{""schemaVersion"": 999}'" | Set-Content -LiteralPath $fake
        chmod +x $fake
        $env:PHOTOSYNC_BINARY = $fake
        { 'ann.lee' | Get-PhotoSyncStatus -ErrorAction Stop } | Should -Throw -ErrorId 'PhotoSync.schema-mismatch*'
    }
}
