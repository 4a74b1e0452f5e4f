#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Pipelines of mixed shapes, as admins really feed them: Get-ADUser leaves out empty
# attributes, ConvertFrom-Json leaves out nulls, Import-Csv gives empty cells. Each user must
# keep exactly their own keys and photo: every test checks the keys echoed for each user and
# the SHA-256 of the file written for each user against the file written when that user is
# synced alone.
#
# The bug these pin (issue 20, section 1): the cmdlets read each record's values from
# $PSBoundParameters, where PowerShell leaves the previous record's values when the next
# object lacks the property. dave (no thumbnailPhoto) was written with ann's picture, bob
# (no EmployeeID) came back as EmployeeId 1001 and overwrote ann's 1001.jpg, and a row whose
# photo file was missing was 'updated' with the previous row's photo.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:AnnBytes = [System.IO.File]::ReadAllBytes($script:AnnPhoto)
    $script:BobBytes = [System.IO.File]::ReadAllBytes($script:BobPhoto)
    $script:CarolPhoto = Join-Path $script:Hr 'carol.diaz.jpg'

    function Get-FileSha256([string]$Path) {
        (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash
    }

    function Get-AloneHash($InputObject, [string]$Rule) {
        # What the module writes for this one object when nothing else is in the pipeline.
        $folder = New-TestFolder
        $null = $InputObject | Sync-UserPhoto -Target "folder:$($folder):$Rule" -Confirm:$false
        $files = @(Get-ChildItem -LiteralPath $folder -File)
        $files.Count | Should -Be 1 -Because 'the reference run writes one file'
        Get-FileSha256 $files[0].FullName
    }

    function New-AdShaped([string]$Sam, [byte[]]$Photo, [string]$Mail, [string]$EmployeeId) {
        # Get-ADUser output: an attribute that is empty is not a property at all.
        $user = [ordered]@{
            DistinguishedName = "CN=$Sam,OU=Staff,DC=contoso,DC=com"
            ObjectGUID        = [guid]::NewGuid()
            SamAccountName    = $Sam
            UserPrincipalName = "$Sam@contoso.com"
        }
        if ($Mail) { $user['mail'] = $Mail }
        if ($EmployeeId) { $user['EmployeeID'] = $EmployeeId }
        if ($Photo) { $user['thumbnailPhoto'] = $Photo }
        [pscustomobject]$user
    }
}

AfterAll {
    Remove-Module PhotoSync -Force -ErrorAction SilentlyContinue
}

