#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# The objects the cmdlets write: the same properties for every object of one command (so
# Export-Csv keeps every column), no signature blob in a CSV, two folders told apart, a list
# view and a ToString, and status objects that pipe into Sync-UserPhoto with their photo.

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

Describe 'Stable columns for Export-Csv' {
    It 'gives every status object the same properties, photo or not (regression: InputState came only with an input photo, so Export-Csv dropped it)' {
        $store = New-TestFolder
        # The first object has no photo: Export-Csv takes its columns from the first object.
        $users = @(
            [pscustomobject]@{ UserPrincipalName = 'dave.kim@contoso.com' }
            [pscustomobject]@{ UserPrincipalName = 'ann.lee@contoso.com'; PhotoPath = $script:AnnPhoto }
        )
        $status = @($users | Get-PhotoSyncStatus -Store "folder:$store")
        $status.Count | Should -Be 2
        $names = @($status | ForEach-Object { ($_.PSObject.Properties.Name) -join ',' } | Sort-Object -Unique)
        $names.Count | Should -Be 1 -Because "every object has the same properties: $($names -join ' / ')"
        $csv = Join-Path $TestDrive 'status.csv'
        $status | Export-Csv -LiteralPath $csv -NoTypeInformation
        $rows = @(Import-Csv -LiteralPath $csv)
        ($rows | Where-Object UserPrincipalName -eq 'ann.lee@contoso.com').InputState | Should -Be 'present'
        ($rows | Where-Object UserPrincipalName -eq 'dave.kim@contoso.com').InputState | Should -Be 'absent'
        ($rows | Where-Object UserPrincipalName -eq 'ann.lee@contoso.com').InputPhoto | Should -Be $script:AnnPhoto
        ($rows | Where-Object UserPrincipalName -eq 'ann.lee@contoso.com').FolderState | Should -Be 'absent'
        # Nested lists read as one line (regression: the speed rewrite left them as arrays, and
        # the CSV said System.Object[]).
        ($rows | Where-Object UserPrincipalName -eq 'ann.lee@contoso.com').Stores | Should -Match '^input:present; folder:.*:absent$'
        [System.IO.File]::ReadAllText($csv) | Should -Not -Match 'System\.Object\[\]|@\{'
    }

    It 'writes no signature or other blob into a CSV of results (regression: Photo printed its whole signature)' {
        $target = New-TestFolder
        $results = @(Get-Rows | Sync-UserPhoto -Target "folder:$target" -Confirm:$false)
        $signature = $results[0].Photo.Signature
        $signature.Length | Should -BeGreaterThan 100
        $csv = Join-Path $TestDrive 'results.csv'
        $results | Export-Csv -LiteralPath $csv -NoTypeInformation
        $text = [System.IO.File]::ReadAllText($csv)
        $text.Contains($signature) | Should -BeFalse
        $text | Should -Not -Match 'System\.Object\[\]|@\{'
        (Import-Csv -LiteralPath $csv)[0].Photo | Should -Match '^jpeg \d+x\d+, \d+ bytes$'
        $results | ForEach-Object { ($_.PSObject.Properties.Name) -join ',' } | Sort-Object -Unique | Should -HaveCount 1
    }

    It 'tells two folder targets apart (regression: both said Target folder)' {
        $first = New-TestFolder
        $second = New-TestFolder
        $results = @(Get-Rows | Sync-UserPhoto -Target "folder:$first", "folder:$second" -Confirm:$false)
        $results.Count | Should -Be 4
        @($results | Where-Object Target -eq "folder:$first").Count | Should -Be 2
        @($results | Where-Object Target -eq "folder:$second").Count | Should -Be 2

        $status = @(Get-Rows | Get-PhotoSyncStatus -Store "folder:$first", "folder:$second")
        $status[0].PSObject.Properties.Name | Should -Contain 'FolderState'
        $status[0].PSObject.Properties.Name | Should -Contain 'Folder2State'
        ($status[0].Stores | ForEach-Object Store) | Should -Be @('input', "folder:$first", "folder:$second")
    }
}

