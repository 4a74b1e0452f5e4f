//! Naming rules: how a user's photo file is named (`{samAccountName}.jpg`, `{upn}.*`), and
//! the checks that keep every name a plain file in the folder on Windows and Unix alike.

use crate::error::{Error, Result};
use crate::schema::{ErrorCode, UserRecord};

/// The rule used when the spec names none.
pub const DEFAULT_RULE: &str = "{userPrincipalName}.*";

/// Extensions a `.*` rule matches, in the order preferred when a user has several files.
pub(super) const IMAGE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png", "gif", "webp", "bmp"];

const PLACEHOLDERS: &[&str] = &[
    "userPrincipalName",
    "upn",
    "samAccountName",
    "sam",
    "mail",
    "employeeId",
    "objectGuid",
];

/// How a user's file is named: a stem template with placeholders and an extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamingRule {
    stem: String,
    /// Lower-case extension without the dot; `None` = any image extension (`.*`).
    extension: Option<String>,
}

impl NamingRule {
    pub fn parse(rule: &str) -> Result<Self> {
        let bad = |why: &str| {
            Error::config(format!("naming rule `{rule}` {why}")).with_hint(
                "use a rule such as {samAccountName}.jpg, {userPrincipalName}.* or {mail}.png",
            )
        };
        if rule.contains(['/', '\\']) {
            return Err(bad("must name a file, not a path"));
        }
        let literal: String = {
            // The rule's own text outside the placeholders must be file-name safe too.
            let mut text = String::new();
            let mut depth = 0;
            for c in rule.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    c if depth == 0 => text.push(c),
                    _ => {}
                }
            }
            text
        };
        if literal
            .chars()
            .any(|c| c.is_control() || (c != '*' && WINDOWS_FORBIDDEN.contains(&c)))
            || literal.matches('*').count() > usize::from(rule.ends_with(".*"))
        {
            return Err(bad(
                "contains a character file names cannot hold on Windows",
            ));
        }
        let Some((stem, ext)) = rule.rsplit_once('.') else {
            return Err(bad("needs an extension (.jpg, .png or .* for any image)"));
        };
        let extension = match ext.to_ascii_lowercase().as_str() {
            "*" => None,
            e if IMAGE_EXTENSIONS.contains(&e) => Some(e.to_string()),
            _ => return Err(bad("has an extension that is not an image type")),
        };
        let mut rest = stem;
        let mut placeholders = 0;
        while let Some(open) = rest.find('{') {
            let Some(close) = rest[open..].find('}') else {
                return Err(bad("has an unclosed `{`"));
            };
            let name = &rest[open + 1..open + close];
            if !PLACEHOLDERS.iter().any(|p| p.eq_ignore_ascii_case(name)) {
                return Err(bad(&format!(
                    "uses unknown placeholder {{{name}}} (known: {})",
                    PLACEHOLDERS.join(", ")
                )));
            }
            placeholders += 1;
            rest = &rest[open + close + 1..];
        }
        if placeholders == 0 {
            return Err(bad("names no user property in braces"));
        }
        Ok(NamingRule {
            stem: stem.to_string(),
            extension,
        })
    }

    /// The file stem for this user: `Ok(None)` when the user lacks a property the rule needs,
    /// an input error when a value cannot be a plain file name on Windows or Unix (it could
    /// escape the folder, open a device or an alternate data stream, or be silently renamed).
    pub fn stem_for(&self, user: &UserRecord) -> Result<Option<String>> {
        let mut out = String::new();
        let mut rest = self.stem.as_str();
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('}').map(|c| open + c) else {
                return Ok(None);
            };
            let name = &rest[open + 1..close];
            let Some(value) = placeholder_value(name, user) else {
                return Ok(None);
            };
            let value = value.trim();
            if value.is_empty() {
                return Ok(None);
            }
            if let Some(why) = unsafe_in_file_name(value) {
                return Err(unsafe_name(name, value, why));
            }
            out.push_str(value);
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        let extension = self.extension.as_deref().unwrap_or("jpg");
        if let Some(why) = unsafe_file_name(&out, extension) {
            return Err(unsafe_name("the rule", &out, why));
        }
        Ok(Some(out))
    }

    /// The extension the rule asks for (lower case, no dot); `None`: any image type (`.*`).
    pub(super) fn extension(&self) -> Option<&str> {
        self.extension.as_deref()
    }

    /// The rule with its placeholders under their canonical names (`{upn}` and
    /// `{userPrincipalName}` name the same file): part of the folder's state key.
    pub(super) fn canonical(&self) -> String {
        let mut out = String::new();
        let mut rest = self.stem.as_str();
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let Some(close) = rest[open..].find('}').map(|c| open + c) else {
                break;
            };
            let name = &rest[open + 1..close];
            out.push('{');
            out.push_str(canonical_placeholder(name).unwrap_or(name));
            out.push('}');
            rest = &rest[close + 1..];
        }
        out.push_str(rest);
        format!("{out}.{}", self.extension.as_deref().unwrap_or("*"))
    }

    pub(super) fn accepts(&self, ext: &str) -> bool {
        match &self.extension {
            Some(e) => e == ext || (e == "jpg" && ext == "jpeg") || (e == "jpeg" && ext == "jpg"),
            None => IMAGE_EXTENSIONS.contains(&ext),
        }
    }
}

