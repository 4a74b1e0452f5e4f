//! CSV user lists as Excel and `Export-Csv` write them: header names case-insensitive,
//! `,` or `;` (European Excel) detected from the header, UTF-8 BOM dropped, unknown columns
//! ignored. Rows stream one at a time.

use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::PathBuf;

use serde_json::{Map, Value};

use super::record::{canonical_field, normalize_json_record};
use super::{InputEvent, checked_user, error_event};
use crate::error::{Error, Result};
use crate::schema::{ErrorCode, UserRecord};

type Source = Box<dyn Read + Send>;

pub struct CsvReader {
    rows: csv::ByteRecordsIntoIter<Source>,
    /// Canonical field per column (None = ignored column).
    columns: Vec<Option<&'static str>>,
    /// Row number of the last record read (header = 1, or 2 below a `#TYPE` line).
    row: u64,
    base_dir: Option<PathBuf>,
}

impl CsvReader {
    pub fn new<R: Read + Send + 'static>(reader: R, base_dir: Option<PathBuf>) -> Result<Self> {
        let mut reader = BufReader::new(reader);
        let mut header = Vec::new();
        reader.read_until(b'\n', &mut header).map_err(|e| {
            Error::config(format!("cannot read the CSV header: {e}"))
                .with_hint("check the file given to --csv")
        })?;
        if let Some(rest) = header.strip_prefix(b"\xef\xbb\xbf") {
            header = rest.to_vec();
        }
        // Windows PowerShell's Export-Csv writes `#TYPE System.Management...` above the
        // header unless told -NoTypeInformation.
        let mut header_row = 1;
        if header.starts_with(b"#TYPE") {
            header.clear();
            reader.read_until(b'\n', &mut header).map_err(|e| {
                Error::config(format!("cannot read the CSV header: {e}"))
                    .with_hint("check the file given to --csv")
            })?;
            header_row = 2;
        }
        let delimiter = detect_delimiter(&header);
        let source: Source = Box::new(Cursor::new(header).chain(reader));
        let mut csv = csv::ReaderBuilder::new()
            .delimiter(delimiter)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(source);
        let headers = csv.byte_headers().map_err(|e| {
            Error::config(format!("cannot read the CSV header: {e}"))
                .with_hint("the first line must name the columns, e.g. UserPrincipalName,PhotoPath")
        })?;
        let columns: Vec<Option<&'static str>> = headers
            .iter()
            .map(|name| std::str::from_utf8(name).ok().and_then(canonical_field))
            .collect();
        let identities = [
            "userPrincipalName",
            "objectGuid",
            "samAccountName",
            "mail",
            "employeeId",
        ];
        if !columns.iter().flatten().any(|c| identities.contains(c)) {
            return Err(Error::config(
                "the CSV header has no identity column".to_string(),
            )
            .with_hint(
                "name a column UserPrincipalName, ObjectGUID, SamAccountName, Mail or EmployeeID",
            ));
        }
        Ok(CsvReader {
            rows: csv.into_byte_records(),
            columns,
            row: header_row,
            base_dir,
        })
    }

    fn to_event(&self, record: &csv::ByteRecord) -> InputEvent {
        let row = self.row;
        let mut object = Map::new();
        for (field, cell) in self.columns.iter().zip(record.iter()) {
            let Some(field) = field else { continue };
            let Ok(text) = std::str::from_utf8(cell) else {
                return error_event(
                    row,
                    None,
                    ErrorCode::BadCsvRow,
                    format!("row {row}: column {field} is not UTF-8 text"),
                    "save the file as \"CSV UTF-8\" (Excel) or with `Export-Csv -Encoding utf8`",
                );
            };
            object.insert(field.to_string(), Value::String(text.to_string()));
        }
        let normalized = Value::Object(normalize_json_record(object));
        match serde_json::from_value::<UserRecord>(normalized) {
            Ok(user) => checked_user(user, row, self.base_dir.as_deref()),
            Err(e) => error_event(
                row,
                None,
                ErrorCode::BadCsvRow,
                format!("row {row} is not a user record: {e}"),
                "check the row's values",
            ),
        }
    }
}

impl Iterator for CsvReader {
    type Item = InputEvent;

    fn next(&mut self) -> Option<InputEvent> {
        loop {
            let next = self.rows.next()?;
            self.row += 1;
            let event = match next {
                Ok(record) if record.iter().all(|c| c.is_empty()) => continue,
                Ok(record) => self.to_event(&record),
                Err(e) => error_event(
                    self.row,
                    None,
                    ErrorCode::BadCsvRow,
                    format!("row {} cannot be read: {e}", self.row),
                    "check quoting in that row",
                ),
            };
            return Some(event);
        }
    }
}

/// `;` when the header has more semicolons than commas outside quotes (European Excel).
fn detect_delimiter(header: &[u8]) -> u8 {
    let (mut commas, mut semicolons, mut quoted) = (0, 0, false);
    for &b in header {
        match b {
            b'"' => quoted = !quoted,
            b',' if !quoted => commas += 1,
            b';' if !quoted => semicolons += 1,
            _ => {}
        }
    }
    if semicolons > commas { b';' } else { b',' }
}
