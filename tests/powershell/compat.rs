//! The module (and its Pester suite, which CI also runs under Windows PowerShell 5.1) uses
//! nothing that Windows PowerShell 5.1 on .NET Framework lacks: no PowerShell-7-only syntax, no
//! 6+/7+ parameters, no unguarded `$IsWindows`, no .NET Core-only APIs. The module must load and
//! run on the Windows Hybrid Runbook Workers that still default to 5.1.
//!
//! The check reads code only: comments and string contents are blanked first (tree-sitter), so
//! help text and messages may name these things.

use crate::common::{all_nodes, parse, powershell_files, read};

/// Text that must not appear in code, with why. Compared ignoring case.
const DENIED: &[(&str, &str)] = &[
    ("&&", "pipeline chain operators are PowerShell 7"),
    ("||", "pipeline chain operators are PowerShell 7"),
    ("-Parallel", "ForEach-Object -Parallel is PowerShell 7"),
    (
        "Start-ThreadJob",
        "ThreadJob is not in Windows PowerShell 5.1",
    ),
    ("-AsByteStream", "PowerShell 6+ (5.1 uses -Encoding Byte)"),
    (
        "-AsHashtable",
        "ConvertFrom-Json -AsHashtable is PowerShell 6+",
    ),
    ("-SkipCertificateCheck", "PowerShell 6+"),
    ("utf8NoBOM", "the utf8NoBOM encoding name is PowerShell 6+"),
    ("Join-String", "PowerShell 6.2+"),
    ("Test-Json", "PowerShell 6.1+"),
    ("Get-Error", "PowerShell 7"),
    ("$PSStyle", "PowerShell 7.2"),
    (
        ".ArgumentList.",
        "ProcessStartInfo.ArgumentList is .NET Core 2.1+",
    ),
    (
        ".StandardInputEncoding",
        ".NET Core 2.1+ / .NET Framework 4.8 only",
    ),
    ("System.Text.Json", ".NET Core 3.0+"),
    ("[System.Range]", ".NET Core 3.0+"),
    ("[System.Index]", ".NET Core 3.0+"),
    ("[System.Span", ".NET Core 2.1+"),
    ("[System.HashCode]", ".NET Core 2.1+"),
    ("[System.Text.Rune]", ".NET Core 3.0+"),
    ("[System.OperatingSystem]::Is", ".NET 5+"),
    ("::ToHexString(", ".NET 5+"),
    ("::GetRelativePath(", ".NET Core 2.0+"),
    ("[System.IO.Path]::Join(", ".NET Core 2.1+"),
    ("::ProcessPath", ".NET 6+"),
    (
        "RuntimeIdentifier",
        "RuntimeInformation.RuntimeIdentifier is .NET 5+",
    ),
    ("ReadAllTextAsync", ".NET Core 2.0+"),
    ("WriteAllTextAsync", ".NET Core 2.0+"),
    ("ReadAllBytesAsync", ".NET Core 2.0+"),
    ("WriteAllBytesAsync", ".NET Core 2.0+"),
    ("WaitForExitAsync", ".NET 5+"),
    ("ReplaceLineEndings", ".NET 6+"),
    (".Kill($true)", "Process.Kill(bool) is .NET Core 3.0+"),
    (".TryAdd(", "Dictionary.TryAdd is .NET Core 2.0+"),
    (".GetValueOrDefault(", "a .NET Core 2.0+ extension"),
];

