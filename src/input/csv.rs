//! CSV user lists as Excel and `Export-Csv` write them: header names case-insensitive,
//! `,` or `;` (European Excel) detected from the header or given by a `sep=` line, UTF-8 BOM
//! dropped, unknown columns ignored. Rows stream one at a time, each numbered by the file
//! line it starts on.
//!
//! A hand-edited CSV can be broken in ways the parser accepts silently: a quote that is never
//! closed makes the rest of the file one value. `RowGuard` follows the quoting as the bytes go
//! by, so such a row is reported with the line its quote opened on (and never taken as a
//! user), and it caps a row at 16 MiB like a JSON Lines line. Identity values holding a line
//! break are refused.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;

use super::record::{canonical_field, normalize_json_record};
use super::{InputEvent, checked_user, error_event};
use crate::error::{Error, Result};
use crate::schema::{ErrorCode, UserRecord};

type Source = Box<dyn Read + Send>;

/// Longest row accepted, as for a JSON Lines line.
const MAX_ROW_BYTES: u64 = 16 * 1024 * 1024;

/// Columns naming the user: a line break in one of them is a broken row, never a user.
const IDENTITY_FIELDS: [&str; 5] = [
    "userPrincipalName",
    "objectGuid",
    "samAccountName",
    "mail",
    "employeeId",
];

pub struct CsvReader {
    rows: csv::ByteRecordsIntoIter<Source>,
    /// The row after the current one, read ahead: a row an unterminated quote swallowed is
    /// the last, and only the end of the input tells.
    ahead: Option<csv::Result<csv::ByteRecord>>,
    /// Per column, its header name and canonical field (None = ignored column).
    columns: Vec<Option<(String, &'static str)>>,
    /// The file line the last record read starts on (header = 1, or 2 below a `#TYPE` or
    /// `sep=` line): blank lines count, and a row spanning lines is numbered by its first.
    row: u64,
    base_dir: Option<PathBuf>,
    quoting: Arc<Quoting>,
    done: bool,
}

impl CsvReader {
    pub fn new<R: Read + Send + 'static>(reader: R, base_dir: Option<PathBuf>) -> Result<Self> {
        let quoting = Arc::new(Quoting::default());
        let mut reader = BufReader::new(RowGuard::new(reader, Arc::clone(&quoting)));
        let mut header = Vec::new();
        reader.read_until(b'\n', &mut header).map_err(|e| {
            Error::config(format!("cannot read the CSV header: {e}"))
                .with_hint("check the file given to --csv")
        })?;
        if header.starts_with(b"\xff\xfe") || header.starts_with(b"\xfe\xff") {
            return Err(Error::config("the CSV is UTF-16 text").with_hint(
                "save it as UTF-8: Excel's \"CSV UTF-8\", or `Export-Csv -Encoding utf8`",
            ));
        }
        if let Some(rest) = header.strip_prefix(b"\xef\xbb\xbf") {
            header = rest.to_vec();
        }
        let mut next_line = |header: &mut Vec<u8>| {
            header.clear();
            reader.read_until(b'\n', header).map_err(|e| {
                Error::config(format!("cannot read the CSV header: {e}"))
                    .with_hint("check the file given to --csv")
            })
        };
        let mut header_row = 1;
        // Excel writes `sep=;` above the header when told which delimiter the file uses.
        let mut delimiter = None;
        if let [b's' | b'S', b'e' | b'E', b'p' | b'P', b'=', d, rest @ ..] = header.as_slice()
            && rest.iter().all(u8::is_ascii_whitespace)
        {
            delimiter = Some(*d);
            next_line(&mut header)?;
            header_row += 1;
        }
        // Windows PowerShell's Export-Csv writes `#TYPE System.Management...` above the
        // header unless told -NoTypeInformation.
        if header.starts_with(b"#TYPE") {
            next_line(&mut header)?;
            header_row += 1;
        }
        let delimiter = delimiter.unwrap_or_else(|| detect_delimiter(&header));
        quoting.delimiter.store(delimiter, Ordering::Relaxed);
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
        let columns: Vec<Option<(String, &'static str)>> = headers
            .iter()
            .map(|name| {
                let name = std::str::from_utf8(name).ok()?;
                Some((name.to_string(), canonical_field(name)?))
            })
            .collect();
        let identities = [
            "userPrincipalName",
            "objectGuid",
            "samAccountName",
            "mail",
            "employeeId",
        ];
        if !columns
            .iter()
            .flatten()
            .any(|(_, c)| identities.contains(c))
        {
            return Err(Error::config(
                "the CSV header has no identity column".to_string(),
            )
            .with_hint(
                "name a column UserPrincipalName, ObjectGUID, SamAccountName, Mail or EmployeeID",
            ));
        }
        // The lines above the first row (`sep=`, `#TYPE`, the header) are no rows of users.
        for _ in 0..header_row {
            quoting.next_row_line();
        }
        let mut rows = csv.into_byte_records();
        Ok(CsvReader {
            ahead: rows.next(),
            rows,
            columns,
            row: header_row,
            base_dir,
            quoting,
            done: false,
        })
    }

