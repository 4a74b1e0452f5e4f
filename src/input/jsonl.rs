//! JSON Lines: one user object per line, as `ConvertTo-Json -Compress` writes them.

use std::io::BufRead;
use std::path::PathBuf;

use super::record::normalize_json_record;
use super::{InputEvent, checked_user, error_event};
use crate::schema::{ErrorCode, UserRecord};

/// Longest line accepted: room for a 10 MB photo in base64, not for an unbounded stream.
const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

pub struct JsonLinesReader<R> {
    reader: R,
    line: u64,
    base_dir: Option<PathBuf>,
    done: bool,
}

impl<R: BufRead> JsonLinesReader<R> {
    pub fn new(reader: R, base_dir: Option<PathBuf>) -> Self {
        JsonLinesReader {
            reader,
            line: 0,
            base_dir,
            done: false,
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
        let value: serde_json::Value = match serde_json::from_str(text) {
            Ok(v) => v,
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
        let serde_json::Value::Object(object) = value else {
            return bad(
                format!("line {line} is JSON but not an object"),
                "give one user object per line, not arrays or plain values",
            );
        };
        let normalized = serde_json::Value::Object(normalize_json_record(object));
        match serde_json::from_value::<UserRecord>(normalized) {
            Ok(record) => Some(checked_user(record, line, self.base_dir.as_deref())),
            Err(e) => bad(
                format!("line {line} is not a user record: {e}"),
                "identity fields are strings; thumbnailPhoto is base64 or an array of bytes",
            ),
        }
    }
}

impl<R: BufRead> Iterator for JsonLinesReader<R> {
    type Item = InputEvent;

    fn next(&mut self) -> Option<InputEvent> {
        let mut buf = Vec::new();
        while !self.done {
            buf.clear();
            let read = std::io::Read::take(&mut self.reader, MAX_LINE_BYTES as u64 + 1)
                .read_until(b'\n', &mut buf);
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