/// The source with comments and string contents replaced by spaces (newlines kept), so
/// positions stay the same and only code is left.
fn code_only(source: &str) -> String {
    let tree = parse(source);
    let mut bytes = source.as_bytes().to_vec();
    for node in all_nodes(&tree) {
        let blank = match node.kind() {
            "comment" => Some(node.byte_range()),
            "string_literal" => {
                let range = node.byte_range();
                (range.len() >= 2).then(|| range.start + 1..range.end - 1)
            }
            _ => None,
        };
        if let Some(range) = blank {
            for b in &mut bytes[range] {
                if *b != b'\n' && *b != b'\r' {
                    *b = b' ';
                }
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Problems in one script, as `line:col: what`.
fn windows_powershell_problems(source: &str) -> Vec<String> {
    let code = code_only(source);
    let lower = code.to_lowercase();
    let mut problems = Vec::new();
    let position = |at: usize| {
        let line = code[..at].matches('\n').count() + 1;
        let column = at - code[..at].rfind('\n').map_or(0, |n| n + 1) + 1;
        format!("{line}:{column}")
    };
    for (text, why) in DENIED {
        for (at, _) in lower.match_indices(&text.to_lowercase()) {
            problems.push(format!("{}: `{text}`: {why}", position(at)));
        }
    }
    // `?` is Where-Object in command position; anywhere else it is `? :`, `??` or `?.` (PS 7).
    for (at, _) in code.match_indices('?') {
        let before = code[..at].trim_end_matches([' ', '\t']).chars().last();
        if !matches!(before, None | Some('|' | '{' | '(' | ';' | '\n' | '\r')) {
            problems.push(format!(
                "{}: `?` as an operator (ternary, ?? or ?.) is PowerShell 7",
                position(at)
            ));
        }
    }
    // A named block `clean { }` (after `{`, `}` or at a line start) is PowerShell 7.3.
    for (at, _) in lower.match_indices("clean") {
        let before = lower[..at].trim_end().chars().last();
        let after = lower[at + "clean".len()..].trim_start().chars().next();
        if matches!(before, None | Some('{' | '}')) && after == Some('{') {
            problems.push(format!(
                "{}: a clean {{}} block is PowerShell 7.3",
                position(at)
            ));
        }
    }
    for (index, (line, original)) in code.lines().zip(source.lines()).enumerate() {
        // 5.1 has no $IsWindows/$IsLinux/$IsMacOS: only behind a Test-Path Variable: guard
        // (whose 'Variable:IsWindows' is a string, so it is read from the original line).
        for variable in ["$iswindows", "$islinux", "$ismacos", "$iscoreclr"] {
            if line.to_lowercase().contains(variable)
                && !original.to_lowercase().contains("variable:is")
            {
                problems.push(format!(
                    "{}:1: `{variable}` does not exist on Windows PowerShell 5.1",
                    index + 1
                ));
            }
        }
        // A script block as the replacement of -replace is PowerShell 6+.
        if let Some(at) = line.to_lowercase().find("-replace") {
            let rest: String = line[at..].chars().filter(|c| !c.is_whitespace()).collect();
            if rest.contains(",{") {
                problems.push(format!(
                    "{}:1: -replace with a script block is PowerShell 6+",
                    index + 1
                ));
            }
        }
    }
    problems
}

#[test]
fn module_and_pester_suite_use_nothing_windows_powershell_5_1_lacks() {
    let files = powershell_files();
    assert!(files.len() >= 10, "{files:?}");
    let mut problems = Vec::new();
    for file in files {
        for problem in windows_powershell_problems(&read(&file)) {
            problems.push(format!("{}:{problem}", file.display()));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Guards the guard: each kind of construct is found in code, and nothing in strings,
/// comments, Where-Object's `?` alias or a guarded `$IsWindows` is.
#[test]
fn the_compatibility_check_finds_each_construct_and_only_in_code() {
    let flagged = [
        "$a = $b ?? 'x'\n",
        "$n = $user?.Name\n",
        "$v = $ok ? 1 : 2\n",
        "Get-Thing && Set-Thing\n",
        "Get-Thing || throw 'x'\n",
        "1..3 | ForEach-Object -Parallel { $_ }\n",
        "function F { process { } clean { } }\n",
        "if ($IsWindows) { 'w' }\n",
        "$psi.ArgumentList.Add('x')\n",
        "[System.Text.Json.JsonSerializer]::Serialize($x)\n",
        "Get-Content $p -AsByteStream\n",
        "$s -replace 'a', { $_.Value.ToUpper() }\n",
        "$p.Kill($true)\n",
    ];
    for source in flagged {
        assert!(
            !windows_powershell_problems(source).is_empty(),
            "not flagged: {source:?}"
        );
    }
    let fine = [
        "# In PowerShell 7 you could write $a ?? 'x' or Get-X && Set-Y\n",
        "Write-Verbose 'use ?? and && only in PowerShell 7'\n",
        "Get-ChildItem | ? { $_.Length -gt 0 }\n",
        "$w = (Test-Path -Path 'Variable:IsWindows') -and $IsWindows\n",
        "$x = $text -replace '(\\\\*)\"', '$1$1\\\"'\n",
        "$m = $t -match '^\\s*(warning|error)?:'\n",
    ];
    for source in fine {
        assert_eq!(
            windows_powershell_problems(source),
            Vec::<String>::new(),
            "flagged: {source:?}"
        );
    }
}