impl std::fmt::Display for NamingRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ext = self.extension.as_deref().unwrap_or("*");
        write!(f, "{}.{ext}", self.stem)
    }
}

/// The canonical name of a placeholder (`upn` -> `userPrincipalName`), any case.
fn canonical_placeholder(name: &str) -> Option<&'static str> {
    Some(match name.to_ascii_lowercase().as_str() {
        "userprincipalname" | "upn" => "userPrincipalName",
        "samaccountname" | "sam" => "samAccountName",
        "mail" => "mail",
        "employeeid" => "employeeId",
        "objectguid" => "objectGuid",
        _ => return None,
    })
}

fn placeholder_value<'a>(name: &str, user: &'a UserRecord) -> Option<&'a str> {
    let field = match canonical_placeholder(name)? {
        "userPrincipalName" => &user.user_principal_name,
        "samAccountName" => &user.sam_account_name,
        "mail" => &user.mail,
        "employeeId" => &user.employee_id,
        _ => &user.object_guid,
    };
    field.as_deref()
}

/// Characters Windows refuses in file names (`:` would also open an alternate data stream).
const WINDOWS_FORBIDDEN: &[char] = &['<', '>', ':', '"', '|', '?', '*', '/', '\\'];

/// Why a placeholder value cannot go into a file name, if it cannot.
fn unsafe_in_file_name(value: &str) -> Option<&'static str> {
    if value.chars().any(char::is_control) {
        Some("contains control characters")
    } else if value.contains(WINDOWS_FORBIDDEN) {
        Some("contains a path separator, a drive or stream colon, or a character Windows forbids")
    } else if value.contains("..") {
        Some("contains `..`")
    } else if value == "." {
        Some("is `.`, the folder itself")
    } else {
        None
    }
}

/// Device names Windows opens instead of a file, whatever the extension (`NUL.jpg`).
fn is_windows_device(stem: &str) -> bool {
    let base = stem.split('.').next().unwrap_or(stem).trim_end_matches(' ');
    let upper = base.to_ascii_uppercase();
    match upper.as_str() {
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$" => true,
        _ => {
            let prefix = upper.get(..3).unwrap_or_default();
            let digit = upper.get(3..).unwrap_or_default();
            (prefix == "COM" || prefix == "LPT")
                && (matches!(digit, "¹" | "²" | "³")
                    || (digit.len() == 1 && digit.bytes().all(|b| b.is_ascii_digit())))
        }
    }
}

