//! `--format table`: the same records as the JSON output, as aligned text for people.
//! Rows stream like the JSON does; colour only when asked for (a terminal without NO_COLOR),
//! and the text says everything without it.
//!
//! Every piece of text shown comes from input records or servers (UPNs, file names, error
//! messages), so it passes through `printable` first: a terminal must never receive an escape
//! sequence, a control character or a bidi override that someone else chose (they can retitle
//! the window, rewrite earlier lines or reorder what an admin reads).

use std::io::{self, Write};

use super::sink::RecordSink;
use crate::schema::{ComparedBy, OutputRecord, StoreState, StoreStatus, UserKeys, Verdict};
#[cfg(test)]
use crate::terminal::is_bidi_control;
use crate::terminal::printable;

const USER_WIDTH: usize = 32;
const WORD_WIDTH: usize = 18;

pub struct TableSink<W: Write + Send> {
    out: W,
    color: bool,
    header: Option<&'static str>,
}

impl<W: Write + Send> TableSink<W> {
    pub fn new(out: W, color: bool) -> Self {
        TableSink {
            out,
            color,
            header: None,
        }
    }

    fn header(&mut self, kind: &'static str, columns: &str) -> io::Result<()> {
        if self.header != Some(kind) {
            self.header = Some(kind);
            writeln!(self.out, "{columns}")?;
        }
        Ok(())
    }

