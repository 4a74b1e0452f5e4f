#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# -Confirm asks only about users whose photo would be written, after comparing; declined users
# are not written. The prompts are PowerShell's own: a child shell reads the answers from stdin.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')

    function Invoke-ConfirmedSync([string]$Target, [string[]]$Answers) {
        # Three users; the child answers each prompt with the next line of its stdin. Returns
        # the users asked about and the results, from the child's output.
        $shell = if ($PSVersionTable.PSEdition -eq 'Core') { Join-Path $PSHOME "pwsh$($script:Exe)" } else { Join-Path $PSHOME 'powershell.exe' }
        $script = Join-Path $TestDrive ('confirm-' + [guid]::NewGuid().ToString('N') + '.ps1')
        @"
`$env:PHOTOSYNC_BINARY = '$($script:Binary)'
`$env:PHOTOSYNC_NO_PROGRESS = '1'
Import-Module '$($script:ModuleManifest)'
@(
    [pscustomobject]@{ UserPrincipalName = 'ann.lee@contoso.com'; PhotoPath = '$($script:AnnPhoto)' }
    [pscustomobject]@{ UserPrincipalName = 'bob.smith@contoso.com'; PhotoPath = '$($script:BobPhoto)' }
    [pscustomobject]@{ UserPrincipalName = 'carol.diaz@contoso.com'; PhotoPath = '$(Join-Path $script:Hr 'carol.diaz.jpg')' }
) | Sync-UserPhoto -Target 'folder:$Target' -Confirm | ForEach-Object { 'result: ' + `$_.UserPrincipalName + ' ' + `$_.Action + ' ' + `$_.Reason }
"@ | Set-Content -LiteralPath $script -Encoding UTF8
        $output = ($Answers -join "`n") + "`n" | & $shell -NoProfile -File $script 2>&1 | Out-String
        @{
            Asked   = @([regex]::Matches($output, 'on target "([^"]+)"') | ForEach-Object { $_.Groups[1].Value } | Sort-Object)
            Results = @([regex]::Matches($output, 'result: (\S+) (\S+)') | ForEach-Object { '{0} {1}' -f $_.Groups[1].Value, $_.Groups[2].Value } | Sort-Object)
            Output  = $output
        }
    }
}

AfterAll {
    Remove-Module PhotoSync -Force -ErrorAction SilentlyContinue
}

Describe '-Confirm' {
    It 'asks only about the users whose photo would be written (regression: it asked about every user before comparing)' {
        $target = New-TestFolder
        # ann is in sync already: she must not be asked about.
        $null = [pscustomobject]@{ UserPrincipalName = 'ann.lee@contoso.com'; PhotoPath = $script:AnnPhoto } |
            Sync-UserPhoto -Target "folder:$target" -Confirm:$false
        $run = Invoke-ConfirmedSync -Target $target -Answers 'Y', 'Y', 'Y'

        $run.Asked | Should -Be @('bob.smith@contoso.com', 'carol.diaz@contoso.com') -Because $run.Output
        # Neither has a photo in the target yet: the prompt says "Set", not "Replace".
        $run.Output | Should -Match 'Set the user photo in'
        $run.Output | Should -Not -Match 'Replace the user photo'
        $run.Results | Should -Be @('ann.lee@contoso.com skipped', 'bob.smith@contoso.com updated', 'carol.diaz@contoso.com updated') -Because $run.Output
        Test-Path -LiteralPath (Join-Path $target 'bob.smith@contoso.com.jpg') | Should -BeTrue
    }

    It 'writes nothing for the users declined, and says so in their results (regression: no result, so Export-Csv left them out)' {
        $target = New-TestFolder
        $run = Invoke-ConfirmedSync -Target $target -Answers 'N', 'N', 'N'

        $run.Asked.Count | Should -Be 3 -Because $run.Output
        $run.Results | Should -Be @('ann.lee@contoso.com skipped', 'bob.smith@contoso.com skipped', 'carol.diaz@contoso.com skipped') -Because $run.Output
        $run.Output | Should -Match 'not-confirmed'
        @(Get-ChildItem -LiteralPath $target -ErrorAction SilentlyContinue).Count | Should -Be 0
    }
}
