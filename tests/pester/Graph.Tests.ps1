#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# The cmdlets against Microsoft Graph, played by the bundled emulator (example tenant, TEST-ONLY
# app credentials from tests/emulator/seed/example.json): the documented first example, per-user
# permission failures, two targets, and no secret in any output stream.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:Emulator = Start-TestEmulator
    $script:Photo = [System.IO.File]::ReadAllBytes($script:AnnPhoto)
}

AfterAll {
    Disconnect-PhotoSync
    Stop-TestEmulator $script:Emulator
    Remove-Module PhotoSync -Force -ErrorAction SilentlyContinue
}

Describe 'Get-ADUser | Get-PhotoSyncStatus without -Store' {
    AfterEach { Disconnect-PhotoSync }

    It 'checks Graph, with the piped photo as the reference, where no LDAP server is configured' {
        # Defect 2: the default stores 'ad,graph' made this first documented example exit with a config error.
        Connect-TestEmulator $script:Emulator
        $users = @(
            New-AdUserLike -Sam 'alice' -Photo $script:Photo
            New-AdUserLike -Sam 'bruno' -Photo $script:Photo
        )
        # Their real objectGUIDs (the seed's onPremisesImmutableId): a fallback match is cross-checked.
        $users[0].UserPrincipalName = 'alice@contoso.test'
        $users[0].ObjectGUID = New-Object -TypeName guid -ArgumentList (, [System.Convert]::FromBase64String('AAAAAAAAAAAAAAAAwP/uAA=='))
        $users[1].UserPrincipalName = 'bruno@contoso.test'
        $users[1].ObjectGUID = New-Object -TypeName guid -ArgumentList (, [System.Convert]::FromBase64String('AAAAAAAAAAAAAAAAwP/uAQ=='))
        $status = @($users | Get-PhotoSyncStatus)
        $status.Count | Should -Be 2
        $status | ForEach-Object { $_.Reference | Should -Be 'input'; $_.AdState | Should -BeNullOrEmpty }
        $alice = $status | Where-Object UserPrincipalName -eq 'alice@contoso.test'
        $alice.GraphState | Should -Be 'present'
        # The signature "same picture" is decided on travels with each photo.
        ($alice.Stores | Where-Object Store -eq 'graph').Photo.Signature.Length | Should -Be 2052
        ($status | Where-Object UserPrincipalName -eq 'bruno@contoso.test').Verdict | Should -Be 'missing-in-cloud'
    }

    It 'keeps the cloud connection when LDAP settings are added by a second Connect-PhotoSync' {
        Connect-TestEmulator $script:Emulator
        Connect-PhotoSync -LdapBaseDN 'DC=contoso,DC=test'
        $status = @([pscustomobject]@{ UserPrincipalName = 'alice@contoso.test' } | Get-PhotoSyncStatus -Store graph)
        $status.Count | Should -Be 1
        $status[0].GraphState | Should -Be 'present'
    }
}

Describe 'Per-user failures from Graph' {
    AfterEach { Disconnect-PhotoSync }

    It 'returns every result when each user fails with permission-denied (exit code 3)' {
        # Defect 4: exit code 3 became one terminating error and the results were lost.
        Connect-TestEmulator $script:Emulator -ClientId 'aaaaaaaa-0000-4000-8000-000000000003' -Secret 'test-only-readonly-secret'
        $rows = @(
            [pscustomobject]@{ UserPrincipalName = 'alice@contoso.test'; PhotoPath = $script:AnnPhoto }
            [pscustomobject]@{ UserPrincipalName = 'bruno@contoso.test'; PhotoPath = $script:BobPhoto }
        )
        $errors = $null
        $results = $rows | Sync-UserPhoto -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue
        @($results).Count | Should -Be 2
        $results | ForEach-Object { $_.Action | Should -Be 'failed'; $_.ErrorCode | Should -Be 'permission-denied' }
        @($errors | Where-Object { $_.FullyQualifiedErrorId -like 'PhotoSync.permission-denied*' }).Count | Should -Be 2
        ($errors | Where-Object { $_.TargetObject -eq $rows[1] }) | Should -Not -BeNullOrEmpty
    }

    It 'writes one error per failed target of a user, not one per user' {
        # Defect 9: with two targets, the second failure of a user gave no ErrorRecord.
        Connect-TestEmulator $script:Emulator
        $folder = New-TestFolder
        # Not in the tenant and without the sAMAccountName the folder rule needs: both targets fail.
        $row = [pscustomobject]@{ UserPrincipalName = 'nobody@contoso.test'; PhotoPath = $script:AnnPhoto }
        $errors = $null
        $results = @($row | Sync-UserPhoto -Target graph, "folder:$($folder):{samAccountName}.jpg" -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue)
        $results.Count | Should -Be 2
        $failed = @($results | Where-Object Action -eq 'failed')
        $failed.Count | Should -Be 2
        $photoSyncErrors = @($errors | Where-Object { $_.FullyQualifiedErrorId -like 'PhotoSync.*' })
        $photoSyncErrors.Count | Should -Be 2
        ($photoSyncErrors | ForEach-Object { $_.Exception.Message }) -join "`n" | Should -Match '\(graph\)'
    }
}