    fn to_event(&self, record: &csv::ByteRecord) -> InputEvent {
        let row = self.row;
        let mut properties = Vec::new();
        for (column, cell) in self.columns.iter().zip(record.iter()) {
            let Some((name, field)) = column else {
                continue;
            };
            let Ok(text) = std::str::from_utf8(cell) else {
                return error_event(
                    row,
                    None,
                    ErrorCode::BadCsvRow,
                    format!("line {row}: column {field} is not UTF-8 text"),
                    "save the file as \"CSV UTF-8\" (Excel) or with `Export-Csv -Encoding utf8`",
                );
            };
            if IDENTITY_FIELDS.contains(field) && text.contains(['\r', '\n']) {
                return error_event(
                    row,
                    None,
                    ErrorCode::BadCsvRow,
                    format!("line {row}: column {field} contains a line break"),
                    "check the quotes around that value: a user name never spans lines",
                );
            }
            properties.push((name.clone(), Value::String(text.to_string())));
        }
        // Two columns of one field (`mail` and `EmailAddress`) must agree, as in JSON.
        let normalized = match normalize_json_record(properties) {
            Ok(object) => Value::Object(object),
            Err(conflict) => {
                return error_event(
                    row,
                    None,
                    ErrorCode::BadCsvRow,
                    format!("line {row}: {conflict}"),
                    "keep one column per field, or the same value in both",
                );
            }
        };
        match serde_json::from_value::<UserRecord>(normalized) {
            Ok(user) => checked_user(user, row, self.base_dir.as_deref()),
            Err(e) => error_event(
                row,
                None,
                ErrorCode::BadCsvRow,
                format!("line {row} is not a user record: {e}"),
                "check the row's values",
            ),
        }
    }
}

impl Iterator for CsvReader {
    type Item = InputEvent;

    fn next(&mut self) -> Option<InputEvent> {
        while !self.done {
            let current = self.ahead.take()?;
            self.row = self.quoting.next_row_line().unwrap_or(self.row + 1);
            let row = self.row;
            if current.is_err() && self.quoting.too_long.load(Ordering::Relaxed) {
                // The parser's state inside that row is unknown: nothing after it is trusted.
                self.done = true;
                return Some(error_event(
                    row,
                    None,
                    ErrorCode::BadCsvRow,
                    format!(
                        "the row from line {} is longer than 16 MiB; the rest of the file was not read",
                        self.quoting.row_line.load(Ordering::Relaxed)
                    ),
                    "check for a quote that is never closed near that line",
                ));
            }
            self.ahead = self.rows.next();
            if self.ahead.is_none()
                && let Some(line) = self.quoting.unterminated()
            {
                self.done = true;
                return Some(error_event(
                    row,
                    None,
                    ErrorCode::BadCsvRow,
                    format!(
                        "the quote opened on line {line} is never closed, so the rest of the file would be one value; nothing from line {line} on was read as a user"
                    ),
                    "close the quote (a quote inside a quoted value is written twice: \"\")",
                ));
            }
            let event = match current {
                Ok(record) if record.iter().all(|c| c.is_empty()) => continue,
                Ok(record) => self.to_event(&record),
                Err(e) => error_event(
                    row,
                    None,
                    ErrorCode::BadCsvRow,
                    format!("line {row} cannot be read: {e}"),
                    "check quoting in that row",
                ),
            };
            return Some(event);
        }
        None
    }
}

/// What `RowGuard` saw of the quoting, shared with the reader that turns rows into users.
#[derive(Debug, Default)]
struct Quoting {
    /// The delimiter once the header told it (0 before: `,` and `;` both count).
    delimiter: AtomicU8,
    /// 1-based line where the quoted value still open began (0: none open).
    open_quote: AtomicU64,
    /// 1-based line where the current row began.
    row_line: AtomicU64,
    /// The input ended.
    ended: AtomicBool,
    /// A row passed `MAX_ROW_BYTES`: the input was cut there.
    too_long: AtomicBool,
    /// The lines the rows read but not yet numbered start on, in order: one per row the CSV
    /// parser returns (it skips blank lines, so its own count is no line number).
    row_lines: Mutex<VecDeque<u64>>,
}

impl Quoting {
    /// The line the next row the parser returns starts on.
    fn next_row_line(&self) -> Option<u64> {
        self.row_lines.lock().ok()?.pop_front()
    }

