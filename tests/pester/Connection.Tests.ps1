#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Connections against the bundled Microsoft 365 emulator (TEST-ONLY credentials of the example
# tenant): switching credential kinds, one credential per call, -Connection, Get- and
# Test-PhotoSyncConnection, what Connect-PhotoSync checks at once, and a certificate used from a
# certificate store without exporting its key.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:Emulator = Start-TestEmulator
    $script:Alice = [pscustomobject]@{ UserPrincipalName = 'alice@contoso.test' }

    function Get-TestCertificate {
        # The example tenant's TEST-ONLY certificate app, its key loaded from the PEM files.
        $seed = Join-Path $script:Repo 'tests/emulator/seed'
        [System.Security.Cryptography.X509Certificates.X509Certificate2]::CreateFromPemFile(
            (Join-Path $seed 'test-only-app-cert.pem'), (Join-Path $seed 'test-only-app-key.pem'))
    }
}

AfterAll {
    Disconnect-PhotoSync
    Stop-TestEmulator $script:Emulator
    Remove-Module PhotoSync -Force -ErrorAction SilentlyContinue
}

Describe 'Switching the credential kind' {
    AfterEach {
        Disconnect-PhotoSync
        Remove-Item Env:IDENTITY_ENDPOINT, Env:IDENTITY_HEADER -ErrorAction SilentlyContinue
    }

    It 'drops the app''s client id when switching from a client secret to a managed identity (regression: the identity endpoint was asked for the app''s id)' {
        # The machine offers a managed identity (what Azure Automation sets for a job).
        $env:IDENTITY_ENDPOINT = $script:Emulator.managedIdentityEndpoint
        $env:IDENTITY_HEADER = $script:Emulator.managedIdentityHeader
        Connect-TestEmulator $script:Emulator
        Connect-PhotoSync -ManagedIdentity
        (Get-PhotoSyncConnection).ClientId | Should -BeNullOrEmpty
        $errors = $null
        $status = @($script:Alice | Get-PhotoSyncStatus -Store graph -ErrorVariable errors -ErrorAction SilentlyContinue)
        $errors | Should -BeNullOrEmpty
        $status[0].GraphState | Should -Be 'present'
    }

    It 'keeps a client id given with the new credential (a user-assigned identity)' {
        Connect-TestEmulator $script:Emulator
        $kept = Connect-PhotoSync -ManagedIdentity -ClientId 'aaaaaaaa-0000-4000-8000-000000000005' -PassThru
        $kept.ClientId | Should -Be 'aaaaaaaa-0000-4000-8000-000000000005'
        $kept.Credential | Should -Be 'ManagedIdentity'
        $kept.ClientSecret | Should -BeNullOrEmpty
    }

    It 'refuses -ManagedIdentity:$false and keeps the kept credential (regression: it wiped the secret but still said managed identity)' {
        Connect-TestEmulator $script:Emulator
        { Connect-PhotoSync -ManagedIdentity:$false -ErrorAction Stop } | Should -Throw -ErrorId 'PhotoSync.config*'
        $kept = Get-PhotoSyncConnection
        $kept.Credential | Should -Be 'ClientSecret'
        $kept.ClientSecret | Should -Not -BeNullOrEmpty
        @($script:Alice | Get-PhotoSyncStatus -Store graph)[0].GraphState | Should -Be 'present'
    }
}

Describe 'One credential at a time' {
    AfterEach { Disconnect-PhotoSync }

    It 'refuses two credentials in one Connect-PhotoSync call' {
        $secret = ConvertTo-SecureString 'x' -AsPlainText -Force
        { Connect-PhotoSync -ClientSecret $secret -AccessToken $secret -ErrorAction Stop } | Should -Throw -ErrorId 'AmbiguousParameterSet*'
    }

    It 'has no credential parameters on the commands, only -Connection (regression: combined per-call credentials silently let one win)' {
        foreach ($name in 'Get-PhotoSyncStatus', 'Sync-UserPhoto', 'Test-PhotoSyncConnection') {
            $parameters = (Get-Command $name).Parameters.Keys
            foreach ($credential in 'ClientSecret', 'AccessToken', 'CertificatePath', 'CertificateThumbprint', 'ManagedIdentity', 'TenantId', 'ClientId', 'LdapServer') {
                $parameters | Should -Not -Contain $credential -Because "$name takes its connection from -Connection"
            }
            $parameters | Should -Contain 'Connection'
        }
    }

    It 'uses the connection given with -Connection instead of the session''s' {
        Connect-TestEmulator $script:Emulator
        $good = Get-PhotoSyncConnection
        Connect-TestEmulator $script:Emulator -Secret 'wrong-secret-value'
        $status = @($script:Alice | Get-PhotoSyncStatus -Store graph -Connection $good)
        $status[0].GraphState | Should -Be 'present'
        # The session's own connection is the wrong one.
        { $script:Alice | Get-PhotoSyncStatus -Store graph -ErrorAction Stop } | Should -Throw -ErrorId 'PhotoSync.auth-failed*'
    }
}

