#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Connect-PhotoSync -Environment reaches the core as PHOTOSYNC_CLOUD. Tested without reaching
# Microsoft's national clouds: the emulator is the sign-in and Graph URL (explicit URLs win over
# the cloud's hosts), and like Entra it refuses a token for another cloud's Graph
# (AADSTS500011), so Test-PhotoSyncConnection shows which cloud's Graph photosync asked for.
# tests/core/clouds.rs proves each cloud's own hosts through a refusing proxy.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:Emulator = Start-TestEmulator

    function Get-GraphTokenTest {
        # The Graph token of `auth test`: which audience was asked for, and the answer.
        $test = Test-PhotoSyncConnection -ErrorAction SilentlyContinue
        @($test.Tokens | Where-Object Resource -eq 'graph')[0]
    }
}

AfterAll {
    Disconnect-PhotoSync
    Stop-TestEmulator $script:Emulator
    Remove-Module PhotoSync -Force -ErrorAction SilentlyContinue
}

Describe 'Connect-PhotoSync -Environment' {
    AfterEach { Disconnect-PhotoSync }

    It 'has photosync ask for a token for <Environment>''s Graph' -ForEach @(
        @{ Environment = 'USGov'; Graph = 'https://graph.microsoft.us' }
        @{ Environment = 'USGovDoD'; Graph = 'https://dod-graph.microsoft.us' }
        @{ Environment = 'China'; Graph = 'https://microsoftgraph.chinacloudapi.cn' }
    ) {
        Connect-TestEmulator $script:Emulator
        Connect-PhotoSync -Environment $Environment
        (Get-PhotoSyncConnection).Environment | Should -Be $Environment
        $token = Get-GraphTokenTest
        $token.Audience | Should -Be $Graph
        $token.Obtained | Should -BeFalse
        $token.ErrorMessage | Should -Match 'AADSTS500011'
    }

    It 'is the global cloud without -Environment or with -Environment Global' {
        Connect-TestEmulator $script:Emulator
        (Get-PhotoSyncConnection).Environment | Should -BeNullOrEmpty
        $token = Get-GraphTokenTest
        $token.Audience | Should -Be 'https://graph.microsoft.com'
        $token.Obtained | Should -BeTrue
        Connect-PhotoSync -Environment Global
        (Get-GraphTokenTest).Obtained | Should -BeTrue
    }

    It 'has the token broker of a store certificate sign in at <Login> (-Environment <Environment>)' -ForEach @(
        @{ Environment = 'USGov'; Login = 'https://login.microsoftonline.us/' }
        @{ Environment = 'China'; Login = 'https://login.chinacloudapi.cn/' }
        @{ Environment = ''; Login = 'https://login.microsoftonline.com/' }
    ) {
        # The broker signs the app's assertions itself, so it must know the cloud too (the core
        # only sees a managed identity endpoint). Nothing is signed or sent here (no key needed,
        # so this runs on Windows PowerShell 5.1 too): only the token URL is built.
        $tokenUrl = InModuleScope PhotoSync -Parameters @{ Environment = $Environment } {
            param($Environment)
            $settings = @{ TenantId = 'contoso.onmicrosoft.us'; ClientId = 'aaaaaaaa-0000-4000-8000-000000000002' }
            if ($Environment) { $settings['Environment'] = $Environment }
            $connection = New-PhotoSyncConnection -Base $null -Settings $settings -Credential 'Certificate'
            $environment = Get-PhotoSyncChildEnvironment -Connection $connection
            try { $environment.Broker.TokenUrl; $environment.Variables['PHOTOSYNC_CLOUD'] }
            finally { Stop-PhotoSyncTokenBroker -Broker $environment.Broker }
        }
        $tokenUrl[0] | Should -Be "$($Login)contoso.onmicrosoft.us/oauth2/v2.0/token"
        $tokenUrl[1] | Should -Be $(if ($Environment) { $Environment.ToLowerInvariant() } else { $null })
    }

    It 'keeps one spelling whatever the case, and refuses a cloud it does not know' {
        Connect-TestEmulator $script:Emulator
        Connect-PhotoSync -Environment usgovdod
        (Get-PhotoSyncConnection).Environment | Should -Be 'USGovDoD'
        (Get-GraphTokenTest).Audience | Should -Be 'https://dod-graph.microsoft.us'
        { Connect-PhotoSync -Environment Mars -ErrorAction Stop } | Should -Throw
        (Get-PhotoSyncConnection).Environment | Should -Be 'USGovDoD'
    }
}
