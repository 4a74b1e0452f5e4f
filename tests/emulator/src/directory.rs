//! Graph `users` reads: resolving `{id|userPrincipalName}` (incl. the `('…')` key form, `$`
//! prefixes, guest `#EXT#` UPNs and apostrophes), `$filter`/`$select`/`$top` and paging.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64URL;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::state::{Directory, State, User, read};

/// How a path segment names a user.
pub enum UserKey {
    Key(String),
    /// Plain segment starting with `$` — Graph answers 400 for this form.
    DollarInPlainSegment(String),
}

/// Unquotes `('o''neil@x')` → `o'neil@x`; plain segments are taken literally (a doubled `''`
/// in a plain segment is not un-doubled, as in Graph).
pub fn parse_key_form(inner: &str) -> Option<String> {
    let s = inner.strip_prefix('(')?.strip_suffix(')')?;
    let s = s.strip_prefix('\'')?.strip_suffix('\'')?;
    Some(s.replace("''", "'"))
}

pub fn classify_plain(segment: &str) -> UserKey {
    if segment.starts_with('$') {
        UserKey::DollarInPlainSegment(segment.to_string())
    } else {
        UserKey::Key(segment.to_string())
    }
}

const DEFAULT_PROPS: [&str; 11] = [
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
];

const SELECTABLE: [&str; 17] = [
    "businessPhones",
    "displayName",
    "givenName",
    "jobTitle",
    "mail",
    "mobilePhone",
    "officeLocation",
    "preferredLanguage",
    "surname",
    "userPrincipalName",
    "id",
    "onPremisesImmutableId",
    "onPremisesSamAccountName",
    "userType",
    "accountEnabled",
    "onPremisesSyncEnabled",
    "onPremisesLastSyncDateTime",
];

fn property(user: &User, name: &str) -> Value {
    match name {
        "businessPhones" => json!([]),
        "displayName" => json!(user.display_name),
        "mail" => json!(user.mail),
        "userPrincipalName" => json!(user.user_principal_name),
        "id" => json!(user.id),
        "onPremisesImmutableId" => json!(user.on_premises_immutable_id),
        "onPremisesSamAccountName" => json!(user.on_premises_sam_account_name),
        "userType" => json!(if user.guest { "Guest" } else { "Member" }),
        "accountEnabled" => json!(true),
        "onPremisesSyncEnabled" => json!(user.on_premises_sync_enabled),
        "onPremisesLastSyncDateTime" => json!(user.on_premises_last_sync_date_time),
        _ => Value::Null,
    }
}

/// Validates `$select` against the user type; `Err` carries the unknown name.
pub fn parse_select(select: Option<&str>) -> Result<Option<Vec<&'static str>>, String> {
    let Some(select) = select.filter(|s| !s.trim().is_empty()) else {
        return Ok(None);
    };
    let mut out = Vec::new();
    for name in select.split(',').map(str::trim) {
        let known = SELECTABLE
            .iter()
            .find(|p| p.eq_ignore_ascii_case(name))
            .ok_or_else(|| name.to_string())?;
        out.push(*known);
    }
    Ok(Some(out))
}

/// The user object as Graph v1.0 returns it (default property set unless `$select`).
pub fn project(user: &User, select: Option<&[&'static str]>) -> Map<String, Value> {
    let props: &[&str] = select.unwrap_or(&DEFAULT_PROPS);
    let mut m = Map::new();
    for p in props {
        m.insert((*p).to_string(), property(user, p));
    }
    m
}

#[derive(Debug, Clone, PartialEq)]
struct Clause {
    prop: &'static str,
    values: Vec<String>,
}

const FILTERABLE: [&str; 6] = [
    "userPrincipalName",
    "mail",
    "onPremisesImmutableId",
    "onPremisesSamAccountName",
    "id",
    "displayName",
];

/// Reads an OData string literal (`'…'` with `''` escapes) from the start of `s`.
fn literal(s: &str) -> Option<(String, &str)> {
    let s = s.trim_start().strip_prefix('\'')?;
    let mut out = String::new();
    let mut chars = s.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c == '\'' {
            if matches!(chars.peek(), Some((_, '\''))) {
                out.push('\'');
                chars.next();
            } else {
                return Some((out, &s[i + 1..]));
            }
        } else {
            out.push(c);
        }
    }
    None
}

/// Supports `p eq 'v'`, `p in ('a','b')`, joined with `or`.
fn parse_filter(filter: &str) -> Option<Vec<Clause>> {
    let mut clauses = Vec::new();
    let mut rest = filter.trim();
    loop {
        let (name, after) = rest.split_once(char::is_whitespace)?;
        let prop = FILTERABLE.iter().find(|p| p.eq_ignore_ascii_case(name))?;
        let after = after.trim_start();
        let (op, after) = after.split_once(char::is_whitespace)?;
        let (values, after) = match op.to_lowercase().as_str() {
            "eq" => {
                let (v, a) = literal(after)?;
                (vec![v], a)
            }
            "in" => {
                let mut a = after.trim_start().strip_prefix('(')?;
                let mut vals = Vec::new();
                loop {
                    let (v, r) = literal(a)?;
                    vals.push(v);
                    let r = r.trim_start();
                    if let Some(r) = r.strip_prefix(',') {
                        a = r;
                    } else {
                        a = r.strip_prefix(')')?;
                        break;
                    }
                }
                (vals, a)
            }
            _ => return None,
        };
        clauses.push(Clause { prop, values });
        let after = after.trim();
        if after.is_empty() {
            return Some(clauses);
        }
        let (kw, r) = after.split_once(char::is_whitespace)?;
        if !kw.eq_ignore_ascii_case("or") {
            return None;
        }
        rest = r.trim();
    }
}

