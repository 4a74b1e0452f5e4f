#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Parameter binding and help of the PhotoSync cmdlets, run against the real binary with folder
# stores (tests/pester/run.ps1; .ci/run builds target/debug/photosync first).

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
}

AfterAll {
    Remove-Module PhotoSync -Force -ErrorAction SilentlyContinue
}

Describe 'Module surface and help' {
    It 'exports exactly the eight commands' {
        (Get-Command -Module PhotoSync).Name | Sort-Object |
            Should -Be @('Connect-PhotoSync', 'Disconnect-PhotoSync', 'Get-PhotoSyncConnection', 'Get-PhotoSyncPolicy', 'Get-PhotoSyncStatus', 'Set-PhotoSyncPolicy', 'Sync-UserPhoto', 'Test-PhotoSyncConnection')
    }

    It 'builds a parameter binder for every command (no alias equals a parameter name, ignoring case)' {
        # Defect 1: [Alias('objectGuid')] on $ObjectGUID threw ParameterNameConflictsWithAlias on every call.
        foreach ($name in (Get-Command -Module PhotoSync).Name) {
            $parameters = (Get-Command $name).Parameters
            $parameters.Count | Should -BeGreaterThan 0
            $names = @($parameters.Keys)
            foreach ($parameter in $parameters.Values) {
                foreach ($alias in $parameter.Aliases) {
                    $names | Where-Object { $_ -eq $alias } | Should -BeNullOrEmpty -Because "$name -$($parameter.Name) has alias $alias"
                }
            }
        }
    }

    It 'Sync-UserPhoto supports ShouldProcess and Get-PhotoSyncStatus does not' {
        (Get-Command Sync-UserPhoto).Parameters.Keys | Should -Contain 'WhatIf'
        (Get-Command Sync-UserPhoto).Parameters.Keys | Should -Contain 'Confirm'
        (Get-Command Get-PhotoSyncStatus).Parameters.Keys | Should -Not -Contain 'WhatIf'
    }

    It 'has help starting with permissions, three examples, and a description of every parameter' {
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        foreach ($name in (Get-Command -Module PhotoSync).Name) {
            $help = Get-Help $name -Full
            ($help.description | Out-String).Trim() | Should -BeLike 'Permissions:*'
            @($help.examples.example).Count | Should -BeGreaterOrEqual 3
            foreach ($parameter in (Get-Command $name).Parameters.Keys | Where-Object { $_ -notin $common }) {
                $text = ($help.parameters.parameter | Where-Object Name -eq $parameter).description | Out-String
                $text.Trim() | Should -Not -BeNullOrEmpty -Because "$name -$parameter needs a .PARAMETER entry"
            }
        }
    }
}

