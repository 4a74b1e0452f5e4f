//! Field-name normalisation shared by the readers: PowerShell, Get-ADUser, Excel and our own
//! camelCase spellings of the same user properties all map to one `UserRecord`.

use serde_json::{Map, Value};

use crate::schema::UserRecord;
use crate::store::ad::ObjectGuid;

/// The `UserRecord` field a column or JSON property means, case-insensitively.
pub(crate) fn canonical_field(name: &str) -> Option<&'static str> {
    let lower = name.trim().to_ascii_lowercase();
    Some(match lower.as_str() {
        "userprincipalname" | "upn" => "userPrincipalName",
        "objectguid" | "guid" => "objectGuid",
        "ms-ds-consistencyguid" | "msdsconsistencyguid" | "consistencyguid" => "consistencyGuid",
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
/// error's message), as is one that gives both a photo and a photo file.
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
            "consistencyGuid" => consistency_guid_value(value),
            _ => text_value(value),
        };
        let Some(value) = value else { continue };
        match out.get(field) {
            Some(earlier) if !same_value(earlier, &value) => {
                let first = given_as
                    .iter()
                    .find(|(f, _)| *f == field)
                    .map_or(field, |(_, k)| k.as_str());
                if *first == key {
                    return Err(format!(
                        "{key} is given twice, with different values ({earlier} and {value})"
                    ));
                }
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
    // Two photos for one person: which one is theirs is not guessed either.
    let given = |field| given_as.iter().find(|(f, _)| *f == field).map(|(_, k)| k);
    if let (Some(bytes), Some(path)) = (given("thumbnailPhoto"), given("photoPath")) {
        return Err(format!(
            "{bytes} and {path} both give the user's photo: give the record one of them"
        ));
    }
    Ok(out)
}

/// One input item as its properties in the order given, a name given twice kept twice:
/// serde_json's `Map` keeps the last of two same-named keys silently, so
/// `{"upn":"ann@x","photoPath":"ann.jpg","upn":"bob@x"}` would give ann's photo to bob. Kept,
/// the two go through `normalize_json_record`'s check like two names of one field.
pub(crate) enum JsonItem {
    Object(Vec<(String, Value)>),
    /// Valid JSON, but an array, a string, a number, `true` or `null`.
    NotAnObject,
}

impl<'de> serde::Deserialize<'de> for JsonItem {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(JsonItemVisitor)
    }
}

struct JsonItemVisitor;

impl<'de> serde::de::Visitor<'de> for JsonItemVisitor {
    type Value = JsonItem;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<JsonItem, A::Error> {
        let mut properties = Vec::new();
        while let Some(property) = map.next_entry::<String, Value>()? {
            properties.push(property);
        }
        Ok(JsonItem::Object(properties))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<JsonItem, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(JsonItem::NotAnObject)
    }

    fn visit_bool<E>(self, _: bool) -> Result<JsonItem, E> {
        Ok(JsonItem::NotAnObject)
    }

    fn visit_i64<E>(self, _: i64) -> Result<JsonItem, E> {
        Ok(JsonItem::NotAnObject)
    }

    fn visit_u64<E>(self, _: u64) -> Result<JsonItem, E> {
        Ok(JsonItem::NotAnObject)
    }

    fn visit_f64<E>(self, _: f64) -> Result<JsonItem, E> {
        Ok(JsonItem::NotAnObject)
    }

    fn visit_str<E>(self, _: &str) -> Result<JsonItem, E> {
        Ok(JsonItem::NotAnObject)
    }

    fn visit_unit<E>(self) -> Result<JsonItem, E> {
        Ok(JsonItem::NotAnObject)
    }
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
        // A whole number is the key's text (`"EmployeeID": 1001`); any other number (`1e3`,
        // `1001.0`) is kept for serde to refuse: its text would be `1000.0`, no key anyone has.
        Value::Number(n) if !n.is_f64() => Some(Value::String(n.to_string())),
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

/// `mS-DS-ConsistencyGuid` is a byte[] in `Get-ADUser`: Windows PowerShell's JSON writes its
/// 16 numbers (perhaps wrapped as `{"value": [...]}`), PowerShell 7's the base64 text.
fn consistency_guid_value(value: Value) -> Option<Value> {
    match value {
        Value::Array(items) => {
            let bytes: Option<Vec<u8>> = items
                .iter()
                .map(|v| v.as_u64().and_then(|n| u8::try_from(n).ok()))
                .collect();
            match bytes.as_deref().and_then(ObjectGuid::from_bytes) {
                Some(guid) => Some(Value::String(guid.to_string())),
                // Kept, for the gate to refuse as malformed rather than drop it.
                None => Some(Value::String(Value::Array(items).to_string())),
            }
        }
        Value::Object(map) => match map
            .into_iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("value"))
        {
            Some((_, v)) => consistency_guid_value(v),
            None => Some(Value::String("an object".into())),
        },
        other => guid_value(other),
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

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    // Regression: `"employeeId": 1e3` became the key "1000.0".
    #[test]
    fn a_whole_number_is_a_key_and_any_other_number_is_refused() {
        let record = |value: Value| {
            let map = normalize_json_record([("EmployeeID".to_string(), value)]).expect("map");
            serde_json::from_value::<UserRecord>(Value::Object(map))
        };
        let whole = record(json!(1001)).expect("whole number");
        assert_eq!(whole.employee_id.as_deref(), Some("1001"));
        for number in [json!(1e3), json!(1001.5)] {
            let err = record(number.clone()).expect_err("not a whole number");
            assert!(
                err.to_string().contains("floating point"),
                "{number}: {err}"
            );
        }
    }

    #[test]
    fn a_consistency_guid_is_read_in_every_form_powershell_writes() {
        let guid = "3ab39606-c642-489b-84b6-58c038d3ef39";
        let bytes = *ObjectGuid::parse(guid).expect("guid").as_bytes();
        let record = |value: Value| {
            normalize_json_record([("mS-DS-ConsistencyGuid".to_string(), value)])
                .expect("normalised")
                .get("consistencyGuid")
                .cloned()
        };
        // Windows PowerShell's numbers, bare or wrapped; PowerShell 7's base64; a GUID.
        assert_eq!(record(json!(bytes)), Some(json!(guid)));
        assert_eq!(record(json!({ "value": bytes })), Some(json!(guid)));
        let base64 = ObjectGuid::parse(guid).expect("guid").immutable_id();
        assert_eq!(record(json!(base64)), Some(json!(base64)));
        assert_eq!(record(json!("")), None);
        // Not 16 bytes: kept, for the gate to refuse as malformed rather than dropped.
        let short = record(json!([1, 2, 3])).expect("kept");
        let parsed: UserRecord =
            serde_json::from_value(json!({ "consistencyGuid": short })).expect("record");
        let err = crate::store::identity::record_guid(&parsed).expect_err("malformed");
        assert!(err.message.contains("consistencyGuid"), "{}", err.message);
    }
}
