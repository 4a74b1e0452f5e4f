#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Errors as an admin reads them: only PhotoSync's own records in $Error and -ErrorVariable, a
# setup error told once, proper categories, plain words for array values and huge photos, the
# module's parameters in the core's hints, and paths read the way PowerShell reads them.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    function Get-RecordedErrorId($Entry) {
        # -ErrorVariable holds a terminating error as the CmdletInvocationException that carries
        # it (PowerShell does so for every command); its ErrorRecord is what counts.
        if ($Entry -is [System.Management.Automation.ErrorRecord]) { return $Entry.FullyQualifiedErrorId }
        if ($Entry.ErrorRecord) { return $Entry.ErrorRecord.FullyQualifiedErrorId }
        return $Entry.GetType().FullName
    }
    function Get-ManyUsers([int]$Count) {
        for ($i = 1; $i -le $Count; $i++) { [pscustomobject]@{ UserPrincipalName = "user$i@contoso.com"; PhotoPath = $script:AnnPhoto } }
    }
}

AfterAll {
    Remove-Module PhotoSync -Force -ErrorAction SilentlyContinue
}

Describe 'Errors the module handles itself' {
    It 'keeps internal exceptions out of $Error and -ErrorVariable (regression: AggregateException ... Broken pipe, empty CmdletInvocationException)' {
        # The core exits on a bad store while thousands of users are still being written to it.
        $Error.Clear()
        $errors = $null
        try { Get-ManyUsers 3000 | Get-PhotoSyncStatus -Store 'no-such-store' -ErrorVariable errors -ErrorAction Stop } catch { $null = $_ }
        $ids = @($errors | ForEach-Object { Get-RecordedErrorId $_ })
        $ids.Count | Should -BeGreaterThan 0
        @($ids | Where-Object { $_ -notlike 'PhotoSync.*' }) | Should -BeNullOrEmpty -Because ($ids -join ', ')
        $ids = @($Error | ForEach-Object { Get-RecordedErrorId $_ })
        @($ids | Where-Object { $_ -notlike 'PhotoSync.*' }) | Should -BeNullOrEmpty -Because ($ids -join ', ')

        $Error.Clear()
        $folder = New-TestFolder
        $first = @(Get-ManyUsers 500 | Sync-UserPhoto -Target "folder:$folder" -Confirm:$false -ErrorVariable errors | Select-Object -First 1)
        $first.Count | Should -Be 1
        @($errors) | Should -BeNullOrEmpty
        @($Error) | Should -BeNullOrEmpty -Because (($Error | ForEach-Object { "$_" }) -join ' | ')
    }

    It 'tells a setup error once, without a warning before it (regression: WARNING, then the same error)' {
        $failure = $null
        $warnings = $null
        try { Get-ManyUsers 2 | Get-PhotoSyncStatus -Store 'no-such-store' -WarningVariable warnings -ErrorAction Stop } catch { $failure = $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'PhotoSync.config*'
        $failure.Exception.Message | Should -Match 'no-such-store'
        @($warnings) | Should -BeNullOrEmpty
    }

    It 'gives PhotoSync.<code> errors proper categories (regression: no-input was NotSpecified)' {
        $failure = $null
        try { Get-PhotoSyncStatus -Store 'graph' -ErrorAction Stop } catch { $failure = $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'PhotoSync.no-input*'
        $failure.CategoryInfo.Category | Should -Be 'InvalidArgument'
    }

    It 'names the property that holds several values (regression: "has none of the properties")' {
        $folder = New-TestFolder
        $errors = $null
        $users = @(
            [pscustomobject]@{ UserPrincipalName = @('ann.lee@contoso.com', 'ann@contoso.com') }
            [pscustomobject]@{ UserPrincipalName = 'bob.smith@contoso.com'; Mail = @('bob@contoso.com') }
        )
        $status = @($users | Get-PhotoSyncStatus -Store "folder:$folder" -ErrorVariable errors -ErrorAction SilentlyContinue)
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'PhotoSync.array-value*'
        $errors[0].Exception.Message | Should -Match 'UserPrincipalName holds 2 values \(ann.lee@contoso.com, ann@contoso.com\)'
        $errors[0].TargetObject | Should -Be $users[0]
        # One value in a collection (DirectorySearcher, ADSI) is that value.
        $status.Count | Should -Be 1
        $status[0].Mail | Should -Be 'bob@contoso.com'
    }

    It 'refuses a huge thumbnailPhoto before encoding it, naming the user (regression: 1.3 GB spent, then "line 4 is longer than")' {
        $folder = New-TestFolder
        $huge = New-Object -TypeName byte[] -ArgumentList (11 * 1048576)
        $errors = $null
        $users = @(
            [pscustomobject]@{ UserPrincipalName = 'ann.lee@contoso.com'; ThumbnailPhoto = $huge }
            [pscustomobject]@{ UserPrincipalName = 'bob.smith@contoso.com'; PhotoPath = $script:BobPhoto }
        )
        $status = @($users | Get-PhotoSyncStatus -Store "folder:$folder" -ErrorVariable errors -ErrorAction SilentlyContinue)
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'PhotoSync.photo-too-large*'
        $errors[0].Exception.Message | Should -Match '^ann\.lee@contoso\.com: the piped thumbnailPhoto is 11\.0 MB'
        $errors[0].CategoryInfo.Category | Should -Be 'LimitsExceeded'
        $status.UserPrincipalName | Should -Be 'bob.smith@contoso.com'
    }

    It 'refuses a thumbnailPhoto that is text but not base64, naming the user; the next user is still checked' {
        $folder = New-TestFolder
        $errors = $null
        $users = @(
            [pscustomobject]@{ UserPrincipalName = 'ann.lee@contoso.com'; ThumbnailPhoto = 'not a photo!' }
            [pscustomobject]@{ UserPrincipalName = 'bob.smith@contoso.com'; PhotoPath = $script:BobPhoto }
        )
        $status = @($users | Get-PhotoSyncStatus -Store "folder:$folder" -ErrorVariable errors -ErrorAction SilentlyContinue)
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'PhotoSync.photo-unreadable*'
        $errors[0].Exception.Message | Should -Match '^ann\.lee@contoso\.com: the piped thumbnailPhoto is text that is not base64\.'
        $errors[0].ErrorDetails.RecommendedAction | Should -Match 'base64 text'
        $errors[0].TargetObject | Should -Be $users[0]
        $status.UserPrincipalName | Should -Be 'bob.smith@contoso.com'
    }

    It 'reads base64 wrapped in lines and a [string[]] of one base64 text as the photo (regression: refused as "text that is not base64")' {
        $folder = New-TestFolder
        $bytes = [System.IO.File]::ReadAllBytes($script:AnnPhoto)
        $base64 = [System.Convert]::ToBase64String($bytes)
        # LDIF continues a wrapped line with CRLF and a space; certutil -encode wraps at 64.
        $ldif = ($base64 -split '(.{64})' | Where-Object { $_ }) -join "`r`n "
        $errors = $null
        $users = @(
            [pscustomobject]@{ UserPrincipalName = 'wrapped@contoso.com'; ThumbnailPhoto = [System.Convert]::ToBase64String($bytes, 'InsertLineBreaks') }
            [pscustomobject]@{ UserPrincipalName = 'ldif@contoso.com'; ThumbnailPhoto = $ldif }
            [pscustomobject]@{ UserPrincipalName = 'one@contoso.com'; ThumbnailPhoto = [string[]]@($base64) }
        )
        $status = @($users | Get-PhotoSyncStatus -Store "folder:$folder" -ErrorVariable errors -ErrorAction SilentlyContinue)
        @($errors) | Should -BeNullOrEmpty -Because (($errors | ForEach-Object { "$_" }) -join ' | ')
        $status.Count | Should -Be 3
        foreach ($one in $status) {
            $one.InputState | Should -Be 'present'
            [System.Convert]::ToBase64String($one.InputPhoto.Bytes) | Should -Be $base64 -Because $one.UserPrincipalName
        }
    }

    It 'says what a thumbnailPhoto that is a hashtable is (regression: "holds 1 values that are not bytes")' {
        $errors = $null
        $user = [pscustomobject]@{ UserPrincipalName = 'ann.lee@contoso.com'; ThumbnailPhoto = @{ a = 1 } }
        $status = @($user | Get-PhotoSyncStatus -Store "folder:$(New-TestFolder)" -ErrorVariable errors -ErrorAction SilentlyContinue)
        $status | Should -BeNullOrEmpty
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'PhotoSync.photo-unreadable*'
        $errors[0].Exception.Message | Should -Be 'ann.lee@contoso.com: the piped thumbnailPhoto is a Hashtable, not the photo''s bytes.'
    }

    It 'words the core''s hints with the module''s parameters' {
        $failure = $null
        try { Get-ManyUsers 1 | Get-PhotoSyncStatus -Store sharepoint -ErrorAction Stop } catch { $failure = $_ }
        $failure.FullyQualifiedErrorId | Should -BeLike 'PhotoSync.*'
        $text = $failure.Exception.Message + ' ' + $failure.ErrorDetails.RecommendedAction
        $text | Should -Not -Match 'PHOTOSYNC_'
        $text | Should -Match 'Connect-PhotoSync -'
    }
}

Describe 'PowerShell paths' {
    BeforeAll {
        $script:Root = New-TestFolder
        Copy-Item -LiteralPath $script:AnnPhoto -Destination (Join-Path $script:Root 'ann.jpg')
        $null = New-PSDrive -Name PhotoTest -PSProvider FileSystem -Root $script:Root -Scope Global
    }
    AfterAll { Remove-PSDrive -Name PhotoTest -Scope Global -ErrorAction SilentlyContinue }

    It 'reads PhotoPath, -Store, -Target, -State and -ReportPath on a PSDrive (regression: only -State was resolved)' {
        $null = New-Item -ItemType Directory -Path (Join-Path $script:Root 'published')
        $user = [pscustomobject]@{ UserPrincipalName = 'ann.lee@contoso.com'; PhotoPath = 'PhotoTest:\ann.jpg' }
        $result = @($user | Sync-UserPhoto -Target 'folder:PhotoTest:\published' -State 'PhotoTest:\state.jsonl' -Confirm:$false)
        $result[0].Action | Should -Be 'updated'
        Test-Path -LiteralPath (Join-Path $script:Root 'published/ann.lee@contoso.com.jpg') | Should -BeTrue
        Test-Path -LiteralPath (Join-Path $script:Root 'state.jsonl') | Should -BeTrue
        $status = @($user | Get-PhotoSyncStatus -Store 'folder:PhotoTest:\published' -ReportPath 'PhotoTest:\report.html')
        $status[0].Verdict | Should -Be 'in-sync'
        Test-Path -LiteralPath (Join-Path $script:Root 'report.html') | Should -BeTrue
    }

    It 'reads paths relative to the current location, also on a PSDrive' {
        Push-Location -LiteralPath 'PhotoTest:\'
        try {
            $status = @([pscustomobject]@{ UserPrincipalName = 'ann.lee@contoso.com'; PhotoPath = 'ann.jpg' } | Get-PhotoSyncStatus -Store 'folder:.')
        }
        finally { Pop-Location }
        $status[0].Reference | Should -Be 'input'
        $status[0].InputState | Should -Be 'present'
    }

    It 'reads ~ as the file system''s home' {
        $fileSystem = Get-PSProvider -PSProvider FileSystem
        $saved = $fileSystem.Home
        $fileSystem.Home = $script:Root
        try {
            $status = @([pscustomobject]@{ UserPrincipalName = 'ann.lee@contoso.com'; PhotoPath = '~/ann.jpg' } | Get-PhotoSyncStatus -Store 'folder:~')
        }
        finally { $fileSystem.Home = $saved }
        $status[0].InputState | Should -Be 'present'
        $status[0].Verdict | Should -Not -Be 'error'
    }

    It 'fails one user whose PhotoPath is not on the file system, and goes on' {
        $errors = $null
        $users = @(
            [pscustomobject]@{ UserPrincipalName = 'ann.lee@contoso.com'; PhotoPath = 'Env:\PATH' }
            [pscustomobject]@{ UserPrincipalName = 'bob.smith@contoso.com'; PhotoPath = $script:BobPhoto }
        )
        $status = @($users | Get-PhotoSyncStatus -Store "folder:$($script:Root)" -ErrorVariable errors -ErrorAction SilentlyContinue)
        $errors.Count | Should -Be 1
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'PhotoSync.photo-file-unreadable*'
        $errors[0].Exception.Message | Should -Match 'Environment'
        $status.UserPrincipalName | Should -Be 'bob.smith@contoso.com'
    }
}

Describe 'A photosync that dies mid-run' -Skip:$script:OnWindows {
    BeforeAll {
        function New-FakeBinary([string]$Name, [string]$Body) {
            # A stand-in for photosync: `schema` answers as the real one (the module checks it
            # first); every other run does what Body says.
            $path = Join-Path $TestDrive $Name
            "#!/bin/sh`nif [ `"`$1`" = schema ]; then exec '$($script:Binary)' `"`$@`"; fi`n$Body`n" | Set-Content -LiteralPath $path -NoNewline
            chmod +x $path
            return $path
        }
        function Get-Users([int]$Count, [int]$DelayMs) {
            for ($i = 1; $i -le $Count; $i++) {
                [pscustomobject]@{ UserPrincipalName = "user$i@contoso.com"; PhotoPath = $script:AnnPhoto }
                if ($DelayMs) { Start-Sleep -Milliseconds $DelayMs }
            }
        }
    }
    AfterEach { $env:PHOTOSYNC_BINARY = $script:Binary }

    It 'tells every user without a result, then stops with the crash (regression: a panic after two results dropped four users silently)' {
        # The real core's first two results, then the exit code of a segmentation fault.
        $env:PHOTOSYNC_BINARY = New-FakeBinary 'crash' "'$($script:Binary)' `"`$@`" | head -n 2`nexit 139"
        $target = New-TestFolder
        $results = [System.Collections.Generic.List[object]]::new()
        $errors = $null
        $failure = $null
        $exits = 0
        try {
            Get-Users 6 | Sync-UserPhoto -Target "folder:$target" -Confirm:$false -Concurrency 1 -ErrorVariable errors -ErrorAction SilentlyContinue -Verbose 4>&1 |
                ForEach-Object { if ($_ -is [System.Management.Automation.VerboseRecord]) { if ("$_" -match 'exited with code') { $exits++ } } else { $results.Add($_) } }
        }
        catch { $failure = $_ }

        $failure.FullyQualifiedErrorId | Should -BeLike 'PhotoSync.core-failed*'
        $failure.Exception.Message | Should -Match 'exit code 139'
        $results.Count | Should -Be 2
        $told = @($errors | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] -and $_.FullyQualifiedErrorId -like 'PhotoSync.no-result*' })
        $told.Count | Should -Be 4 -Because 'each of the four users without a result gets an error'
        $told | ForEach-Object { $_.Exception.Message | Should -Match '^user\d@contoso\.com: .*code 139' }
        $answered = @($results.UserPrincipalName) + @($told | ForEach-Object { $_.TargetObject.UserPrincipalName })
        ($answered | Sort-Object) | Should -Be @(1..6 | ForEach-Object { "user$_@contoso.com" })
        $exits | Should -Be 1 -Because 'the run is completed once'
    }

    It 'tells the users piped after the core stopped reading (regression: they vanished)' {
        # A core that takes no input and exits 1 ("some users failed"): not a crash, so no
        # terminating error, but no user may go unmentioned.
        $env:PHOTOSYNC_BINARY = New-FakeBinary 'early' "exec 0<&-`nsleep 0.3`nexit 1"
        $errors = $null
        $failure = $null
        try { $null = Get-Users 5 -DelayMs 150 | Get-PhotoSyncStatus -Store "folder:$(New-TestFolder)" -ErrorVariable errors -ErrorAction SilentlyContinue }
        catch { $failure = $_ }

        $failure | Should -BeNullOrEmpty
        $told = @($errors | Where-Object { $_.FullyQualifiedErrorId -like 'PhotoSync.no-result*' })
        ($told.TargetObject.UserPrincipalName | Sort-Object) | Should -Be @(1..5 | ForEach-Object { "user$_@contoso.com" })
        $told | ForEach-Object { $_.Exception.Message | Should -Match 'code 1 ' }
        @($told | Where-Object { $_.Exception.Message -match 'could be sent' }).Count | Should -BeGreaterThan 0 -Because 'users came after the core had gone'
    }

    It 'records only PhotoSync''s errors for output that is not JSON (regression: an ArgumentException in $Error and -ErrorVariable)' {
        $env:PHOTOSYNC_BINARY = New-FakeBinary 'garbage' "cat > /dev/null`necho 'Segmentation fault (core dumped) -- not json'`nexit 0"
        $Error.Clear()
        $errors = $null
        $failure = $null
        try { $null = Get-Users 3 | Get-PhotoSyncStatus -Store "folder:$(New-TestFolder)" -ErrorVariable errors -ErrorAction SilentlyContinue } catch { $failure = $_ }

        $failure.FullyQualifiedErrorId | Should -BeLike 'PhotoSync.bad-output*'
        $failure.Exception.Message | Should -Match 'Segmentation fault'
        $ids = @($errors | ForEach-Object { Get-RecordedErrorId $_ })
        @($ids | Select-Object -Unique) | Should -Be @('PhotoSync.no-result,Get-PhotoSyncStatus', 'PhotoSync.bad-output,Get-PhotoSyncStatus')
        $ids = @($Error | ForEach-Object { Get-RecordedErrorId $_ })
        @($ids | Where-Object { $_ -notlike 'PhotoSync.*' }) | Should -BeNullOrEmpty -Because ($ids -join ', ')
    }

    It 'tells every user sent, then stops, when photosync writes what the module cannot read: <Case> (regression: no PhotoSync.no-result after <Code>)' -TestCases @(
        @{ Case = 'not JSON'; Code = 'bad-output'; Body = "cat > /dev/null`necho 'Downloading update...'`nexit 0" }
        @{ Case = 'another schema version'; Code = 'schema-mismatch'; Body = "cat > /dev/null`necho '{`"type`":`"result`",`"schemaVersion`":99,`"line`":1,`"user`":{},`"target`":`"graph`",`"action`":`"updated`"}'`nexit 0" }
    ) {
        $env:PHOTOSYNC_BINARY = New-FakeBinary ($Code + '-fake') $Body
        $errors = $null
        $failure = $null
        try { $null = Get-Users 3 | Sync-UserPhoto -Target "folder:$(New-TestFolder)" -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue }
        catch { $failure = $_ }

        $failure.FullyQualifiedErrorId | Should -Be "PhotoSync.$Code,Sync-UserPhoto"
        $ids = @($errors | ForEach-Object { Get-RecordedErrorId $_ })
        $ids | Should -Be @('PhotoSync.no-result,Sync-UserPhoto', 'PhotoSync.no-result,Sync-UserPhoto', 'PhotoSync.no-result,Sync-UserPhoto', "PhotoSync.$Code,Sync-UserPhoto") -Because 'each user sent is told before the terminating error'
        $told = @($errors | Select-Object -First 3)
        $told.TargetObject.UserPrincipalName | Should -Be @(1..3 | ForEach-Object { "user$_@contoso.com" })
        $told | ForEach-Object { $_.Exception.Message | Should -Match "^user\d@contoso\.com: no result: .*PhotoSync\.$Code" }
    }

    It 'records only PhotoSync.binary-unusable, saying why, for a binary without its execute bit (regression: Win32Exception and MethodInvocationException records before it)' {
        $path = Join-Path $TestDrive 'photosync-noexec'
        "#!/bin/sh`nexit 0`n" | Set-Content -LiteralPath $path -NoNewline
        chmod -x $path
        $env:PHOTOSYNC_BINARY = $path
        $Error.Clear()
        $errors = $null
        $failure = $null
        try { $null = Get-Users 1 | Sync-UserPhoto -Target "folder:$(New-TestFolder)" -Confirm:$false -ErrorVariable errors } catch { $failure = $_ }

        $failure.FullyQualifiedErrorId | Should -Be 'PhotoSync.binary-unusable,Sync-UserPhoto'
        $failure.Exception.Message | Should -Match 'Permission denied'
        $ids = @($errors | ForEach-Object { Get-RecordedErrorId $_ })
        $ids | Should -Be @('PhotoSync.binary-unusable,Sync-UserPhoto')
        $ids = @($Error | ForEach-Object { Get-RecordedErrorId $_ })
        $ids | Should -Be @('PhotoSync.binary-unusable,Sync-UserPhoto')
    }
}