Describe 'Objects shaped like Get-ADUser output' {
    It 'checks [guid] ObjectGUID and [byte[]] thumbnailPhoto users and ignores DistinguishedName and FullName' {
        $folder = New-TestFolder
        $photo = [System.IO.File]::ReadAllBytes($script:AnnPhoto)
        $ann = New-AdUserLike -Sam 'ann.lee' -Photo $photo -Mail 'ann.lee@contoso.com'
        $bob = New-AdUserLike -Sam 'bob.smith'
        $status = @($ann, $bob | Get-PhotoSyncStatus -Store "folder:$folder")

        $status.Count | Should -Be 2
        $annStatus = $status | Where-Object SamAccountName -eq 'ann.lee'
        $annStatus.ObjectGUID | Should -Be $ann.ObjectGUID.ToString()
        $annStatus.UserPrincipalName | Should -Be 'ann.lee@contoso.com'
        $annStatus.Mail | Should -Be 'ann.lee@contoso.com'
        # The piped photo is the reference; the empty folder lacks it.
        $annStatus.Reference | Should -Be 'input'
        $annStatus.Verdict | Should -Not -Be 'error'
        ($status | Where-Object SamAccountName -eq 'bob.smith').ObjectGUID | Should -Be $bob.ObjectGUID.ToString()
    }

    It 'does not take a FullName property (a person''s name in an HR CSV) as the photo path' {
        # Defect 8: [Alias('FullName')] on PhotoPath read 'Ann Lee' as a file name.
        $folder = New-TestFolder
        $errors = $null
        $status = @([pscustomobject]@{ UserPrincipalName = 'ann.lee@contoso.com'; FullName = 'Ann Lee' } |
                Get-PhotoSyncStatus -Store "folder:$folder" -ErrorVariable errors -ErrorAction SilentlyContinue)
        @($errors | Where-Object { $_.FullyQualifiedErrorId -like 'PhotoSync.photo-file-unreadable*' }).Count | Should -Be 0
        $status.Count | Should -Be 1
        $status[0].Reference | Should -Not -Be 'input'
    }

    It 'takes Get-ChildItem files once FullName is renamed to PhotoPath' {
        $folder = New-TestFolder
        $status = @(Get-ChildItem -LiteralPath $script:Hr -Filter '*.jpg' |
                Select-Object @{ n = 'PhotoPath'; e = { $_.FullName } }, @{ n = 'SamAccountName'; e = { $_.BaseName } } |
                Get-PhotoSyncStatus -Store "folder:$($folder):{samAccountName}.jpg")
        $status.Count | Should -Be 3
        $status | ForEach-Object { $_.Reference | Should -Be 'input' }
    }

    It 'classifies plain strings given to -Identity' {
        $guid = [guid]::NewGuid()
        $folder = New-TestFolder
        # The folder's rule names files by UPN: the other two cannot be looked up there, which is
        # an error of its own (PhotoSync.user-not-found) besides their status.
        $status = @('ann.lee@contoso.com', 'CONTOSO\bob.smith', $guid.ToString() | Get-PhotoSyncStatus -Store "folder:$folder" -ErrorAction SilentlyContinue)
        $status.Count | Should -Be 3
        ($status | Where-Object UserPrincipalName -eq 'ann.lee@contoso.com') | Should -Not -BeNullOrEmpty
        ($status | Where-Object SamAccountName -eq 'bob.smith') | Should -Not -BeNullOrEmpty
        ($status | Where-Object ObjectGUID -eq $guid.ToString()) | Should -Not -BeNullOrEmpty
    }

    It 'reports an object with no identity property instead of sending its text' {
        $folder = New-TestFolder
        $errors = $null
        $status = @([pscustomobject]@{ User = 'ann' } | Get-PhotoSyncStatus -Store "folder:$folder" -ErrorVariable errors -ErrorAction SilentlyContinue)
        $status.Count | Should -Be 0
        $errors[0].FullyQualifiedErrorId | Should -Match '^(PhotoSync\.no-identity|InputObjectNotBound)'
    }
}

