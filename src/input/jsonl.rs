//! JSON Lines: one user object per line, as `ConvertTo-Json -Compress` writes them.
//!
//! Also accepted, because it is what `Get-ADUser ... | ConvertTo-Json` gives without
//! `-Compress`: one JSON document (an array of user objects, or pretty-printed objects) when
//! the input's first line opens one. That form is split into its items as it arrives
//! (`document`), and its items are numbered by position instead of line.

use std::io::{BufRead, Read};
use std::path::PathBuf;

use super::document::{DocumentItems, MAX_ITEM_BYTES, Piece};
use super::record::{JsonItem, normalize_json_record};
use super::{InputEvent, checked_user, error_event};
use crate::schema::{ErrorCode, UserRecord};

/// Longest line accepted: room for a 10 MB photo in base64, not for an unbounded stream.
const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

pub struct JsonLinesReader<R> {
    reader: R,
    line: u64,
    base_dir: Option<PathBuf>,
    done: bool,
    /// The input is one JSON document (read item by item) rather than JSON Lines.
    document: Option<DocumentItems>,
    /// Items of the document read so far.
    item: u64,
}

impl<R: BufRead> JsonLinesReader<R> {
    pub fn new(reader: R, base_dir: Option<PathBuf>) -> Self {
        JsonLinesReader {
            reader,
            line: 0,
            base_dir,
            done: false,
            document: None,
            item: 0,
        }
    }

    fn parse(&self, bytes: &[u8]) -> Option<InputEvent> {
        let line = self.line;
        let bad = |message: String, hint: &str| {
            Some(error_event(
                line,
                None,
                ErrorCode::BadInputLine,
                message,
                hint,
            ))
        };
        let mut bytes = bytes;
        if line == 1 {
            bytes = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
        }
        let Ok(text) = std::str::from_utf8(bytes) else {
            return bad(
                format!("line {line} is not UTF-8 text"),
                "write the input as UTF-8 (PowerShell: `Out-File -Encoding utf8`)",
            );
        };
        let text = text.trim();
        if text.is_empty() {
            return None;
        }
        let item: JsonItem = match serde_json::from_str(text) {
            Ok(item) => item,
            Err(e) => {
                let hint = if text.starts_with('[') || text == "{" {
                    "this looks like multi-line JSON: send one object per line \
                     (`ForEach-Object { $_ | ConvertTo-Json -Compress }`)"
                } else {
                    "give one JSON object per line (PowerShell: `ConvertTo-Json -Compress`)"
                };
                return bad(format!("line {line} is not valid JSON: {e}"), hint);
            }
        };
        Some(self.item_event(item, line, "line"))
    }

    /// Turn one parsed JSON item into a user or an error; `unit` names what `line` counts.
    fn item_event(&self, item: JsonItem, line: u64, unit: &str) -> InputEvent {
        let bad = |message: String, hint: &str| {
            error_event(line, None, ErrorCode::BadInputLine, message, hint)
        };
        let JsonItem::Object(object) = item else {
            return bad(
                format!("{unit} {line} is JSON but not an object"),
                "give one user object per line, not arrays or plain values",
            );
        };
        let normalized = match normalize_json_record(object) {
            Ok(object) => serde_json::Value::Object(object),
            Err(conflict) => {
                return bad(
                    format!("{unit} {line}: {conflict}"),
                    "give each field once, or the same value under both names",
                );
            }
        };
        if let Some(problem) = photo_array_problem(&normalized) {
            return bad(
                format!("{unit} {line}: {problem}"),
                "thumbnailPhoto is base64 text or an array of byte values (0 to 255), as ConvertTo-Json writes a byte[]",
            );
        }
        match serde_json::from_value::<UserRecord>(normalized) {
            Ok(record) => checked_user(record, line, self.base_dir.as_deref()),
            Err(e) => bad(
                format!("{unit} {line} is not a user record: {e}"),
                "identity fields are strings; thumbnailPhoto is base64 or an array of bytes",
            ),
        }
    }

