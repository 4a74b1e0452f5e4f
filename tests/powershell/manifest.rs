//! The manifest says what the module is: its exports must be exactly the public functions
//! (one per file, named after it), its FileList exactly the files that exist, and the format
//! file must be valid XML describing the object types the module creates.

use std::collections::{BTreeMap, BTreeSet};

use crate::common::{
    defined_functions, files_under, module_dir, node_text, parse, read, string_values,
};

/// Top-level keys of the manifest's hashtable → every string literal in their values.
fn manifest_entries() -> BTreeMap<String, Vec<String>> {
    let source = read(&module_dir().join("PhotoSync.psd1"));
    let tree = parse(&source);
    let body = crate::common::all_nodes(&tree)
        .into_iter()
        .find(|n| n.kind() == "hash_literal_body")
        .expect("the manifest is a hashtable");
    let mut entries = BTreeMap::new();
    for i in 0..body.named_child_count() {
        let Some(entry) = body.named_child(i as u32) else {
            continue;
        };
        if entry.kind() != "hash_entry" {
            continue;
        }
        let key = entry
            .named_child(0)
            .map(|k| node_text(k, &source).to_string())
            .expect("hash entry has a key");
        let values = entry
            .named_child(1)
            .map(|v| string_values(v, &source))
            .unwrap_or_default();
        entries.insert(key, values);
    }
    entries
}

fn entry(entries: &BTreeMap<String, Vec<String>>, key: &str) -> Vec<String> {
    entries
        .get(key)
        .unwrap_or_else(|| panic!("manifest has no {key}"))
        .clone()
}

#[test]
fn functions_to_export_equals_the_public_functions() {
    let public = module_dir().join("Public");
    let mut defined = BTreeSet::new();
    for file in files_under(&public) {
        let functions = defined_functions(&read(&file));
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default();
        assert_eq!(
            functions,
            vec![stem.to_string()],
            "{} must define exactly one function named after the file",
            file.display()
        );
        defined.insert(stem.to_string());
    }
    let exported: BTreeSet<String> = entry(&manifest_entries(), "FunctionsToExport")
        .into_iter()
        .collect();
    assert_eq!(exported, defined, "FunctionsToExport vs Public/*.ps1");
    assert!(
        exported.contains("Get-PhotoSyncStatus") && exported.contains("Sync-UserPhoto"),
        "the two cmdlets of issue 6 are exported"
    );

    // The root module exports the same list (Export-ModuleMember narrows what the manifest allows).
    let psm1 = read(&module_dir().join("PhotoSync.psm1"));
    let line = psm1
        .lines()
        .find(|l| l.trim_start().starts_with("Export-ModuleMember"))
        .expect("PhotoSync.psm1 calls Export-ModuleMember");
    let tree = parse(line);
    let from_psm1: BTreeSet<String> = string_values(tree.root_node(), line).into_iter().collect();
    assert_eq!(from_psm1, defined, "Export-ModuleMember vs Public/*.ps1");

    // No public function is also defined privately (the later dot-source would win silently).
    for file in files_under(&module_dir().join("Private")) {
        for function in defined_functions(&read(&file)) {
            assert!(
                !defined.contains(&function),
                "{function} is defined in Public/ and {}",
                file.display()
            );
        }
    }
}

/// dbatools' layout: every private script defines exactly one function, named after its file,
/// so a function is found by its name (issue 20: one file held eleven functions, none of its name).
#[test]
fn every_private_file_defines_one_function_named_after_it() {
    let mut checked = 0;
    for file in files_under(&module_dir().join("Private")) {
        let stem = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        assert_eq!(
            defined_functions(&read(&file)),
            vec![stem],
            "{} must define exactly one function named after the file",
            file.display()
        );
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} private files");
}

#[test]
fn file_list_names_exactly_the_module_files() {
    let root = module_dir();
    let listed: BTreeSet<String> = entry(&manifest_entries(), "FileList").into_iter().collect();
    let present: BTreeSet<String> = files_under(&root)
        .into_iter()
        .filter_map(|p| {
            p.strip_prefix(&root)
                .ok()
                .map(|r| r.to_string_lossy().replace('\\', "/"))
        })
        // Platform binaries are added by scripts/package-module, not kept in the source tree.
        .filter(|p| !p.starts_with("bin/") || p == "bin/README.md")
        .collect();
    let missing: Vec<_> = listed.difference(&present).collect();
    let unlisted: Vec<_> = present.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "FileList names files that do not exist: {missing:?}"
    );
    assert!(
        unlisted.is_empty(),
        "files missing from FileList: {unlisted:?}"
    );
}

