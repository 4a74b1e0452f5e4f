#Requires -Modules @{ ModuleName = 'Pester'; ModuleVersion = '5.0.0' }
# The help as Get-Help shows it: INPUTS filled in, a HelpUri for Get-Help -Online, text that fits
# an 80-column console without breaking words, and examples that name only commands and
# parameters that exist.

BeforeAll {
    . (Join-Path $PSScriptRoot 'TestHelpers.ps1')
    $script:Commands = @((Get-Command -Module PhotoSync).Name)
}

AfterAll {
    Remove-Module PhotoSync -Force -ErrorAction SilentlyContinue
}

Describe 'Help of <_>' -ForEach @('Connect-PhotoSync', 'Disconnect-PhotoSync', 'Get-PhotoSyncConnection', 'Get-PhotoSyncStatus', 'Sync-UserPhoto', 'Test-PhotoSyncConnection') {
    BeforeAll { $script:Name = $_ }

    It 'says what it takes from the pipeline (regression: INPUTS was empty)' {
        $inputs = (Get-Help $script:Name -Full).inputTypes | Out-String
        $inputs.Trim() | Should -Not -BeNullOrEmpty
        $inputs | Should -Match 'None|System\.String'
    }

    It 'has a HelpUri, so Get-Help -Online works (regression: there was none)' {
        (Get-Command $script:Name).HelpUri | Should -Match '^https://'
    }

    It 'fits an 80-column console without breaking a word (regression: -Full wrapped mid-word)' {
        # PowerShell's own SYNTAX block aside, no line of the help is wider than 80 columns.
        $inSyntax = $false
        foreach ($line in (Get-Help $script:Name -Full | Out-String -Width 400).Split("`n")) {
            if ($line -match '^SYNTAX') { $inSyntax = $true; continue }
            if ($line -match '^[A-Z]') { $inSyntax = $false }
            if ($inSyntax) { continue }
            $line.TrimEnd().Length | Should -BeLessOrEqual 80 -Because $line
        }
    }

    It 'has examples that name only commands and parameters that exist' {
        foreach ($example in (Get-Help $script:Name -Full).examples.example) {
            $code = ($example.code | Out-String)
            $tokens = $null
            $parseErrors = $null
            $ast = [System.Management.Automation.Language.Parser]::ParseInput($code, [ref]$tokens, [ref]$parseErrors)
            $parseErrors | Should -BeNullOrEmpty -Because $code
            foreach ($command in $ast.FindAll({ param($node) $node -is [System.Management.Automation.Language.CommandAst] }, $true)) {
                $name = $command.GetCommandName()
                if ($name -notin $script:Commands) { continue }
                $parameters = (Get-Command $name).Parameters
                foreach ($element in $command.CommandElements) {
                    if ($element -isnot [System.Management.Automation.Language.CommandParameterAst]) { continue }
                    $known = $parameters.ContainsKey($element.ParameterName) -or
                    @($parameters.Values | Where-Object { $_.Aliases -contains $element.ParameterName }).Count -gt 0
                    $known | Should -BeTrue -Because "$name has no -$($element.ParameterName) (example: $code)"
                }
            }
        }
    }
}