Describe 'Get-PhotoSyncConnection and Test-PhotoSyncConnection' {
    AfterEach { Disconnect-PhotoSync }

    It 'shows the session''s connection without any secret' {
        Connect-TestEmulator $script:Emulator
        $connection = Get-PhotoSyncConnection
        $connection.PSObject.TypeNames[0] | Should -Be 'PhotoSync.Connection'
        $connection.Credential | Should -Be 'ClientSecret'
        $connection.TenantId | Should -Be $script:Emulator.tenantId
        ($connection | Format-List * | Out-String) | Should -Not -Match 'test-only-secret-not-real'
        "$connection" | Should -Be "ClientSecret for $($script:Emulator.tenantId)"
        Disconnect-PhotoSync
        Get-PhotoSyncConnection | Should -BeNullOrEmpty
    }

    It 'signs in and reports which commands the roles cover' {
        # Graph only: SharePoint refuses client secrets, which the test would rightly report.
        Connect-PhotoSync -TenantId $script:Emulator.tenantId -ClientId 'aaaaaaaa-0000-4000-8000-000000000003' `
            -ClientSecret (ConvertTo-SecureString 'test-only-readonly-secret' -AsPlainText -Force) `
            -GraphUrl $script:Emulator.baseUrl -LoginUrl $script:Emulator.baseUrl
        $test = Test-PhotoSyncConnection
        $test.Ok | Should -BeTrue
        ($test.Commands | Where-Object Command -eq 'status --stores graph').Verdict | Should -Be 'ok'
        $sync = $test.Commands | Where-Object Command -eq 'sync --targets graph'
        $sync.Verdict | Should -Be 'missing-roles'
        $sync.Missing | Should -Match 'ProfilePhoto.ReadWrite.All'
        Test-PhotoSyncConnection -Quiet | Should -BeTrue
    }

    It 'says why signing in fails, with the module''s words' {
        Connect-TestEmulator $script:Emulator -Secret 'wrong-secret-value'
        $errors = $null
        $test = Test-PhotoSyncConnection -ErrorVariable errors -ErrorAction SilentlyContinue
        $test.Ok | Should -BeFalse
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'PhotoSync.auth-failed*'
        $errors[0].CategoryInfo.Category | Should -Be 'AuthenticationError'
        $errors[0].ErrorDetails.RecommendedAction | Should -Not -Match 'PHOTOSYNC_'
        Test-PhotoSyncConnection -Quiet | Should -BeFalse
    }

    It 'stops when there is no credential at all' {
        { Test-PhotoSyncConnection -ErrorAction Stop } | Should -Throw -ErrorId 'PhotoSync.config*'
    }
}

