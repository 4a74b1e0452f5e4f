#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Every power of the CLI as cmdlet parameters, run for real against folder stores: -Shard,
# -FailOnDrift, -ReportPath, -State on status, -Recheck/-RecheckAfter, -VerifyWindow,
# -RequireVerified, -ThrottleLimit, the key parameters without a pipeline, and tab completion.

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

Describe 'Sync-UserPhoto -Shard' {
    It 'splits the users between shards, each exactly once (the shard runbook without the .exe)' {
        $target = New-TestFolder
        $users = @(1..24 | ForEach-Object { [pscustomobject]@{ UserPrincipalName = "user$_@contoso.com"; ObjectGUID = [guid]::NewGuid(); PhotoPath = $script:AnnPhoto } })
        $first = @($users | Sync-UserPhoto -Target "folder:$target" -Shard 1/2 -WhatIf)
        $second = @($users | Sync-UserPhoto -Target "folder:$target" -Shard '2/2' -WhatIf)
        $first.Count | Should -BeGreaterThan 0
        $second.Count | Should -BeGreaterThan 0
        ($first.UserPrincipalName + $second.UserPrincipalName | Sort-Object) | Should -Be ($users.UserPrincipalName | Sort-Object)
    }

    It 'refuses a shard that is not K/N' {
        { Get-Rows | Sync-UserPhoto -Target graph -Shard 'half' -WhatIf } | Should -Throw -ErrorId 'ParameterArgumentValidationError*'
    }
}

Describe 'Get-PhotoSyncStatus -FailOnDrift, -ReportPath and -State' {
    It '-FailOnDrift writes PhotoSync.drift after all the objects' {
        $store = New-TestFolder
        $errors = $null
        $status = @(Get-Rows | Get-PhotoSyncStatus -Store "folder:$store" -FailOnDrift -ErrorVariable errors -ErrorAction SilentlyContinue)
        $status.Count | Should -Be 2
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'PhotoSync.drift*'
        $errors[0].Exception.Message | Should -Match '^2 of 2 users are not in sync'
        $null = Get-Rows | Sync-UserPhoto -Target "folder:$store" -Confirm:$false
        $errors = $null
        $null = Get-Rows | Get-PhotoSyncStatus -Store "folder:$store" -FailOnDrift -ErrorVariable errors
        $errors | Should -BeNullOrEmpty
    }

    It '-ReportPath writes the HTML report and the objects' {
        $store = New-TestFolder
        $report = Join-Path $TestDrive 'report.html'
        $status = @(Get-Rows | Get-PhotoSyncStatus -Store "folder:$store" -ReportPath $report)
        $status.Count | Should -Be 2
        $html = [System.IO.File]::ReadAllText($report)
        $html | Should -Match '<!DOCTYPE html>'
        $html | Should -Match 'bob\.smith@contoso\.com'
    }

    It '-State says when sync last wrote a store' {
        $target = New-TestFolder
        $state = Join-Path $TestDrive 'status-state.jsonl'
        $null = Get-Rows | Sync-UserPhoto -Target "folder:$target" -State $state -Confirm:$false
        $status = @(Get-Rows | Get-PhotoSyncStatus -Store "folder:$target" -State $state)
        $status | ForEach-Object { $_.FindingCodes | Should -Match 'recently-written' }
    }
}

Describe 'Sync-UserPhoto -State with -Recheck and -RecheckAfter' {
    It 'skips verified users without reading the target, unless told to check again' {
        $target = New-TestFolder
        $state = Join-Path $TestDrive 'recheck-state.jsonl'
        $null = Get-Rows | Sync-UserPhoto -Target "folder:$target" -State $state -Confirm:$false
        (Get-Rows | Sync-UserPhoto -Target "folder:$target" -State $state -Confirm:$false).Reason | Should -Be @('unchanged-since-verified', 'unchanged-since-verified')
        (Get-Rows | Sync-UserPhoto -Target "folder:$target" -State $state -Recheck -Confirm:$false).Reason | Should -Be @('own-write-unchanged', 'own-write-unchanged')
        (Get-Rows | Sync-UserPhoto -Target "folder:$target" -State $state -RecheckAfter 0s -Confirm:$false).Reason | Should -Be @('own-write-unchanged', 'own-write-unchanged')
    }
}

Describe 'Arguments the cmdlets pass' {
    BeforeEach {
        $global:PhotoSyncTestArguments = $null
        Mock -ModuleName PhotoSync Start-PhotoSyncCore { $global:PhotoSyncTestArguments = $ArgumentList; $null }
    }
    AfterEach { Remove-Variable -Name PhotoSyncTestArguments -Scope Global -ErrorAction SilentlyContinue }

    It '-VerifyWindow, -RequireVerified and -ThrottleLimit (the alias of -Concurrency)' {
        Sync-UserPhoto -Identity 'ann.lee@contoso.com' -VerifyWindow 5 -RequireVerified -ThrottleLimit 3 -Confirm:$false
        $arguments = $global:PhotoSyncTestArguments
        $arguments[$arguments.IndexOf('--verify-window') + 1] | Should -Be '5'
        $arguments | Should -Contain '--require-verified'
        $arguments[$arguments.IndexOf('--concurrency') + 1] | Should -Be '3'
        Get-PhotoSyncStatus -Identity 'ann.lee@contoso.com' -ThrottleLimit 2
        $arguments = $global:PhotoSyncTestArguments
        $arguments[$arguments.IndexOf('--concurrency') + 1] | Should -Be '2'
    }
}

Describe 'Key parameters without a pipeline' {
    It 'checks the one user given with -UserPrincipalName and -PhotoPath' {
        $store = New-TestFolder
        $status = @(Get-PhotoSyncStatus -UserPrincipalName 'ann.lee@contoso.com' -PhotoPath $script:AnnPhoto -Store "folder:$store")
        $status.Count | Should -Be 1
        $status[0].InputState | Should -Be 'present'
    }
}

Describe 'Tab completion of -Store, -Target and -Source' {
    It 'completes <line>' -TestCases @(
        @{ line = 'Get-PhotoSyncStatus -Store gr'; expected = 'graph' }
        @{ line = 'Get-PhotoSyncStatus -Store sha'; expected = 'sharepoint' }
        @{ line = 'Sync-UserPhoto -Target fo'; expected = 'folder:' }
        @{ line = 'Sync-UserPhoto -Source in'; expected = 'input' }
    ) {
        param($line, $expected)
        $completion = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $completion.CompletionMatches.CompletionText | Should -Contain $expected
    }

    It 'completes the folders after folder:' {
        $root = New-TestFolder
        $null = New-Item -ItemType Directory -Path (Join-Path $root 'published')
        $line = "Sync-UserPhoto -Target folder:$(Join-Path $root 'pub')"
        $completion = TabExpansion2 -inputScript $line -cursorColumn $line.Length
        $completion.CompletionMatches.CompletionText | Should -Contain "folder:$(Join-Path $root 'published')"
    }
}
