//! Shared test helpers: photos generated in code (no network, no fixtures to rot), users,
//! and running the engine into a vector of records.

#![allow(dead_code)]

use std::io::Cursor;

use photosync::engine::{self, StatusOptions, SyncOptions, SyncSource};
use photosync::input;
use photosync::output::sink::CollectSink;
use photosync::schema::{OutputRecord, ResultRecord, StatusRecord, SummaryRecord, UserRecord};
use photosync::store::PhotoStore;

pub use photosync_testkit::portrait::{encode, jpeg, png, portrait};

/// `person`'s portrait with every channel `levels` brighter: the same picture, its distance
/// from the original set by the brightness term alone (10 levels: 84 of the 100 allowed).
pub fn brighter(person: u64, levels: u8) -> Vec<u8> {
    let mut picture = portrait(person, 300, 300);
    for channel in picture.iter_mut() {
        *channel = channel.saturating_add(levels);
    }
    encode(&picture, image::ImageFormat::Png)
}

/// `sync --source input --targets TARGETS EXTRA…`: the command line the CLI tests vary only
/// at the end.
pub fn sync_args<'a>(targets: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["sync", "--source", "input", "--targets", targets];
    args.extend_from_slice(extra);
    args
}

pub fn upn(name: &str) -> UserRecord {
    UserRecord {
        user_principal_name: Some(format!("{name}@contoso.com")),
        ..Default::default()
    }
}

pub fn with_sam(name: &str) -> UserRecord {
    UserRecord {
        sam_account_name: Some(name.to_string()),
        user_principal_name: Some(format!("{name}@contoso.com")),
        ..Default::default()
    }
}

/// Users as a JSON Lines input stream.
pub fn jsonl(users: &[UserRecord]) -> input::InputStream {
    let text: String = users
        .iter()
        .map(|u| {
            let mut v = serde_json::to_value(u).expect("user json");
            if let Some(photo) = &u.thumbnail_photo {
                v["thumbnailPhoto"] = serde_json::to_value(photo).expect("photo json");
            }
            format!("{v}\n")
        })
        .collect();
    input::from_json_lines(Cursor::new(text.into_bytes()))
}

pub fn raw_jsonl(text: &str) -> input::InputStream {
    input::from_json_lines(Cursor::new(text.as_bytes().to_vec()))
}

pub fn collect_input(stream: input::InputStream) -> Vec<input::InputEvent> {
    stream.collect()
}

pub async fn status(
    input: input::InputStream,
    stores: &[Box<dyn PhotoStore>],
) -> (Vec<OutputRecord>, SummaryRecord) {
    let mut sink = CollectSink::default();
    let summary = engine::run_status(input, stores, &StatusOptions::default(), &mut sink).await;
    (sink.records, summary)
}

pub async fn sync(
    input: input::InputStream,
    source: &SyncSource,
    targets: &[Box<dyn PhotoStore>],
    opts: &SyncOptions,
) -> (Vec<OutputRecord>, SummaryRecord) {
    let mut sink = CollectSink::default();
    let summary = engine::run_sync(input, source, targets, opts, &mut sink).await;
    (sink.records, summary)
}

pub fn statuses(records: &[OutputRecord]) -> Vec<&StatusRecord> {
    records
        .iter()
        .filter_map(|r| match r {
            OutputRecord::Status(s) => Some(s),
            _ => None,
        })
        .collect()
}

pub fn results(records: &[OutputRecord]) -> Vec<&ResultRecord> {
    records
        .iter()
        .filter_map(|r| match r {
            OutputRecord::Result(s) => Some(s),
            _ => None,
        })
        .collect()
}

pub fn errors(records: &[OutputRecord]) -> Vec<&photosync::schema::ErrorRecord> {
    records
        .iter()
        .filter_map(|r| match r {
            OutputRecord::Error(s) => Some(s),
            _ => None,
        })
        .collect()
}

/// The status record of the user with this UPN.
pub fn status_of<'a>(records: &'a [OutputRecord], upn: &str) -> &'a StatusRecord {
    statuses(records)
        .into_iter()
        .find(|s| s.user.user_principal_name.as_deref() == Some(upn))
        .unwrap_or_else(|| panic!("no status record for {upn} in {records:#?}"))
}

pub fn result_of<'a>(records: &'a [OutputRecord], upn: &str, target: &str) -> &'a ResultRecord {
    results(records)
        .into_iter()
        .find(|r| r.user.user_principal_name.as_deref() == Some(upn) && r.target == target)
        .unwrap_or_else(|| panic!("no {target} result for {upn} in {records:#?}"))
}
