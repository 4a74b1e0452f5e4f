//! Input readers: every malformed line or row becomes a clear error record with its line
//! number, and the records after it are still read.

use std::io::Cursor;

use base64::Engine as _;
use photosync::input::{self, InputEvent};
use photosync::schema::{ErrorCode, PhotoBytes};

use crate::support::{collect_input, raw_jsonl};

fn users(events: &[InputEvent]) -> Vec<(u64, &photosync::schema::UserRecord)> {
    events
        .iter()
        .filter_map(|e| match e {
            InputEvent::User(u) => Some((u.line, &u.record)),
            _ => None,
        })
        .collect()
}

fn errors(events: &[InputEvent]) -> Vec<(Option<u64>, ErrorCode, String)> {
    events
        .iter()
        .filter_map(|e| match e {
            InputEvent::Error(r) => Some((r.line, r.error.code, r.error.message.clone())),
            _ => None,
        })
        .collect()
}

fn csv(text: &str) -> Vec<InputEvent> {
    collect_input(input::from_csv(Cursor::new(text.as_bytes().to_vec()), None).expect("csv header"))
}

#[test]
fn bad_json_line_is_reported_with_its_line_and_the_run_goes_on() {
    let events = collect_input(raw_jsonl(
        "{\"userPrincipalName\":\"a@contoso.com\"}\n{not json\n[1,2]\n\n{\"upn\":\"b@contoso.com\"}\n",
    ));
    let errs = errors(&events);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert_eq!((errs[0].0, errs[0].1), (Some(2), ErrorCode::BadInputLine));
    assert!(errs[0].2.contains("not valid JSON"), "{}", errs[0].2);
    assert_eq!((errs[1].0, errs[1].1), (Some(3), ErrorCode::BadInputLine));
    let found = users(&events);
    assert_eq!(found.len(), 2);
    assert_eq!(found[1].0, 5, "blank lines still count for line numbers");
    assert_eq!(
        found[1].1.user_principal_name.as_deref(),
        Some("b@contoso.com")
    );
}

#[test]
fn record_without_identity_is_a_no_identity_error() {
    let events = collect_input(raw_jsonl(
        "{\"PhotoPath\":\"x.jpg\",\"Department\":\"Sales\"}\n{\"mail\":\"c@contoso.com\"}\n",
    ));
    let errs = errors(&events);
    assert_eq!(errs.len(), 1);
    assert_eq!((errs[0].0, errs[0].1), (Some(1), ErrorCode::NoIdentity));
    assert_eq!(users(&events).len(), 1);
}

#[test]
fn get_aduser_shapes_are_understood() {
    // Windows PowerShell 5.1: ObjectGUID as an object, thumbnailPhoto as a byte array,
    // property names in PascalCase and odd casing, extra properties.
    let line = r#"{"DistinguishedName":"CN=Ann,DC=contoso,DC=com","Enabled":true,"ObjectGUID":{"Guid":"0b6f0f5e-8f7c-4a2b-9c1d-2e3f4a5b6c7d"},"SAMACCOUNTNAME":"ann","UserPrincipalName":"ann@contoso.com","thumbnailPhoto":[255,216,255,224],"EmployeeID":4711}"#;
    let events = collect_input(raw_jsonl(&format!("{line}\n")));
    let found = users(&events);
    assert_eq!(found.len(), 1, "{events:?}");
    let user = found[0].1;
    assert_eq!(
        user.object_guid.as_deref(),
        Some("0b6f0f5e-8f7c-4a2b-9c1d-2e3f4a5b6c7d")
    );
    assert_eq!(user.sam_account_name.as_deref(), Some("ann"));
    assert_eq!(user.employee_id.as_deref(), Some("4711"));
    assert_eq!(
        user.thumbnail_photo,
        Some(PhotoBytes::Bytes(vec![255, 216, 255, 224]))
    );
}