    /// The next item of a JSON document input, as a user or an error.
    fn document_event(&mut self) -> Option<InputEvent> {
        let document = self.document.as_mut()?;
        let piece = document.next_piece(&mut self.reader)?;
        Some(match piece {
            Piece::Item { bytes, line } => {
                self.item += 1;
                match serde_json::from_slice::<JsonItem>(&bytes) {
                    Ok(item) => self.item_event(item, self.item, "item"),
                    Err(e) => {
                        // `line` counts items here, as on every other record of a
                        // document; the file line where it broke goes in the message.
                        let at = line + e.line().saturating_sub(1) as u64;
                        error_event(
                            self.item,
                            None,
                            ErrorCode::BadInputLine,
                            format!(
                                "item {} of the JSON document is broken at line {at}: {e}",
                                self.item
                            ),
                            "fix the JSON there (or send one object per line, so one bad line costs one user)",
                        )
                    }
                }
            }
            Piece::TooLong { line } => {
                self.item += 1;
                error_event(
                    self.item,
                    None,
                    ErrorCode::BadInputLine,
                    format!(
                        "item {} (line {line}) of the JSON document is longer than {MAX_ITEM_BYTES} bytes",
                        self.item
                    ),
                    "give photos as PhotoPath instead of inline when they are this large",
                )
            }
            Piece::Broken { line, why } => error_event(
                line,
                None,
                ErrorCode::BadInputLine,
                format!(
                    "the JSON document is broken at line {line}: {why}; nothing after it was read"
                ),
                "fix the JSON there (or send one object per line, so one bad line costs one user)",
            ),
        })
    }
}

impl<R: BufRead> Iterator for JsonLinesReader<R> {
    type Item = InputEvent;

    fn next(&mut self) -> Option<InputEvent> {
        if self.document.is_some() {
            return self.document_event();
        }
        let mut buf = Vec::new();
        while !self.done {
            buf.clear();
            let read =
                Read::take(&mut self.reader, MAX_LINE_BYTES as u64 + 1).read_until(b'\n', &mut buf);
            self.line += 1;
            let line = self.line;
            match read {
                Ok(0) => self.done = true,
                Err(e) => {
                    self.done = true;
                    return Some(error_event(
                        line,
                        None,
                        ErrorCode::BadInputLine,
                        format!("reading input failed at line {line}: {e}"),
                        "check the input file or pipe",
                    ));
                }
                Ok(_) if buf.len() > MAX_LINE_BYTES => {
                    // Skip the rest of the oversized line so the next one starts clean.
                    skip_line(&mut self.reader);
                    return Some(error_event(
                        line,
                        None,
                        ErrorCode::BadInputLine,
                        format!("line {line} is longer than {MAX_LINE_BYTES} bytes"),
                        "give photos as PhotoPath instead of inline when they are this large",
                    ));
                }
                Ok(_) => {
                    if line == 1 && (buf.starts_with(b"\xff\xfe") || buf.starts_with(b"\xfe\xff")) {
                        self.done = true;
                        return Some(error_event(
                            line,
                            None,
                            ErrorCode::BadInputLine,
                            "the input is UTF-16 text".to_string(),
                            "write it as UTF-8 (Windows PowerShell: `Out-File -Encoding utf8`, or pipe directly)",
                        ));
                    }
                    if line == 1 && opens_document(&buf) {
                        self.done = true;
                        self.document = Some(DocumentItems::new(std::mem::take(&mut buf)));
                        return self.document_event();
                    }
                    if let Some(event) = self.parse(&buf) {
                        return Some(event);
                    }
                }
            }
        }
        None
    }
}

/// Discard up to and including the next newline without buffering the line.
fn skip_line<R: BufRead>(reader: &mut R) {
    loop {
        let (consumed, found) = match reader.fill_buf() {
            Ok([]) | Err(_) => return,
            Ok(buf) => match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (i + 1, true),
                None => (buf.len(), false),
            },
        };
        reader.consume(consumed);
        if found {
            return;
        }
    }
}

/// Whether the first line starts a multi-line JSON document rather than a JSON line.
fn opens_document(first_line: &[u8]) -> bool {
    let line = first_line
        .strip_prefix(b"\xef\xbb\xbf")
        .unwrap_or(first_line);
    let text = String::from_utf8_lossy(line);
    let text = text.trim();
    text.starts_with('[') || text == "{"
}

/// What is wrong with a `thumbnailPhoto` array, said plainly (serde's own message names an
/// "untagged enum"): the first item that is not a byte value.
fn photo_array_problem(record: &serde_json::Value) -> Option<String> {
    let items = record.get("thumbnailPhoto")?.as_array()?;
    let (index, item) = items
        .iter()
        .enumerate()
        .find(|(_, v)| v.as_u64().is_none_or(|n| n > 255))?;
    Some(format!(
        "thumbnailPhoto holds {item} at position {}, which is not a byte value (0 to 255)",
        index + 1
    ))
}
