#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# The pipeline streams through one photosync process: results arrive while input is still being
# piped, memory does not grow with the number of users, Select-Object -First stops the child,
# and the core's log reaches the verbose stream as it is written.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    # A photo as Get-ADUser gives it, bytes on every object: a 32 px rendition made by photosync,
    # padded with a JPEG comment segment (FF FE + length) to 9 KB, the size of a typical AD
    # thumbnailPhoto, so the payload is real but decoding stays cheap for the debug binary.
    $tiny = Join-Path $TestDrive 'tiny.jpg'
    $null = & $script:Binary photo prepare $script:AnnPhoto --target ad --ad-size 32 --out $tiny
    $bytes = [System.IO.File]::ReadAllBytes($tiny)
    $script:Photo = [byte[]](@(0xFF, 0xD8, 0xFF, 0xFE, 0x1F, 0x42) + (New-Object -TypeName byte[] -ArgumentList 8000) + $bytes[2..($bytes.Length - 1)])
}

AfterAll {
    $env:PHOTOSYNC_BINARY = $script:Binary
    Remove-Module PhotoSync -Force -ErrorAction SilentlyContinue
}

Describe 'Streaming 10,000 piped users' {
    It 'emits records before the input ends and keeps memory flat' {
        # Defect 3: input was collected until end{}, with every photo held as base64.
        $folder = New-TestFolder
        $count = 10000
        $seen = @{ Produced = 0; FirstOutputAt = 0; Outputs = 0; MemoryEarly = 0; MemoryLate = 0 }
        $photo = $script:Photo
        $users = {
            for ($i = 1; $i -le $count; $i++) {
                $seen.Produced = $i
                if ($i -eq 2000) { $seen.MemoryEarly = [GC]::GetTotalMemory($true) }
                if ($i -eq $count) { $seen.MemoryLate = [GC]::GetTotalMemory($true) }
                [pscustomobject]@{ SamAccountName = "user$i"; ThumbnailPhoto = $photo }
            }
        }
        & $users | Get-PhotoSyncStatus -Store "folder:$($folder):{samAccountName}.jpg" | ForEach-Object {
            $seen.Outputs++
            if ($seen.FirstOutputAt -eq 0) { $seen.FirstOutputAt = $seen.Produced }
        }

        $seen.Outputs | Should -Be $count
        $seen.FirstOutputAt | Should -BeLessThan $count -Because 'the first record arrives while users are still being piped'
        $growth = $seen.MemoryLate - $seen.MemoryEarly
        # Holding 8,000 users' photos as base64 would add over 150 MB.
        $growth | Should -BeLessThan (24 * 1024 * 1024) -Because "managed memory grew by $([int]($growth / 1048576)) MB between user 2,000 and 10,000"
    }
}

Describe 'Stopping early' {
    It 'Select-Object -First 1 stops the input and the photosync process' {
        $copy = Join-Path (New-TestFolder) "photosync$($script:Exe)"
        Copy-Item -LiteralPath $script:Binary -Destination $copy
        if (-not $script:OnWindows) { chmod +x $copy }
        $env:PHOTOSYNC_BINARY = $copy
        try {
            $folder = New-TestFolder
            $seen = @{ Produced = 0 }
            $photo = $script:Photo
            $first = @(& {
                    for ($i = 1; $i -le 10000; $i++) {
                        $seen.Produced = $i
                        [pscustomobject]@{ SamAccountName = "user$i"; ThumbnailPhoto = $photo }
                    }
                } | Get-PhotoSyncStatus -Store "folder:$($folder):{samAccountName}.jpg" | Select-Object -First 1)
            $first.Count | Should -Be 1
            $seen.Produced | Should -BeLessThan 10000
            Get-PhotoSyncChildProcess -Path $copy | Should -BeNullOrEmpty
        }
        finally { $env:PHOTOSYNC_BINARY = $script:Binary }
    }
}

Describe 'The core''s log' {
    It 'reaches the verbose stream while results are still coming' {
        # Defect 11: stderr was read only after the process exited.
        $folder = New-TestFolder
        $photo = $script:Photo
        $stream = @(1..300 | ForEach-Object { [pscustomobject]@{ UserPrincipalName = "user$_@contoso.com"; ThumbnailPhoto = $photo } } |
                Sync-UserPhoto -Target "folder:$folder" -WhatIf -Verbose 4>&1)
        $firstLog = -1
        $lastResult = -1
        for ($i = 0; $i -lt $stream.Count; $i++) {
            if ($stream[$i] -is [System.Management.Automation.VerboseRecord] -and $stream[$i].Message -like 'photosync: *' -and $firstLog -lt 0) { $firstLog = $i }
            if ($stream[$i].PSObject.TypeNames[0] -eq 'PhotoSync.SyncResult') { $lastResult = $i }
        }
        $firstLog | Should -BeGreaterOrEqual 0
        $firstLog | Should -BeLessThan $lastResult
    }
}