    /// The line of a quote the input ended inside.
    fn unterminated(&self) -> Option<u64> {
        let line = self.open_quote.load(Ordering::Relaxed);
        (self.ended.load(Ordering::Relaxed) && line > 0).then_some(line)
    }
}

/// Where the CSV parser is within a row, as RFC 4180 (and the `csv` crate) read it: a quote
/// opens a quoted value only at the start of a field, and `""` inside one is a quote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    FieldStart,
    Unquoted,
    Quoted,
    /// A quote inside a quoted value: its end, or the first half of `""`.
    QuoteInQuoted,
}

/// Passes the bytes through unchanged while following the quoting (see `Quoting`).
struct RowGuard<R> {
    inner: R,
    shared: Arc<Quoting>,
    place: Place,
    line: u64,
    row_bytes: u64,
    /// The current row has a byte other than a line end (the parser returns it as a row).
    row_seen: bool,
}

impl<R> RowGuard<R> {
    fn new(inner: R, shared: Arc<Quoting>) -> Self {
        shared.row_line.store(1, Ordering::Relaxed);
        RowGuard {
            inner,
            shared,
            place: Place::FieldStart,
            line: 1,
            row_bytes: 0,
            row_seen: false,
        }
    }

    fn is_delimiter(&self, b: u8) -> bool {
        match self.shared.delimiter.load(Ordering::Relaxed) {
            0 => b == b',' || b == b';',
            d => b == d,
        }
    }

    fn step(&mut self, b: u8) {
        self.row_bytes += 1;
        if !self.row_seen && b != b'\r' && b != b'\n' {
            self.row_seen = true;
            if let Ok(mut lines) = self.shared.row_lines.lock() {
                lines.push_back(self.line);
            }
        }
        let place = match (self.place, b) {
            (Place::Quoted, b'\n') => {
                self.line += 1;
                Place::Quoted
            }
            (_, b'\n') => {
                self.line += 1;
                self.row_bytes = 0;
                self.row_seen = false;
                self.shared.row_line.store(self.line, Ordering::Relaxed);
                Place::FieldStart
            }
            (Place::Quoted, b'"') => Place::QuoteInQuoted,
            (Place::Quoted, _) => Place::Quoted,
            (Place::QuoteInQuoted, b'"') => Place::Quoted,
            (Place::FieldStart, b'"') => {
                self.shared.open_quote.store(self.line, Ordering::Relaxed);
                Place::Quoted
            }
            (_, d) if self.is_delimiter(d) => Place::FieldStart,
            _ => Place::Unquoted,
        };
        if self.place == Place::QuoteInQuoted && place != Place::Quoted {
            self.shared.open_quote.store(0, Ordering::Relaxed);
        }
        self.place = place;
    }
}

impl<R: Read> Read for RowGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.shared.too_long.load(Ordering::Relaxed) {
            return Ok(0);
        }
        let n = self.inner.read(buf)?;
        if n == 0 {
            self.shared.ended.store(true, Ordering::Relaxed);
        }
        for &b in &buf[..n] {
            self.step(b);
        }
        if self.row_bytes > MAX_ROW_BYTES {
            self.shared.too_long.store(true, Ordering::Relaxed);
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "row longer than 16 MiB",
            ));
        }
        Ok(n)
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