Describe 'Views and text' {
    It 'has a list view with the findings and a one-line ToString' {
        $store = New-TestFolder
        $status = @(Get-Rows | Get-PhotoSyncStatus -Store "folder:$store")
        "$($status[0])" | Should -Match '^(ann\.lee|bob\.smith)@contoso\.com: missing-in-store$'
        $list = $status[0] | Format-List | Out-String -Width 200
        $list | Should -Match 'Findings\s*:\s*missing-in-store: '
        $list | Should -Match 'Stores\s*:\s*input:present; folder:'
        $result = @(Get-Rows | Sync-UserPhoto -Target "folder:$store" -Confirm:$false)[0]
        $result.ToString() | Should -Match "@contoso\.com \(folder:.*\): updated missing-in-target$"
        ($result | Format-List | Out-String -Width 200) | Should -Match 'Photo\s*:\s*jpeg \d+x\d+'
    }
}

Describe 'Get-PhotoSyncStatus | Where-Object Verdict -ne in-sync | Sync-UserPhoto' {
    It 'writes the input''s photo without the photo being added again (regression: status objects carried no photo, so nothing was written)' {
        $target = New-TestFolder
        $null = @(Get-Rows)[0] | Sync-UserPhoto -Target "folder:$target" -Confirm:$false
        $results = @(Get-Rows | Get-PhotoSyncStatus -Store "folder:$target" |
                Where-Object Verdict -ne 'in-sync' |
                Sync-UserPhoto -Target "folder:$target" -Confirm:$false)
        $results.Count | Should -Be 1
        $results[0].UserPrincipalName | Should -Be 'bob.smith@contoso.com'
        $results[0].Action | Should -Be 'updated'
        $written = Join-Path $target 'bob.smith@contoso.com.jpg'
        & $script:Binary photo compare $written $script:BobPhoto | ConvertFrom-Json | ForEach-Object { $_.same | Should -BeTrue }
    }

    It 'also carries a piped thumbnailPhoto (the Get-ADUser style)' {
        $target = New-TestFolder
        $photo = [System.IO.File]::ReadAllBytes($script:AnnPhoto)
        $user = New-AdUserLike -Sam 'ann.lee' -Photo $photo
        $results = @($user | Get-PhotoSyncStatus -Store "folder:$target" | Sync-UserPhoto -Target "folder:$target" -Confirm:$false)
        $results[0].Action | Should -Be 'updated'
        $results[0].ObjectGUID | Should -Be $user.ObjectGUID.ToString()
    }

    It 'takes a re-imported status''s InputPhoto as the photo path (regression: Export-Csv, Import-Csv, then every user skipped as no-source-photo)' {
        $target = New-TestFolder
        $csv = Join-Path $TestDrive 'status.csv'
        Get-Rows | Get-PhotoSyncStatus -Store "folder:$target" | Export-Csv -LiteralPath $csv -NoTypeInformation
        $results = @(Import-Csv -LiteralPath $csv | Sync-UserPhoto -Target "folder:$target" -Confirm:$false)
        $results.Count | Should -Be 2
        $results | ForEach-Object { $_.Action | Should -Be 'updated' -Because "$($_.User): $($_.Reason)" }
    }

    It 'fails a re-imported status whose photo was piped bytes, naming the user, instead of skipping it' {
        $target = New-TestFolder
        $csv = Join-Path $TestDrive 'piped.csv'
        $user = New-AdUserLike -Sam 'ann.lee' -Photo ([System.IO.File]::ReadAllBytes($script:AnnPhoto))
        $user | Get-PhotoSyncStatus -Store "folder:$target" | Export-Csv -LiteralPath $csv -NoTypeInformation
        $errors = $null
        $results = @(Import-Csv -LiteralPath $csv | Sync-UserPhoto -Target "folder:$target" -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue)
        $results.Count | Should -Be 0
        @($errors).Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'PhotoSync.photo-unreadable*'
        $errors[0].Exception.Message | Should -Match '^ann\.lee@contoso\.com: InputPhoto is the text ''thumbnailPhoto \(\d+ bytes\)'''
    }
}

Describe 'The SyncResult table' {
    It 'shows Verified and Error at 80 columns (regression: the widths pushed both off the screen)' {
        $result = [pscustomobject]@{
            PSTypeName = 'PhotoSync.SyncResult'; User = 'annabelle.longname@contoso.com'; Target = 'graph'; Action = 'failed'
            Reason = 'user-not-found'; Verified = $false; Error = [pscustomobject]@{ PSTypeName = 'PhotoSync.ErrorInfo'; Code = 'user-not-found' }
        }
        $header = ($result | Format-Table | Out-String -Width 80) -split "`r?`n" | Where-Object { $_ -match '^User' } | Select-Object -First 1
        $header | Should -Match 'Verified'
        $header | Should -Match 'Error'
    }
}
