//! Every .ps1/.psm1/.psd1 of the module and the Pester suite parses without a syntax error,
//! and uses nothing Windows PowerShell 5.1 lacks.

use crate::common::{powershell_files, read, syntax_problems};

#[test]
fn every_powershell_file_parses_without_errors() {
    let files = powershell_files();
    assert!(
        files.len() >= 10,
        "expected the module's scripts and the Pester suite, found {files:?}"
    );
    let mut problems = Vec::new();
    for file in &files {
        for problem in syntax_problems(&read(file)) {
            problems.push(format!("{}:{problem}", file.display()));
        }
    }
    assert!(
        problems.is_empty(),
        "syntax errors:\n{}",
        problems.join("\n")
    );
}

/// Guards the guard: a checker that never reports anything would pass the test above.
#[test]
fn the_checker_reports_broken_scripts_with_line_and_column() {
    let cases = [
        ("function Get-X {\n    if ($a {\n    }\n}\n", "2:"),
        (
            "@{\n    RootModule = 'X.psm1'\n    FunctionsToExport = @('A',\n",
            "",
        ),
        ("param(\n    [string]$Name\n", ""),
        ("$x = 'unterminated\n", ""),
        ("@{ b = }\n", "1:"),
    ];
    for (source, expected_prefix) in cases {
        let problems = syntax_problems(source);
        assert!(!problems.is_empty(), "no problem found in {source:?}");
        assert!(
            problems.iter().any(|p| p.starts_with(expected_prefix)),
            "{source:?}: {problems:?} has no problem at {expected_prefix}"
        );
    }
    // And the constructs the module relies on are accepted (the npm grammar flagged some).
    let fine = "Export-ModuleMember -Function 'A', 'B'\nWrite-Output a, b\n& $cli --format=json --since=\"x\"\n";
    assert_eq!(syntax_problems(fine), Vec::<String>::new());
}