#[test]
fn manifest_declares_editions_version_and_gallery_tags() {
    let entries = manifest_entries();
    assert_eq!(entry(&entries, "RootModule"), ["PhotoSync.psm1"]);
    assert_eq!(entry(&entries, "PowerShellVersion"), ["5.1"]);
    let editions: BTreeSet<String> = entry(&entries, "CompatiblePSEditions")
        .into_iter()
        .collect();
    assert_eq!(
        editions,
        BTreeSet::from(["Core".to_string(), "Desktop".to_string()])
    );
    for key in ["CmdletsToExport", "VariablesToExport", "AliasesToExport"] {
        assert_eq!(
            entry(&entries, key),
            Vec::<String>::new(),
            "{key} is explicit and empty"
        );
    }
    for format in entry(&entries, "FormatsToProcess") {
        assert!(module_dir().join(&format).is_file(), "{format} exists");
    }
    for types in entry(&entries, "TypesToProcess") {
        assert!(module_dir().join(&types).is_file(), "{types} exists");
        roxmltree::Document::parse(&read(&module_dir().join(&types)))
            .unwrap_or_else(|e| panic!("{types} is not well-formed XML: {e}"));
    }
    let guid = entry(&entries, "GUID");
    assert!(
        guid.len() == 1 && uuid::Uuid::parse_str(&guid[0]).is_ok(),
        "GUID is a GUID: {guid:?}"
    );
    // PSData sits below PrivateData, so it is read from the file text around its key.
    let source = read(&module_dir().join("PhotoSync.psd1"));
    let tags_line = source
        .lines()
        .find(|l| l.trim_start().starts_with("Tags"))
        .expect("PSData has Tags");
    let tags = string_values(parse(tags_line).root_node(), tags_line);
    assert!(tags.len() >= 5, "tags: {tags:?}");
    for tag in &tags {
        assert!(!tag.contains(' '), "gallery tags have no spaces: {tag:?}");
    }
    for key in ["ProjectUri", "LicenseUri", "ReleaseNotes"] {
        let line = source
            .lines()
            .find(|l| l.trim_start().starts_with(key))
            .unwrap_or_else(|| panic!("PSData has no {key}"));
        let value = string_values(parse(line).root_node(), line);
        assert!(
            value.len() == 1 && !value[0].trim().is_empty(),
            "{key} is one non-empty string: {line}"
        );
        if key.ends_with("Uri") {
            assert!(value[0].starts_with("https://"), "{key}: {}", value[0]);
        }
    }
    for tag in [
        "PSEdition_Desktop",
        "PSEdition_Core",
        "ActiveDirectory",
        "MicrosoftGraph",
    ] {
        assert!(tags.iter().any(|t| t == tag), "missing tag {tag}");
    }
}

#[test]
fn format_file_is_valid_xml_with_views_for_the_output_types() {
    let xml = read(&module_dir().join("PhotoSync.Format.ps1xml"));
    let document =
        roxmltree::Document::parse(&xml).expect("PhotoSync.Format.ps1xml is well-formed XML");
    let typed: BTreeSet<String> = document
        .descendants()
        .filter(|n| n.has_tag_name("TypeName"))
        .filter_map(|n| n.text().map(str::to_string))
        .collect();
    for required in ["PhotoSync.UserPhotoStatus", "PhotoSync.SyncResult"] {
        assert!(
            typed.contains(required),
            "no view for {required}: {typed:?}"
        );
    }
    // Every view is for a type name the module really gives its objects.
    let private: String = files_under(&module_dir().join("Private"))
        .iter()
        .chain(files_under(&module_dir().join("Public")).iter())
        .map(|p| read(p))
        .collect();
    for type_name in &typed {
        assert!(
            private.contains(&format!("'{type_name}'")),
            "the format file has a view for {type_name}, which no object gets"
        );
    }
    // Each table's headers and columns line up.
    for table in document
        .descendants()
        .filter(|n| n.has_tag_name("TableControl"))
    {
        let headers = table
            .descendants()
            .filter(|n| n.has_tag_name("TableColumnHeader"))
            .count();
        let columns = table
            .descendants()
            .filter(|n| n.has_tag_name("TableColumnItem"))
            .count();
        assert_eq!(
            headers, columns,
            "a table view has {headers} headers and {columns} columns"
        );
    }
}

#[test]
fn every_cmdlet_has_help_starting_with_permissions_and_three_usage_styles() {
    for file in files_under(&module_dir().join("Public")) {
        let source = read(&file);
        let name = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        let description = source
            .split(".DESCRIPTION")
            .nth(1)
            .unwrap_or_else(|| panic!("{name} has no .DESCRIPTION"));
        assert!(
            description.trim_start().starts_with("Permissions:"),
            "{name}: help must start with the permissions it needs"
        );
        let examples = source.matches(".EXAMPLE").count();
        assert!(
            examples >= 3,
            "{name} has {examples} examples, needs 3 (AD, CSV, runbook)"
        );
        for style in ["Get-ADUser", "Import-Csv"] {
            assert!(source.contains(style), "{name}: no {style} example");
        }
        assert!(
            source.to_lowercase().contains("runbook"),
            "{name}: no runbook example"
        );
        // Get-Help -Online needs a HelpUri; INPUTS says what the pipeline takes.
        assert!(
            source.contains("HelpUri = 'https://"),
            "{name}: [CmdletBinding()] has no HelpUri"
        );
        let inputs = source
            .split(".INPUTS")
            .nth(1)
            .unwrap_or_else(|| panic!("{name} has no .INPUTS"));
        let inputs = inputs.split("\n    .").next().unwrap_or_default().trim();
        assert!(!inputs.is_empty(), "{name}: .INPUTS is empty");
        // Help text fits an 80-column console (4 columns of indent), so Get-Help -Full never
        // wraps in the middle of a word; an example's first line leaves room for `PS C:\> `.
        let help = source
            .split("<#")
            .nth(1)
            .and_then(|h| h.split("#>").next())
            .unwrap_or_default();
        let mut first_example_line = false;
        for line in help.lines() {
            let text = line.trim_start_matches(' ');
            let width = line.len().saturating_sub(4);
            assert!(width <= 76, "{name}: help line of {width} columns: {text}");
            if text.starts_with(".EXAMPLE") {
                first_example_line = true;
            } else if first_example_line && !text.is_empty() {
                assert!(
                    width <= 68,
                    "{name}: first example line of {width} columns: {text}"
                );
                first_example_line = false;
            }
        }
    }
    let about = read(&module_dir().join("en-US").join("about_PhotoSync.help.txt"));
    assert!(about.starts_with("TOPIC"), "about_ help starts with TOPIC");
    assert!(about.contains("about_PhotoSync"));
}