#[test]
fn powershell_7_base64_photo_and_string_guid() {
    let b64 = base64::engine::general_purpose::STANDARD.encode([1u8, 2, 3]);
    let line = format!(
        "{{\"ObjectGUID\":\"0b6f0f5e-8f7c-4a2b-9c1d-2e3f4a5b6c7d\",\"thumbnailPhoto\":\"{b64}\",\"mail\":null}}\n"
    );
    let events = collect_input(raw_jsonl(&line));
    let found = users(&events);
    assert_eq!(found.len(), 1, "{events:?}");
    assert_eq!(found[0].1.thumbnail_photo, Some(PhotoBytes::Base64(b64)));
    assert_eq!(found[0].1.mail, None);
}

#[test]
fn wrong_field_type_is_a_bad_line_not_a_crash() {
    let events = collect_input(raw_jsonl(
        "{\"upn\":\"a@contoso.com\",\"thumbnailPhoto\":12}\n{\"upn\":\"b@contoso.com\"}\n",
    ));
    let errs = errors(&events);
    assert_eq!(errs.len(), 1, "{events:?}");
    assert_eq!((errs[0].0, errs[0].1), (Some(1), ErrorCode::BadInputLine));
    assert_eq!(users(&events).len(), 1);
}

// Regression: a photo array holding a value that is no byte was refused with serde's "data did
// not match any variant of untagged enum PhotoBytes".
#[test]
fn a_photo_array_with_a_value_that_is_no_byte_names_it() {
    let events = collect_input(raw_jsonl(
        "{\"upn\":\"a@contoso.com\",\"thumbnailPhoto\":[255,216,300]}\n{\"upn\":\"b@contoso.com\",\"thumbnailPhoto\":[255,\"x\"]}\n",
    ));
    let errs = errors(&events);
    assert_eq!(errs.len(), 2, "{events:?}");
    assert!(errs[0].2.contains("300 at position 3"), "{}", errs[0].2);
    assert!(errs[1].2.contains("\"x\" at position 2"), "{}", errs[1].2);
    assert!(errs.iter().all(|e| !e.2.contains("untagged")), "{errs:?}");
}

/// Two names of one field (`Get-ADUser -Properties *` gives both `mail` and `EmailAddress`)
/// are read alike in JSON and CSV: agreeing values (but for case) are one value, and a record
/// whose two differ is refused, never read as whichever came first (JSON) or last (CSV).
#[test]
fn two_names_of_one_field_must_agree_in_json_and_csv() {
    let json = collect_input(raw_jsonl(concat!(
        "{\"mail\":\"a@contoso.com\",\"EmailAddress\":\"A@contoso.com\"}\n",
        "{\"UserPrincipalName\":\"gina@contoso.com\",\"upn\":\"cloud@contoso.com\"}\n",
        "{\"mail\":\"\",\"EmailAddress\":\"b@contoso.com\"}\n",
    )));
    let rows = csv(concat!(
        "mail,EmailAddress,UserPrincipalName,upn\n",
        "a@contoso.com,A@contoso.com,,\n",
        ",,gina@contoso.com,cloud@contoso.com\n",
        ",b@contoso.com,,\n",
    ));
    for (events, code) in [
        (json, ErrorCode::BadInputLine),
        (rows, ErrorCode::BadCsvRow),
    ] {
        let found = users(&events);
        let mails: Vec<_> = found
            .iter()
            .map(|(_, u)| u.mail.as_deref().map(str::to_lowercase))
            .collect();
        assert_eq!(
            mails,
            [Some("a@contoso.com".into()), Some("b@contoso.com".into())]
        );
        let errs = errors(&events);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!(errs[0].1, code);
        assert!(
            errs[0].2.contains("gina@contoso.com") && errs[0].2.contains("cloud@contoso.com"),
            "{}",
            errs[0].2
        );
    }
}