Describe 'Secrets' {
    AfterEach { Disconnect-PhotoSync }

    It 'never shows the client secret or the access token in any output stream' {
        $secret = 'test-only-secret-not-real'
        $response = Invoke-RestMethod -Method Post -Uri "$($script:Emulator.adminUrl)/token" -ContentType 'application/json' `
            -Body '{"clientId":"aaaaaaaa-0000-4000-8000-000000000001","resource":"https://graph.microsoft.com","credential":"secret"}'
        $token = $response.access_token
        $token | Should -Not -BeNullOrEmpty
        $rows = @(
            [pscustomobject]@{ UserPrincipalName = 'alice@contoso.test'; PhotoPath = $script:AnnPhoto }
            [pscustomobject]@{ UserPrincipalName = 'nobody@contoso.test'; PhotoPath = $script:AnnPhoto }
        )

        $everything = New-Object -TypeName 'System.Collections.Generic.List[string]'
        Connect-TestEmulator $script:Emulator -Secret $secret
        $rows | Get-PhotoSyncStatus -Verbose -Debug -ErrorAction Continue *>&1 | ForEach-Object { $everything.Add(($_ | Out-String)) }
        $rows | Sync-UserPhoto -WhatIf -Verbose -ErrorAction Continue *>&1 | ForEach-Object { $everything.Add(($_ | Out-String)) }
        Disconnect-PhotoSync
        Connect-PhotoSync -TenantId $script:Emulator.tenantId -GraphUrl $script:Emulator.baseUrl -LoginUrl $script:Emulator.baseUrl `
            -AccessToken (ConvertTo-SecureString $token -AsPlainText -Force)
        $rows | Get-PhotoSyncStatus -Verbose -ErrorAction Continue *>&1 | ForEach-Object { $everything.Add(($_ | Out-String)) }
        $kept = Connect-PhotoSync -PassThru
        $everything.Add(($kept | Format-List * | Out-String))

        $text = $everything -join "`n"
        $text | Should -Match 'alice@contoso.test'
        $text | Should -Match 'nobody@contoso.test'
        $text.Contains($secret) | Should -BeFalse
        $text.Contains($token) | Should -BeFalse
        # Nor a recognisable piece of the token (its signature part).
        $text.Contains($token.Split('.')[2]) | Should -BeFalse
    }
}

Describe 'Per-user throttling that outlasts every retry (exit code 4)' {
    BeforeAll {
        # An Outlook-class limit of 0: every photo call is answered 429 ApplicationThrottled with
        # Retry-After 1, while user lookups still work, so each user fails on its own.
        $script:Throttled = Start-TestEmulator -Fault '{"throttle":{"outlookConcurrency":0}}'
    }
    AfterAll { Stop-TestEmulator $script:Throttled }
    AfterEach { Disconnect-PhotoSync }

    It 'returns every result and writes one non-terminating error per user' {
        # Defect 4: exit code 4 became one terminating error and the results were lost.
        Connect-TestEmulator $script:Throttled
        $rows = @(
            [pscustomobject]@{ UserPrincipalName = 'alice@contoso.test'; PhotoPath = $script:AnnPhoto }
            [pscustomobject]@{ UserPrincipalName = 'bruno@contoso.test'; PhotoPath = $script:BobPhoto }
        )
        $errors = $null
        $status = @($rows | Get-PhotoSyncStatus -Store graph -ErrorVariable errors -ErrorAction SilentlyContinue)
        $status.Count | Should -Be 2
        $status | ForEach-Object { $_.GraphState | Should -Be 'error'; $_.ErrorCode | Should -Be 'throttled' }
        @($errors | Where-Object { $_.FullyQualifiedErrorId -like 'PhotoSync.throttled*' }).Count | Should -Be 2
    }
}

