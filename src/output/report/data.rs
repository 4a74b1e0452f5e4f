//! The report's data: every status record turned into one row per user, with thumbnails
//! de-duplicated and the reason each store shows no picture spelled out. Serialised as JSON
//! into the page, where the page's own script renders it.

use std::collections::HashMap;

use base64::Engine as _;
use serde::Serialize;

use crate::schema::{
    ComparedBy, ErrorRecord, FindingCode, FindingRecord, StatusRecord, StoreState, StoreStatus,
    SummaryRecord, UserKeys, Verdict,
};

#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportData {
    /// When the report was made (HTTP date, UTC).
    pub generated: String,
    /// Store names in the order they appear in rows.
    pub stores: Vec<String>,
    /// Base64 JPEGs, referenced by index from pictures (identical thumbnails stored once).
    pub thumbs: Vec<String>,
    /// Problems first, then by name.
    pub users: Vec<Row>,
    /// Findings about a store as a whole and input problems that are not about one row.
    pub notes: Vec<Note>,
    pub summary: Option<Summary>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    pub name: String,
    pub keys: UserKeys,
    pub verdict: Verdict,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    pub pictures: Vec<Picture>,
    pub findings: Vec<RowFinding>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Picture {
    pub store: String,
    /// Index into `thumbs`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub thumb: Option<usize>,
    /// Why there is no picture to show (absent, placeholder, no mailbox, not found, error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub why: Option<String>,
    /// `same`, `different` or `reference` when the pictures were compared; `own-write` or
    /// `outdated` when PhotoSync's recorded write decided (`comparedBy: own-write`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compared: Option<&'static str>,
    /// e.g. `96x96, 4.1 KB`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RowFinding {
    pub code: FindingCode,
    pub severity: crate::schema::Severity,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub store: Option<String>,
    pub message: String,
    pub hint: String,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Note {
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hint: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Summary {
    pub users: u64,
    pub duration_ms: u64,
    pub exit_code: i32,
}

/// Collects records into `ReportData`.
#[derive(Default)]
pub struct ReportBuilder {
    data: ReportData,
    thumb_index: HashMap<Vec<u8>, usize>,
}

impl ReportBuilder {
    pub fn status(&mut self, status: &StatusRecord) {
        let mut pictures = Vec::new();
        // A store showing the reference picture (perceptually the same) shares its thumbnail:
        // at 64 px the two look alike, and a mostly in-sync tenant's report stays small.
        let reference_thumb = status
            .stores
            .iter()
            .find(|s| Some(s.store.as_str()) == status.reference.as_deref())
            .and_then(|s| s.thumbnail.as_ref())
            .map(|t| self.thumb(t));
        for store in &status.stores {
            if !self.data.stores.contains(&store.store) {
                self.data.stores.push(store.store.clone());
            }
            let thumb = match (store.matches_reference, reference_thumb) {
                (Some(true), Some(shared)) => Some(shared),
                _ => store.thumbnail.as_ref().map(|t| self.thumb(t)),
            };
            pictures.push(Picture {
                store: store.store.clone(),
                thumb,
                why: why_no_picture(store, status, thumb.is_some()),
                compared: compared(store, status.reference.as_deref()),
                size: store.photo.as_ref().map(|p| {
                    format!(
                        "{}x{}, {:.1} KB",
                        p.width,
                        p.height,
                        p.bytes as f64 / 1024.0
                    )
                }),
            });
        }
        self.data.users.push(Row {
            name: display_name(&status.user),
            keys: status.user.clone(),
            verdict: status.verdict,
            reference: status.reference.clone(),
            pictures,
            findings: status
                .findings
                .iter()
                .map(|f| RowFinding {
                    code: f.code,
                    severity: f.severity,
                    store: f.store.clone(),
                    message: f.message.clone(),
                    hint: f.hint.clone(),
                })
                .collect(),
        });
    }

    pub fn finding(&mut self, record: &FindingRecord) {
        self.data.notes.push(Note {
            message: record.finding.message.clone(),
            hint: Some(record.finding.hint.clone()),
        });
    }

    pub fn error(&mut self, record: &ErrorRecord) {
        let place = match (record.line, &record.user) {
            (Some(line), _) => format!("input line {line}: "),
            (None, Some(user)) => format!("{}: ", display_name(user)),
            (None, None) => String::new(),
        };
        self.data.notes.push(Note {
            message: format!("{place}{}", record.error.message),
            hint: record.error.hint.clone(),
        });
    }

    pub fn summary(&mut self, summary: &SummaryRecord) {
        self.data.summary = Some(Summary {
            users: summary.users,
            duration_ms: summary.duration_ms,
            exit_code: summary.exit_code,
        });
    }

    /// The finished data: rows sorted problems first.
    pub fn finish(mut self, generated: String) -> ReportData {
        self.data.generated = generated;
        self.data
            .users
            .sort_by(|a, b| (rank(a.verdict), &a.name).cmp(&(rank(b.verdict), &b.name)));
        self.data
    }

    fn thumb(&mut self, jpeg: &[u8]) -> usize {
        if let Some(index) = self.thumb_index.get(jpeg) {
            return *index;
        }
        let index = self.data.thumbs.len();
        self.data
            .thumbs
            .push(base64::engine::general_purpose::STANDARD.encode(jpeg));
        self.thumb_index.insert(jpeg.to_vec(), index);
        index
    }
}

/// Worst first: what needs a look comes before what is fine.
pub fn rank(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::Error => 0,
        Verdict::Differs => 1,
        Verdict::MissingInSource => 2,
        Verdict::MissingInCloud => 3,
        Verdict::MissingInStore => 4,
        Verdict::NotFound => 5,
        Verdict::NoPhoto => 6,
        Verdict::InSync => 7,
    }
}

fn display_name(keys: &UserKeys) -> String {
    [
        &keys.user_principal_name,
        &keys.mail,
        &keys.sam_account_name,
        &keys.employee_id,
        &keys.object_guid,
    ]
    .into_iter()
    .flatten()
    .next()
    .cloned()
    .unwrap_or_else(|| "(no identity)".to_string())
}

fn compared(store: &StoreStatus, reference: Option<&str>) -> Option<&'static str> {
    if reference == Some(store.store.as_str()) {
        return Some("reference");
    }
    let by_record = store.compared_by == Some(ComparedBy::OwnWrite);
    store.matches_reference.map(|same| match (same, by_record) {
        (true, true) => "own-write",
        (false, true) => "outdated",
        (true, false) => "same",
        (false, false) => "different",
    })
}

