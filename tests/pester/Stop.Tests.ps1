#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# Stopping early (Select-Object -First, Ctrl+C) ends the core's input and lets the users in
# flight finish and record their writes; the core is killed only after a bounded wait. A dead
# credential mid-run stops the run with one terminating error.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:Photo = [System.IO.File]::ReadAllBytes($script:AnnPhoto)
}

AfterAll {
    $env:PHOTOSYNC_BINARY = $script:Binary
    Remove-Module PhotoSync -Force -ErrorAction SilentlyContinue
}

Describe 'Select-Object -First on Sync-UserPhoto' -Skip:$script:OnWindows {
    BeforeAll {
        # The example tenant plus 3,000 users Graph can write, so the input never names a user
        # twice (a repeated user is refused, `duplicate-user`) nor one that cannot be written:
        # the core's exit code is then 130 after the forwarded Ctrl+C, or 0 if it ended on its
        # own first (a busy machine can delay the signal past the closed input).
        # A copy of the seed folder: the seed's files (photos, the app's certificate) are
        # relative to it.
        $folder = New-TestFolder
        Copy-Item -Path (Join-Path $script:Repo 'tests/emulator/seed/*') -Destination $folder -Recurse
        $seed = Get-Content -LiteralPath (Join-Path $folder 'example.json') -Raw | ConvertFrom-Json
        $script:StopUsers = foreach ($i in 1..3000) {
            [pscustomobject]@{ id = '00000000-0000-4000-9000-{0:D12}' -f $i; userPrincipalName = "stop$i@contoso.test"
                displayName = "Stop $i"; mail = "stop$i@contoso.test"; mailbox = 'exchangeOnline' }
        }
        $seed.users = @($seed.users) + @($script:StopUsers)
        $seedFile = Join-Path $folder 'stop.json'
        $seed | ConvertTo-Json -Depth 10 | Set-Content -LiteralPath $seedFile
        # Each Graph call takes a while, so users are still in flight when the pipeline stops.
        $script:Slow = Start-TestEmulator -LatencyMs 50 -Seed $seedFile
    }
    AfterAll {
        Disconnect-PhotoSync
        Stop-TestEmulator $script:Slow
    }

    It 'lets the users in flight finish and the core exit by itself (regression: Process.Kill lost finished writes)' {
        # A wrapper that records how photosync ended (killed, it writes nothing) and passes
        # Ctrl+C (SIGINT) on to it.
        $dir = New-TestFolder
        $exitFile = Join-Path $dir 'exit-code'
        $wrapper = Join-Path $dir 'photosync'
        @(
            '#!/bin/sh'
            # A test run in the background inherits SIGINT ignored, and sh cannot trap a signal
            # ignored on entry: start again with SIGINT at its default.
            '[ -n "$PHOTOSYNC_TEST_SIGINT" ] || PHOTOSYNC_TEST_SIGINT=1 exec env --default-signal=INT "$0" "$@"'
            'exec 3<&0'
            "'$($script:Binary)' `"`$@`" <&3 &"
            'child=$!'
            'trap "kill -INT $child" INT'
            'wait $child; code=$?'
            'while kill -0 $child 2>/dev/null; do wait $child; code=$?; done'
            # One file per subcommand: the module also runs `photosync schema` through it.
            "echo `$code > '$exitFile-'`$1"
        ) -join "`n" | Set-Content -LiteralPath $wrapper -NoNewline
        chmod +x $wrapper
        Connect-TestEmulator $script:Slow
        $env:PHOTOSYNC_BINARY = $wrapper
        try {
            $state = Join-Path $dir 'state.jsonl'
            $photo = Join-Path $script:Hr 'carol.diaz.jpg'
            # A practically endless input (3,000 users, so a broken stop fails slowly instead of
            # hanging): the run ends through the stop, however fast or loaded the machine is
            # (issue 22: with the tenant's 37 users alone a busy machine finished every one
            # before the stop arrived).
            $users = $script:StopUsers | ForEach-Object { [pscustomobject]@{ UserPrincipalName = $_.userPrincipalName; PhotoPath = $photo } }
            $first = @($users | Sync-UserPhoto -Target graph -State $state -Concurrency 4 -Confirm:$false | Select-Object -First 1)
        }
        finally { $env:PHOTOSYNC_BINARY = $script:Binary }

        $first.Count | Should -Be 1
        # The module waited for the core's own exit: 130, as after Ctrl+C (0 if it was done).
        Test-Path -LiteralPath "$exitFile-sync" | Should -BeTrue -Because 'a killed core records nothing'
        (Get-Content -LiteralPath "$exitFile-sync" -Raw).Trim() | Should -BeIn @('0', '130')
        # The users it had started were finished and recorded (the endless rest never started:
        # the pipeline returned).
        $verified = @(Get-Content -LiteralPath $state | ForEach-Object { $_ | ConvertFrom-Json } | Where-Object verified | ForEach-Object user | Sort-Object -Unique)
        $verified.Count | Should -BeGreaterOrEqual 1
    }
}

