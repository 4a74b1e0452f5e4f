#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Sync-UserPhoto against the real binary with folder targets: -WhatIf, -Confirm, -Force and
# -Overwrite, per-user failures, and output that Export-Csv can write.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    function Get-Rows {
        @(
            [pscustomobject]@{ UserPrincipalName = 'ann.lee@contoso.com'; PhotoPath = $script:AnnPhoto }
            [pscustomobject]@{ UserPrincipalName = 'bob.smith@contoso.com'; PhotoPath = $script:BobPhoto }
        )
    }
}

AfterAll {
    Remove-Module PhotoSync -Force -ErrorAction SilentlyContinue
}

Describe '-WhatIf' {
    It 'writes nothing, not even the state file, and answers with objects only' {
        # Defect 7: "What if:" lines and would-update objects both, and a state file on disk.
        $target = New-TestFolder
        $state = Join-Path $TestDrive 'whatif-state.jsonl'
        $results = @(Get-Rows | Sync-UserPhoto -Target "folder:$target" -State $state -WhatIf)
        $results.Count | Should -Be 2
        $results | ForEach-Object {
            $_.PSObject.TypeNames[0] | Should -Be 'PhotoSync.SyncResult'
            $_.Action | Should -Be 'would-update'
        }
        @(Get-ChildItem -LiteralPath $target -Force).Count | Should -Be 0
        Test-Path -LiteralPath $state | Should -BeFalse
    }

    It 'prints no "What if:" line per user (the results say it)' {
        # ShouldProcess writes "What if:" to the host, out of reach of redirection: run a child shell.
        $target = New-TestFolder
        $shell = if ($PSVersionTable.PSEdition -eq 'Core') { Join-Path $PSHOME "pwsh$($script:Exe)" } else { Join-Path $PSHOME 'powershell.exe' }
        $module = $script:ModuleManifest
        $command = "Import-Module '$module'; " +
        "[pscustomobject]@{ UserPrincipalName = 'ann.lee@contoso.com'; PhotoPath = '$($script:AnnPhoto)' } | " +
        "Sync-UserPhoto -Target 'folder:$target' -WhatIf | ForEach-Object { 'action=' + `$_.Action }"
        $text = (& $shell -NoProfile -NonInteractive -Command $command 2>&1 | Out-String)
        $text | Should -Match 'action=would-update'
        $text | Should -Not -Match 'What if'
    }
}

Describe 'Writing' {
    It 'writes with -Confirm:$false, then skips users already in sync' {
        $target = New-TestFolder
        $first = @(Get-Rows | Sync-UserPhoto -Target "folder:$target" -Confirm:$false)
        @($first | Where-Object Action -eq 'updated').Count | Should -Be 2
        @(Get-ChildItem -LiteralPath $target).Count | Should -Be 2

        $second = @(Get-Rows | Sync-UserPhoto -Target "folder:$target" -Confirm:$false)
        $second | ForEach-Object { $_.Action | Should -Be 'skipped' }
    }

    It '-Force skips prompts but not the "already in sync" check; -Overwrite rewrites' {
        # Defect 6: -Force passed --force, rewriting every photo.
        $target = New-TestFolder
        $null = Get-Rows | Sync-UserPhoto -Target "folder:$target" -Confirm:$false
        $forced = @(Get-Rows | Sync-UserPhoto -Target "folder:$target" -Force)
        $forced | ForEach-Object { $_.Action | Should -Be 'skipped' }
        $overwritten = @(Get-Rows | Sync-UserPhoto -Target "folder:$target" -Overwrite -Force)
        $overwritten | ForEach-Object { $_.Action | Should -Be 'updated' }
    }

    It 'gives Export-Csv flat columns instead of System.Object[]' {
        # Defect 11: nested arrays made CSV reports unreadable.
        $target = New-TestFolder
        $csv = Join-Path $TestDrive 'results.csv'
        Get-Rows | Sync-UserPhoto -Target "folder:$target" -Confirm:$false | Export-Csv -LiteralPath $csv -NoTypeInformation
        $rows = @(Import-Csv -LiteralPath $csv)
        $rows.Count | Should -Be 2
        $rows | ForEach-Object { $_.Action | Should -Be 'updated'; $_.Target | Should -Not -BeNullOrEmpty }
        $rows[0].PSObject.Properties.Name | Should -Contain 'ErrorCode'

        $statusCsv = Join-Path $TestDrive 'status.csv'
        Get-Rows | Get-PhotoSyncStatus -Store "folder:$target" | Export-Csv -LiteralPath $statusCsv -NoTypeInformation
        $status = @(Import-Csv -LiteralPath $statusCsv)
        $status | ForEach-Object { $_.Verdict | Should -Be 'in-sync'; $_.FolderState | Should -Be 'present' }
    }
}

Describe 'Two PhotoSync cmdlets in one pipeline' {
    It 'pipes Get-PhotoSyncStatus into Sync-UserPhoto, each with its own photosync process' {
        $target = New-TestFolder
        $null = @(Get-Rows)[0] | Sync-UserPhoto -Target "folder:$target" -Confirm:$false
        $results = @(Get-Rows | Get-PhotoSyncStatus -Store "folder:$target" |
                Where-Object Verdict -ne 'in-sync' |
                ForEach-Object { [pscustomobject]@{ UserPrincipalName = $_.UserPrincipalName; PhotoPath = $script:BobPhoto } } |
                Sync-UserPhoto -Target "folder:$target" -Confirm:$false)
        $results.Count | Should -Be 1
        $results[0].UserPrincipalName | Should -Be 'bob.smith@contoso.com'
        $results[0].Action | Should -Be 'updated'
    }
}

Describe 'Per-user failures' {
    It 'returns every result with exit code 1 and writes one error per failed user' {
        $target = New-TestFolder
        $rows = @([pscustomobject]@{ UserPrincipalName = 'ghost@contoso.com'; PhotoPath = (Join-Path $TestDrive 'missing.jpg') }) + (Get-Rows)
        $errors = $null
        $results = @($rows | Sync-UserPhoto -Target "folder:$target" -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue)
        $results.Count | Should -Be 3
        @($results | Where-Object Action -eq 'updated').Count | Should -Be 2
        ($results | Where-Object UserPrincipalName -eq 'ghost@contoso.com').ErrorCode | Should -Be 'photo-file-unreadable'
        @($errors | Where-Object { $_.FullyQualifiedErrorId -like 'PhotoSync.*' }).Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'PhotoSync.photo-file-unreadable,Sync-UserPhoto'
        $errors[0].TargetObject | Should -Be $rows[0]
        $errors[0].ErrorDetails.RecommendedAction | Should -Not -BeNullOrEmpty
    }

    It 'keeps the results in a variable when a run ends with failures (no terminating error)' {
        $target = New-TestFolder
        $rows = @([pscustomobject]@{ UserPrincipalName = 'ghost@contoso.com'; PhotoPath = (Join-Path $TestDrive 'missing.jpg') }) + (Get-Rows)
        $results = $rows | Sync-UserPhoto -Target "folder:$target" -Confirm:$false -ErrorAction SilentlyContinue
        @($results).Count | Should -Be 3
    }

    It 'stops with a terminating error on a configuration error (exit code 2, no results)' {
        { Get-Rows | Get-PhotoSyncStatus -Store 'no-such-store' -ErrorAction Stop } |
            Should -Throw -ErrorId 'PhotoSync.config*'
    }
}