/// An objectGUID given as an object without the `Guid` or `Value` PowerShell wraps it in is
/// refused, not dropped (dropped, the record would be matched by UPN with no GUID to check).
#[test]
fn an_objectguid_object_without_its_value_is_refused() {
    let events = collect_input(raw_jsonl(
        "{\"objectGuid\":{\"id\":\"3ab39606-c642-489b-84b6-58c038d3ef39\"},\"upn\":\"ben@contoso.com\"}\n",
    ));
    assert!(users(&events).is_empty());
    let errs = errors(&events);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].1, ErrorCode::BadInputLine);
}

#[test]
fn utf16_input_is_refused_with_a_hint() {
    let bytes = b"\xff\xfe{\0\"\0".to_vec();
    let events = collect_input(input::from_json_lines(Cursor::new(bytes)));
    let errs = errors(&events);
    assert_eq!(errs.len(), 1);
    assert!(errs[0].2.contains("UTF-16"), "{}", errs[0].2);
}

#[test]
fn duplicate_users_are_reported_once_and_not_processed_twice() {
    let events = collect_input(raw_jsonl(concat!(
        "{\"upn\":\"Ann@Contoso.com\",\"sam\":\"ann\"}\n",
        "{\"userPrincipalName\":\"ann@contoso.com\"}\n",
        "{\"SamAccountName\":\"ANN\"}\n",
        "{\"ObjectGUID\":\"{0B6F0F5E-8F7C-4A2B-9C1D-2E3F4A5B6C7D}\"}\n",
        "{\"ObjectGUID\":\"0b6f0f5e-8f7c-4a2b-9c1d-2e3f4a5b6c7d\"}\n",
    )));
    let errs = errors(&events);
    assert_eq!(
        errs.iter().map(|e| (e.0, e.1)).collect::<Vec<_>>(),
        vec![
            (Some(2), ErrorCode::DuplicateUser),
            (Some(3), ErrorCode::DuplicateUser),
            (Some(5), ErrorCode::DuplicateUser),
        ]
    );
    assert!(errs[0].2.contains("line 1"), "{}", errs[0].2);
    assert_eq!(users(&events).len(), 2);
}

// Regression (issue 19, item 20): the same objectGUID given once as a GUID and once as its
// base64 immutable id was two users, processed twice. Immutable ids are case-sensitive, so
// one that differs only in case is another user.
#[test]
fn a_guid_and_its_immutable_id_are_one_user() {
    let guid = "0b6f0f5e-8f7c-4a2b-9c1d-2e3f4a5b6c7d";
    let bytes = uuid::Uuid::parse_str(guid).expect("guid").to_bytes_le();
    let immutable_id = base64::engine::general_purpose::STANDARD.encode(bytes);
    let other = immutable_id.to_lowercase();
    assert_ne!(other, immutable_id);
    let events = collect_input(raw_jsonl(&format!(
        "{{\"ObjectGUID\":\"{guid}\"}}\n{{\"ObjectGUID\":\"{immutable_id}\"}}\n{{\"ObjectGUID\":\"{other}\"}}\n"
    )));
    let errs = errors(&events);
    assert_eq!(
        errs.iter().map(|e| (e.0, e.1)).collect::<Vec<_>>(),
        vec![(Some(2), ErrorCode::DuplicateUser)]
    );
    let lines: Vec<u64> = users(&events).iter().map(|(line, _)| *line).collect();
    assert_eq!(lines, [1, 3]);
}

#[test]
fn csv_with_bom_semicolons_and_odd_header_case() {
    let events = csv(
        "\u{feff}userprincipalname;SAMAccountName;Department;PHOTOPATH\r\nann@contoso.com;ann;Sales;photos/ann.jpg\r\nbob@contoso.com;bob;IT;\r\n",
    );
    let found = users(&events);
    assert_eq!(found.len(), 2, "{events:?}");
    assert_eq!(found[0].0, 2, "header is row 1");
    assert_eq!(
        found[0].1.user_principal_name.as_deref(),
        Some("ann@contoso.com")
    );
    assert_eq!(found[0].1.photo_path.as_deref(), Some("photos/ann.jpg"));
    assert_eq!(found[1].1.photo_path, None, "empty cells are absent values");
}