fn why_no_picture(store: &StoreStatus, status: &StatusRecord, has_thumb: bool) -> Option<String> {
    let about_store = |code: FindingCode| {
        status
            .findings
            .iter()
            .any(|f| f.code == code && f.store.as_deref() == Some(store.store.as_str()))
    };
    match store.state {
        StoreState::Present if has_thumb => None,
        StoreState::Present => Some("picture present (no preview)".to_string()),
        StoreState::Error => Some(format!(
            "error: {}",
            store
                .error
                .as_ref()
                .map(|e| e.message.as_str())
                .unwrap_or("could not be read")
        )),
        StoreState::NotApplicable => Some("not applicable".to_string()),
        StoreState::Absent => Some(
            if store.details.get("userFound") == Some(&serde_json::Value::Bool(false)) {
                "not found"
            } else if about_store(FindingCode::SharepointPlaceholder) {
                "placeholder"
            } else if about_store(FindingCode::NoCloudMailbox) {
                "no mailbox"
            } else {
                "absent"
            }
            .to_string(),
        ),
    }
}

/// JSON that is safe inside `<script type="application/json">`: `<`, `>` and `&` only ever
/// occur inside strings, where their `\u` escapes mean the same, so no data can close the
/// element or open a comment.
pub fn to_script_json(data: &ReportData) -> serde_json::Result<String> {
    let json = serde_json::to_string(data)?;
    let mut out = String::with_capacity(json.len() + json.len() / 50);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            // Bidirectional overrides would let `\u{202e}moc.osotnoc@eel.nna` show as another
            // user's name: dropped, as the terminal table drops them.
            c if crate::terminal::is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_json_cannot_close_its_element() {
        let data = ReportData {
            notes: vec![Note {
                message: "</script><script>alert(1)</script><!-- & \u{2028}".into(),
                hint: None,
            }],
            ..ReportData::default()
        };
        let json = to_script_json(&data).expect("json");
        assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'));
        let back: serde_json::Value = serde_json::from_str(&json).expect("still JSON");
        assert_eq!(
            back["notes"][0]["message"],
            "</script><script>alert(1)</script><!-- & \u{2028}"
        );
    }

    // Regression: a UPN with a right-to-left override rendered as another user's name.
    #[test]
    fn bidirectional_overrides_never_reach_the_page() {
        let data = ReportData {
            notes: vec![Note {
                message: "\u{202e}moc.osotnoc@eel.nna and \u{2066}x\u{2069}".into(),
                hint: None,
            }],
            ..ReportData::default()
        };
        let json = to_script_json(&data).expect("json");
        let back: serde_json::Value = serde_json::from_str(&json).expect("still JSON");
        assert_eq!(back["notes"][0]["message"], "moc.osotnoc@eel.nna and x");
    }
}
