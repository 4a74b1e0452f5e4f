//! The JSON document form of the input (what `ConvertTo-Json` writes without `-Compress`: an
//! array of user objects, or pretty-printed objects one after another), split into its items
//! as the bytes arrive. Only the item being read is in memory, never the whole document, and
//! an item is capped like a JSON Lines line: a 1 GB array costs as much as its largest user.
//!
//! The splitter knows just enough JSON to find where an item ends (strings, escapes, nesting);
//! each item is then parsed on its own, so one broken item costs one user, not the document.

use std::io::BufRead;

/// Longest item accepted (as a JSON Lines line: room for a 10 MB photo in base64).
pub const MAX_ITEM_BYTES: usize = 16 * 1024 * 1024;

/// One piece of the document.
#[derive(Debug)]
pub enum Piece {
    /// An item's bytes, with the 1-based line it starts on.
    Item { bytes: Vec<u8>, line: u64 },
    /// An item over `MAX_ITEM_BYTES` (skipped; the next item is read).
    TooLong { line: u64 },
    /// The document cannot be followed from `line` on (reading failed, or it ended inside a
    /// value or array): nothing after this is read.
    Broken { line: u64, why: String },
}

pub struct DocumentItems {
    /// The first line, already read by the caller, served before the reader.
    first: Vec<u8>,
    at: usize,
    line: u64,
    in_array: bool,
    done: bool,
}

impl DocumentItems {
    pub fn new(first_line: Vec<u8>) -> Self {
        let first = match first_line.strip_prefix(b"\xef\xbb\xbf") {
            Some(rest) => rest.to_vec(),
            None => first_line,
        };
        DocumentItems {
            first,
            at: 0,
            line: 1,
            in_array: false,
            done: false,
        }
    }

    /// The next piece, `None` at the end of the document.
    pub fn next_piece<R: BufRead>(&mut self, reader: &mut R) -> Option<Piece> {
        if self.done {
            return None;
        }
        let piece = self.read_piece(reader);
        if matches!(piece, None | Some(Piece::Broken { .. })) {
            self.done = true;
        }
        piece
    }

    fn read_piece<R: BufRead>(&mut self, reader: &mut R) -> Option<Piece> {
        loop {
            let byte = match self.peek(reader) {
                Ok(Some(b)) => b,
                Ok(None) if self.in_array => {
                    return Some(self.broken("the document ends before the array's closing `]`"));
                }
                Ok(None) => return None,
                Err(e) => return Some(self.broken(&format!("reading the input failed: {e}"))),
            };
            match byte {
                b' ' | b'\t' | b'\r' | b'\n' => self.bump(reader, byte),
                b',' if self.in_array => self.bump(reader, byte),
                b'[' if !self.in_array => {
                    self.bump(reader, byte);
                    self.in_array = true;
                }
                b']' if self.in_array => {
                    self.bump(reader, byte);
                    self.in_array = false;
                }
                _ => return Some(self.take_value(reader)),
            }
        }
    }

    /// Read one JSON value (object, array, string or scalar) whole, keeping at most
    /// `MAX_ITEM_BYTES` of it.
    fn take_value<R: BufRead>(&mut self, reader: &mut R) -> Piece {
        let line = self.line;
        let mut bytes = Vec::new();
        let (mut depth, mut in_string, mut escaped, mut too_long) = (0usize, false, false, false);
        loop {
            let byte = match self.peek(reader) {
                Ok(Some(b)) => b,
                // A scalar may end the document; anything open may not.
                Ok(None) if depth == 0 && !in_string => break,
                Ok(None) => return self.broken("the document ends inside a value"),
                Err(e) => return self.broken(&format!("reading the input failed: {e}")),
            };
            let scalar_ended = depth == 0
                && !in_string
                && matches!(byte, b' ' | b'\t' | b'\r' | b'\n' | b',' | b']' | b'}');
            if scalar_ended && (!bytes.is_empty() || too_long) {
                break;
            }
            self.bump(reader, byte);
            if !too_long {
                bytes.push(byte);
                if bytes.len() > MAX_ITEM_BYTES {
                    too_long = true;
                    bytes = Vec::new();
                }
            }
            if in_string {
                match byte {
                    _ if escaped => escaped = false,
                    b'\\' => escaped = true,
                    b'"' => {
                        in_string = false;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
                continue;
            }
            match byte {
                b'"' => in_string = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth == 0 => {
                    return self.broken("a closing bracket does not match any opening one");
                }
                b'}' | b']' => {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                _ => {}
            }
        }
        if too_long {
            Piece::TooLong { line }
        } else {
            Piece::Item { bytes, line }
        }
    }

    fn broken(&self, why: &str) -> Piece {
        Piece::Broken {
            line: self.line,
            why: why.to_string(),
        }
    }

    fn peek<R: BufRead>(&mut self, reader: &mut R) -> std::io::Result<Option<u8>> {
        if let Some(&b) = self.first.get(self.at) {
            return Ok(Some(b));
        }
        Ok(reader.fill_buf()?.first().copied())
    }

    /// Step past the byte `peek` just gave.
    fn bump<R: BufRead>(&mut self, reader: &mut R, byte: u8) {
        if byte == b'\n' {
            self.line += 1;
        }
        if self.at < self.first.len() {
            self.at += 1;
        } else {
            reader.consume(1);
        }
    }
}