#[test]
fn csv_row_without_identity_is_an_error_with_its_row_number() {
    let events = csv(concat!(
        "UserPrincipalName,Mail,PhotoPath\n",
        "ann@contoso.com,,a.jpg\n",
        ",,orphan.jpg\n",
        "bob@contoso.com,,b.jpg\n",
    ));
    let errs = errors(&events);
    assert!(
        errs.iter()
            .any(|e| e.0 == Some(3) && e.1 == ErrorCode::NoIdentity),
        "{errs:?}"
    );
    assert_eq!(users(&events).len(), 2, "{events:?}");
    assert_eq!(users(&events)[1].0, 4);
}

// Regression (issue 19, item 5): a row with an unterminated quote swallowed the rest of the
// file into one value: a header, that row, then 100 valid rows gave `users: 1`, exit 0.
// Regression (hostile review): rows were numbered by the records the parser returned, which
// skips blank lines, so an error on bob's row named the row above (ann's). The number is the
// file line the row starts on, as the editor and Excel show it.
#[test]
fn csv_rows_are_numbered_by_their_line_in_the_file_blank_lines_too() {
    let events = csv(concat!(
        "UserPrincipalName,Mail,EmailAddress\n",
        "ann@x.test,ann@x.test,ann@x.test\n",
        "\n",
        "bob@x.test,bob@x.test,robert@x.test\n",
        "\n",
        "\n",
        "carl@x.test,,\n",
    ));
    let errs = errors(&events);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].0, Some(4), "{errs:?}");
    assert!(errs[0].2.starts_with("line 4:"), "{}", errs[0].2);
    let found: Vec<u64> = users(&events).iter().map(|u| u.0).collect();
    assert_eq!(found, vec![2, 7]);
}

// Regression (hostile review): a UTF-16 CSV (Export-Csv -Encoding Unicode, Excel's "Unicode
// Text") was told it had no identity column; Excel's `sep=;` line above the header likewise.
#[test]
fn csv_in_utf16_is_named_and_excels_sep_line_is_read() {
    let text = "UserPrincipalName,PhotoPath\r\nann@x.test,a.jpg\r\n";
    let mut utf16 = vec![0xff, 0xfe];
    utf16.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let err = match input::from_csv(Cursor::new(utf16), None) {
        Ok(_) => panic!("expected a config error"),
        Err(e) => e,
    };
    assert!(err.message.contains("UTF-16"), "{err:?}");
    assert!(
        err.hint.as_deref().is_some_and(|h| h.contains("UTF-8")),
        "{err:?}"
    );

    let events = csv("sep=;\r\nUserPrincipalName;Notes\r\nann@x.test;a, b\r\n");
    let found = users(&events);
    assert_eq!(found.len(), 1, "{events:?}");
    assert_eq!(found[0].0, 3, "sep= is line 1, the header line 2");
    assert_eq!(
        found[0].1.user_principal_name.as_deref(),
        Some("ann@x.test")
    );
}

#[test]
fn csv_unterminated_quote_is_reported_with_its_line_not_swallowed_silently() {
    let mut text = String::from("UserPrincipalName,Notes\nann@contoso.com,\"oops\n");
    for i in 0..100 {
        text.push_str(&format!("user{i}@contoso.com,fine\n"));
    }
    let events = csv(&text);
    let errs = errors(&events);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!(errs[0].1, ErrorCode::BadCsvRow);
    assert!(
        errs[0].2.contains("quote") && errs[0].2.contains("line 2"),
        "{}",
        errs[0].2
    );
    assert!(users(&events).is_empty(), "the swallowed row is no user");
}

