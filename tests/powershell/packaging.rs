//! scripts/package-module writes a zip Azure Automation accepts: run it on a small stand-in
//! binary (building the release binary is the script's job, too slow for a test) and read the
//! zip back.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::Path;
use std::process::{Command, Output};

use crate::common::{files_under, module_dir, repo_root};

const RIDS: [&str; 5] = [
    "win-x64",
    "linux-x64",
    "linux-arm64",
    "osx-x64",
    "osx-arm64",
];

fn package(args: &[&str]) -> Output {
    let python = Command::new("python3").arg("--version").output();
    assert!(
        python.is_ok_and(|o| o.status.success()),
        "python3 is missing (scripts/package-module writes the zip with it): run scripts/test, \
         which installs it through scripts/setup.d/powershell.sh"
    );
    Command::new("bash")
        .arg(repo_root().join("scripts").join("package-module"))
        .args(args)
        .output()
        .expect("bash runs scripts/package-module")
}

/// A small file that starts like an executable of `rid`'s platform (the script checks the
/// format, not the whole binary).
fn stand_in(dir: &Path, rid: &str) -> std::path::PathBuf {
    let magic: &[u8] = match rid.split('-').next() {
        Some("win") => b"MZ",
        Some("osx") => b"\xcf\xfa\xed\xfe",
        _ => b"\x7fELF",
    };
    let path = dir.join(format!("photosync-{rid}"));
    let mut bytes = magic.to_vec();
    bytes.extend_from_slice(format!(" stand-in for {rid}\n").as_bytes());
    std::fs::write(&path, bytes).expect("write stand-in");
    path
}

fn stand_in_binary(dir: &Path) -> std::path::PathBuf {
    stand_in(dir, "linux-x64")
}

struct Entry {
    name: String,
    unix_mode: Option<u32>,
    bytes: Vec<u8>,
}

fn read_zip(path: &Path) -> Vec<Entry> {
    let file = std::fs::File::open(path).expect("zip exists");
    let mut archive = zip::ZipArchive::new(file).expect("a valid zip");
    let mut entries = Vec::new();
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i).expect("zip entry");
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("entry decompresses");
        entries.push(Entry {
            name: entry.name().expect("entry name is valid").to_string(),
            unix_mode: entry.unix_mode(),
            bytes,
        });
    }
    entries
}

#[test]
fn zip_follows_azure_automation_naming_and_path_rules() {
    let dir = tempfile::tempdir().expect("tempdir");
    let binary = stand_in_binary(dir.path());
    let windows = stand_in(dir.path(), "win-x64");
    let mac = stand_in(dir.path(), "osx-arm64");
    let out = dir.path().join("out");
    let binary_arg = format!("linux-x64={}", binary.display());
    let windows_arg = format!("win-x64={}", windows.display());
    let mac_arg = format!("osx-arm64={}", mac.display());
    let output = package(&[
        "--binary",
        &windows_arg,
        "--binary",
        &binary_arg,
        "--binary",
        &mac_arg,
        "--out",
        out.to_str().expect("utf-8 path"),
    ]);
    assert!(
        output.status.success(),
        "package-module failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let zip_path = out.join("PhotoSync.zip");
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).trim(),
        zip_path.display().to_string(),
        "the script prints the zip's path"
    );

    let entries = read_zip(&zip_path);
    let names: BTreeSet<&str> = entries.iter().map(|e| e.name.as_str()).collect();

    // Zip, folder and manifest share one name; everything sits in that one folder.
    assert!(names.contains("PhotoSync/PhotoSync.psd1"), "{names:?}");
    for name in &names {
        assert!(
            name.starts_with("PhotoSync/"),
            "{name} is outside PhotoSync/"
        );
        assert!(!name.contains('\\'), "{name} uses a backslash");
        assert!(name.len() < 140, "{name} is {} characters", name.len());
    }

    // Every module file from the source tree is packed, byte for byte.
    let root = module_dir();
    for source in files_under(&root) {
        let relative = source
            .strip_prefix(&root)
            .expect("under module dir")
            .to_string_lossy()
            .replace('\\', "/");
        let packed = entries
            .iter()
            .find(|e| e.name == format!("PhotoSync/{relative}"))
            .unwrap_or_else(|| panic!("{relative} is not in the zip"));
        assert_eq!(
            packed.bytes,
            std::fs::read(&source).expect("read source"),
            "{relative}"
        );
    }

    // The given binary sits in its slot, executable; the other platforms have README slots.
    let linux = entries
        .iter()
        .find(|e| e.name == "PhotoSync/bin/linux-x64/photosync")
        .expect("linux-x64 binary packed");
    assert_eq!(linux.bytes, std::fs::read(&binary).expect("read stand-in"));
    assert_eq!(
        linux.unix_mode.map(|m| m & 0o777),
        Some(0o755),
        "execute bit kept"
    );
    let exe = entries
        .iter()
        .find(|e| e.name == "PhotoSync/bin/win-x64/photosync.exe")
        .expect("win-x64 binary packed as photosync.exe");
    assert_eq!(exe.bytes, std::fs::read(&windows).expect("read stand-in"));
    let macos = entries
        .iter()
        .find(|e| e.name == "PhotoSync/bin/osx-arm64/photosync")
        .expect("osx-arm64 binary packed");
    assert_eq!(macos.unix_mode.map(|m| m & 0o777), Some(0o755));
    for rid in RIDS
        .iter()
        .filter(|r| !["linux-x64", "win-x64", "osx-arm64"].contains(*r))
    {
        let slot = format!("PhotoSync/bin/{rid}/README.txt");
        let readme = entries
            .iter()
            .find(|e| e.name == slot)
            .unwrap_or_else(|| panic!("no slot {slot}"));
        assert!(String::from_utf8_lossy(&readme.bytes).contains(rid));
    }
}