/// Index of every filterable property: (property, ASCII-lower-cased value) → positions in the
/// directory, in order. `$filter` equality is case-insensitive, as Graph's is for these
/// properties; the index makes a lookup cost its matches, not the directory's size (a
/// 100,000-user benchmark issues 100,000 lookups).
pub type FilterIndex = std::collections::HashMap<(&'static str, String), Vec<usize>>;

pub fn filter_index(users: &[User]) -> FilterIndex {
    let mut index = FilterIndex::new();
    for (n, user) in users.iter().enumerate() {
        for prop in FILTERABLE {
            if let Some(v) = property(user, prop).as_str() {
                index
                    .entry((prop, v.to_ascii_lowercase()))
                    .or_default()
                    .push(n);
            }
        }
    }
    index
}

/// Users matching any clause, in directory order.
fn matching<'a>(dir: &'a Directory, clauses: &[Clause]) -> Vec<&'a User> {
    let hits: std::collections::BTreeSet<usize> = clauses
        .iter()
        .flat_map(|c| {
            c.values.iter().flat_map(move |v| {
                dir.by_filter
                    .get(&(c.prop, v.to_ascii_lowercase()))
                    .into_iter()
                    .flatten()
                    .copied()
            })
        })
        .collect();
    hits.into_iter().filter_map(|n| dir.users.get(n)).collect()
}

/// Paging state carried in `$skiptoken`.
#[derive(Serialize, Deserialize)]
struct PageToken {
    f: Option<String>,
    s: Option<String>,
    t: usize,
    o: usize,
}

/// A `GET /users` failure: (status, code, message).
pub type QueryError = (u16, &'static str, String);

/// `GET /users` with `$filter`, `$select`, `$top`, `$skiptoken`.
pub fn list_users(
    state: &State,
    version: &str,
    params: &std::collections::HashMap<String, String>,
) -> Result<Value, QueryError> {
    let (filter, select, top, offset) = if let Some(tok) = params.get("$skiptoken") {
        let t: PageToken = B64URL
            .decode(tok)
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or((400, "Request_BadRequest", "Invalid $skiptoken.".to_string()))?;
        (t.f, t.s, t.t, t.o)
    } else {
        let top = match params.get("$top") {
            None => 100,
            Some(t) => match t.parse::<usize>() {
                Ok(n) if (1..=999).contains(&n) => n,
                _ => {
                    return Err((
                        400,
                        "Request_BadRequest",
                        format!(
                            "Invalid page size specified: '{t}'. Must be between 1 and 999 inclusive."
                        ),
                    ));
                }
            },
        };
        (
            params.get("$filter").cloned(),
            params.get("$select").cloned(),
            top,
            0,
        )
    };
    let selected = parse_select(select.as_deref()).map_err(|name| {
        (
            400,
            "Request_BadRequest",
            format!("Could not find a property named '{name}' on type 'microsoft.graph.user'."),
        )
    })?;
    let clauses = match &filter {
        Some(f) => Some(parse_filter(f).ok_or((
            400,
            "Request_UnsupportedQuery",
            "Unsupported Query.".to_string(),
        ))?),
        None => None,
    };
    let dir = read(&state.directory);
    let matching: Vec<&User> = match &clauses {
        Some(c) => matching(&dir, c),
        None => dir.users.iter().collect(),
    };
    // Server-side paging: a page may hold fewer than `$top`; the token keeps `$top`.
    let size = state.max_page_size.map_or(top, |max| top.min(max.max(1)));
    let page: Vec<Value> = matching
        .iter()
        .skip(offset)
        .take(size)
        .map(|u| Value::Object(project(u, selected.as_deref())))
        .collect();
    let base = state.base_url();
    let mut body = Map::new();
    body.insert(
        "@odata.context".into(),
        json!(format!("{base}/{version}/$metadata#users")),
    );
    if offset + size < matching.len() {
        let token = PageToken {
            f: filter,
            s: select,
            t: top,
            o: offset + size,
        };
        let tok = B64URL.encode(serde_json::to_vec(&token).unwrap_or_default());
        body.insert(
            "@odata.nextLink".into(),
            json!(format!("{base}/{version}/users?$skiptoken={tok}")),
        );
    }
    body.insert("value".into(), Value::Array(page));
    Ok(Value::Object(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_parses_eq_in_and_doubled_quotes() {
        let c = parse_filter("userPrincipalName eq 'o''neil@contoso.test'").unwrap();
        assert_eq!(c[0].values, vec!["o'neil@contoso.test".to_string()]);
        let c = parse_filter("mail in ('a@x','b@x') or id eq '1'").unwrap();
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].values.len(), 2);
        assert!(parse_filter("startswith(mail,'a')").is_none());
        assert!(parse_filter("mail eq 'unterminated").is_none());
    }

    #[test]
    fn key_form_undoubles_quotes() {
        assert_eq!(parse_key_form("('o''neil@x')").as_deref(), Some("o'neil@x"));
        assert_eq!(parse_key_form("('$adele@x')").as_deref(), Some("$adele@x"));
        assert!(parse_key_form("o'neil").is_none());
    }
}
