//! Property tests (proptest) for the parsers that see untrusted input: the CSV and JSON Lines
//! readers (any bytes, and lines or rows past their size cap), the folder naming rule, LDAP and
//! OData escaping, `Retry-After`, and the state file loader. Each property would fail on a
//! panic, a lost line number, an unbounded read, a file name outside the folder, an injection,
//! or a lost valid entry.

use std::io::{Cursor, Read};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use photosync::input::{self, InputEvent};
use photosync::schema::UserRecord;
use photosync::state::{Entry, SyncState};
use photosync::store::folder::NamingRule;
use proptest::prelude::*;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 200,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Lines that look like input: some valid records, some broken JSON, some arbitrary text.
fn input_line() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z]{1,8}".prop_map(|u| format!("{{\"userPrincipalName\":\"{u}@contoso.com\"}}")),
        "[a-z]{1,8}".prop_map(|s| format!("{{\"SamAccountName\":\"{s}\",\"mail\":null}}")),
        "\\PC{0,40}",
        Just("{\"userPrincipalName\":".to_string()),
        Just("[1,2,3]".to_string()),
        Just(String::new()),
    ]
}

fn line_count(bytes: &[u8]) -> u64 {
    bytes.split(|&b| b == b'\n').count() as u64
}

/// CSV rows end at `\n`, `\r\n` or a lone `\r`.
fn csv_row_count(bytes: &[u8]) -> u64 {
    let lone_cr = bytes
        .windows(2)
        .filter(|w| w[0] == b'\r' && w[1] != b'\n')
        .count()
        + usize::from(bytes.last() == Some(&b'\r'));
    line_count(bytes) + lone_cr as u64
}

/// A first line that opens a JSON document switches the reader to whole-document mode, where
/// `line` numbers items, not lines (see `input::jsonl`).
fn opens_document(bytes: &[u8]) -> bool {
    let first = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let first = first.strip_prefix(b"\xef\xbb\xbf").unwrap_or(first);
    first
        .iter()
        .find(|b| !b.is_ascii_whitespace())
        .is_some_and(|&b| b == b'[' || b == b'{')
}