Describe 'Hashtables and plain values in the pipeline' {
    It 'takes a hashtable''s keys as a [pscustomobject]''s properties, in both cmdlets (regression: refused, listing IsReadOnly, Keys, ...)' {
        $folder = New-TestFolder
        $errors = $null
        $status = @(@{ UserPrincipalName = 'ann.lee@contoso.com'; PhotoPath = $script:AnnPhoto }, [ordered]@{ upn = 'bob.smith@contoso.com' } |
                Get-PhotoSyncStatus -Store "folder:$folder" -ErrorVariable errors)
        @($errors) | Should -BeNullOrEmpty
        ($status.UserPrincipalName | Sort-Object) | Should -Be @('ann.lee@contoso.com', 'bob.smith@contoso.com')
        ($status | Where-Object UserPrincipalName -eq 'ann.lee@contoso.com').InputState | Should -Be 'present'

        $results = @(@{ UserPrincipalName = 'ann.lee@contoso.com'; PhotoPath = $script:AnnPhoto } | Sync-UserPhoto -Target "folder:$folder" -Confirm:$false)
        $results.Count | Should -Be 1
        $results[0].Action | Should -Be 'updated'
    }

    It 'binds a key and its alias as a [pscustomobject] does: the parameter''s own name wins, whatever the keys'' order (regression: the last key won)' {
        $folder = New-TestFolder
        $rule = "folder:$($folder):{mail}.jpg"
        Copy-Item $script:AnnPhoto (Join-Path $folder 'ann.lee@contoso.com.jpg')
        $shapes = @(
            [pscustomobject]@{ SamAccountName = 'a1'; Mail = 'ann.lee@contoso.com'; EmailAddress = '' }
            [ordered]@{ SamAccountName = 'a2'; Mail = 'ann.lee@contoso.com'; EmailAddress = '' }
            [ordered]@{ SamAccountName = 'a3'; EmailAddress = ''; Mail = 'ann.lee@contoso.com' }
            [ordered]@{ SamAccountName = 'a4'; EmailAddress = 'bob.smith@contoso.com'; Mail = 'ann.lee@contoso.com' }
        )
        foreach ($shape in $shapes) {
            $status = @($shape | Get-PhotoSyncStatus -Store $rule)
            $status.Mail | Should -Be 'ann.lee@contoso.com' -Because "$($shape.SamAccountName) gives Mail"
            $status.Verdict | Should -Be 'in-sync'
        }
        foreach ($shape in [pscustomobject]@{ UPN = 'bob.smith@contoso.com'; UserPrincipalName = 'ann.lee@contoso.com' },
            [ordered]@{ UserPrincipalName = 'ann.lee@contoso.com'; UPN = 'bob.smith@contoso.com' }) {
            ($shape | Get-PhotoSyncStatus -Store "folder:$folder").UserPrincipalName | Should -Be 'ann.lee@contoso.com'
        }
    }

    It 'says what a user looks like when given a plain value (regression: "it has: " and nothing)' {
        $errors = $null
        $status = @(42 | Get-PhotoSyncStatus -Store "folder:$(New-TestFolder)" -ErrorVariable errors -ErrorAction SilentlyContinue)
        $status.Count | Should -Be 0
        $errors[0].FullyQualifiedErrorId | Should -BeLike 'PhotoSync.no-identity*'
        $errors[0].Exception.Message | Should -Match "'42' \(Int32\) is not a user"
        $errors[0].Exception.Message | Should -Match 'UserPrincipalName'
    }
}

Describe 'Import-Csv of an Excel CSV' {
    It 'reads a semicolon CSV with a UTF-8 BOM and resolves relative photo paths against the current location' {
        $dir = New-TestFolder
        $folder = New-TestFolder
        Copy-Item -LiteralPath $script:AnnPhoto -Destination (Join-Path $dir 'ann.jpg')
        $csv = Join-Path $dir 'hr.csv'
        # What Excel's "CSV UTF-8" writes in a European locale: BOM, ';', CRLF, a name column.
        $text = "UserPrincipalName;FullName;Department;PhotoPath`r`nann.lee@contoso.com;Ann Lee;Sales;ann.jpg`r`nbob.smith@contoso.com;Bob Smith;IT;`r`n"
        [System.IO.File]::WriteAllText($csv, $text, (New-Object -TypeName System.Text.UTF8Encoding -ArgumentList $true))
        Push-Location -LiteralPath $dir
        try {
            $status = @(Import-Csv -LiteralPath $csv -Delimiter ';' -Encoding UTF8 | Get-PhotoSyncStatus -Store "folder:$folder")
        }
        finally { Pop-Location }
        $status.Count | Should -Be 2
        # The BOM must not end up in the first column name (it would bind nothing).
        ($status | Where-Object UserPrincipalName -eq 'ann.lee@contoso.com').Reference | Should -Be 'input'
        ($status | Where-Object UserPrincipalName -eq 'bob.smith@contoso.com').Reference | Should -Not -Be 'input'
    }
}