// Regression (issue 19, item 5): a quoted identity value could hold a line break
// ("ann\n@contoso.com"), which no directory has and which breaks logs and file names.
#[test]
fn csv_identity_values_with_line_breaks_are_refused() {
    let events = csv(concat!(
        "UserPrincipalName,SamAccountName\n",
        "\"ann\r\n@contoso.com\",ann\n",
        "bob@contoso.com,\"b\nob\"\n",
        "carl@contoso.com,carl\n",
    ));
    let errs = errors(&events);
    assert_eq!(
        errs.iter().map(|e| (e.0, e.1)).collect::<Vec<_>>(),
        vec![
            (Some(2), ErrorCode::BadCsvRow),
            (Some(4), ErrorCode::BadCsvRow)
        ],
        "{errs:?}"
    );
    assert!(errs[0].2.contains("line break"), "{}", errs[0].2);
    assert_eq!(users(&events).len(), 1);
}

// Regression (issue 19, item 5): a CSV row had no size limit (one huge quoted cell filled
// memory); rows are capped like JSON Lines lines (16 MiB).
#[test]
fn csv_row_over_16_mib_is_an_error_not_unbounded_memory() {
    let mut text = String::from("UserPrincipalName,Notes\nann@contoso.com,\"");
    text.push_str(&"x".repeat(17 << 20));
    text.push_str("\"\nbob@contoso.com,ok\n");
    let events = csv(&text);
    let errs = errors(&events);
    assert!(
        errs.iter()
            .any(|e| e.1 == ErrorCode::BadCsvRow && e.2.contains("16 MiB")),
        "{errs:?}"
    );
    assert!(
        users(&events)
            .iter()
            .all(|(_, u)| u.user_principal_name.as_deref() != Some("ann@contoso.com"))
    );
}

#[test]
fn csv_that_is_not_utf8_is_a_bad_row_with_a_hint() {
    let mut bytes = b"UserPrincipalName,Mail\nann@contoso.com,a@x\n".to_vec();
    bytes.extend_from_slice(b"j\xf6rg@contoso.com,j@x\ncarl@contoso.com,c@x\n");
    let events = collect_input(input::from_csv(Cursor::new(bytes), None).expect("header"));
    let errs = errors(&events);
    assert_eq!(errs.len(), 1, "{events:?}");
    assert_eq!((errs[0].0, errs[0].1), (Some(3), ErrorCode::BadCsvRow));
    assert_eq!(users(&events).len(), 2);
}

#[test]
fn csv_without_identity_columns_is_a_config_error() {
    let err = match input::from_csv(Cursor::new(b"Name,Photo\nAnn,a.jpg\n".to_vec()), None) {
        Ok(_) => panic!("expected a config error"),
        Err(e) => e,
    };
    assert_eq!(err.class, photosync::error::ErrorClass::Config);
    assert!(err.hint.is_some());
}

#[test]
fn csv_photo_paths_are_relative_to_the_csv() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("users.csv");
    std::fs::write(&path, "UPN,PhotoPath\nann@contoso.com,pics/ann.jpg\n").expect("write");
    let args = photosync::cli::InputArgs {
        csv: Some(path),
        ..Default::default()
    };
    let events: Vec<_> = input::open(&args).expect("open").collect();
    let found = users(&events);
    assert_eq!(
        found[0].1.photo_path.as_deref(),
        Some(dir.path().join("pics/ann.jpg").to_str().expect("utf-8"))
    );
}

#[test]
fn csv_reader_yields_every_row_of_a_100k_user_file_without_false_duplicates() {
    // The reader is an iterator: rows come one at a time (the engine pulls them through a
    // bounded channel), and 100k distinct users are all distinct to the deduplicator.
    let rows = 100_000;
    let mut text = String::from("UserPrincipalName,SamAccountName\n");
    for i in 0..rows {
        text.push_str(&format!("user{i}@contoso.com,user{i}\n"));
    }
    let mut stream = input::from_csv(Cursor::new(text.into_bytes()), None).expect("header");
    let first: Vec<_> = stream.by_ref().take(3).collect();
    assert_eq!(users(&first).len(), 3);
    assert_eq!(stream.count(), rows - 3);
}

