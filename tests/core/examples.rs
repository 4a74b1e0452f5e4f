//! The README's main command on the bundled example data: it must keep working and keep
//! showing what the README says. `UPDATE_EXAMPLES=1` regenerates the example photos (they
//! are generated once here and committed, so the README command needs no tools).

use std::path::{Path, PathBuf};
use std::process::Command;

use image::ImageFormat;

use crate::support::{encode, portrait};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Person numbers chosen so the example pictures are clearly different people.
const ANN: u64 = 11;
const BOB: u64 = 12;
const CAROL: u64 = 13;
const BOB_OLD: u64 = 21;
const LEFTOVER: u64 = 22;

fn write(path: &Path, bytes: Vec<u8>) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, bytes).expect("write example");
}

fn generate(examples: &Path) {
    let hr = examples.join("hr");
    let photos = examples.join("photos");
    for (name, person) in [("ann.lee", ANN), ("bob.smith", BOB), ("carol.diaz", CAROL)] {
        write(
            &hr.join(format!("{name}.jpg")),
            encode(&portrait(person, 240, 300), ImageFormat::Jpeg),
        );
    }
    // Published photos: Ann's is her HR photo, smaller; Bob's is an old one; Carol has none;
    // one file belongs to nobody in the list.
    write(
        &photos.join("ann.lee@contoso.com.jpg"),
        encode(&portrait(ANN, 96, 120), ImageFormat::Jpeg),
    );
    write(
        &photos.join("bob.smith@contoso.com.jpg"),
        encode(&portrait(BOB_OLD, 96, 96), ImageFormat::Jpeg),
    );
    write(
        &photos.join("former.employee@contoso.com.jpg"),
        encode(&portrait(LEFTOVER, 96, 96), ImageFormat::Jpeg),
    );
}

#[test]
fn readme_status_command_on_examples_shows_each_verdict() {
    let examples = root().join("examples");
    if std::env::var_os("UPDATE_EXAMPLES").is_some() {
        generate(&examples);
    }
    let out = Command::new(env!("CARGO_BIN_EXE_photosync"))
        .current_dir(root())
        .args([
            "status",
            "--csv",
            "examples/users.csv",
            "--stores",
            "folder:examples/photos",
            "--format",
            "json",
        ])
        .output()
        .expect("run photosync");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let verdicts: Vec<(String, String)> = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["type"] == "status")
        .map(|v| {
            (
                v["user"]["userPrincipalName"]
                    .as_str()
                    .unwrap_or("")
                    .to_string(),
                v["verdict"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let verdict = |upn: &str| {
        verdicts
            .iter()
            .find(|(u, _)| u == upn)
            .map(|(_, v)| v.as_str())
            .unwrap_or_else(|| panic!("no status for {upn}: {stdout}"))
    };
    assert_eq!(verdict("ann.lee@contoso.com"), "in-sync");
    assert_eq!(verdict("bob.smith@contoso.com"), "differs");
    assert_eq!(verdict("carol.diaz@contoso.com"), "missing-in-store");
    assert_eq!(verdict("dave.kim@contoso.com"), "no-photo");
    assert!(
        stdout.contains("former.employee@contoso.com.jpg"),
        "{stdout}"
    );
    assert_eq!(out.status.code(), Some(0), "{stdout}");
}

#[test]
fn example_photos_stay_tiny() {
    for dir in ["examples/hr", "examples/photos"] {
        for entry in std::fs::read_dir(root().join(dir)).expect("examples exist") {
            let entry = entry.expect("entry");
            let len = entry.metadata().expect("metadata").len();
            assert!(len < 20_000, "{} is {len} bytes", entry.path().display());
        }
    }
}
