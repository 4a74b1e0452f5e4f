#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Where the module runs: the binary for this platform, its schema version, Azure Automation.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

AfterAll {
    $env:PHOTOSYNC_BINARY = $script:Binary
    Remove-Module PhotoSync -Force -ErrorAction SilentlyContinue
}

Describe 'Binary and schema checks' {
    AfterEach { $env:PHOTOSYNC_BINARY = $script:Binary }

    It 'picks one of the shipped platform folders for this machine' {
        InModuleScope PhotoSync { Get-PhotoSyncRuntimeId } |
            Should -BeIn @('win-x64', 'linux-x64', 'linux-arm64', 'osx-x64', 'osx-arm64')
    }

    It 'names the platform when no binary is found' {
        $env:PHOTOSYNC_BINARY = Join-Path $TestDrive 'nope/photosync'
        { 'ann.lee' | Get-PhotoSyncStatus -ErrorAction Stop } | Should -Throw -ErrorId 'PhotoSync.binary-missing*'
    }

    It 'refuses a binary that writes another schema version' -Skip:$script:OnWindows {
        $fake = Join-Path $TestDrive 'fake-photosync'
        "#!/bin/sh`necho '{""schemaVersion"": 999}'" | Set-Content -LiteralPath $fake
        chmod +x $fake
        $env:PHOTOSYNC_BINARY = $fake
        { 'ann.lee' | Get-PhotoSyncStatus -ErrorAction Stop } | Should -Throw -ErrorId 'PhotoSync.schema-mismatch*'
    }

    It 'stops naming the line when the binary writes one that is not JSON' -Skip:$script:OnWindows {
        $fake = Join-Path $TestDrive 'not-json-photosync'
        "#!/bin/sh`nif [ ""`$1"" = schema ]; then echo '{""schemaVersion"": 1}'; exit 0; fi`ncat >/dev/null`necho 'Segmentation fault (core dumped)'" |
            Set-Content -LiteralPath $fake
        chmod +x $fake
        $env:PHOTOSYNC_BINARY = $fake
        $failure = $null
        # Not -ErrorAction Stop: the user sent gets PhotoSync.no-result first, which would stop there.
        try { 'ann.lee' | Get-PhotoSyncStatus -Store "folder:$TestDrive" -ErrorAction SilentlyContinue } catch { $failure = $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'PhotoSync.bad-output*'
        $failure.Exception.Message | Should -Match 'not JSON: Segmentation fault \(core dumped\)'
    }
}

Describe 'Azure Automation' {
    AfterEach {
        Remove-Item Env:AUTOMATION_ASSET_SANDBOX_ID, Env:AUTOMATION_ASSET_ACCOUNTID -ErrorAction SilentlyContinue
        $env:PHOTOSYNC_NO_PROGRESS = '1'
    }

    It 'says "run this on a Hybrid Runbook Worker" in a cloud sandbox, before trying the binary' {
        # Defect 13: a cloud job got a generic probe failure.
        $env:AUTOMATION_ASSET_SANDBOX_ID = '00000000-0000-0000-0000-000000000001'
        $failure = $null
        try { 'ann.lee@contoso.com' | Get-PhotoSyncStatus -ErrorAction Stop } catch { $failure = $_ }
        $failure | Should -Not -BeNullOrEmpty
        $failure.FullyQualifiedErrorId | Should -BeLike 'PhotoSync.cloud-sandbox*'
        $failure.Exception.Message + $failure.ErrorDetails.RecommendedAction | Should -Match 'Hybrid Runbook Worker'
    }

    It 'skips Write-Progress inside Azure Automation jobs' {
        Remove-Item Env:PHOTOSYNC_NO_PROGRESS
        InModuleScope PhotoSync { Test-PhotoSyncProgressWanted } | Should -BeTrue
        $env:AUTOMATION_ASSET_ACCOUNTID = '00000000-0000-0000-0000-000000000000'
        InModuleScope PhotoSync { Test-PhotoSyncProgressWanted } | Should -BeFalse
    }
}

Describe 'Connections keep secrets out of argv' {
    AfterEach { Disconnect-PhotoSync }

    It 'puts the access token only in the child environment' {
        $token = ConvertTo-SecureString 'secret-token-value' -AsPlainText -Force
        Connect-PhotoSync -TenantId 'contoso.onmicrosoft.com' -AccessToken $token
        InModuleScope PhotoSync {
            $environment = Get-PhotoSyncChildEnvironment -Connection (Resolve-PhotoSyncConnection -Connection $null) -Cmdlet $null
            $environment.Variables['PHOTOSYNC_ACCESS_TOKEN'] | Should -Be 'secret-token-value'
            $environment.Variables['PHOTOSYNC_AUTH'] | Should -Be 'token'
            $environment.Variables['PHOTOSYNC_TENANT_ID'] | Should -Be 'contoso.onmicrosoft.com'
        }
        $env:PHOTOSYNC_ACCESS_TOKEN | Should -BeNullOrEmpty
    }

    It 'keeps both calls of the documented two-step connect (cloud, then LDAP)' {
        # Defect 5: the second call replaced the first.
        Connect-PhotoSync -TenantId 'contoso.onmicrosoft.com' -ClientId '11111111-2222-3333-4444-555555555555' -AccessToken (ConvertTo-SecureString 'a' -AsPlainText -Force)
        $kept = Connect-PhotoSync -LdapServer 'ldaps://dc.contoso.com' -LdapBaseDN 'DC=contoso,DC=com' -PassThru
        $kept.TenantId | Should -Be 'contoso.onmicrosoft.com'
        $kept.LdapServer | Should -Be 'ldaps://dc.contoso.com'
        InModuleScope PhotoSync {
            $environment = Get-PhotoSyncChildEnvironment -Connection (Resolve-PhotoSyncConnection -Connection $null) -Cmdlet $null
            $environment.Variables['PHOTOSYNC_AUTH'] | Should -Be 'token'
            $environment.Variables['PHOTOSYNC_LDAP_URL'] | Should -Be 'ldaps://dc.contoso.com'
        }
    }

    It 'lets a credential given later replace the kept one' {
        Connect-PhotoSync -AccessToken (ConvertTo-SecureString 'a' -AsPlainText -Force)
        Connect-PhotoSync -ManagedIdentity
        InModuleScope PhotoSync {
            $environment = Get-PhotoSyncChildEnvironment -Connection (Resolve-PhotoSyncConnection -Connection $null) -Cmdlet $null
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
