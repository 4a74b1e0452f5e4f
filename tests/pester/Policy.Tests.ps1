#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Get-PhotoSyncPolicy and Set-PhotoSyncPolicy against the emulator's beta photoUpdateSettings
# (example tenant: the TEST-ONLY secret app may read the policy, the certificate app may change
# it): stable objects, -WhatIf sends nothing, a reset, and refusals in the module's words.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:Emulator = Start-TestEmulator
    $script:PeopleAdministrator = '024906de-61e5-49c8-8572-40335f1e0e10'
    $script:Properties = 'Action', 'Source', 'AllowedRoles', 'CloudPhotoChanges', 'UsersCanChangeOwnPhoto', 'Effect', 'Previous', 'Hint'

    function Connect-PolicyWriter {
        # The certificate app (PeopleSettings.ReadWrite.All), its PEM certificate and key in one file.
        $seed = Join-Path $script:Repo 'tests/emulator/seed'
        $pem = Join-Path $TestDrive 'policy-writer.pem'
        $text = [System.IO.File]::ReadAllText((Join-Path $seed 'test-only-app-cert.pem')) + "`n" +
        [System.IO.File]::ReadAllText((Join-Path $seed 'test-only-app-key.pem'))
        [System.IO.File]::WriteAllText($pem, $text)
        Connect-PhotoSync -TenantId $script:Emulator.tenantId -ClientId 'aaaaaaaa-0000-4000-8000-000000000002' -CertificatePath $pem `
            -GraphUrl $script:Emulator.baseUrl -LoginUrl $script:Emulator.baseUrl
    }
}

AfterAll {
    Disconnect-PhotoSync
    Stop-TestEmulator $script:Emulator
    Remove-Module PhotoSync -Force -ErrorAction SilentlyContinue
}

Describe 'Get-PhotoSyncPolicy' {
    AfterEach { Disconnect-PhotoSync }

    It 'shows the default, unset policy with every property and a hint in the module''s words' {
        Connect-TestEmulator $script:Emulator
        $policy = @(Get-PhotoSyncPolicy)
        $policy.Count | Should -Be 1
        $policy[0].PSObject.TypeNames[0] | Should -Be 'PhotoSync.Policy'
        @($policy[0].PSObject.Properties.Name) | Should -Be $script:Properties
        $policy[0].Action | Should -Be 'shown'
        $policy[0].Source | Should -Be 'unset'
        @($policy[0].AllowedRoles).Count | Should -Be 0
        $policy[0].CloudPhotoChanges | Should -BeTrue
        $policy[0].UsersCanChangeOwnPhoto | Should -BeTrue
        $policy[0].Effect | Should -Not -BeNullOrEmpty
        $policy[0].Previous | Should -BeNullOrEmpty
        $policy[0].Hint | Should -Match 'Set-PhotoSyncPolicy -Source'
        $policy[0].Hint | Should -Not -Match 'photosync policy|--allowed-roles'
    }
}

Describe 'Set-PhotoSyncPolicy' {
    AfterEach { Disconnect-PhotoSync }

    It '-WhatIf shows the policy as it would be and sends nothing' {
        Connect-PolicyWriter
        $would = Set-PhotoSyncPolicy -Source cloud -AllowedRoles people-administrator -WhatIf
        $would.Action | Should -Be 'would-update'
        $would.Source | Should -Be 'cloud'
        $would.AllowedRoles | Should -Be @($script:PeopleAdministrator)
        $would.UsersCanChangeOwnPhoto | Should -BeFalse
        $would.Previous.PSObject.TypeNames[0] | Should -Be 'PhotoSync.PolicySetting'
        $would.Previous.Source | Should -Be 'unset'
        (Get-PhotoSyncPolicy).Source | Should -Be 'unset'
    }

    It 'changes the policy with -Force, reads it back, and resets it with -Source unset' {
        Connect-PolicyWriter
        $set = Set-PhotoSyncPolicy -Source onPremises -AllowedRoles people-administrator, user-administrator -Force
        $set.Action | Should -Be 'updated'
        $set.Source | Should -Be 'onPremises'
        $set.AllowedRoles | Should -Contain $script:PeopleAdministrator
        @($set.AllowedRoles).Count | Should -Be 2
        $set.CloudPhotoChanges | Should -BeFalse
        $set.Previous.Source | Should -Be 'unset'
        @($set.PSObject.Properties.Name) | Should -Be $script:Properties
        $shown = Get-PhotoSyncPolicy
        $shown.Source | Should -Be 'onPremises'

        # Asking for what the tenant has sends nothing.
        (Set-PhotoSyncPolicy -Source onPremises -Confirm:$false).Action | Should -Be 'unchanged'

        $reset = Set-PhotoSyncPolicy -Source Unset -Confirm:$false
        $reset.Action | Should -Be 'reset'
        $reset.Previous.Source | Should -Be 'onPremises'
        $shown = Get-PhotoSyncPolicy
        $shown.Source | Should -Be 'unset'
        @($shown.AllowedRoles).Count | Should -Be 0
    }

    It 'an empty -AllowedRoles lets every user change their own photo' {
        Connect-PolicyWriter
        $null = Set-PhotoSyncPolicy -Source cloud -AllowedRoles people-administrator -Force
        $open = Set-PhotoSyncPolicy -AllowedRoles @() -Force
        $open.Action | Should -Be 'updated'
        $open.Source | Should -Be 'cloud'
        @($open.AllowedRoles).Count | Should -Be 0
        $open.UsersCanChangeOwnPhoto | Should -BeTrue
        $null = Set-PhotoSyncPolicy -Source unset -Force
    }

    It 'is refused for an app that may only read the policy, naming the permission' {
        Connect-TestEmulator $script:Emulator
        $thrown = { Set-PhotoSyncPolicy -Source onPremises -Force -ErrorAction Stop } | Should -Throw -PassThru
        $thrown.FullyQualifiedErrorId | Should -BeLike 'PhotoSync.permission-denied*'
        "$($thrown.Exception.Message) $($thrown.ErrorDetails.RecommendedAction)" | Should -Match 'PeopleSettings.ReadWrite.All'
        (Get-PhotoSyncPolicy).Source | Should -Be 'unset'
    }

    It 'refuses to ask for nothing, and -Source unset with roles, before anything runs' {
        Connect-PolicyWriter
        $thrown = { Set-PhotoSyncPolicy -Force -ErrorAction Stop } | Should -Throw -PassThru
        $thrown.FullyQualifiedErrorId | Should -BeLike 'PhotoSync.config*'
        $thrown.Exception.Message | Should -Match '-Source or -AllowedRoles'
        $thrown = { Set-PhotoSyncPolicy -Source unset -AllowedRoles none -Force -ErrorAction Stop } | Should -Throw -PassThru
        $thrown.FullyQualifiedErrorId | Should -BeLike 'PhotoSync.config*'
        { Set-PhotoSyncPolicy -Source sometimes -Force -ErrorAction Stop } | Should -Throw
    }

    It 'a bad role name is the core''s clear error, with the names it knows' {
        Connect-PolicyWriter
        $thrown = { Set-PhotoSyncPolicy -AllowedRoles people-admin -Force -ErrorAction Stop } | Should -Throw -PassThru
        $thrown.FullyQualifiedErrorId | Should -BeLike 'PhotoSync.config*'
        $thrown.Exception.Message | Should -Match 'people-admin'
        $thrown.ErrorDetails.RecommendedAction | Should -Match 'people-administrator'
        (Get-PhotoSyncPolicy).Source | Should -Be 'unset'
    }
}