/// Why the whole file name `stem.extension` is unsafe, if it is.
fn unsafe_file_name(stem: &str, extension: &str) -> Option<&'static str> {
    if is_windows_device(stem) {
        Some("is a reserved device name on Windows (CON, NUL, COM1, LPT1, ...)")
    } else if stem.ends_with(['.', ' ']) || stem.starts_with(' ') {
        Some("begins with a space or ends with a dot or space, which Windows strips")
    } else if stem.len() + extension.len() + 1 > 255 {
        Some("is longer than a file name may be")
    } else {
        None
    }
}

pub(super) fn unsafe_name(what: &str, value: &str, why: &str) -> Error {
    Error::input(
        ErrorCode::StoreRejected,
        format!(
            "{what} value `{}` cannot name a photo file: it {why}",
            value.escape_default()
        ),
    )
    .with_hint(
        "fix the value in the input, or name files by another property (e.g. {objectGuid}.jpg)",
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorClass;

    #[test]
    fn bad_rules_are_config_errors() {
        for rule in [
            "{nope}.jpg",
            "alice.jpg",
            "{mail}",
            "{mail}.txt",
            "x/{mail}.jpg",
        ] {
            let err = NamingRule::parse(rule).expect_err(rule);
            assert_eq!(err.class, ErrorClass::Config, "{rule}");
        }
    }

    fn sam(value: &str) -> UserRecord {
        UserRecord {
            sam_account_name: Some(value.into()),
            ..Default::default()
        }
    }

    // Regression: only `/`, `\` and `..` were refused, so on Windows `C:evil`, `a:stream`
    // (an alternate data stream), `NUL` or `COM1` (devices) and `ann.` (renamed) got through.
    #[test]
    fn values_unsafe_on_windows_or_unix_are_the_records_error() {
        let rule = NamingRule::parse("{samAccountName}.jpg").expect("rule");
        for value in [
            "../etc/passwd",
            "a/b",
            r"a\b",
            "..",
            "a..b",
            "C:",
            "C:evil",
            "ann:secret",
            "CON",
            "nul",
            "Com1",
            "LPT9",
            "com¹",
            "aux.backup",
            "ann.",
            "bad\u{0}nul",
            "tab\there",
            "what?",
            "a*b",
            "<x>",
            "pipe|",
            "quote\"",
        ] {
            let err = rule.stem_for(&sam(value)).expect_err(value);
            assert_eq!(err.class, ErrorClass::Input, "{value}");
        }
        // Regression: `.` was said to contain `..`.
        let dot = rule.stem_for(&sam(".")).expect_err(".");
        assert!(dot.message.contains("is `.`"), "{}", dot.message);
        assert!(!dot.message.contains("`..`"), "{}", dot.message);
        for value in [
            "ann",
            "console",
            "COM10",
            "lpt",
            "o'neil",
            "jürgen.ørsted",
            "a.b",
        ] {
            assert_eq!(
                rule.stem_for(&sam(value)).expect(value).as_deref(),
                Some(value)
            );
        }
        // A missing or blank property is "not in this folder", not an error.
        assert_eq!(rule.stem_for(&UserRecord::default()).expect("none"), None);
        assert_eq!(rule.stem_for(&sam("  ")).expect("blank"), None);
        // Values are trimmed; a rule that itself ends the stem in a space is refused.
        assert_eq!(
            rule.stem_for(&sam(" ann ")).expect("trimmed").as_deref(),
            Some("ann")
        );
        let spaced = NamingRule::parse("{samAccountName} .jpg").expect("rule");
        assert!(spaced.stem_for(&sam("ann")).is_err());
        // The rule's own text is checked too.
        for bad in ["{sam}?.jpg", "{sam}|.jpg", "{sam}*x.jpg", "{sam}<.png"] {
            assert!(NamingRule::parse(bad).is_err(), "{bad}");
        }
        assert!(NamingRule::parse("{sam}.*").is_ok());
    }
}