Describe 'Connect-PhotoSync checks what it can at once' {
    AfterEach { Disconnect-PhotoSync }

    It 'refuses <what>' -TestCases @(
        @{ what = 'a client id that is no GUID'; call = { Connect-PhotoSync -TenantId contoso.onmicrosoft.com -ClientId 'my-app' -ManagedIdentity -ErrorAction Stop }; words = 'ClientId' }
        @{ what = 'a tenant that is neither a GUID nor a domain'; call = { Connect-PhotoSync -TenantId 'contoso tenant' -ManagedIdentity -ErrorAction Stop }; words = 'TenantId' }
        @{ what = 'a Graph URL that is not https'; call = { Connect-PhotoSync -GraphUrl 'ftp://graph.example' -ErrorAction Stop }; words = 'GraphUrl' }
        @{ what = 'an LDAP server that is no ldap URL'; call = { Connect-PhotoSync -LdapServer 'dc1.contoso.com' -ErrorAction Stop }; words = 'LdapServer' }
        @{ what = 'a client secret without tenant and client id'; call = { Connect-PhotoSync -ClientSecret (ConvertTo-SecureString 'x' -AsPlainText -Force) -ErrorAction Stop }; words = 'TenantId' }
    ) {
        param($what, $call, $words)
        $failure = $null
        try { & $call } catch { $failure = $_ }
        $failure | Should -Not -BeNullOrEmpty
        $failure.FullyQualifiedErrorId | Should -BeLike 'PhotoSync.config*'
        $failure.Exception.Message | Should -Match $words
        $failure.ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
        Get-PhotoSyncConnection | Should -BeNullOrEmpty -Because 'a refused connection is not kept'
    }

    It 'refuses a certificate file that holds no certificate' {
        $file = Join-Path $TestDrive 'not-a-cert.pfx'
        'hello' | Set-Content -LiteralPath $file
        { Connect-PhotoSync -TenantId contoso.onmicrosoft.com -ClientId '11111111-2222-3333-4444-555555555555' -CertificatePath $file -ErrorAction Stop } |
            Should -Throw -ErrorId 'PhotoSync.config*'
    }

    It 'refuses a ready token that has already expired' {
        # A JWT whose exp is 2020-09-13: nothing is sent to find out.
        $expired = 'eyJhbGciOiJub25lIn0.' + [System.Convert]::ToBase64String([System.Text.Encoding]::UTF8.GetBytes('{"exp":1600000000}')).TrimEnd('=') + '.x'
        $failure = $null
        try { Connect-PhotoSync -AccessToken (ConvertTo-SecureString $expired -AsPlainText -Force) -ErrorAction Stop } catch { $failure = $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'PhotoSync.config*'
        $failure.Exception.Message | Should -Match 'expired'
        $failure.ErrorDetails.RecommendedAction | Should -Match 'ManagedIdentity'
    }
}

Describe 'A certificate from a certificate store' -Skip:($PSVersionTable.PSEdition -ne 'Core') {
    AfterEach { Disconnect-PhotoSync }

    It 'signs in with the key where it is, never writing it to a temporary PFX (regression: the key was exported)' {
        $certificate = Get-TestCertificate
        $before = @(Get-ChildItem -LiteralPath ([System.IO.Path]::GetTempPath()) -Filter 'photosync-*.pfx' -ErrorAction SilentlyContinue).Count
        Connect-PhotoSync -TenantId $script:Emulator.tenantId -ClientId 'aaaaaaaa-0000-4000-8000-000000000002' -Certificate $certificate `
            -GraphUrl $script:Emulator.baseUrl -LoginUrl $script:Emulator.baseUrl
        $errors = $null
        $status = @($script:Alice | Get-PhotoSyncStatus -Store graph -ErrorVariable errors -ErrorAction SilentlyContinue)
        $errors | Should -BeNullOrEmpty
        $status[0].GraphState | Should -Be 'present'
        (Test-PhotoSyncConnection).Ok | Should -BeTrue
        @(Get-ChildItem -LiteralPath ([System.IO.Path]::GetTempPath()) -Filter 'photosync-*.pfx' -ErrorAction SilentlyContinue).Count | Should -Be $before
        InModuleScope PhotoSync {
            $environment = Get-PhotoSyncChildEnvironment -Connection (Resolve-PhotoSyncConnection -Connection $null) -Cmdlet $null
            try {
                $environment.Variables.ContainsKey('PHOTOSYNC_CERTIFICATE_PATH') | Should -BeFalse
                $environment.Variables['IDENTITY_ENDPOINT'] | Should -BeLike 'http://127.0.0.1:*'
            }
            finally { Stop-PhotoSyncTokenBroker -Broker $environment.Broker }
        }
    }

    It 'finds it by thumbprint in CurrentUser\My' {
        $certificate = Get-TestCertificate
        # A store certificate needs a key the store can keep: round-trip through PKCS#12.
        $stored = [System.Security.Cryptography.X509Certificates.X509Certificate2]::new($certificate.Export('Pkcs12'), [string]$null,
            [System.Security.Cryptography.X509Certificates.X509KeyStorageFlags]'PersistKeySet, Exportable')
        $store = [System.Security.Cryptography.X509Certificates.X509Store]::new('My', 'CurrentUser')
        $store.Open('ReadWrite')
        $store.Add($stored)
        try {
            Connect-PhotoSync -TenantId $script:Emulator.tenantId -ClientId 'aaaaaaaa-0000-4000-8000-000000000002' -CertificateThumbprint $stored.Thumbprint `
                -GraphUrl $script:Emulator.baseUrl -LoginUrl $script:Emulator.baseUrl
            @($script:Alice | Get-PhotoSyncStatus -Store graph)[0].GraphState | Should -Be 'present'
        }
        finally {
            $store.Remove($stored)
            $store.Close()
        }
    }
}