Describe 'Two users in flight that share a mail' {
    AfterEach { Disconnect-PhotoSync }

    It 'gives each status its own input photo, and Sync-UserPhoto writes each user''s own picture (regression: hana got ann''s photo)' {
        # The core echoes keys; matched by them, the second row (mail only) took the first row's
        # item through the shared mail. Matched by the input line, each row gets its own record.
        # The first row names two people (dana's UPN, hana's mail): the gate refuses it.
        Connect-TestEmulator $script:Emulator
        $rows = @(
            [pscustomobject]@{ UserPrincipalName = 'dana@contoso.test'; Mail = 'hana@contoso.test'; PhotoPath = $script:AnnPhoto }
            [pscustomobject]@{ Mail = 'hana@contoso.test'; PhotoPath = $script:BobPhoto }
        )
        $danaBefore = @([pscustomobject]@{ UserPrincipalName = 'dana@contoso.test'; PhotoPath = $script:AnnPhoto } | Get-PhotoSyncStatus -Store graph)[0].Verdict
        $danaBefore | Should -Not -Be 'in-sync'
        $statuses = @($rows | Get-PhotoSyncStatus -Store graph -ErrorAction SilentlyContinue)
        $statuses.Count | Should -Be 2
        $mixed = $statuses | Where-Object UserPrincipalName -eq 'dana@contoso.test'
        $mixed.InputPhoto.Path | Should -Be $script:AnnPhoto
        $mixed.ErrorCode | Should -Be 'identity-mismatch'
        ($statuses | Where-Object { -not $_.UserPrincipalName }).InputPhoto.Path | Should -Be $script:BobPhoto

        $results = @($statuses | Sync-UserPhoto -Target graph -Confirm:$false -ErrorAction SilentlyContinue)
        ($results | Where-Object UserPrincipalName -eq 'dana@contoso.test').Reason | Should -Be 'identity-mismatch'
        # hana's cloud photo is now the picture of her own row; dana's is what it was.
        $hana = [pscustomobject]@{ UserPrincipalName = 'hana@contoso.test'; PhotoPath = $script:BobPhoto } | Get-PhotoSyncStatus -Store graph
        $hana.Verdict | Should -Be 'in-sync' -Because 'hana must show her own row''s picture'
        $dana = [pscustomobject]@{ UserPrincipalName = 'dana@contoso.test'; PhotoPath = $script:AnnPhoto } | Get-PhotoSyncStatus -Store graph
        $dana.Verdict | Should -Be $danaBefore -Because 'the refused row wrote nothing to dana'
    }
}

Describe 'Get-PhotoSyncStatus of a user that does not exist' {
    AfterEach { Disconnect-PhotoSync }

    It 'writes the not-found status and a PhotoSync.user-not-found error, so -ErrorAction Stop stops (regression: no error at all)' {
        Connect-TestEmulator $script:Emulator
        $errors = $null
        $status = @(Get-PhotoSyncStatus -Identity 'nobody@contoso.test' -Store graph -ErrorVariable errors -ErrorAction SilentlyContinue)
        $status.Count | Should -Be 1
        $status[0].Verdict | Should -Be 'not-found'
        $status[0].ErrorCode | Should -Be 'user-not-found'
        @($errors).Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -Be 'PhotoSync.user-not-found,Get-PhotoSyncStatus'
        $errors[0].Exception.Message | Should -Match '^nobody@contoso\.test \(graph\): '
        $errors[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'

        $failure = $null
        try { $null = Get-PhotoSyncStatus -Identity 'nobody@contoso.test' -Store graph -ErrorAction Stop } catch { $failure = $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'PhotoSync.user-not-found*'
    }
}

Describe 'A user migrated from another forest (mS-DS-ConsistencyGuid)' {
    AfterEach { Disconnect-PhotoSync }

    It 'is matched by the consistency GUID Get-ADUser gives, and the next piped user does not inherit it' {
        # alice's new forest gave her a new objectGUID; Entra Connect still anchors her by the old
        # one (the seed's onPremisesImmutableId), kept in mS-DS-ConsistencyGuid as 16 bytes.
        Connect-TestEmulator $script:Emulator
        $migrated = New-AdUserLike -Sam 'alice' -Photo $script:Photo
        $migrated.UserPrincipalName = 'alice@contoso.test'
        $migrated | Add-Member -NotePropertyName 'mS-DS-ConsistencyGuid' -NotePropertyValue ([System.Convert]::FromBase64String('AAAAAAAAAAAAAAAAwP/uAA=='))
        # bruno, next in the pipeline, has a new objectGUID too and no such property.
        $next = New-AdUserLike -Sam 'bruno' -Photo $script:Photo
        $next.UserPrincipalName = 'bruno@contoso.test'
        $status = @($migrated, $next | Get-PhotoSyncStatus -Store graph -ErrorAction SilentlyContinue)
        $status.Count | Should -Be 2
        $alice = $status | Where-Object UserPrincipalName -eq 'alice@contoso.test'
        $alice.GraphState | Should -Be 'present'
        $alice.ConsistencyGuid | Should -Be ([guid]::new($migrated.'mS-DS-ConsistencyGuid')).ToString()
        $bruno = $status | Where-Object UserPrincipalName -eq 'bruno@contoso.test'
        $bruno.ErrorCode | Should -Be 'identity-mismatch'
        # Found by his own UPN and refused on his own GUID: with alice's consistency GUID left
        # over, Graph would have found alice by it.
        $bruno.ErrorMessage | Should -Match 'found by userPrincipalName, bruno@contoso\.test'

        # Status objects pipe into sync (regression: they dropped the consistency GUID, so the
        # account was refused as identity-mismatch).
        $results = @($alice | Sync-UserPhoto -Target graph -Confirm:$false)
        $results.Count | Should -Be 1
        $results[0].Action | Should -BeIn @('updated', 'skipped')
        $results[0].ConsistencyGuid | Should -Be $alice.ConsistencyGuid
    }
}
