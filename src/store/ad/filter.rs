//! LDAP filter building with RFC 4515 escaping.
//!
//! Values that come from input records (a UPN, a mail address, a GUID) are placed into
//! filters; unescaped, `*)(uid=*` would widen a single-user lookup into a directory dump.
//! Every value goes through `escape_value`/`escape_bytes`, and user-supplied whole filters
//! (`--ad-filter`) are parsed before they are sent.

use crate::error::{Error, Result};

/// Enabled user accounts: people, user class, ACCOUNTDISABLE (0x2) bit clear.
pub const DEFAULT_USER_FILTER: &str =
    "(&(objectCategory=person)(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))";

/// User objects only, enabled or not: what single-user lookups (by key or DN) may return.
/// `objectCategory=person` leaves out computers (whose class derives from `user`),
/// `objectClass=user` leaves out contacts.
pub const USER_OBJECTS: &str = "(&(objectCategory=person)(objectClass=user))";

/// Escape a text assertion value (RFC 4515 §3): `*`, `(`, `)`, `\` and NUL become `\xx`.
/// Other UTF-8 is legal in a value and kept, so non-ASCII names still match.
pub fn escape_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '*' => out.push_str(r"\2a"),
            '(' => out.push_str(r"\28"),
            ')' => out.push_str(r"\29"),
            '\\' => out.push_str(r"\5c"),
            '\0' => out.push_str(r"\00"),
            c => out.push(c),
        }
    }
    out
}

/// Escape a binary assertion value: every byte as `\xx`.
pub fn escape_bytes(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!(r"\{b:02x}")).collect()
}

/// `(attr=value)` with the value escaped.
pub fn equals(attribute: &str, value: &str) -> String {
    format!("({attribute}={})", escape_value(value))
}

/// The filter for `--ad-filter`: checked for syntax, and narrowed to enabled user accounts
/// unless one of its items tests `objectClass` or `objectCategory` (so `(department=Sales)`
/// does not return groups, and a value that merely mentions them changes nothing).
pub fn user_filter(user_filter: Option<&str>) -> Result<String> {
    let Some(raw) = user_filter.map(str::trim).filter(|f| !f.is_empty()) else {
        return Ok(DEFAULT_USER_FILTER.to_string());
    };
    let filter = if raw.starts_with('(') {
        raw.to_string()
    } else {
        format!("({raw})")
    };
    ldap3::parse_filter(&filter).map_err(|_| {
        Error::config(format!("`{raw}` is not a valid LDAP filter"))
            .with_hint("write it as in RFC 4515, e.g. (department=Sales) or (&(l=Oslo)(title=*))")
    })?;
    let names_a_class = tested_attributes(&filter)
        .iter()
        .any(|a| a.eq_ignore_ascii_case("objectClass") || a.eq_ignore_ascii_case("objectCategory"));
    if names_a_class {
        Ok(filter)
    } else {
        Ok(format!("(&{DEFAULT_USER_FILTER}{filter})"))
    }
}

/// The attribute each item of a (syntax-checked) filter tests, in order: `(&(l=Oslo)(cn=*))`
/// gives `l`, `cn`. Values never hold an unescaped parenthesis (RFC 4515), so an item ends at
/// the first `)`.
fn tested_attributes(filter: &str) -> Vec<&str> {
    let mut attributes = Vec::new();
    let mut rest = filter;
    while let Some(open) = rest.find('(') {
        rest = &rest[open + 1..];
        if rest.starts_with(['&', '|', '!']) {
            continue;
        }
        let end = rest.find(['=', '~', '>', '<', ':']).unwrap_or(rest.len());
        attributes.push(rest[..end].trim());
        rest = &rest[rest.find(')').unwrap_or(rest.len())..];
    }
    attributes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn injection_attempts_stay_one_assertion_value() {
        assert_eq!(escape_value("*)(uid=*"), r"\2a\29\28uid=\2a");
        assert_eq!(escape_value(r"a\b"), r"a\5cb");
        assert_eq!(escape_value("nul\0byte"), r"nul\00byte");
        assert_eq!(escape_value("(x)"), r"\28x\29");
        // The escaped filter parses as a single equality, never as extra terms.
        let f = equals("userPrincipalName", "*)(|(objectClass=*)");
        assert_eq!(f, r"(userPrincipalName=\2a\29\28|\28objectClass=\2a\29)");
        assert!(ldap3::parse_filter(&f).is_ok());
    }

    #[test]
    fn non_ascii_is_kept() {
        assert_eq!(
            escape_value("jürgen.ørsted@例え.test"),
            "jürgen.ørsted@例え.test"
        );
    }

    #[test]
    fn user_filter_defaults_and_narrows() {
        assert_eq!(user_filter(None).expect("default"), DEFAULT_USER_FILTER);
        assert_eq!(
            user_filter(Some("(department=Sales)")).expect("valid"),
            format!("(&{DEFAULT_USER_FILTER}(department=Sales))")
        );
        assert_eq!(
            user_filter(Some("department=Sales")).expect("valid"),
            format!("(&{DEFAULT_USER_FILTER}(department=Sales))")
        );
        assert_eq!(
            user_filter(Some("(objectClass=user)")).expect("valid"),
            "(objectClass=user)"
        );
        let err = user_filter(Some("(department=Sales")).expect_err("unbalanced");
        assert!(err.message.contains("not a valid LDAP filter"));
    }

    // Regression (issue 19, item 7): the narrowing to enabled users was skipped whenever the
    // filter's text held "objectclass" anywhere, a value included, so such a filter returned
    // groups, computers and disabled accounts. The attributes the filter tests decide.
    #[test]
    fn narrowing_is_decided_by_the_attributes_tested_not_the_text() {
        for narrowed in [
            "(description=*objectclass*)",
            "(&(department=Sales)(info=objectCategory\\3dperson))",
            "(cn=objectClass)",
        ] {
            assert_eq!(
                user_filter(Some(narrowed)).expect("valid"),
                format!("(&{DEFAULT_USER_FILTER}{narrowed})"),
                "{narrowed}"
            );
        }
        for own in [
            "(&(objectClass=user)(department=Sales))",
            "(|(OBJECTCATEGORY=person)(cn=x))",
            "(!(objectClass:caseExactMatch:=group))",
        ] {
            assert_eq!(user_filter(Some(own)).expect("valid"), own, "{own}");
        }
    }
}
