//! Every function's parameter names and aliases are distinct, ignoring case, and none is a
//! common parameter: PowerShell compares them case-insensitively and throws
//! `ParameterNameConflictsWithAlias` when it builds the binder, so a clash fails every call
//! (`[Alias('objectGuid')]` on `$ObjectGUID` did exactly that).

use tree_sitter::Node;

use crate::common::{all_nodes, node_text, parse, powershell_files, read, string_values};

/// Common parameters of advanced functions and their aliases (Windows PowerShell 5.1 and 7.x).
const COMMON: &[&str] = &[
    "Verbose",
    "vb",
    "Debug",
    "db",
    "ErrorAction",
    "ea",
    "WarningAction",
    "wa",
    "InformationAction",
    "infa",
    "ProgressAction",
    "proga",
    "ErrorVariable",
    "ev",
    "WarningVariable",
    "wv",
    "InformationVariable",
    "iv",
    "OutVariable",
    "ov",
    "OutBuffer",
    "ob",
    "PipelineVariable",
    "pv",
    "WhatIf",
    "wi",
    "Confirm",
    "cf",
    "UseTransaction",
    "usetx",
];

/// One parameter: its name (without `$`) and its aliases.
struct Parameter {
    name: String,
    aliases: Vec<String>,
}

fn child_of_kind<'t>(node: Node<'t>, kind: &str) -> Option<Node<'t>> {
    (0..node.child_count())
        .filter_map(|i| node.child(i as u32))
        .find(|c| c.kind() == kind)
}

fn children_of_kind<'t>(node: Node<'t>, kind: &str) -> Vec<Node<'t>> {
    (0..node.child_count())
        .filter_map(|i| node.child(i as u32))
        .filter(|c| c.kind() == kind)
        .collect()
}

/// The parameters a function declares: `function F($a)` or its script block's `param(...)`
/// (not the param blocks of script blocks nested inside it).
fn parameters_of(function: Node<'_>, source: &str) -> Vec<Parameter> {
    let mut lists = Vec::new();
    if let Some(declaration) = child_of_kind(function, "function_parameter_declaration") {
        lists.extend(children_of_kind(declaration, "parameter_list"));
    }
    if let Some(block) = child_of_kind(function, "script_block")
        && let Some(param_block) = child_of_kind(block, "param_block")
    {
        lists.extend(children_of_kind(param_block, "parameter_list"));
    }
    let mut out = Vec::new();
    for list in lists {
        for parameter in children_of_kind(list, "script_parameter") {
            let Some(variable) = child_of_kind(parameter, "variable") else {
                continue;
            };
            let name = node_text(variable, source)
                .trim_start_matches('$')
                .to_string();
            let mut aliases = Vec::new();
            if let Some(attributes) = child_of_kind(parameter, "attribute_list") {
                for attribute in children_of_kind(attributes, "attribute") {
                    let is_alias = child_of_kind(attribute, "attribute_name")
                        .is_some_and(|n| node_text(n, source).eq_ignore_ascii_case("Alias"));
                    if is_alias {
                        aliases.extend(string_values(attribute, source));
                    }
                }
            }
            out.push(Parameter { name, aliases });
        }
    }
    out
}

/// Clashes in one script, as `function: what`.
fn clashes(source: &str) -> Vec<String> {
    let tree = parse(source);
    let mut problems = Vec::new();
    for function in all_nodes(&tree)
        .into_iter()
        .filter(|n| n.kind() == "function_statement")
    {
        let name = child_of_kind(function, "function_name")
            .map(|n| node_text(n, source).to_string())
            .unwrap_or_default();
        let mut seen: Vec<(String, String)> = Vec::new(); // (lowercase word, where it came from)
        for parameter in parameters_of(function, source) {
            let words = std::iter::once((parameter.name.clone(), format!("-{}", parameter.name)))
                .chain(
                    parameter
                        .aliases
                        .iter()
                        .map(|a| (a.clone(), format!("alias '{a}' of -{}", parameter.name))),
                );
            for (word, origin) in words {
                if let Some(common) = COMMON.iter().find(|c| c.eq_ignore_ascii_case(&word)) {
                    problems.push(format!("{name}: {origin} is the common parameter {common}"));
                }
                let lower = word.to_lowercase();
                if let Some((_, first)) = seen.iter().find(|(w, _)| *w == lower) {
                    problems.push(format!(
                        "{name}: {origin} equals {first} (case-insensitive)"
                    ));
                }
                seen.push((lower, origin));
            }
        }
    }
    problems
}

#[test]
fn no_parameter_name_alias_or_common_parameter_clashes_in_any_function() {
    let mut problems = Vec::new();
    let mut functions_checked = 0;
    for file in powershell_files() {
        let source = read(&file);
        functions_checked += all_nodes(&parse(&source))
            .iter()
            .filter(|n| n.kind() == "function_statement")
            .count();
        problems.extend(
            clashes(&source)
                .into_iter()
                .map(|p| format!("{}: {p}", file.display())),
        );
    }
    assert!(
        functions_checked >= 30,
        "found only {functions_checked} functions"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Guards the guard: the clashes the module once had are found.
#[test]
fn the_clash_check_finds_the_aliases_that_broke_every_call() {
    let old = r#"
function Get-PhotoSyncStatus {
    [CmdletBinding()]
    param(
        [Parameter(ValueFromPipelineByPropertyName)]
        [Alias('objectGuid', 'Guid')]
        [object]$ObjectGUID,
        [Alias('EmployeeID')]
        [string]$EmployeeId,
        [Alias('ea')]
        [string]$Area,
        [string]$Verbose
    )
}
function Plain([string]$Name, [Alias('NAME')][string]$Other) { }
"#;
    let found = clashes(old);
    for expected in [
        "alias 'objectGuid' of -ObjectGUID equals -ObjectGUID",
        "alias 'EmployeeID' of -EmployeeId equals -EmployeeId",
        "alias 'ea' of -Area is the common parameter ea",
        "-Verbose is the common parameter Verbose",
        "Plain: alias 'NAME' of -Other equals -Name",
    ] {
        assert!(
            found.iter().any(|p| p.contains(expected)),
            "{expected} not in {found:?}"
        );
    }
    assert!(
        !found.iter().any(|p| p.contains("'Guid'")),
        "Guid is a fine alias: {found:?}"
    );
}