    fn paint(&self, text: &str, code: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

/// Colour a padded word so alignment survives the escape codes.
fn padded(word: &str) -> String {
    format!("{word:<WORD_WIDTH$}")
}

pub fn user_label(user: &UserKeys) -> String {
    let label = user
        .user_principal_name
        .clone()
        .or_else(|| user.sam_account_name.clone())
        .or_else(|| user.mail.clone())
        .or_else(|| user.object_guid.clone())
        .or_else(|| user.employee_id.clone())
        .unwrap_or_else(|| "-".to_string());
    whole_label(&label)
}

/// Longest user label shown whole: past any real key (a UPN has at most 113 characters), so
/// only a hostile input's label is shortened, keeping both ends.
const MAX_LABEL: usize = 256;

/// A user's label is never cut to the column: two GUIDs or long UPNs that differ only at the
/// end must not print alike (an admin acts on the row). A longer one shifts its row instead.
fn whole_label(label: &str) -> String {
    let label = printable(label);
    let count = label.chars().count();
    if count <= MAX_LABEL {
        return label;
    }
    let half = MAX_LABEL / 2;
    let head: String = label.chars().take(half).collect();
    let tail: String = label.chars().skip(count - (MAX_LABEL - half - 1)).collect();
    format!("{head}~{tail}")
}

fn truncate(text: &str, max: usize) -> String {
    let text = printable(text);
    if text.chars().count() <= max {
        return text;
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('~');
    out
}

fn store_cell(status: &StoreStatus, reference: Option<&str>) -> String {
    let by_record = status.compared_by == Some(ComparedBy::OwnWrite);
    let word = match (status.state, status.matches_reference) {
        (StoreState::Present, _) if reference == Some(status.store.as_str()) => "reference",
        // PhotoSync's verified write, decided by the state record (`status --state`).
        (StoreState::Present, Some(true)) if by_record => "own-write",
        (StoreState::Present, Some(false)) if by_record => "OUTDATED",
        (StoreState::Present, Some(true)) => "same",
        (StoreState::Present, Some(false)) => "DIFFERENT",
        (StoreState::Present, None) => "present",
        (StoreState::Absent, _) => {
            if status.details.get("userFound") == Some(&serde_json::Value::Bool(false)) {
                "no-user"
            } else {
                "absent"
            }
        }
        (StoreState::Error, _) => "ERROR",
        (StoreState::NotApplicable, _) => "n/a",
    };
    format!("{}={word}", printable(&status.store))
}

impl<W: Write + Send> RecordSink for TableSink<W> {
    fn emit(&mut self, record: &OutputRecord) -> io::Result<()> {
        match record {
            OutputRecord::Status(s) => {
                self.header(
                    "status",
                    &format!(
                        "{:<USER_WIDTH$} {:<WORD_WIDTH$} {:<40} FINDING",
                        "USER", "VERDICT", "STORES"
                    ),
                )?;
                let color = match s.verdict {
                    Verdict::InSync | Verdict::NoPhoto => "32",
                    Verdict::Error => "31",
                    _ => "33",
                };
                let verdict = self.paint(&padded(s.verdict.name()), color);
                let stores: Vec<String> = s
                    .stores
                    .iter()
                    .map(|st| store_cell(st, s.reference.as_deref()))
                    .collect();
                let finding = match s.findings.as_slice() {
                    [] => String::new(),
                    [one] => one.message.clone(),
                    [first, rest @ ..] => format!("{} (+{} more)", first.message, rest.len()),
                };
                writeln!(
                    self.out,
                    "{:<USER_WIDTH$} {verdict} {:<40} {}",
                    user_label(&s.user),
                    stores.join(" "),
                    truncate(&finding, 100)
                )?;
            }
            OutputRecord::Result(r) => {
                self.header(
                    "result",
                    &format!(
                        "{:<USER_WIDTH$} {:<12} {:<WORD_WIDTH$} REASON",
                        "USER", "TARGET", "ACTION"
                    ),
                )?;
                let color = match r.action {
                    crate::schema::Action::Failed => "31",
                    crate::schema::Action::Updated => "32",
                    _ => "33",
                };
                let action = self.paint(&padded(r.action.name()), color);
                let mut reason = printable(&r.reason);
                if let Some(e) = &r.error {
                    reason.push_str(": ");
                    reason.push_str(&printable(&e.message));
                }
                writeln!(
                    self.out,
                    "{:<USER_WIDTH$} {:<12} {action} {}",
                    user_label(&r.user),
                    truncate(&r.target, 12),
                    reason
                )?;
            }
            OutputRecord::Error(e) => {
                let label = self.paint("error", "31");
                let mut line = format!("{label}: {}", printable(&e.error.message));
                if let Some(user) = &e.user {
                    line.push_str(&format!(" [{}]", user_label(user)));
                }
                writeln!(self.out, "{line}")?;
                if let Some(hint) = &e.error.hint {
                    writeln!(self.out, "  hint: {}", printable(hint))?;
                }
            }
            OutputRecord::Finding(f) => {
                writeln!(self.out, "note: {}", printable(&f.finding.message))?;
                writeln!(self.out, "  hint: {}", printable(&f.finding.hint))?;
            }
            OutputRecord::Summary(s) => {
                let counts: Vec<String> = s
                    .counts
                    .iter()
                    .map(|(k, v)| format!("{v} {}", printable(k)))
                    .collect();
                writeln!(
                    self.out,
                    "\n{} users: {} (exit code {}, {} ms)",
                    s.users,
                    if counts.is_empty() {
                        "nothing to report".to_string()
                    } else {
                        counts.join(", ")
                    },
                    s.exit_code,
                    s.duration_ms
                )?;
            }
            OutputRecord::Progress(p) => {
                writeln!(
                    self.out,
                    "progress: {} {} done",
                    printable(&p.phase),
                    p.done
                )?;
            }
            OutputRecord::Policy(p) => {
                writeln!(
                    self.out,
                    "photo policy: source {}: {}",
                    printable(&p.settings.source),
                    printable(&p.settings.effect)
                )?;
            }
        }
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{SCHEMA_VERSION, StatusRecord};

    fn render(color: bool) -> String {
        let mut sink = TableSink::new(Vec::new(), color);
        let record = OutputRecord::Status(StatusRecord {
            schema_version: SCHEMA_VERSION,
            user: UserKeys {
                user_principal_name: Some("ann@contoso.com".into()),
                ..Default::default()
            },
            verdict: Verdict::Differs,
            line: None,
            reference: Some("ad".into()),
            stores: Vec::new(),
            findings: Vec::new(),
        });
        sink.emit(&record).expect("render");
        String::from_utf8(sink.out).expect("utf-8")
    }

    /// What a terminal would act on: escapes, C0/C1 controls (other than the line ends the
    /// table writes itself) and bidi controls.
    fn dangerous(c: char) -> bool {
        (c.is_control() && c != '\n') || is_bidi_control(c)
    }

    // Regression: a UPN, file name or server message could carry terminal escapes (retitle the
    // window, clear the screen, fake a row) straight into the table.
    #[test]
    fn user_and_server_text_cannot_reach_the_terminal_as_controls() {
        let hostile = "ann\u{1b}]0;owned\u{7}@x\u{1b}[2J\u{1b}[1;31m.com\u{9b}5m\u{9d}8;;http://e\u{9c}\u{202e}gpj\u{2066}\r\nFAKE\u{0}\u{7f}";
        let mut sink = TableSink::new(Vec::new(), false);
        let keys = UserKeys {
            user_principal_name: Some(hostile.into()),
            ..Default::default()
        };
        let finding = crate::schema::Finding {
            code: crate::schema::FindingCode::UnmatchedFile,
            severity: crate::schema::Severity::Info,
            store: Some(hostile.into()),
            message: hostile.into(),
            hint: hostile.into(),
        };
        let records = [
            OutputRecord::Status(StatusRecord {
                schema_version: SCHEMA_VERSION,
                user: keys.clone(),
                line: None,
                verdict: Verdict::Differs,
                reference: None,
                stores: Vec::new(),
                findings: vec![finding.clone()],
            }),
            OutputRecord::Error(crate::schema::ErrorRecord {
                schema_version: SCHEMA_VERSION,
                user: Some(keys),
                line: None,
                store: None,
                error: crate::schema::ErrorInfo {
                    code: crate::schema::ErrorCode::StoreRejected,
                    message: hostile.into(),
                    hint: Some(hostile.into()),
                },
            }),
            OutputRecord::Finding(crate::schema::FindingRecord {
                schema_version: SCHEMA_VERSION,
                finding,
            }),
        ];
        for record in &records {
            sink.emit(record).expect("render");
        }
        let text = String::from_utf8(sink.out).expect("utf-8");
        assert!(!text.chars().any(dangerous), "{text:?}");
        assert!(
            !text.contains("owned") && !text.contains("http://e"),
            "{text:?}"
        );
        assert!(text.contains("ann@x.com"), "{text:?}");
        // The injected line break cannot start a row of its own.
        assert!(!text.lines().any(|l| l.starts_with("FAKE")), "{text:?}");
        assert_eq!(printable("plain ünïcode 名前"), "plain ünïcode 名前");
    }

    #[test]
    fn user_labels_are_never_cut_to_the_column() {
        let guid = |last: &str| UserKeys {
            object_guid: Some(format!("2f1c0a3e-9b7d-4e21-8c55-0a1b2c3{last}")),
            ..UserKeys::default()
        };
        let (a, b) = (user_label(&guid("d4e5f")), user_label(&guid("d4e60")));
        assert_ne!(a, b);
        assert!(a.ends_with("d4e5f"), "{a}");
        let long = UserKeys {
            user_principal_name: Some(format!("{}@x.test", "a".repeat(5000))),
            ..UserKeys::default()
        };
        let label = user_label(&long);
        assert_eq!(label.chars().count(), MAX_LABEL);
        assert!(label.ends_with("a@x.test"), "{label}");
    }

    #[test]
    fn colour_only_when_asked_and_text_is_the_same() {
        let plain = render(false);
        let coloured = render(true);
        assert!(!plain.contains('\x1b'));
        assert!(coloured.contains("\x1b[33m"));
        assert_eq!(
            coloured.replace("\x1b[33m", "").replace("\x1b[0m", ""),
            plain
        );
        assert!(plain.contains("ann@contoso.com") && plain.contains("differs"));
    }

    #[test]
    fn a_store_decided_by_the_state_record_says_so() {
        let store = |matches, compared_by| StoreStatus {
            store: "graph".into(),
            state: StoreState::Present,
            photo: None,
            matches_reference: Some(matches),
            compared_by: Some(compared_by),
            distance: None,
            details: Default::default(),
            error: None,
            thumbnail: None,
        };
        let cell = |matches, by| store_cell(&store(matches, by), Some("ad"));
        assert_eq!(cell(true, ComparedBy::OwnWrite), "graph=own-write");
        assert_eq!(cell(false, ComparedBy::OwnWrite), "graph=OUTDATED");
        assert_eq!(cell(true, ComparedBy::Picture), "graph=same");
        assert_eq!(cell(false, ComparedBy::Picture), "graph=DIFFERENT");
    }
}
