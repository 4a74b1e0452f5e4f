//! Field-name normalisation shared by the readers: PowerShell, Get-ADUser, Excel and our own
//! camelCase spellings of the same user properties all map to one `UserRecord`.

use serde_json::{Map, Value};

use crate::schema::UserRecord;

/// The `UserRecord` field a column or JSON property means, case-insensitively.
pub(crate) fn canonical_field(name: &str) -> Option<&'static str> {
    let lower = name.trim().to_ascii_lowercase();
    Some(match lower.as_str() {
        "userprincipalname" | "upn" => "userPrincipalName",
        "objectguid" | "guid" => "objectGuid",
        "samaccountname" | "sam" => "samAccountName",
        "mail" | "email" | "emailaddress" => "mail",
        "employeeid" | "employeenumber" => "employeeId",
        "distinguishedname" | "dn" => "distinguishedName",
        "thumbnailphoto" => "thumbnailPhoto",
        "photopath" | "fullname" | "path" => "photoPath",
        _ => return None,
    })
}

/// Rewrite a record's properties (a JSON object's, or a CSV row's columns by header name) to
/// the canonical names and shapes, dropping unknown ones: ObjectGUID as `{"Guid": "..."}`
/// (Windows PowerShell) becomes its string, numbers become strings, byte arrays wrapped as
/// `{"value": [...]}` are unwrapped, empty values drop. Two properties of one field (`mail`
/// and `EmailAddress`, as `Get-ADUser -Properties *` gives both) must agree: which one names
/// the user is not for PhotoSync to guess, so a record whose two differ is refused (the
/// error's message).
pub fn normalize_json_record(
    properties: impl IntoIterator<Item = (String, Value)>,
) -> Result<Map<String, Value>, String> {
    let mut out: Map<String, Value> = Map::new();
    let mut given_as: Vec<(&str, String)> = Vec::new();
    for (key, value) in properties {
        let Some(field) = canonical_field(&key) else {
            continue;
        };
        let value = match field {
            "thumbnailPhoto" => photo_value(value),
            "objectGuid" => guid_value(value),
            _ => text_value(value),
        };
        let Some(value) = value else { continue };
        match out.get(field) {
            Some(earlier) if !same_value(earlier, &value) => {
                let first = given_as
                    .iter()
                    .find(|(f, _)| *f == field)
                    .map_or(field, |(_, k)| k.as_str());
                return Err(format!(
                    "{first} and {key} both give {field}, with different values ({earlier} and {value})"
                ));
            }
            Some(_) => {}
            None => {
                given_as.push((field, key));
                out.insert(field.to_string(), value);
            }
        }
    }
    Ok(out)
}

/// Two values of one field agree: the same text but for case (`Ann@x` and `ann@x`), or the
/// same JSON.
fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::String(a), Value::String(b)) => a.eq_ignore_ascii_case(b),
        _ => a == b,
    }
}

fn text_value(value: Value) -> Option<Value> {
    match value {
        Value::String(s) => {
            let t = s.trim();
            (!t.is_empty()).then(|| Value::String(t.to_string()))
        }
        Value::Number(n) => Some(Value::String(n.to_string())),
        Value::Null => None,
        // Leave other shapes for serde to reject with a clear type error.
        other => Some(other),
    }
}

fn guid_value(value: Value) -> Option<Value> {
    match value {
        Value::Object(map) => {
            let wrapped = map
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("guid") || k.eq_ignore_ascii_case("value"))
                .map(|(_, v)| v.clone());
            match wrapped {
                Some(v) => text_value(v),
                // Kept, for serde to refuse with a type error: dropped, the record would be
                // matched by its other keys with no GUID to cross-check them.
                None => Some(Value::Object(map)),
            }
        }
        other => text_value(other),
    }
}

fn photo_value(value: Value) -> Option<Value> {
    match value {
        Value::Object(map) => map
            .into_iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("value"))
            .and_then(|(_, v)| photo_value(v)),
        Value::String(s) if s.trim().is_empty() => None,
        Value::Array(a) if a.is_empty() => None,
        Value::Null => None,
        other => Some(other),
    }
}

/// Whether a record names a user any store could look up.
pub fn has_identity(record: &UserRecord) -> bool {
    [
        &record.user_principal_name,
        &record.object_guid,
        &record.sam_account_name,
        &record.mail,
        &record.employee_id,
    ]
    .iter()
    .any(|v| v.as_deref().is_some_and(|s| !s.trim().is_empty()))
}
