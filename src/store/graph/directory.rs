//! Finding a user in Entra ID from the keys an input record carries: for the Graph store, and
//! for the SharePoint store, which binds a profile to the Entra object found here.
//!
//! Order (DESIGN §3): objectGUID (as `onPremisesImmutableId`, which Entra Connect sets to the
//! base64 of the GUID's bytes), then UPN, then mail. Every lookup is a `$filter` query with
//! the value as a doubled-quote OData literal in the query string, never a path segment:
//! that sidesteps the `#EXT#`, leading-`$` and apostrophe traps of `/users/{upn}`. Photos are
//! then addressed by the object id alone.
//!
//! Every match of the first key that matches anything is kept: `mail` is not unique in Entra,
//! and the engine's identity gate refuses a key that matched several users, as it refuses a
//! match by UPN or mail whose `onPremisesImmutableId` is not the record's objectGUID.

use std::sync::Arc;

use serde::Deserialize;

use super::{batch, errors};
use crate::auth::TokenSource;
use crate::error::{Error, ErrorClass, Result};
use crate::http::{HttpClient, Request, Response};
use crate::schema::{ErrorCode, UserRecord};
use crate::store::identity::{self, Anchor, Identity, Key, ObjectKeys};

/// Properties read when resolving; the sync properties explain an AD change that never
/// arrives (`sync_path`) without another call.
/// `onPremisesSamAccountName` holds each record key to the object found (it is only selected:
/// filtering on it needs Graph's advanced queries, whose index lags).
pub const SELECT: &str = "id,userPrincipalName,mail,onPremisesImmutableId,onPremisesSamAccountName,userType,onPremisesSyncEnabled,onPremisesLastSyncDateTime";

/// One way to look a user up, in the order tried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lookup {
    pub key: Key,
    /// `objectGuid`, `userPrincipalName` or `mail`: echoed as `matchedBy`.
    pub matched_by: &'static str,
    /// The `$filter` expression.
    pub filter: String,
}

/// An OData string literal: quotes doubled inside single quotes.
pub fn odata_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// The lookups to try for a record, in order. Empty when the record names no usable key; a
/// malformed objectGUID is the record's input error.
pub fn lookups(user: &UserRecord) -> Result<Vec<Lookup>> {
    let mut out = Vec::new();
    let guid = identity::record_guid(user)?;
    // Entra's immutable id is the consistency GUID where the record gives one that differs.
    if let Some(anchor) = identity::record_consistency_guid(user)?.filter(|c| Some(*c) != guid) {
        out.push(Lookup {
            key: Key::ConsistencyGuid,
            matched_by: "consistencyGuid",
            filter: format!(
                "onPremisesImmutableId eq {}",
                odata_literal(&anchor.immutable_id())
            ),
        });
    }
    if let Some(guid) = guid {
        out.push(Lookup {
            key: Key::ObjectGuid,
            matched_by: "objectGuid",
            filter: format!(
                "onPremisesImmutableId eq {}",
                odata_literal(&guid.immutable_id())
            ),
        });
    }
    let present = |v: &Option<String>| {
        v.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    if let Some(upn) = present(&user.user_principal_name) {
        out.push(Lookup {
            key: Key::UserPrincipalName,
            matched_by: "userPrincipalName",
            filter: format!("userPrincipalName eq {}", odata_literal(&upn)),
        });
    }
    if let Some(mail) = present(&user.mail) {
        out.push(Lookup {
            key: Key::Mail,
            matched_by: "mail",
            filter: format!("mail eq {}", odata_literal(&mail)),
        });
    }
    Ok(out)
}

#[derive(Deserialize)]
struct UserList {
    #[serde(default)]
    value: Vec<EntraUser>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
}

/// Pages a lookup may take to find its first two users. Graph pages on the server side too;
/// no documented page is smaller than one user, so this bounds a service that loops.
const MAX_LOOKUP_PAGES: usize = 10;

/// A user as Entra ID answers `SELECT`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EntraUser {
    pub id: String,
    #[serde(default)]
    pub user_principal_name: Option<String>,
    #[serde(default)]
    pub mail: Option<String>,
    #[serde(default)]
    pub user_type: Option<String>,
    #[serde(default)]
    pub on_premises_immutable_id: Option<String>,
    /// The AD account's sAMAccountName, as Entra Connect synced it.
    #[serde(default)]
    pub on_premises_sam_account_name: Option<String>,
    #[serde(default)]
    pub on_premises_sync_enabled: Option<bool>,
    #[serde(default)]
    pub on_premises_last_sync_date_time: Option<String>,
}

impl EntraUser {
    /// How messages name it.
    fn describe(&self) -> String {
        format!(
            "{} (id {})",
            self.user_principal_name.as_deref().unwrap_or("<no UPN>"),
            self.id
        )
    }
}

/// What `find` found: the user, the lookup that found it, and who it is for the gate.
pub struct Found {
    pub user: EntraUser,
    pub lookup: Lookup,
    pub identity: Identity,
}

/// Entra ID's users, read through `$batch` with other users' reads where the service allows.
pub struct Directory {
    http: Arc<HttpClient>,
    token: TokenSource,
    /// `{graph_url}/v1.0`
    v1: String,
    batcher: batch::Batcher,
}

impl Directory {
    pub fn new(http: Arc<HttpClient>, token: TokenSource, v1: &str) -> Self {
        Directory {
            batcher: batch::Batcher::start(Arc::clone(&http), token.clone(), v1),
            http,
            token,
            v1: v1.to_string(),
        }
    }