Describe 'A ready token that expires mid-run' {
    BeforeAll {
        $script:Emulator = Start-TestEmulator
        $null = Invoke-RestMethod -Method Put -Uri "$($script:Emulator.adminUrl)/token-lifetime-secs" -Body '8' -ContentType 'text/plain'
        $response = Invoke-RestMethod -Method Post -Uri "$($script:Emulator.adminUrl)/token" -ContentType 'application/json' `
            -Body '{"clientId":"aaaaaaaa-0000-4000-8000-000000000001","resource":"https://graph.microsoft.com","credential":"secret"}'
        $script:Token = $response.access_token
        $script:Expires = [DateTime]::UtcNow.AddSeconds(9)
    }
    AfterAll {
        Disconnect-PhotoSync
        Stop-TestEmulator $script:Emulator
    }

    It 'stops the run with one terminating error instead of failing every remaining user (regression: 17 of 22 failed and the run went on)' {
        Connect-PhotoSync -TenantId $script:Emulator.tenantId -GraphUrl $script:Emulator.baseUrl -LoginUrl $script:Emulator.baseUrl `
            -AccessToken (ConvertTo-SecureString $script:Token -AsPlainText -Force) -WarningAction SilentlyContinue
        $seen = @{ Results = 0; Failed = 0 }
        $expires = $script:Expires
        # Three users while the token is good; once it has expired (waited for, not timed), 40 more.
        $users = {
            foreach ($name in 'alice', 'bruno', 'chen') {
                [pscustomobject]@{ UserPrincipalName = "$name@contoso.test" }
                Start-Sleep -Milliseconds 50
            }
            while ([DateTime]::UtcNow -lt $expires) { Start-Sleep -Milliseconds 100 }
            for ($i = 1; $i -le 40; $i++) { [pscustomobject]@{ UserPrincipalName = "late$i@contoso.test" } }
        }
        $failure = $null
        try {
            & $users | Get-PhotoSyncStatus -Store graph -Concurrency 1 -ErrorAction SilentlyContinue | ForEach-Object {
                $seen.Results++
                if ($_.GraphState -eq 'error') { $seen.Failed++ }
            }
        }
        catch { $failure = $_ }

        $failure | Should -Not -BeNullOrEmpty -Because 'a credential dead for the whole run stops the command'
        $failure.FullyQualifiedErrorId | Should -BeLike 'PhotoSync.auth-failed*'
        $failure.Exception.Message | Should -Match 'expired'
        $failure.ErrorDetails.RecommendedAction | Should -Match 'managed identity'
        $seen.Results | Should -BeLessThan 20 -Because 'no more users are taken once the token is dead'
        $seen.Failed | Should -BeLessOrEqual 3 -Because 'only the users in flight may fail'
    }
}