Describe 'Get-ADUser-shaped objects with and without thumbnailPhoto, mail and EmployeeID' {
    It 'writes each user''s own photo and echoes each user''s own keys (regression: dave got ann''s picture)' {
        $ann = New-AdShaped -Sam 'ann.lee' -Photo $script:AnnBytes -Mail 'ann.lee@contoso.com' -EmployeeId '1001'
        $dave = New-AdShaped -Sam 'dave.kim'
        $bob = New-AdShaped -Sam 'bob.smith' -Photo $script:BobBytes
        $erin = New-AdShaped -Sam 'erin.fox' -Mail 'erin.fox@contoso.com'
        $rule = '{samAccountName}.jpg'
        $expected = @{
            'ann.lee'   = Get-AloneHash $ann $rule
            'bob.smith' = Get-AloneHash $bob $rule
        }
        $expected['ann.lee'] | Should -Not -Be $expected['bob.smith']

        $target = New-TestFolder
        $results = @($ann, $dave, $bob, $erin | Sync-UserPhoto -Target "folder:$($target):$rule" -Confirm:$false)

        $results.Count | Should -Be 4
        $byUser = @{}
        foreach ($result in $results) { $byUser[$result.SamAccountName] = $result }
        $byUser['ann.lee'].Action | Should -Be 'updated'
        $byUser['ann.lee'].Mail | Should -Be 'ann.lee@contoso.com'
        $byUser['ann.lee'].EmployeeId | Should -Be '1001'
        $byUser['ann.lee'].ObjectGUID | Should -Be $ann.ObjectGUID.ToString()
        foreach ($name in 'dave.kim', 'erin.fox') {
            $byUser[$name].Action | Should -Be 'skipped' -Because "$name has no photo of their own"
            $byUser[$name].Reason | Should -Be 'no-source-photo'
            $byUser[$name].EmployeeId | Should -BeNullOrEmpty -Because "$name has no EmployeeID"
            Test-Path -LiteralPath (Join-Path $target "$name.jpg") | Should -BeFalse -Because "$name has no photo of their own"
        }
        $byUser['dave.kim'].Mail | Should -BeNullOrEmpty
        $byUser['dave.kim'].ObjectGUID | Should -Be $dave.ObjectGUID.ToString()
        $byUser['erin.fox'].Mail | Should -Be 'erin.fox@contoso.com'
        $byUser['bob.smith'].Action | Should -Be 'updated'
        $byUser['bob.smith'].Mail | Should -BeNullOrEmpty
        $byUser['bob.smith'].EmployeeId | Should -BeNullOrEmpty
        Get-FileSha256 (Join-Path $target 'ann.lee.jpg') | Should -Be $expected['ann.lee']
        Get-FileSha256 (Join-Path $target 'bob.smith.jpg') | Should -Be $expected['bob.smith']
        @(Get-ChildItem -LiteralPath $target -File).Count | Should -Be 2
    }

    It 'never writes a user without EmployeeID to the previous user''s {employeeId}.jpg (regression: bob overwrote 1001.jpg)' {
        $ann = New-AdShaped -Sam 'ann.lee' -Photo $script:AnnBytes -EmployeeId '1001'
        $bob = New-AdShaped -Sam 'bob.smith' -Photo $script:BobBytes
        $carol = New-AdShaped -Sam 'carol.diaz' -Photo ([System.IO.File]::ReadAllBytes($script:CarolPhoto)) -EmployeeId '1003'
        $rule = '{employeeId}.jpg'
        $annAlone = Get-AloneHash $ann $rule
        $carolAlone = Get-AloneHash $carol $rule

        $target = New-TestFolder
        $errors = $null
        $results = @($ann, $bob, $carol | Sync-UserPhoto -Target "folder:$($target):$rule" -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue)

        $results.Count | Should -Be 3
        $bobResult = $results | Where-Object SamAccountName -eq 'bob.smith'
        $bobResult.EmployeeId | Should -BeNullOrEmpty
        $bobResult.Action | Should -Be 'failed' -Because 'bob has no employeeId to name his file'
        ($results | Where-Object SamAccountName -eq 'carol.diaz').EmployeeId | Should -Be '1003'
        Get-FileSha256 (Join-Path $target '1001.jpg') | Should -Be $annAlone
        Get-FileSha256 (Join-Path $target '1003.jpg') | Should -Be $carolAlone
        @(Get-ChildItem -LiteralPath $target -File).Count | Should -Be 2
    }

    It 'compares each user with their own reference in Get-PhotoSyncStatus (regression: dave was judged by ann''s photo)' {
        $ann = New-AdShaped -Sam 'ann.lee' -Photo $script:AnnBytes -Mail 'ann.lee@contoso.com' -EmployeeId '1001'
        $dave = New-AdShaped -Sam 'dave.kim'
        $store = New-TestFolder
        $status = @($ann, $dave | Get-PhotoSyncStatus -Store "folder:$($store):{samAccountName}.jpg")

        $status.Count | Should -Be 2
        $annStatus = $status | Where-Object SamAccountName -eq 'ann.lee'
        $daveStatus = $status | Where-Object SamAccountName -eq 'dave.kim'
        $annStatus.Reference | Should -Be 'input'
        $daveStatus.Reference | Should -Not -Be 'input'
        $daveStatus.Verdict | Should -Be 'no-photo'
        $daveStatus.Mail | Should -BeNullOrEmpty
        $daveStatus.EmployeeId | Should -BeNullOrEmpty
        $daveStatus.ObjectGUID | Should -Be $dave.ObjectGUID.ToString()
    }
}