    /// GET a path under `/v1.0`, batched with other users' reads when the service allows.
    pub async fn read(&self, path: String) -> Result<Response> {
        if self.batcher.active() {
            match self.batcher.get(path.clone()).await {
                Err(e) if e.code == ErrorCode::NotAvailable => {}
                other => return other,
            }
        }
        let url = format!("{}{path}", self.v1);
        self.http.send(&Request::get(url), Some(&self.token)).await
    }

    /// The first lookup of the record that matches anyone, with every user it matched.
    pub async fn find(&self, user: &UserRecord) -> Result<Option<Found>> {
        let lookups = lookups(user)?;
        if lookups.is_empty() {
            return Err(Error::input(
                ErrorCode::NoIdentity,
                "the record has no objectGuid, userPrincipalName or mail to find the user in Entra ID",
            )
            .with_hint("add ObjectGUID or UserPrincipalName to the input"));
        }
        for lookup in lookups {
            let mut matched = self.find_all(&lookup.filter).await?;
            if matched.is_empty() {
                continue;
            }
            let first = matched.remove(0);
            let identity = Identity {
                matched_by: Some(lookup.key),
                object: first.describe(),
                others: matched.iter().map(EntraUser::describe).collect(),
                anchor: Anchor::from_immutable_id(first.on_premises_immutable_id.as_deref()),
                keys: ObjectKeys {
                    user_principal_name: first.user_principal_name.clone(),
                    sam_account_name: first.on_premises_sam_account_name.clone(),
                    mail: first.mail.clone(),
                },
                ..Identity::default()
            };
            return Ok(Some(Found {
                user: first,
                lookup,
                identity,
            }));
        }
        Ok(None)
    }

    /// Every user matching `filter` (the first two are enough to tell one from several).
    /// A page may hold fewer users than `$top` asked for, so `@odata.nextLink` is followed
    /// until two are known or no link is left: otherwise two people sharing a mail, one on
    /// each page, would look like one.
    async fn find_all(&self, filter: &str) -> Result<Vec<EntraUser>> {
        let mut path = format!(
            "/users?$filter={}&$select={SELECT}&$top=2",
            crate::http::percent_encode(filter),
        );
        let mut users = Vec::new();
        for _ in 0..MAX_LOOKUP_PAGES {
            let resp = self.read(path).await?;
            let page = match resp.status {
                200 => resp.json::<UserList>()?,
                403 => {
                    return Err(errors::read_permission_denied(
                        &resp,
                        &self.token.permissions().await,
                    ));
                }
                _ => return Err(errors::rejected(&resp, "look up the user")),
            };
            users.extend(page.value);
            match page.next_link {
                Some(link) if users.len() < 2 => path = self.next_page(&link)?,
                _ => return Ok(users),
            }
        }
        Err(Error::new(
            ErrorCode::StoreRejected,
            ErrorClass::Failed,
            format!(
                "Graph answered the user lookup with more than {MAX_LOOKUP_PAGES} pages and fewer than two users"
            ),
        ))
    }

    /// The path under `/v1.0` of a next-page link. A link elsewhere is refused: the token
    /// goes only to the Graph endpoint the run was given.
    fn next_page(&self, link: &str) -> Result<String> {
        match link.strip_prefix(&self.v1) {
            Some(path) if path.starts_with('/') => Ok(path.to_string()),
            _ => Err(Error::new(
                ErrorCode::StoreRejected,
                ErrorClass::Failed,
                format!(
                    "Graph's next-page link for a user lookup points outside {}",
                    self.v1
                ),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_objectguid_is_looked_up_by_its_immutable_id_in_either_form() {
        // Known pair: GUID 748b2d3b-ba5b-4a1c-9e3f-3c2b1a0f9e8d → bytes 3b2d8b74 5bba 1c4a 9e3f…
        let by = |guid: &str| {
            lookups(&UserRecord {
                object_guid: Some(guid.into()),
                ..UserRecord::default()
            })
            .expect("guid")
            .remove(0)
            .filter
        };
        let filter = by("748b2d3b-ba5b-4a1c-9e3f-3c2b1a0f9e8d");
        assert_eq!(
            filter,
            "onPremisesImmutableId eq 'Oy2LdFu6HEqePzwrGg+ejQ=='"
        );
        assert_eq!(by("Oy2LdFu6HEqePzwrGg+ejQ=="), filter);
    }

    #[test]
    fn a_malformed_guid_is_the_records_error_even_with_a_upn() {
        let user = UserRecord {
            user_principal_name: Some("ann@contoso.test".into()),
            object_guid: Some("not-a-guid".into()),
            ..UserRecord::default()
        };
        let err = lookups(&user).expect_err("malformed guid");
        assert_eq!(err.class, crate::error::ErrorClass::Input);
        assert!(err.message.contains("not-a-guid"), "{}", err.message);
    }

    #[test]
    fn lookups_follow_the_documented_order_and_quote_safely() {
        let user = UserRecord {
            user_principal_name: Some("o'neil@contoso.test".into()),
            mail: Some("o.neil@contoso.test".into()),
            object_guid: Some("748b2d3b-ba5b-4a1c-9e3f-3c2b1a0f9e8d".into()),
            ..UserRecord::default()
        };
        let l = lookups(&user).expect("lookups");
        let order: Vec<_> = l.iter().map(|l| l.matched_by).collect();
        assert_eq!(order, ["objectGuid", "userPrincipalName", "mail"]);
        assert_eq!(l[1].filter, "userPrincipalName eq 'o''neil@contoso.test'");
        assert!(lookups(&UserRecord::default()).expect("none").is_empty());
    }
}