Describe 'What the cmdlets ask photosync for' {
    BeforeEach {
        # Start-PhotoSyncCore stands in here only to read the arguments; the other tests run the binary.
        $global:PhotoSyncTestArguments = $null
        Mock -ModuleName PhotoSync Start-PhotoSyncCore { $global:PhotoSyncTestArguments = $ArgumentList; $null }
    }
    AfterEach {
        Disconnect-PhotoSync
        Remove-Variable -Name PhotoSyncTestArguments -Scope Global -ErrorAction SilentlyContinue
    }

    It 'Get-PhotoSyncStatus reads graph by default, and ad only when LDAP is configured' {
        # Defect 2: the default 'ad,graph' failed with a config error wherever LDAP was not set up.
        Get-PhotoSyncStatus -Identity 'ann.lee@contoso.com'
        $global:PhotoSyncTestArguments | Should -Contain 'graph'
        $global:PhotoSyncTestArguments[($global:PhotoSyncTestArguments.IndexOf('--stores') + 1)] | Should -Be 'graph'

        Connect-PhotoSync -LdapServer 'ldaps://dc.contoso.com'
        Get-PhotoSyncStatus -Identity 'ann.lee@contoso.com'
        $global:PhotoSyncTestArguments[($global:PhotoSyncTestArguments.IndexOf('--stores') + 1)] | Should -Be 'ad,graph'
    }

    It '-LdapFilter makes ad the photo source of Sync-UserPhoto' {
        Sync-UserPhoto -LdapFilter '(department=Sales)' -Confirm:$false
        $global:PhotoSyncTestArguments[($global:PhotoSyncTestArguments.IndexOf('--source') + 1)] | Should -Be 'ad'
        $global:PhotoSyncTestArguments | Should -Contain '--ad-filter'
    }

    It '-Force only skips prompts; -Overwrite asks for a rewrite' {
        # Defect 6: -Force used to pass --force (a tenant-wide rewrite).
        Sync-UserPhoto -Identity 'ann.lee@contoso.com' -Force
        $global:PhotoSyncTestArguments | Should -Not -Contain '--force'
        Sync-UserPhoto -Identity 'ann.lee@contoso.com' -Overwrite -Confirm:$false
        $global:PhotoSyncTestArguments | Should -Contain '--force'
    }
}

Describe 'Helpers on the per-record path' {
    It 'are plain functions, without a cmdlet binder per call' {
        # Defect 10: [CmdletBinding()] helpers ran ~60 binders per record.
        InModuleScope PhotoSync {
            foreach ($name in 'Add-PhotoSyncCoreUser', 'Step-PhotoSyncCore', 'Write-PhotoSyncCoreRecords',
                'Write-PhotoSyncStatusRecords', 'Write-PhotoSyncResultRecords', 'Write-PhotoSyncCoreNotice',
                'Write-PhotoSyncUserError', 'Write-PhotoSyncInputError', 'ConvertTo-PhotoSyncUserKeys',
                'Get-PhotoSyncUserLabel', 'New-PhotoSyncErrorRecord', 'Resolve-PhotoSyncPath', 'ConvertTo-PhotoSyncKeyValue',
                'ConvertTo-PhotoSyncModuleHint', 'Remove-PhotoSyncCoreItem') {
                (Get-Command $name).CmdletBinding | Should -BeFalse -Because "$name runs for every record"
            }
        }
    }

    It 'builds an ErrorRecord when the core sends an empty message' {
        # Defect 14: a mandatory [string] parameter refused ''.
        InModuleScope PhotoSync {
            $record = New-PhotoSyncErrorRecord -Code 'transient' -Message '' -Hint 'retry' -TargetObject $null -UserLabel 'ann'
            $record.FullyQualifiedErrorId | Should -Be 'PhotoSync.transient'
            $record.Exception.Message | Should -Not -BeNullOrEmpty
        }
    }

    It 'writes JSON lines that any JSON reader takes back, whatever the characters' {
        InModuleScope PhotoSync {
            # A session that only queues lines: what would reach the core's stdin.
            $core = @{
                Cmdlet = $null; StdinOpen = $true; Pending = [System.Text.StringBuilder]::new(); PendingLimit = 1048576; Window = 0
                ByLine = [System.Collections.Generic.Dictionary[long, object]]::new(); ByKey = [System.Collections.Generic.Dictionary[string, object]]::new()
                Clock = [System.Diagnostics.Stopwatch]::StartNew(); LastPush = [long]::MaxValue; LinesSent = 0; RecordsPerUser = 1; OldestLine = 1
            }
            Add-PhotoSyncCoreUser $core $null "o'neil@contoso.com" "a`"b\c`td" $null $null ([byte[]](1, 2, 3)) $null $null
            $parsed = $core.Pending.ToString().Trim() | ConvertFrom-Json
            $parsed.userPrincipalName | Should -Be "o'neil@contoso.com"
            $parsed.samAccountName | Should -Be "a`"b\c`td"
            [System.Convert]::FromBase64String($parsed.thumbnailPhoto) | Should -Be @(1, 2, 3)
        }
    }
}