Describe 'ConvertFrom-Json objects that leave out nulls' {
    It 'writes each user''s own photo file and keeps each user''s keys' {
        $dir = New-TestFolder
        Copy-Item -LiteralPath $script:AnnPhoto -Destination (Join-Path $dir 'ann.jpg')
        Copy-Item -LiteralPath $script:CarolPhoto -Destination (Join-Path $dir 'carol.jpg')
        $json = '[{"userPrincipalName":"ann.lee@contoso.com","employeeId":"1001","photoPath":"ann.jpg"},' +
        '{"userPrincipalName":"dave.kim@contoso.com"},' +
        '{"userPrincipalName":"carol.diaz@contoso.com","mail":"carol.diaz@contoso.com","photoPath":"carol.jpg"},' +
        '{"userPrincipalName":"erin.fox@contoso.com","employeeId":"1005"}]'
        $rule = '{userPrincipalName}.jpg'
        Push-Location -LiteralPath $dir
        try {
            $users = @(ConvertFrom-Json -InputObject $json)
            $annAlone = Get-AloneHash $users[0] $rule
            $carolAlone = Get-AloneHash $users[2] $rule
            $target = New-TestFolder
            $results = @($users | Sync-UserPhoto -Target "folder:$($target):$rule" -Confirm:$false)
        }
        finally { Pop-Location }

        $results.Count | Should -Be 4
        $dave = $results | Where-Object UserPrincipalName -eq 'dave.kim@contoso.com'
        $dave.Action | Should -Be 'skipped'
        $dave.EmployeeId | Should -BeNullOrEmpty
        $erin = $results | Where-Object UserPrincipalName -eq 'erin.fox@contoso.com'
        $erin.Action | Should -Be 'skipped'
        $erin.EmployeeId | Should -Be '1005'
        $erin.Mail | Should -BeNullOrEmpty
        ($results | Where-Object UserPrincipalName -eq 'carol.diaz@contoso.com').EmployeeId | Should -BeNullOrEmpty
        Get-FileSha256 (Join-Path $target 'ann.lee@contoso.com.jpg') | Should -Be $annAlone
        Get-FileSha256 (Join-Path $target 'carol.diaz@contoso.com.jpg') | Should -Be $carolAlone
        @(Get-ChildItem -LiteralPath $target -File).Count | Should -Be 2
    }

    It 'fails the user whose photo file does not exist instead of using the previous user''s photo (regression)' {
        $missing = Join-Path $TestDrive 'no-such-photo.jpg'
        $json = '[{"samAccountName":"ann.lee","thumbnailPhoto":null,"photoPath":"' + $script:AnnPhoto.Replace('\', '\\') + '"},' +
        '{"samAccountName":"bob.smith","photoPath":"' + $missing.Replace('\', '\\') + '"}]'
        $users = @(ConvertFrom-Json -InputObject $json)
        # Get-ADUser style first: bytes on the first object, a path on the second.
        $first = New-AdShaped -Sam 'ann.lee' -Photo $script:AnnBytes
        $rule = '{samAccountName}.jpg'
        $annAlone = Get-AloneHash $first $rule

        foreach ($pipeline in @(@($first, $users[1]), $users)) {
            $target = New-TestFolder
            $errors = $null
            $results = @($pipeline | Sync-UserPhoto -Target "folder:$($target):$rule" -Confirm:$false -ErrorVariable errors -ErrorAction SilentlyContinue)
            $bob = $results | Where-Object SamAccountName -eq 'bob.smith'
            $bob.Action | Should -Be 'failed'
            $bob.ErrorCode | Should -Be 'photo-file-unreadable'
            Test-Path -LiteralPath (Join-Path $target 'bob.smith.jpg') | Should -BeFalse
            ($results | Where-Object SamAccountName -eq 'ann.lee').Action | Should -Be 'updated'
            Get-FileSha256 (Join-Path $target 'ann.lee.jpg') | Should -Be $annAlone
            @($errors | Where-Object { $_.FullyQualifiedErrorId -like 'PhotoSync.photo-file-unreadable*' }).Count | Should -Be 1
        }
    }
}

Describe 'Import-Csv rows with empty cells, merged with a list of another shape' {
    It 'takes an empty cell or a missing column as "none" for that row only (regression: contractors got the last HR photo)' {
        $dir = New-TestFolder
        Copy-Item -LiteralPath $script:AnnPhoto -Destination (Join-Path $dir 'ann.jpg')
        Copy-Item -LiteralPath $script:BobPhoto -Destination (Join-Path $dir 'bob.jpg')
        $hr = Join-Path $dir 'hr.csv'
        [System.IO.File]::WriteAllText($hr, "UserPrincipalName,SamAccountName,EmployeeId,Mail,PhotoPath`r`n" +
            "ann.lee@contoso.com,ann.lee,1001,ann.lee@contoso.com,ann.jpg`r`n" +
            "dave.kim@contoso.com,dave.kim,,,`r`n" +
            "bob.smith@contoso.com,bob.smith,,bob.smith@contoso.com,bob.jpg`r`n")
        # A second export without the photo and HR columns, appended to the first.
        $contractors = Join-Path $dir 'contractors.csv'
        [System.IO.File]::WriteAllText($contractors, "UserPrincipalName,SamAccountName`r`nfrank.ho@contoso.com,frank.ho`r`n")
        $rule = '{samAccountName}.jpg'
        Push-Location -LiteralPath $dir
        try {
            $rows = @(Import-Csv -LiteralPath $hr) + @(Import-Csv -LiteralPath $contractors)
            $annAlone = Get-AloneHash $rows[0] $rule
            $bobAlone = Get-AloneHash $rows[2] $rule
            $target = New-TestFolder
            $results = @($rows | Sync-UserPhoto -Target "folder:$($target):$rule" -Confirm:$false)
            $status = @($rows | Get-PhotoSyncStatus -Store "folder:$($target):$rule")
        }
        finally { Pop-Location }

        $results.Count | Should -Be 4
        ($results | Where-Object SamAccountName -eq 'dave.kim').Action | Should -Be 'skipped'
        ($results | Where-Object SamAccountName -eq 'dave.kim').Mail | Should -BeNullOrEmpty
        ($results | Where-Object SamAccountName -eq 'bob.smith').EmployeeId | Should -BeNullOrEmpty
        $frank = $results | Where-Object SamAccountName -eq 'frank.ho'
        $frank.Action | Should -Be 'skipped'
        $frank.Mail | Should -BeNullOrEmpty
        Test-Path -LiteralPath (Join-Path $target 'frank.ho.jpg') | Should -BeFalse
        Get-FileSha256 (Join-Path $target 'ann.lee.jpg') | Should -Be $annAlone
        Get-FileSha256 (Join-Path $target 'bob.smith.jpg') | Should -Be $bobAlone
        @(Get-ChildItem -LiteralPath $target -File).Count | Should -Be 2

        ($status | Where-Object SamAccountName -eq 'ann.lee').Verdict | Should -Be 'in-sync'
        ($status | Where-Object SamAccountName -eq 'bob.smith').Verdict | Should -Be 'in-sync'
        ($status | Where-Object SamAccountName -eq 'dave.kim').Reference | Should -Not -Be 'input'
        ($status | Where-Object SamAccountName -eq 'frank.ho').Reference | Should -Not -Be 'input'
        ($status | Where-Object SamAccountName -eq 'frank.ho').Mail | Should -BeNullOrEmpty
    }
}