/// Every event carries a line number inside the input.
fn check_lines(events: &[InputEvent], lines: u64) -> Result<(), TestCaseError> {
    for event in events {
        let line = match event {
            InputEvent::User(user) => Some(user.line),
            InputEvent::Error(error) | InputEvent::SourceFailed(error, _) => error.line,
        };
        let line = line.ok_or_else(|| TestCaseError::fail(format!("no line: {event:?}")))?;
        prop_assert!(
            line >= 1 && line <= lines,
            "line {line} of {lines}: {event:?}"
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn json_lines_reader_survives_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let events: Vec<InputEvent> = input::from_json_lines(Cursor::new(bytes.clone())).collect();
        let bound = if opens_document(&bytes) { u64::MAX } else { line_count(&bytes) };
        check_lines(&events, bound)?;
    }

    #[test]
    fn json_lines_reader_gives_each_line_a_record_or_an_error(rest in proptest::collection::vec(input_line(), 0..30)) {
        // Line 1 is a record, so the reader stays in line mode.
        let mut lines = vec!["{\"userPrincipalName\":\"first@contoso.com\"}".to_string()];
        lines.extend(rest);
        let text = lines.join("\n");
        let events: Vec<InputEvent> = input::from_json_lines(Cursor::new(text.clone().into_bytes())).collect();
        check_lines(&events, line_count(text.as_bytes()))?;
        // A line is reported at most once (a user, or one error).
        let mut seen = std::collections::BTreeSet::new();
        for event in &events {
            let line = match event {
                InputEvent::User(user) => user.line,
                InputEvent::Error(error) | InputEvent::SourceFailed(error, _) => {
                    error.line.unwrap_or(0)
                }
            };
            prop_assert!(seen.insert(line), "line {line} reported twice");
        }
        // Every valid, distinct user line becomes a user.
        let valid: std::collections::BTreeSet<&String> = lines
            .iter()
            .filter(|l| l.starts_with("{\"userPrincipalName\":\"") && l.ends_with("\"}"))
            .collect();
        let users = events.iter().filter(|e| matches!(e, InputEvent::User(_))).count();
        prop_assert!(users >= valid.len(), "{users} users for {} valid lines", valid.len());
    }

    #[test]
    fn csv_reader_survives_any_bytes(body in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut bytes = b"UserPrincipalName,ObjectGUID,PhotoPath\n".to_vec();
        bytes.extend_from_slice(&body);
        if let Ok(stream) = input::from_csv(Cursor::new(bytes.clone()), None) {
            let events: Vec<InputEvent> = stream.collect();
            check_lines(&events, csv_row_count(&bytes).max(1))?;
        }
    }

    #[test]
    fn csv_with_any_header_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(stream) = input::from_csv(Cursor::new(bytes.clone()), None) {
            let events: Vec<InputEvent> = stream.collect();
            check_lines(&events, csv_row_count(&bytes).max(1))?;
        }
    }

    #[test]
    fn ldap_escaping_round_trips_and_cannot_inject(value in "\\PC{0,40}|[*()\\\\\\x00a-z=&|!]{0,40}") {
        let escaped = photosync::store::ad::filter::escape_value(&value);
        for special in ['*', '(', ')', '\0'] {
            prop_assert!(!escaped.contains(special), "{escaped:?} keeps {special:?}");
        }
        prop_assert_eq!(ldap_unescape(&escaped), value.clone());
        let filter = photosync::store::ad::filter::equals("userPrincipalName", &value);
        prop_assert!(ldap3::parse_filter(&filter).is_ok(), "{filter:?} does not parse");
    }

    #[test]
    fn ldap_byte_escaping_round_trips(bytes in proptest::collection::vec(any::<u8>(), 0..32)) {
        let escaped = photosync::store::ad::filter::escape_bytes(&bytes);
        prop_assert_eq!(escaped.len(), bytes.len() * 3);
        let back: Vec<u8> = escaped.as_bytes().chunks(3)
            .map(|c| u8::from_str_radix(std::str::from_utf8(&c[1..]).unwrap_or("zz"), 16).unwrap_or(0))
            .collect();
        prop_assert_eq!(back, bytes);
    }

    #[test]
    fn odata_literals_round_trip_and_stay_one_literal(value in "\\PC{0,40}|['a-z ]{0,40}") {
        let literal = photosync::store::graph::directory::odata_literal(&value);
        prop_assert!(literal.len() >= 2 && literal.starts_with('\'') && literal.ends_with('\''));
        let inner = &literal[1..literal.len() - 1];
        // Inside, quotes only come in pairs: the literal cannot be closed early.
        prop_assert!(!inner.replace("''", "").contains('\''), "{literal:?}");
        prop_assert_eq!(inner.replace("''", "'"), value);
    }

    #[test]
    fn retry_after_never_panics_and_stays_bounded(value in "\\PC{0,30}") {
        if let Some(delay) = photosync::http::retry::parse_retry_after(&value) {
            prop_assert!(delay <= Duration::from_secs(86_400), "{value:?} -> {delay:?}");
        }
    }

    #[test]
    fn retry_after_reads_every_delta_seconds(secs in 0u64..100_000) {
        let delay = photosync::http::retry::parse_retry_after(&secs.to_string());
        prop_assert_eq!(delay, Some(Duration::from_secs(secs.min(86_400))));
    }

    // Any bytes load, or are refused as not a state file (exit 2, untouched): never a panic.
    #[test]
    fn state_loader_survives_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.jsonl");
        std::fs::write(&path, &bytes).expect("write");
        if let Err(e) = SyncState::open(&path) {
            prop_assert!(e.message.contains("not a PhotoSync state file"), "{}", e.message);
            prop_assert_eq!(e.class.exit_code(), 2);
            prop_assert_eq!(std::fs::read(&path).expect("read"), bytes);
        }
    }

    #[test]
    fn state_loader_keeps_every_intact_entry_after_any_truncation_or_corruption(
        users in proptest::collection::vec(0u32..50, 1..40),
        cut in any::<proptest::sample::Index>(),
        flips in proptest::collection::vec(any::<proptest::sample::Index>(), 0..4),
    ) {
        let entries: Vec<Entry> = users.iter().enumerate().map(|(i, u)| Entry {
            user: format!("upn:user{u}@contoso.com"),
            target: "graph|t|https://graph.microsoft.com".into(),
            source_sha256: format!("{:064x}", i),
            // Lines with and without the exact fingerprint of the write, as a file written
            // across versions holds them.
            written_sha256: if i % 2 == 0 { format!("{:064x}", i + 1_000) } else { String::new() },
            at: Some(1_700_000_000 + i as u64),
            verified: i % 3 != 0,
            object: String::new(),
        }).collect();
        let mut bytes = Vec::new();
        let mut spans = Vec::new();
        for e in &entries {
            let start = bytes.len();
            bytes.extend_from_slice(serde_json::to_string(e).expect("json").as_bytes());
            bytes.push(b'\n');
            spans.push(start..bytes.len());
        }
        let cut = cut.index(bytes.len() + 1);
        bytes.truncate(cut);
        // 0xFF is never valid UTF-8, so a damaged line can only become invalid (a line that
        // turned into another valid entry would need an oracle as complex as the loader).
        let mut damaged = Vec::new();
        for at in &flips {
            if bytes.is_empty() { break; }
            let at = at.index(bytes.len());
            bytes[at] = 0xff;
            damaged.push(at);
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("state.jsonl");
        std::fs::write(&path, &bytes).expect("write");
        // A first line that no longer even starts like an entry (cut or damaged within
        // `{"user":`) makes the file not a state file: refused, and left as it was given.
        if !bytes.is_empty() && !bytes.starts_with(br#"{"user":"#) {
            prop_assert!(SyncState::open_read_only(&path).is_err());
            prop_assert!(SyncState::open(&path).is_err());
            prop_assert_eq!(std::fs::read(&path).expect("read"), bytes);
            return Ok(());
        }
        let state = SyncState::open_read_only(&path).expect("any content after an entry's start loads");
        // The latest intact line of each user must be what the state says.
        let mut latest = std::collections::BTreeMap::new();
        for (e, span) in entries.iter().zip(&spans) {
            // The previous line's newline belongs to this line's integrity too.
            let reach = span.start.saturating_sub(1)..span.end;
            let intact = span.end <= cut && !damaged.iter().any(|d| reach.contains(d));
            if intact {
                latest.insert(e.user.clone(), Some(e));
            } else {
                latest.entry(e.user.clone()).or_insert(None);
            }
        }
        for (user, line) in latest {
            let target = "graph|t|https://graph.microsoft.com";
            let last = state.last_write(&user, target);
            let own_write = state.verified_write(&user, target);
            match line {
                Some(e) => {
                    prop_assert_eq!(last.map(|w| w.verified), Some(e.verified), "{}", user);
                    // PhotoSync's own write is known exactly when the line verified one.
                    let recorded = e.verified && !e.written_sha256.is_empty();
                    prop_assert_eq!(own_write.is_some(), recorded, "{}", user);
                    prop_assert!(own_write.is_none_or(|w| w.is_held_as(&e.written_sha256)
                        && w.is_of_source(&e.source_sha256)), "{}", user);
                }
                None => prop_assert!(last.is_none() && own_write.is_none(), "{} has no intact line", user),
            }
        }
        // And a writer can append after any damage, and the next load sees it.
        drop(state);
        let state = SyncState::open(&path).expect("opens for writing");
        let fresh = Entry { user: "upn:new".into(), ..entries[0].clone() };
        state.record(&fresh).expect("append");
        drop(state);
        let state = SyncState::open_read_only(&path).expect("reload");
        prop_assert!(state.last_write("upn:new", &fresh.target).is_some());
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn a_naming_rule_is_refused_or_names_only_files_inside_the_folder(
        rule in naming_rule(),
        upn in property_value(),
        sam in property_value(),
        mail in property_value(),
        employee in property_value(),
        guid in property_value(),
    ) {
        let Ok(parsed) = NamingRule::parse(&rule) else {
            return Ok(());
        };
        let user = UserRecord {
            user_principal_name: upn,
            sam_account_name: sam,
            mail,
            employee_id: employee,
            object_guid: guid,
            ..UserRecord::default()
        };
        if let Ok(Some(stem)) = parsed.stem_for(&user) {
            let name = format!("{stem}.jpg");
            prop_assert!(!stem.is_empty(), "rule {rule:?} gave an empty stem");
            prop_assert!(
                !name.contains(['/', '\\', '\0']),
                "rule {rule:?} named {name:?} for {user:?}"
            );
            let mut parts = std::path::Path::new(&name).components();
            prop_assert!(
                matches!(parts.next(), Some(std::path::Component::Normal(_))) && parts.next().is_none(),
                "rule {rule:?} named {name:?}, which is not one plain file in the folder"
            );
            prop_assert!(stem != ".." && stem != ".", "rule {rule:?} named {name:?}");
        }
    }
}

proptest! {
    #![proptest_config(cap_config())]

    // Bounded memory: a line past the cap is an error at its own line number, read into at
    // most cap + 1 bytes and skipped without buffering (the users around it still arrive).
    #[test]
    fn a_json_line_past_the_cap_is_an_error_and_the_next_line_still_counts(
        filler in "[a-z{\\[\" ]",
        before in 0usize..3,
        over in 1u64..70_000,
        terminated in any::<bool>(),
    ) {
        let head: String = (0..before).map(|i| format!("{{\"userPrincipalName\":\"b{i}@x.com\"}}\n")).collect();
        let tail = if terminated { "\n{\"userPrincipalName\":\"after@x.com\"}\n" } else { "" };
        let input = stream(head, filler.as_bytes()[0], INPUT_CAP + over, tail.to_string());
        let events: Vec<InputEvent> = input::from_json_lines(input).collect();
        let errors = error_messages(&events);
        prop_assert_eq!(errors.len(), 1, "{:?}", errors);
        let expected = format!("line {} is longer than {INPUT_CAP} bytes", before + 1);
        prop_assert_eq!(&errors[0], &expected);
        prop_assert_eq!(upns(&events).len(), before + usize::from(terminated));
    }

    // Bounded memory: a CSV row past the cap (an unclosed quote or a huge field) ends the read
    // with an error there; the reader stops taking bytes soon after the cap, so it cannot have
    // held more. An unbounded reader would take the whole 2 x cap.
    #[test]
    fn a_csv_row_past_the_cap_is_an_error_and_reading_stops_there(
        filler in "[a-z ;,]",
        quoted in any::<bool>(),
        before in 0usize..3,
    ) {
        let mut head = String::from("UserPrincipalName,Department\n");
        for i in 0..before {
            head.push_str(&format!("b{i}@x.com,IT\n"));
        }
        head.push_str(if quoted { "huge@x.com,\"" } else { "huge@x.com," });
        let taken = Arc::new(AtomicU64::new(0));
        let source = Counting {
            inner: stream(head, filler.as_bytes()[0], 2 * INPUT_CAP, "\nlast@x.com,IT\n".into()),
            taken: taken.clone(),
        };
        let events: Vec<InputEvent> = input::from_csv(source, None).expect("header").collect();
        let errors = error_messages(&events);
        prop_assert!(
            errors.iter().any(|m| m.contains("longer than 16 MiB")),
            "{:?}", errors
        );
        prop_assert_eq!(upns(&events).len(), before);
        let taken = taken.load(Ordering::Relaxed);
        prop_assert!(taken < INPUT_CAP + 1024 * 1024, "read {taken} bytes for a cap of {INPUT_CAP}");
    }
}

/// The readers' own cap on one line (JSON Lines) or row (CSV): 16 MiB.
const INPUT_CAP: u64 = 16 * 1024 * 1024;

/// Few cases: each one streams more than the cap (generated as it is read, never held here).
fn cap_config() -> ProptestConfig {
    ProptestConfig {
        cases: 3,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// Counts the bytes a reader took from its source.
struct Counting<R> {
    inner: R,
    taken: Arc<AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.taken.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// `head`, then `filler` repeated `len` times (never in memory at once), then `tail`.
fn stream(head: String, filler: u8, len: u64, tail: String) -> impl Read + Send + 'static {
    Cursor::new(head.into_bytes())
        .chain(std::io::repeat(filler).take(len))
        .chain(Cursor::new(tail.into_bytes()))
}

fn error_messages(events: &[InputEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            InputEvent::Error(err) => Some(err.error.message.clone()),
            _ => None,
        })
        .collect()
}

fn upns(events: &[InputEvent]) -> Vec<String> {
    events
        .iter()
        .filter_map(|e| match e {
            InputEvent::User(u) => u.record.user_principal_name.clone(),
            _ => None,
        })
        .collect()
}

/// Naming rules: arbitrary text, and rules built of the parts real ones have.
fn naming_rule() -> impl Strategy<Value = String> {
    let placeholder = prop_oneof![
        Just("{userPrincipalName}"),
        Just("{upn}"),
        Just("{samAccountName}"),
        Just("{sam}"),
        Just("{mail}"),
        Just("{employeeId}"),
        Just("{objectGuid}"),
        Just("{nope}"),
        Just("{"),
    ];
    let extension = prop_oneof![
        Just(".jpg"),
        Just(".*"),
        Just(".PNG"),
        Just(".exe"),
        Just(""),
        Just(".jpg."),
    ];
    prop_oneof![
        "\\PC{0,30}",
        (
            "[a-z_. -]{0,4}|\\.\\.|/|\\\\|:|\\x00|\\*",
            placeholder,
            "[a-z_. -]{0,4}|\\.\\.|/|:|\\*",
            extension
        )
            .prop_map(|(a, p, b, e)| format!("{a}{p}{b}{e}")),
    ]
}

/// User property values as hostile as input gets: path parts, separators, NUL, device names.
fn property_value() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(prop_oneof![
        "[a-z.@]{1,12}",
        "\\PC{0,20}",
        Just("..".to_string()),
        Just(".".to_string()),
        Just("../../etc/passwd".to_string()),
        Just("a/b".to_string()),
        Just("a\\b".to_string()),
        Just("nul\0byte".to_string()),
        Just("CON".to_string()),
        Just("ann.lee:stream".to_string()),
        Just("  ".to_string()),
    ])
}

/// Undo RFC 4515 escaping: `\xx` hex pairs back to bytes.
fn ldap_unescape(escaped: &str) -> String {
    let bytes = escaped.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 3 <= bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
