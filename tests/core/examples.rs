//! The README's main command on the bundled example data: it must keep working and keep
//! showing what the README says. `UPDATE_EXAMPLES=1` regenerates the example photos (they
//! are generated once here and committed, so the README command needs no tools).

use std::path::{Path, PathBuf};

use image::ImageFormat;
use photosync_testkit::photosync;

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

/// Every example photo by path under examples/, as `portrait` draws it.
fn example_photos() -> Vec<(&'static str, Vec<u8>)> {
    let jpeg = |person, width, height| encode(&portrait(person, width, height), ImageFormat::Jpeg);
    vec![
        ("hr/ann.lee.jpg", jpeg(ANN, 240, 300)),
        ("hr/bob.smith.jpg", jpeg(BOB, 240, 300)),
        ("hr/carol.diaz.jpg", jpeg(CAROL, 240, 300)),
        // Published photos: Ann's is her HR photo, smaller; Bob's is an old one; Carol has
        // none; one file belongs to nobody in the list.
        ("photos/ann.lee@contoso.com.jpg", jpeg(ANN, 96, 120)),
        ("photos/bob.smith@contoso.com.jpg", jpeg(BOB_OLD, 96, 96)),
        (
            "photos/former.employee@contoso.com.jpg",
            jpeg(LEFTOVER, 96, 96),
        ),
    ]
}

fn generate(examples: &Path) {
    for (name, bytes) in example_photos() {
        let path = examples.join(name);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, bytes).expect("write example");
    }
}

/// The committed example photos are still the people the generator draws: a change to
/// `photosync_testkit::portrait` that would silently make the README's examples other people
/// (or make regenerating them change what the README shows) fails here.
#[test]
fn committed_example_photos_are_the_generated_people() {
    let limits = photosync::photo::DecodeLimits::default();
    for (name, generated) in example_photos() {
        let committed = std::fs::read(root().join("examples").join(name)).expect(name);
        let a = photosync::photo::inspect(&committed, &limits).expect("committed decodes");
        let b = photosync::photo::inspect(&generated, &limits).expect("generated decodes");
        let same = photosync::photo::same_picture(&a, &b).is_some_and(|(same, _)| same);
        assert!(
            same,
            "examples/{name} is no longer the picture portrait() draws"
        );
    }
}

#[test]
fn readme_status_command_on_examples_shows_each_verdict() {
    let examples = root().join("examples");
    if std::env::var_os("UPDATE_EXAMPLES").is_some() {
        generate(&examples);
    }
    let out = photosync!()
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
        .output();
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