#[test]
fn windows_powershell_export_csv_type_line_and_quotes() {
    let events = csv(concat!(
        "#TYPE Selected.Microsoft.ActiveDirectory.Management.ADUser\r\n",
        "\"SamAccountName\";\"UserPrincipalName\";\"PhotoPath\"\r\n",
        "\"ann\";\"ann@contoso.com\";\"C:\\HR\\ann.jpg\"\r\n",
        "\"\";\"\";\"\"\r\n",
    ));
    let found = users(&events);
    assert_eq!(found.len(), 1, "{events:?}");
    assert_eq!(
        found[0].0, 3,
        "rows count the file's lines: #TYPE 1, header 2"
    );
    assert_eq!(found[0].1.photo_path.as_deref(), Some("C:\\HR\\ann.jpg"));
}

#[test]
fn convertto_json_array_without_compress_is_read_as_one_document() {
    // `Get-ADUser -Filter * | ConvertTo-Json` (no -Compress): one pretty-printed array.
    let doc = "\u{feff}[\r\n    {\r\n        \"UserPrincipalName\":  \"ann@contoso.com\",\r\n        \"ObjectGUID\":  \"0b6f0f5e-8f7c-4a2b-9c1d-2e3f4a5b6c7d\"\r\n    },\r\n    {\r\n        \"Name\":  \"no identity\"\r\n    },\r\n    {\r\n        \"UserPrincipalName\":  \"bob@contoso.com\"\r\n    }\r\n]\r\n";
    let events = collect_input(raw_jsonl(doc));
    let found = users(&events);
    assert_eq!(found.len(), 2, "{events:?}");
    assert_eq!(found[1].0, 3, "items are numbered by position");
    let errs = errors(&events);
    assert_eq!(errs.len(), 1);
    assert_eq!((errs[0].0, errs[0].1), (Some(2), ErrorCode::NoIdentity));
}

#[test]
fn pretty_printed_single_object_and_broken_document() {
    let events = collect_input(raw_jsonl("{\n  \"upn\": \"ann@contoso.com\"\n}\n"));
    assert_eq!(users(&events).len(), 1, "{events:?}");

    let events = collect_input(raw_jsonl(
        "[\n {\"upn\": \"ann@contoso.com\"},\n {\"upn\": \"bob@contoso.com\",,}\n]\n",
    ));
    let errs = errors(&events);
    assert_eq!(errs.len(), 1, "{events:?}");
    // Regression (hostile review): the record carried the file line (3), which is also the
    // number the third item's records carry; `line` counts items in a document.
    assert_eq!(errs[0].0, Some(2), "the item that broke");
    assert!(
        errs[0].2.contains("item 2") && errs[0].2.contains("broken at line 3"),
        "{}",
        errs[0].2
    );
}

/// A reader that serves `text`, then fails: an input cut off mid-document.
struct ThenFails(Cursor<Vec<u8>>);

impl std::io::Read for ThenFails {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self.0.read(buf)? {
            0 => Err(std::io::Error::other("the pipe broke")),
            n => Ok(n),
        }
    }
}

// Regression (issue 19, item 6): a JSON array was read whole (up to 256 MB) and held twice
// before its first user was processed; it is split into items as it arrives, so the users
// before a failure are read, and an oversized item costs only itself.
#[test]
fn a_json_array_is_read_item_by_item() {
    let text = format!(
        "[\n  {{\"upn\": \"ann@contoso.com\"}},\n  {{\"upn\": \"big@contoso.com\", \"notes\": \"{}\"}},\n  {{\"upn\": \"bob@contoso.com\", \"x\": \"]}}[{{\\\"\"}},\n",
        "x".repeat(17 << 20)
    );
    let events = collect_input(input::from_json_lines(ThenFails(Cursor::new(
        text.into_bytes(),
    ))));
    let found: Vec<(u64, Option<&str>)> = users(&events)
        .iter()
        .map(|(item, u)| (*item, u.user_principal_name.as_deref()))
        .collect();
    assert_eq!(
        found,
        [(1, Some("ann@contoso.com")), (3, Some("bob@contoso.com"))],
        "{:?}",
        errors(&events)
    );
    let errs = errors(&events);
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(errs[0].2.contains("longer than"), "{}", errs[0].2);
    assert!(errs[1].2.contains("the pipe broke"), "{}", errs[1].2);
}

