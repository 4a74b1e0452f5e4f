#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Sync-UserPhoto's modes of issue 21 against the emulator (example tenant, TEST-ONLY secret app):
# -OnlyMissing fills only empty targets, -DefaultPhoto fills users without a photo of their own,
# and -KeepOutsideChanges (with -State) leaves a photo someone changed in Teams alone.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:Ann = [System.IO.File]::ReadAllBytes($script:AnnPhoto)
    $script:Bob = [System.IO.File]::ReadAllBytes($script:BobPhoto)

    function Get-CloudPhoto([string]$User) {
        # What Graph holds for the user, as the emulator stores it, in base64 ($null: no photo).
        $client = New-Object -TypeName System.Net.WebClient
        try { return [System.Convert]::ToBase64String($client.DownloadData("$($script:Emulator.adminUrl)/photos/$User")) }
        catch { return $null }
        finally { $client.Dispose() }
    }
}

AfterAll {
    Disconnect-PhotoSync
    Remove-Module PhotoSync -Force -ErrorAction SilentlyContinue
}

Describe 'Sync-UserPhoto -OnlyMissing' {
    BeforeAll {
        $script:Emulator = Start-TestEmulator
        Connect-TestEmulator $script:Emulator
    }
    AfterAll { Stop-TestEmulator $script:Emulator }

    It 'writes only where the cloud has no photo and leaves somebody''s photo alone' {
        $alicesOwn = Get-CloudPhoto 'alice@contoso.test'
        $alicesOwn | Should -Not -BeNullOrEmpty
        Get-CloudPhoto 'bruno@contoso.test' | Should -BeNullOrEmpty
        $rows = @(
            [pscustomobject]@{ UserPrincipalName = 'alice@contoso.test'; PhotoPath = $script:AnnPhoto }
            [pscustomobject]@{ UserPrincipalName = 'bruno@contoso.test'; PhotoPath = $script:AnnPhoto }
        )
        $results = @($rows | Sync-UserPhoto -OnlyMissing -Confirm:$false)
        $results.Count | Should -Be 2
        $alice = $results | Where-Object UserPrincipalName -eq 'alice@contoso.test'
        $alice.Action | Should -Be 'skipped'
        $alice.Reason | Should -Be 'target-has-photo'
        Get-CloudPhoto 'alice@contoso.test' | Should -Be $alicesOwn
        $bruno = $results | Where-Object UserPrincipalName -eq 'bruno@contoso.test'
        $bruno.Action | Should -Be 'updated'
        $bruno.Reason | Should -Be 'missing-in-target'
        Get-CloudPhoto 'bruno@contoso.test' | Should -Not -BeNullOrEmpty
    }

    It 'refuses -OnlyMissing with -Overwrite before any user is written' {
        $before = Get-CloudPhoto 'chen@contoso.test'
        $row = [pscustomobject]@{ UserPrincipalName = 'chen@contoso.test'; PhotoPath = $script:AnnPhoto }
        $thrown = { $row | Sync-UserPhoto -OnlyMissing -Overwrite -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $thrown.FullyQualifiedErrorId | Should -BeLike 'PhotoSync.config*'
        $thrown.Exception.Message | Should -Match '-OnlyMissing and -Overwrite'
        Get-CloudPhoto 'chen@contoso.test' | Should -Be $before
    }
}

Describe 'Sync-UserPhoto -DefaultPhoto' {
    BeforeAll {
        $script:Emulator = Start-TestEmulator
        Connect-TestEmulator $script:Emulator
    }
    AfterAll {
        Stop-TestEmulator $script:Emulator
        Remove-PSDrive -Name PhotoSyncLogo -Scope Global -ErrorAction SilentlyContinue
    }

    It 'fills a user without a photo from a PowerShell path and replaces no one''s picture' {
        # The default picture on a PSDrive: the core gets the file-system path.
        $folder = New-TestFolder
        Copy-Item -LiteralPath $script:BobPhoto -Destination (Join-Path $folder 'logo.jpg')
        $null = New-PSDrive -Name PhotoSyncLogo -PSProvider FileSystem -Root $folder -Scope Global
        $chensOwn = Get-CloudPhoto 'chen@contoso.test'
        $rows = @(
            # Guests and service accounts: no photo of their own.
            [pscustomobject]@{ UserPrincipalName = 'dana@contoso.test' }
            [pscustomobject]@{ UserPrincipalName = 'chen@contoso.test' }
        )
        $results = @($rows | Sync-UserPhoto -DefaultPhoto 'PhotoSyncLogo:\logo.jpg' -Confirm:$false)
        $dana = $results | Where-Object UserPrincipalName -eq 'dana@contoso.test'
        $dana.Action | Should -Be 'updated'
        $dana.Reason | Should -Be 'default-photo'
        $dana.Verified | Should -BeTrue
        $chen = $results | Where-Object UserPrincipalName -eq 'chen@contoso.test'
        $chen.Action | Should -Be 'skipped'
        $chen.Reason | Should -Be 'target-has-photo'
        Get-CloudPhoto 'chen@contoso.test' | Should -Be $chensOwn
    }

    It 'stops before any user when the default photo is no picture, naming -DefaultPhoto' {
        $broken = Join-Path (New-TestFolder) 'broken.png'
        [System.IO.File]::WriteAllText($broken, 'not a picture')
        $row = [pscustomobject]@{ UserPrincipalName = 'hana@contoso.test' }
        $thrown = { $row | Sync-UserPhoto -DefaultPhoto $broken -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $thrown.Exception.Message | Should -Match '-DefaultPhoto'
        "$($thrown.Exception.Message) $($thrown.ErrorDetails.RecommendedAction)" | Should -Not -Match '--default-photo'
        Get-CloudPhoto 'hana@contoso.test' | Should -BeNullOrEmpty
    }
}

Describe 'Sync-UserPhoto -KeepOutsideChanges' {
    BeforeAll {
        $script:Emulator = Start-TestEmulator
        Connect-TestEmulator $script:Emulator
        $script:Row = [pscustomobject]@{ UserPrincipalName = 'hana@contoso.test'; PhotoPath = $script:AnnPhoto }
    }
    AfterAll { Stop-TestEmulator $script:Emulator }

    It 'needs -State, and says so' {
        $thrown = { $script:Row | Sync-UserPhoto -KeepOutsideChanges -Confirm:$false -ErrorAction Stop } | Should -Throw -PassThru
        $thrown.FullyQualifiedErrorId | Should -BeLike 'PhotoSync.config*'
        $thrown.Exception.Message | Should -Match '-KeepOutsideChanges needs -State'
        $thrown.ErrorDetails.RecommendedAction | Should -Match '-State'
        Get-CloudPhoto 'hana@contoso.test' | Should -BeNullOrEmpty
    }

    It 'leaves a photo the user changed in Teams alone, and by default writes the source back' {
        $state = Join-Path (New-TestFolder) 'state.jsonl'
        $first = @($script:Row | Sync-UserPhoto -State $state -Confirm:$false)
        $first[0].Action | Should -Be 'updated'
        # Hana sets her own picture (as in Teams: a new ETag); the source stays Ann's picture.
        $null = Invoke-RestMethod -Method Put -Uri "$($script:Emulator.adminUrl)/photos/hana@contoso.test/as-user" -Body $script:Bob -ContentType 'image/jpeg'
        $hers = Get-CloudPhoto 'hana@contoso.test'

        # -WhatIf reads no state, so there is nothing to keep: a plain dry run, no error.
        $dry = @($script:Row | Sync-UserPhoto -State $state -Recheck -KeepOutsideChanges -WhatIf)
        $dry[0].Action | Should -Be 'would-update'

        $kept = @($script:Row | Sync-UserPhoto -State $state -Recheck -KeepOutsideChanges -Confirm:$false)
        $kept[0].Action | Should -Be 'skipped'
        $kept[0].Reason | Should -Be 'changed-outside-photosync'
        Get-CloudPhoto 'hana@contoso.test' | Should -Be $hers

        $status = @($script:Row | Get-PhotoSyncStatus -Store graph -State $state)
        $status[0].FindingCodes | Should -Match 'changed-outside-photosync'

        $restored = @($script:Row | Sync-UserPhoto -State $state -Recheck -Confirm:$false)
        $restored[0].Action | Should -Be 'updated'
        $restored[0].Reason | Should -Be 'replaced-outside-change'
    }
}