#[test]
fn packaging_refuses_paths_of_140_characters_or_more() {
    let dir = tempfile::tempdir().expect("tempdir");
    let module = dir.path().join("PhotoSync");
    std::fs::create_dir_all(&module).expect("mkdir");
    std::fs::write(module.join("PhotoSync.psd1"), "@{}\n").expect("write psd1");
    let long_name = format!("{}.ps1", "A".repeat(140));
    std::fs::write(module.join(&long_name), "# long\n").expect("write long file");
    let binary = stand_in_binary(dir.path());
    let binary_arg = format!("linux-x64={}", binary.display());
    let out = dir.path().join("out");
    let output = package(&[
        "--without-windows",
        "--binary",
        &binary_arg,
        "--module",
        module.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(
        !output.status.success(),
        "a 140+ character path was accepted"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("140") && stderr.contains(&long_name),
        "{stderr}"
    );
    assert!(!out.join("PhotoSync.zip").exists(), "no zip is left behind");
}

#[test]
fn packaging_refuses_a_manifest_not_named_after_its_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let module = dir.path().join("PhotoSyncModule");
    std::fs::create_dir_all(&module).expect("mkdir");
    std::fs::write(module.join("PhotoSync.psd1"), "@{}\n").expect("write psd1");
    let binary = stand_in_binary(dir.path());
    let binary_arg = format!("linux-x64={}", binary.display());
    let out = dir.path().join("out");
    let output = package(&[
        "--without-windows",
        "--binary",
        &binary_arg,
        "--module",
        module.to_str().expect("utf-8"),
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("PhotoSyncModule.psd1") && stderr.contains("hint:"),
        "{stderr}"
    );
}

#[test]
fn packaging_rejects_an_unknown_platform() {
    let dir = tempfile::tempdir().expect("tempdir");
    let binary = stand_in_binary(dir.path());
    let binary_arg = format!("win-arm32={}", binary.display());
    let output = package(&[
        "--binary",
        &binary_arg,
        "--out",
        dir.path().to_str().expect("utf-8"),
    ]);
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("win-x64"));
}

/// Windows machines and Windows Hybrid Runbook Workers need win-x64: a zip without it is a
/// mistake unless asked for.
#[test]
fn packaging_refuses_a_zip_without_windows_unless_told() {
    let dir = tempfile::tempdir().expect("tempdir");
    let binary = stand_in_binary(dir.path());
    let binary_arg = format!("linux-x64={}", binary.display());
    let out = dir.path().join("out");
    let out_arg = out.to_str().expect("utf-8");
    let refused = package(&["--binary", &binary_arg, "--out", out_arg]);
    assert!(
        !refused.status.success(),
        "a zip without win-x64 was written"
    );
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("win-x64") && stderr.contains("--without-windows"),
        "{stderr}"
    );
    assert!(!out.join("PhotoSync.zip").exists(), "no zip is left behind");

    let allowed = package(&[
        "--without-windows",
        "--binary",
        &binary_arg,
        "--out",
        out_arg,
    ]);
    assert!(
        allowed.status.success(),
        "{}",
        String::from_utf8_lossy(&allowed.stderr)
    );
    let names: Vec<String> = read_zip(&out.join("PhotoSync.zip"))
        .into_iter()
        .map(|e| e.name)
        .collect();
    assert!(names.contains(&"PhotoSync/bin/win-x64/README.txt".to_string()));
}

/// A Linux build given as win-x64 (or the reverse) would fail only on the admin's machine.
#[test]
fn packaging_refuses_a_binary_of_another_platform() {
    let dir = tempfile::tempdir().expect("tempdir");
    let linux = stand_in_binary(dir.path());
    let swapped = format!("win-x64={}", linux.display());
    let output = package(&[
        "--binary",
        &swapped,
        "--out",
        dir.path().join("out").to_str().expect("utf-8"),
    ]);
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not a win executable"), "{stderr}");
}