// Regression (review 04): a JSON line naming one key twice took the last value silently, so
// `{"userPrincipalName":"ann@…","photoPath":"ann.jpg","userPrincipalName":"bob@…"}` gave
// ann's photo to bob. Two values of one key are refused like two names of one field (the same
// value twice is fine), as a line and as an item of a JSON document; the run goes on.
#[test]
fn a_key_given_twice_with_different_values_is_refused_like_a_conflict() {
    let twice = r#"{"userPrincipalName":"ann@contoso.com","photoPath":"ann.jpg","userPrincipalName":"bob@contoso.com"}"#;
    let same = r#"{"mail":"cy@contoso.com","mail":"CY@contoso.com"}"#;
    let next = r#"{"upn":"dan@contoso.com"}"#;
    for (text, unit) in [
        (format!("{twice}\n{same}\n{next}\n"), "line 1"),
        (format!("[\n{twice},\n{same},\n{next}\n]\n"), "item 1"),
    ] {
        let events = collect_input(raw_jsonl(&text));
        let errs = errors(&events);
        assert_eq!(errs.len(), 1, "{errs:?}");
        assert_eq!((errs[0].0, errs[0].1), (Some(1), ErrorCode::BadInputLine));
        assert!(
            errs[0].2.contains(unit)
                && errs[0].2.contains("userPrincipalName is given twice")
                && errs[0].2.contains("bob@contoso.com"),
            "{}",
            errs[0].2
        );
        let found: Vec<_> = users(&events)
            .iter()
            .map(|(_, u)| {
                (u.mail.clone())
                    .or(u.user_principal_name.clone())
                    .unwrap_or_default()
            })
            .collect();
        assert_eq!(found, ["cy@contoso.com", "dan@contoso.com"], "{unit}");
    }
}

// Regression (review 05): a record with both thumbnailPhoto and photoPath (two photos for one
// person) silently took thumbnailPhoto. Refused naming both fields, in JSON and CSV; the run
// goes on, and a record giving one of them (or an empty other) is read as before.
#[test]
fn a_record_with_both_a_photo_and_a_photo_file_is_refused() {
    let photo = base64::engine::general_purpose::STANDARD.encode(b"\xff\xd8\xff\xe0");
    let events = collect_input(raw_jsonl(&format!(
        "{{\"upn\":\"ann@contoso.com\",\"PhotoPath\":\"bob.jpg\",\"thumbnailPhoto\":\"{photo}\"}}\n\
         {{\"upn\":\"cy@contoso.com\",\"PhotoPath\":\"cy.jpg\",\"thumbnailPhoto\":\"\"}}\n"
    )));
    let errs = errors(&events);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!((errs[0].0, errs[0].1), (Some(1), ErrorCode::BadInputLine));
    assert!(
        errs[0].2.contains("thumbnailPhoto and PhotoPath both give"),
        "{}",
        errs[0].2
    );
    assert_eq!(users(&events).len(), 1);

    let events = csv(&format!(
        "UserPrincipalName,thumbnailPhoto,FullName\nann@contoso.com,{photo},bob.jpg\ncy@contoso.com,,cy.jpg\n"
    ));
    let errs = errors(&events);
    assert_eq!(errs.len(), 1, "{errs:?}");
    assert_eq!((errs[0].0, errs[0].1), (Some(2), ErrorCode::BadCsvRow));
    assert!(
        errs[0].2.contains("thumbnailPhoto and FullName both give"),
        "{}",
        errs[0].2
    );
    assert_eq!(users(&events).len(), 1);
}
