//! Per-record code reads each pipeline object's values from the parameter variables, never from
//! `$PSBoundParameters`: PowerShell resets the variables for each object but leaves the previous
//! object's values in `$PSBoundParameters` when the next object lacks the property, which once
//! wrote one user's photo to another user (issue 20, section 1). The Pester suite
//! (MixedShapes.Tests.ps1) shows the behaviour; this check keeps the pattern out of every
//! `process {}` block, where PowerShell cannot be run.

use crate::common::{all_nodes, files_under, module_dir, node_text, parse, read};

/// `line: text` of each `$PSBoundParameters` use inside a `process {}` block.
fn bound_parameters_in_process_blocks(source: &str) -> Vec<String> {
    let tree = parse(source);
    let mut found = Vec::new();
    for block in all_nodes(&tree)
        .into_iter()
        .filter(|n| n.kind() == "named_block")
    {
        let is_process = (0..block.child_count())
            .filter_map(|i| block.child(i as u32))
            .any(|c| {
                c.kind() == "block_name" && node_text(c, source).eq_ignore_ascii_case("process")
            });
        if !is_process {
            continue;
        }
        let text = node_text(block, source);
        let first_line = block.start_position().row + 1;
        for (offset, line) in text.lines().enumerate() {
            let code = line.split('#').next().unwrap_or_default();
            if code.to_lowercase().contains("$psboundparameters") {
                found.push(format!("{}: {}", first_line + offset, line.trim()));
            }
        }
    }
    found
}

#[test]
fn no_process_block_reads_psboundparameters() {
    let mut problems = Vec::new();
    let mut process_blocks = 0;
    for file in files_under(&module_dir()) {
        if file.extension().is_none_or(|e| e != "ps1") {
            continue;
        }
        let source = read(&file);
        process_blocks += source.matches("process {").count();
        for problem in bound_parameters_in_process_blocks(&source) {
            problems.push(format!("{}:{problem}", file.display()));
        }
    }
    assert!(
        process_blocks >= 2,
        "found only {process_blocks} process blocks"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Guards the guard: the code that wrote one user's photo to another is found.
#[test]
fn the_check_finds_the_read_that_mixed_users() {
    let old = r#"
function Sync-UserPhoto {
    [CmdletBinding()]
    param([Parameter(ValueFromPipelineByPropertyName)][byte[]]$ThumbnailPhoto)
    begin { $connection = $PSBoundParameters['TenantId'] }
    process {
        $bound = @{}
        if ($PSBoundParameters.ContainsKey('ThumbnailPhoto')) { $bound['ThumbnailPhoto'] = $PSBoundParameters['ThumbnailPhoto'] }
    }
}
"#;
    let found = bound_parameters_in_process_blocks(old);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with("8: "), "{found:?}");
}
