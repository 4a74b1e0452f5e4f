//! Diagnoses beyond "same or different": the common complaints (a blurry or dark photo, an AD
//! change that never reaches Teams, Teams differing from Outlook, guests and room mailboxes,
//! a photo too large for a store, a stale SharePoint profile) each become a finding with a
//! plain explanation and a next step. These are Microsoft's rules between its own services,
//! so they match on the typed `Service` a store declares, never on a store's name. Pure: it
//! reads the assessed stores, so every rule is unit-tested here. docs/diagnosis.md maps each
//! complaint to its finding code.

use std::time::Duration;

use super::finding;
use crate::photo::{
    AD_ATTRIBUTE_MAX_BYTES, CLEARLY_SAME_MAX_DISTANCE, CLEARLY_SAME_MIN_PX, Doubt, GRAPH_MAX_BYTES,
    GRAPH_MAX_PX, SAME_PICTURE_MAX_DISTANCE, same_picture,
};
use crate::schema::{Finding, FindingCode, PhotoInfo, Severity, StoreState, StoreStatus, Verdict};
use crate::store::Service;

/// A reference smaller than AD's own 96x96 rendition looks blurry everywhere else.
pub const SMALLEST_GOOD_PHOTO_PX: u32 = 96;
/// An AD-sourced photo below this side is stretched at least 2x where Graph's 648 px is shown.
pub const LOW_RESOLUTION_SOURCE_PX: u32 = GRAPH_MAX_PX / 2;
/// Mean luma (0-255) at or below which a face is hard to make out.
pub const DARK_MAX_BRIGHTNESS: u8 = 45;
pub use crate::photo::FLAT_MAX_CONTRAST;
/// Width/height ratio beyond which centre-cropping to a square cuts a visible part away.
pub const SQUARE_MAX_RATIO: f64 = 1.25;

/// How far (hours) a user's last directory sync may lag behind the newest one seen in the run
/// before it is called stale: Entra Connect syncs every 30 minutes by default, so three days
/// behind the tenant's other users is no schedule but a user that stopped exporting.
pub const STALE_SYNC_LAG_HOURS: u64 = 72;

/// How long after a sync status still explains what the write changed (the slowest store,
/// the legacy SharePoint profile, can take up to 72 hours).
pub const RECENT_WRITE_WINDOW: Duration = Duration::from_secs(72 * 3600);

/// What a person does when Teams or Outlook shows an old picture while Graph holds the right
/// one. Teams' service caches user information for up to 3 days and its client caches profile
/// photos for up to 60 days (Microsoft Learn, "User information isn't updated in Teams").
const STALE_CLIENT_STEPS: &str = "the server is right and that client is stale: Teams caches user information for up to 3 days in the service and profile photos for up to 60 days in the client, so sign out of Teams and back in (or clear the Teams cache); Outlook on the web: sign out and close the browser; Outlook desktop: restart it";

/// "I changed it and nothing happened": when sync wrote this store (from the state file) and
/// what the store shows now.
pub fn recently_written(
    store: &StoreStatus,
    service: Option<Service>,
    ago: Duration,
    verified: bool,
) -> Finding {
    let name = store.store.as_str();
    let when = format!("written to {name} {} ago", human(ago));
    let read_back = if verified {
        "read back right after"
    } else {
        "not yet seen when read back"
    };
    let (message, hint) = match (store.state, store.matches_reference) {
        (StoreState::Present, Some(true)) => (
            format!("{when} ({read_back}); {name} shows it now"),
            format!("if a client still shows the old picture, {STALE_CLIENT_STEPS}"),
        ),
        _ => (
            format!(
                "{when} ({read_back}), but {name} does not show it yet ({})",
                if store.state == StoreState::Present {
                    "it still shows another picture"
                } else {
                    "no photo yet"
                }
            ),
            if service == Some(Service::SharePointProfile) {
                "the legacy SharePoint profile can take up to 72 hours after a write; check again later (a new write, `photosync sync --force --targets sharepoint`, helps only where the tenant allows app-only profile writes)".to_string()
            } else {
                format!(
                    "Microsoft 365 can take up to 24 hours to show a new photo everywhere; check again later, and if it still differs run `photosync sync --force --targets {name}`"
                )
            },
        ),
    };
    finding(
        FindingCode::RecentlyWritten,
        Severity::Info,
        name,
        message,
        hint,
    )
}

/// The store shows another picture than the one PhotoSync wrote and verified there, while the
/// source is unchanged (`status --state`): someone changed it outside PhotoSync.
pub fn changed_outside(store: &StoreStatus, ago: Duration) -> Finding {
    let name = store.store.as_str();
    finding(
        FindingCode::ChangedOutsidePhotosync,
        Severity::Warning,
        name,
        format!(
            "{name} shows another picture than the one PhotoSync wrote and verified there {} ago, and the source has not changed since: someone changed it outside PhotoSync (Teams, Outlook, the admin center or another tool)",
            human(ago)
        ),
        format!(
            "`photosync sync --state FILE --targets {name}` writes the source's picture back when it reads the target (with --recheck, or once --recheck-after has passed) and reports replaced-outside-change; add --keep-outside-changes to leave such users alone, or update the source if the new picture is the one to keep"
        ),
    )
}

/// "3 h", "25 min", "2 d": enough precision for "how long ago".
fn human(d: Duration) -> String {
    let mins = d.as_secs() / 60;
    match mins {
        0 => "less than a minute".to_string(),
        1..=119 => format!("{mins} min"),
        120..=2879 => format!("{} h", mins / 60),
        _ => format!("{} d", mins / 1440),
    }
}

/// Every finding these rules give for one user, after the verdict is known. `services[i]` is
/// what `stores[i]` is; `reference` indexes the reference store.
pub fn diagnose(
    stores: &[StoreStatus],
    services: &[Option<Service>],
    reference: Option<usize>,
    verdict: Verdict,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let find = |service: Service| {
        stores
            .iter()
            .zip(services)
            .find(|(_, s)| **s == Some(service))
            .map(|(store, _)| store)
    };
    if let Some(r) = reference
        && let Some(info) = stores.get(r).and_then(|s| s.photo.as_ref())
    {
        let from_ad = services.get(r).copied().flatten() == Some(Service::ActiveDirectory);
        let graph_read = find(Service::Graph).is_some();
        quality(&stores[r].store, from_ad, info, graph_read, &mut out);
        size_limits(r, info, stores, services, &mut out);
    }
    if let (Some(ad), Some(graph)) = (find(Service::ActiveDirectory), find(Service::Graph)) {
        ad_and_graph_disagree(ad, graph, &mut out);
    }
    if let Some(graph) = find(Service::Graph) {
        account_type(graph, &mut out);
        if verdict == Verdict::InSync && graph.matches_reference == Some(true) {
            out.push(client_cache(&graph.store));
        }
    }
    out
}

/// A store showing another picture than the reference. The legacy SharePoint profile keeps
/// its own copy, refreshed from Exchange/Graph only when the user views their own profile: a
/// stale copy is common and has its own explanation.
pub fn differs(store: &str, service: Option<Service>, reference: &str, distance: u32) -> Finding {
    if service == Some(Service::SharePointProfile) {
        return finding(
            FindingCode::SharepointStale,
            Severity::Warning,
            store,
            format!(
                "classic SharePoint pages still show an older picture than {reference} (distance {distance})"
            ),
            format!(
                "SharePoint refreshes it from Exchange/Graph when the user next opens their own profile (allow 24-72 hours); to replace it now, run `photosync sync --source {reference} --targets {store}`"
            ),
        );
    }
    finding(
        FindingCode::DiffersFromReference,
        Severity::Warning,
        store,
        format!(
            "{store} shows a different picture from {reference} (distance {distance}, same picture at <= {SAME_PICTURE_MAX_DISTANCE})"
        ),
        format!("run `photosync sync --source {reference} --targets {store}` to replace it"),
    )
}

/// A store's picture judged the same as the reference, but not clearly enough for sync to
/// leave it (`photo::Doubt`: narrowly, or in a picture too small to show a changed region).
pub fn probably_same(store: &str, reference: &str, distance: u32, doubt: Doubt) -> Finding {
    let why = match doubt {
        Doubt::Narrow => format!(
            "by a narrow margin (distance {distance}; clearly the same at <= {CLEARLY_SAME_MAX_DISTANCE})"
        ),
        Doubt::Small { side, rendition } => format!(
            "(distance {distance}), but its picture is {side} px, too small to show a changed region clearly (under {CLEARLY_SAME_MIN_PX} px, where PhotoSync writes {rendition} px)"
        ),
    };
    finding(
        FindingCode::ProbablySame,
        Severity::Info,
        store,
        format!(
            "{store} shows the same picture as {reference} {why}: it may be another version of the photo, such as other hair or skin tone"
        ),
        "`photosync sync` writes over it once to be sure; then the store holds PhotoSync's rendition, which is clearly the same".to_string(),
    )
}

fn quality(name: &str, from_ad: bool, info: &PhotoInfo, graph_read: bool, out: &mut Vec<Finding>) {
    let side = info.side();
    if from_ad && graph_read && side < LOW_RESOLUTION_SOURCE_PX {
        out.push(finding(
            FindingCode::LowResolutionSource,
            Severity::Warning,
            name,
            format!(
                "the only source is AD's {}x{} thumbnail; Outlook and Teams show photos as large as {GRAPH_MAX_PX}x{GRAPH_MAX_PX} (and the Entra profile keeps a larger upload whole), so this one will look blurry on high-DPI screens",
                info.width, info.height
            ),
            format!(
                "sync from a larger original (`photosync sync --source input` or `--source folder:DIR`) of at least {GRAPH_MAX_PX}x{GRAPH_MAX_PX} pixels"
            ),
        ));
    } else if side < SMALLEST_GOOD_PHOTO_PX {
        out.push(finding(
            FindingCode::PhotoTooSmall,
            Severity::Info,
            name,
            format!(
                "the reference photo is only {}x{} pixels; Outlook and Teams show photos larger and will upscale it",
                info.width, info.height
            ),
            format!("use a source photo of at least {GRAPH_MAX_PX}x{GRAPH_MAX_PX} pixels (the largest size Outlook and Teams show)"),
        ));
    }
    if let Some(brightness) = info.brightness.filter(|b| *b <= DARK_MAX_BRIGHTNESS) {
        out.push(finding(
            FindingCode::PhotoTooDark,
            Severity::Info,
            name,
            format!("the reference photo is very dark (mean brightness {brightness} of 255)"),
            "retake or brighten the photo; a face needs to be recognisable at 48 px".to_string(),
        ));
    }
    if let Some(contrast) = info.contrast.filter(|c| *c <= FLAT_MAX_CONTRAST) {
        out.push(finding(
            FindingCode::PhotoTooFlat,
            Severity::Info,
            name,
            format!(
                "the reference photo is nearly uniform (contrast {contrast}): a blank, a logo or a placeholder rather than a face"
            ),
            "replace it with a real photo of the person; sync does not put it in place of anybody's photo".to_string(),
        ));
    }
    let (long, short) = (info.width.max(info.height), side.max(1));
    if f64::from(long) / f64::from(short) > SQUARE_MAX_RATIO {
        out.push(finding(
            FindingCode::PhotoNotSquare,
            Severity::Info,
            name,
            format!(
                "the reference photo is {}x{}; every service shows a square, so it is centre-cropped to {short}x{short}",
                info.width, info.height
            ),
            "crop it to a square yourself, so the face is where you want it".to_string(),
        ));
    }
}

/// A source too large for a store is never sent as is: say the limit and what sync writes.
fn size_limits(
    reference: usize,
    info: &PhotoInfo,
    stores: &[StoreStatus],
    services: &[Option<Service>],
    out: &mut Vec<Finding>,
) {
    let read = |service: Service| {
        stores
            .iter()
            .zip(services)
            .enumerate()
            .find(|(i, (_, s))| *i != reference && **s == Some(service))
            .map(|(_, (store, _))| store.store.as_str())
    };
    if let Some(graph) = read(Service::Graph)
        && info.bytes > GRAPH_MAX_BYTES as u64
    {
        out.push(finding(
            FindingCode::PhotoOverStoreLimit,
            Severity::Info,
            graph,
            format!(
                "the source photo is {} bytes; Graph refuses uploads over {GRAPH_MAX_BYTES} bytes (4 MB)",
                info.bytes
            ),
            format!(
                "nothing to do: `photosync sync --targets {graph}` never uploads the original, it writes a JPEG of at most {GRAPH_MAX_PX}x{GRAPH_MAX_PX} (the largest size Outlook and Teams show)"
            ),
        ));
    }
    if let Some(ad) = read(Service::ActiveDirectory)
        && info.bytes > AD_ATTRIBUTE_MAX_BYTES as u64
    {
        out.push(finding(
            FindingCode::PhotoOverStoreLimit,
            Severity::Info,
            ad,
            format!(
                "the source photo is {} bytes; AD's thumbnailPhoto holds at most {AD_ATTRIBUTE_MAX_BYTES} bytes (100 KB), and Exchange Online takes only 10 KB from Entra Connect",
                info.bytes
            ),
            format!("`photosync sync --targets {ad}` writes a 96x96 JPEG under 10 KB instead of the original"),
        ));
    }
}

/// AD and Graph hold different pictures: say why by the tenant's photo policy as Graph read
/// it (`photoUpdateSource`). At `cloud` a photo set in Microsoft 365 wins over what Entra
/// Connect exports; unset, both write and the last writer wins (Microsoft's Entra Connect
/// attribute reference: a photo changed on-premises and in the cloud within one sync interval
/// is "not guaranteed" to be the one served). `onPremises` is explained by the store itself
/// (`cloud-writes-blocked`).
fn ad_and_graph_disagree(ad: &StoreStatus, graph: &StoreStatus, out: &mut Vec<Finding>) {
    let detail = |key: &str| graph.details.get(key);
    let policy = detail("photoUpdateSource").and_then(|v| v.as_str());
    let users_can_change = detail("usersCanChangeOwnPhoto").and_then(|v| v.as_bool());
    let (Some(ad_photo), Some(graph_photo)) = (&ad.photo, &graph.photo) else {
        return;
    };
    if same_picture(ad_photo, graph_photo).is_none_or(|(same, _)| same) {
        return;
    }
    let copy = format!(
        "`photosync sync --source {} --targets {}`",
        ad.store, graph.store
    );
    // The user's own sync path explains it before the tenant's policy does.
    if let Some(path) = sync_path(graph, &copy) {
        out.push(path);
        return;
    }
    let users = match users_can_change {
        Some(true) => {
            " Users can change their own photo (photoUpdateSettings.allowedRoles is empty), so a change in Teams or Outlook replaces AD's too; to stop that, name the roles that may change photos (`photosync policy set --allowed-roles people-administrator`) — Outlook on the web's SetPhotoEnabled no longer controls it."
        }
        _ => "",
    };
    match policy {
        Some("cloud") => out.push(finding(
            FindingCode::CloudPhotoOverridesAd,
            Severity::Warning,
            &graph.store,
            format!("AD and Graph hold different pictures, and the tenant's photo policy (photoUpdateSettings) is `cloud`: a photo set in Microsoft 365 wins over what Entra Connect exports from AD, so AD changes do not reach Exchange, Outlook or Teams.{users}"),
            format!("copy AD's photo to the cloud with {copy} (or change the photo in Microsoft 365 instead of AD)"),
        )),
        Some("unset") => out.push(finding(
            FindingCode::PhotoPolicyUnset,
            Severity::Warning,
            &graph.store,
            format!("AD and Graph hold different pictures, and the tenant's photo policy (photoUpdateSettings) is unset: Entra Connect exports AD's photo and Microsoft 365 accepts changes too, so whichever wrote last wins, and when both change within one sync interval Microsoft does not guarantee the latest is served.{users}"),
            format!("choose one source: keep AD authoritative with `photosync policy set --source onPremises` (cloud changes blocked) or manage photos in the cloud with `photosync policy set --source cloud` and copy AD's photo there with {copy}; changes to the policy take up to 24 hours"),
        )),
        _ => {}
    }
}

/// Why this user's AD photo does not reach Microsoft 365 however the policy is set: its source
/// of authority moved to the cloud, it is a cloud-only user, or it stopped exporting (the
/// Graph store's `details`, from its lookup and `onPremisesSyncBehavior`).
fn sync_path(graph: &StoreStatus, copy: &str) -> Option<Finding> {
    let detail = |key: &str| graph.details.get(key);
    let store = &graph.store;
    if detail("isCloudManaged").and_then(|v| v.as_bool()) == Some(true) {
        return Some(finding(
            FindingCode::CloudManagedUser,
            Severity::Warning,
            store,
            "this user's source of authority was moved to the cloud (onPremisesSyncBehavior.isCloudManaged): Entra ID blocks updates from on-premises AD for it, so AD's photo never reaches Microsoft 365".to_string(),
            format!("the fix is in the cloud, not in AD: set the photo there with {copy}, or hand the user back to AD (isCloudManaged false) if AD should manage it"),
        ));
    }
    if detail("onPremisesSyncEnabled").and_then(|v| v.as_bool()) == Some(false) {
        return Some(finding(
            FindingCode::NotSyncedFromAd,
            Severity::Warning,
            store,
            "this AD user's Microsoft 365 account is cloud-only (onPremisesSyncEnabled is not true): Entra Connect does not sync it, so AD's photo never arrives".to_string(),
            format!("match the two accounts in Entra Connect (a hard match sets the cloud user's onPremisesImmutableId to the AD objectGUID's base64), or copy AD's photo with {copy}"),
        ));
    }
    let lag = detail("onPremisesSyncLagHours").and_then(|v| v.as_u64())?;
    if lag < STALE_SYNC_LAG_HOURS {
        return None;
    }
    let last = detail("onPremisesLastSyncDateTime")
        .and_then(|v| v.as_str())
        .unwrap_or("long ago");
    Some(finding(
        FindingCode::StaleDirectorySync,
        Severity::Warning,
        store,
        format!(
            "Entra Connect last synced this user at {last}, {} behind the newest sync of the other users read in this run: the user has stopped exporting — an Entra Connect export error such as LargeObject or ExceededAllowedLength stops the whole user, and thumbnailPhoto is a named cause",
            human(std::time::Duration::from_secs(lag * 3600))
        ),
        format!(
            "look the user up in Entra Connect's export errors (Synchronization Service Manager, or Entra Connect Health); an AD photo too large is replaced by `photosync sync --targets ad` (a 96x96 JPEG under 10 KB); meanwhile {copy} sets the cloud photo directly"
        ),
    ))
}

/// Graph says what kind of account this is: guests (`userType`) and shared, room or equipment
/// mailboxes (`mailboxSettings.userPurpose`, when the store could read it).
fn account_type(graph: &StoreStatus, out: &mut Vec<Finding>) {
    let detail = |key: &str| graph.details.get(key).and_then(|v| v.as_str());
    let target = &graph.store;
    let explained = if detail("userType").is_some_and(|t| t.eq_ignore_ascii_case("guest")) {
        Some((
            "this is a guest (B2B) account: people in other organisations, and often Teams, see the picture from the guest's home tenant, not one set here",
            format!(
                "ask the guest to set their photo at home; a photo set here (`--targets {target}`) shows only inside this tenant"
            ),
        ))
    } else {
        match detail("userPurpose")
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("shared") => Some((
                "this is a shared mailbox: nobody signs in as it, so only an admin or this tool can set its photo",
                format!(
                    "set it like a user's with `photosync sync --targets {target}`; Outlook shows it on mail sent as the mailbox"
                ),
            )),
            Some(kind @ ("room" | "equipment")) => Some((
                if kind == "room" {
                    "this is a room mailbox: Outlook's room finder and Teams Rooms show its photo"
                } else {
                    "this is an equipment mailbox: Outlook shows its photo when it is booked"
                },
                format!(
                    "set it like a user's with `photosync sync --targets {target}`; a picture of the room or item works better than a logo"
                ),
            )),
            _ => None,
        }
    };
    if let Some((message, hint)) = explained {
        out.push(finding(
            FindingCode::AccountType,
            Severity::Info,
            target,
            message.to_string(),
            hint,
        ));
    }
}

fn client_cache(graph: &str) -> Finding {
    finding(
        FindingCode::ClientCache,
        Severity::Info,
        graph,
        "Graph holds the reference picture and every store shows it: if Teams or Outlook still shows another one, the server is right and that client is showing a stale copy".to_string(),
        format!("{}. Graph itself serves photos with a 6-hour cache", capitalised(STALE_CLIENT_STEPS)),
    )
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::super::fixtures::capabilities;
    use super::*;

    /// `diagnose` as `assess` calls it: the reference is one of the stores (added in front
    /// when the test names one the list lacks), each store's service from its label.
    fn judge(
        reference: Option<(&str, &PhotoInfo)>,
        stores: &[StoreStatus],
        verdict: Verdict,
    ) -> Vec<Finding> {
        let mut all = stores.to_vec();
        let index = reference.map(|(name, info)| {
            all.iter().position(|s| s.store == name).unwrap_or_else(|| {
                all.insert(0, store(name, Some(info.clone()), &[]));
                0
            })
        });
        if let (Some(i), Some((_, info))) = (index, reference) {
            all[i].photo = Some(info.clone());
        }
        let services: Vec<_> = all.iter().map(|s| capabilities(&s.store).service).collect();
        diagnose(&all, &services, index, verdict)
    }

    /// A photo whose signature is that of a flat square of the grey level named by the first
    /// byte of `phash`, so two infos with different `phash` prefixes show different pictures.
    fn info(side: (u32, u32), bytes: u64, phash: &str) -> PhotoInfo {
        let grey = u8::from_str_radix(phash.get(..2).unwrap_or("80"), 16).unwrap_or(128);
        let square = image::RgbImage::from_pixel(16, 16, image::Rgb([grey; 3]));
        PhotoInfo {
            format: "jpeg".into(),
            width: side.0,
            height: side.1,
            bytes,
            sha256: "00".into(),
            phash: phash.into(),
            brightness: Some(120),
            contrast: Some(50),
            signature: crate::photo::Signature::of(&square).to_string(),
        }
    }

    fn store(name: &str, photo: Option<PhotoInfo>, details: &[(&str, &str)]) -> StoreStatus {
        StoreStatus {
            store: name.into(),
            state: if photo.is_some() {
                StoreState::Present
            } else {
                StoreState::Absent
            },
            photo,
            matches_reference: None,
            compared_by: None,
            distance: None,
            details: details
                .iter()
                .map(|(k, v)| (k.to_string(), serde_json::json!(v)))
                .collect::<BTreeMap<_, _>>(),
            error: None,
            thumbnail: None,
        }
    }

    fn codes(findings: &[Finding]) -> Vec<FindingCode> {
        findings.iter().map(|f| f.code).collect()
    }

    #[test]
    fn ad_thumbnail_as_graph_source_is_low_resolution() {
        let ad = info((96, 96), 5000, "0000000000000000");
        let stores = [
            store("ad", Some(ad.clone()), &[]),
            store("graph", None, &[]),
        ];
        let found = judge(Some(("ad", &ad)), &stores, Verdict::MissingInCloud);
        assert_eq!(codes(&found), [FindingCode::LowResolutionSource]);
        // Without Graph in the run, a 96 px AD photo is just AD's normal size.
        let found = judge(Some(("ad", &ad)), &stores[..1], Verdict::InSync);
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn dark_flat_and_oblong_pictures_are_flagged() {
        let mut photo = info((600, 900), 50_000, "0");
        photo.brightness = Some(20);
        photo.contrast = Some(5);
        let found = judge(Some(("input", &photo)), &[], Verdict::InSync);
        assert_eq!(
            codes(&found),
            [
                FindingCode::PhotoTooDark,
                FindingCode::PhotoTooFlat,
                FindingCode::PhotoNotSquare
            ]
        );
        assert!(found[2].message.contains("600x600"), "{}", found[2].message);
        let fine = info((600, 700), 50_000, "0");
        assert!(judge(Some(("input", &fine)), &[], Verdict::InSync).is_empty());
    }

    #[test]
    fn sources_over_a_store_limit_name_the_limit_and_the_rendition() {
        let big = info((4000, 4000), 5_000_000, "0");
        let stores = [store("ad", None, &[]), store("graph", None, &[])];
        let found = judge(Some(("input", &big)), &stores, Verdict::MissingInCloud);
        let graph = found
            .iter()
            .find(|f| f.store.as_deref() == Some("graph"))
            .expect("graph finding");
        assert!(graph.message.contains("4 MB") && graph.hint.contains("648x648"));
        let ad = found
            .iter()
            .find(|f| f.store.as_deref() == Some("ad"))
            .expect("ad finding");
        assert!(ad.message.contains("100 KB") && ad.hint.contains("96x96"));
    }

    #[test]
    fn ad_differing_from_graph_under_cloud_policy_says_which_command_fixes_it() {
        let ad = info((96, 96), 5000, "ffffffff00000000");
        let graph_photo = info((648, 648), 50_000, "0000000000000000");
        let stores = |policy: &str| {
            [
                store("ad", Some(ad.clone()), &[]),
                store(
                    "graph",
                    Some(graph_photo.clone()),
                    &[("photoUpdateSource", policy)],
                ),
            ]
        };
        let found = judge(Some(("ad", &ad)), &stores("cloud"), Verdict::Differs);
        let f = found
            .iter()
            .find(|f| f.code == FindingCode::CloudPhotoOverridesAd)
            .expect("finding");
        assert!(f.hint.contains("--source ad --targets graph"));
        let found = judge(Some(("ad", &ad)), &stores("onPremises"), Verdict::Differs);
        assert!(!codes(&found).contains(&FindingCode::CloudPhotoOverridesAd));
    }

    /// Issue 21: with the tenant's photo policy unset (the default) both AD and Microsoft 365
    /// write, and AD ≠ Graph was left unexplained.
    #[test]
    fn ad_differing_from_graph_under_an_unset_policy_explains_the_last_writer_race() {
        let ad = info((96, 96), 5000, "ffffffff00000000");
        let mut graph = store(
            "graph",
            Some(info((648, 648), 50_000, "0000000000000000")),
            &[("photoUpdateSource", "unset")],
        );
        graph
            .details
            .insert("usersCanChangeOwnPhoto".into(), true.into());
        let stores = [store("ad", Some(ad.clone()), &[]), graph.clone()];
        let found = judge(Some(("ad", &ad)), &stores, Verdict::Differs);
        let f = found
            .iter()
            .find(|f| f.code == FindingCode::PhotoPolicyUnset)
            .expect("the race is explained");
        assert!(
            f.message.contains("whichever wrote last wins"),
            "{}",
            f.message
        );
        assert!(
            f.message.contains("SetPhotoEnabled no longer"),
            "{}",
            f.message
        );
        assert!(
            f.hint.contains("policy set --source onPremises"),
            "{}",
            f.hint
        );
        assert!(f.hint.contains("--source ad --targets graph"), "{}", f.hint);
        // Only users allowed to change their own photo are told about it.
        graph
            .details
            .insert("usersCanChangeOwnPhoto".into(), false.into());
        let found = judge(
            Some(("ad", &ad)),
            &[stores[0].clone(), graph],
            Verdict::Differs,
        );
        assert!(found.iter().all(|f| !f.message.contains("SetPhotoEnabled")));
        // The same pictures under an unset policy need no explanation.
        let same = store("graph", Some(ad.clone()), &[("photoUpdateSource", "unset")]);
        let found = judge(
            Some(("ad", &ad)),
            &[stores[0].clone(), same],
            Verdict::InSync,
        );
        assert!(!codes(&found).contains(&FindingCode::PhotoPolicyUnset));
    }

    /// Issue 21 §2: the user's own sync path explains an AD change that never arrives, ahead of
    /// the tenant's policy; each with its next step.
    #[test]
    fn the_sync_path_explains_ad_and_graph_differing_before_the_policy_does() {
        let ad = info((96, 96), 5000, "ffffffff00000000");
        let graph_with = |details: &[(&str, serde_json::Value)]| {
            let mut graph = store(
                "graph",
                Some(info((648, 648), 50_000, "0000000000000000")),
                &[("photoUpdateSource", "cloud")],
            );
            for (k, v) in details {
                graph.details.insert(k.to_string(), v.clone());
            }
            graph
        };
        let judge_with = |details: &[(&str, serde_json::Value)]| {
            let stores = [store("ad", Some(ad.clone()), &[]), graph_with(details)];
            judge(Some(("ad", &ad)), &stores, Verdict::Differs)
        };
        let synced = ("onPremisesSyncEnabled", true.into());
        let managed = judge_with(&[synced.clone(), ("isCloudManaged", true.into())]);
        assert!(
            codes(&managed).contains(&FindingCode::CloudManagedUser),
            "{managed:?}"
        );
        assert!(!codes(&managed).contains(&FindingCode::CloudPhotoOverridesAd));
        let f = &managed[managed.len() - 1];
        assert!(f.hint.contains("in the cloud, not in AD"), "{}", f.hint);

        let cloud_only = judge_with(&[("onPremisesSyncEnabled", false.into())]);
        assert!(
            codes(&cloud_only).contains(&FindingCode::NotSyncedFromAd),
            "{cloud_only:?}"
        );

        let stale = judge_with(&[
            synced.clone(),
            ("onPremisesLastSyncDateTime", "2025-06-01T08:00:00Z".into()),
            ("onPremisesSyncLagHours", (STALE_SYNC_LAG_HOURS * 10).into()),
        ]);
        let f = stale
            .iter()
            .find(|f| f.code == FindingCode::StaleDirectorySync)
            .expect("stale");
        assert!(
            f.message.contains("2025-06-01T08:00:00Z") && f.message.contains("LargeObject"),
            "{}",
            f.message
        );

        // Synced on the tenant's pace and not cloud-managed: the policy explains it.
        let on_pace = judge_with(&[
            synced,
            ("onPremisesSyncLagHours", (STALE_SYNC_LAG_HOURS - 1).into()),
            ("isCloudManaged", false.into()),
        ]);
        assert!(
            codes(&on_pace).contains(&FindingCode::CloudPhotoOverridesAd),
            "{on_pace:?}"
        );
        assert!(!codes(&on_pace).contains(&FindingCode::StaleDirectorySync));
    }

    #[test]
    fn in_sync_graph_explains_a_differing_client_as_cache() {
        let photo = info((648, 648), 50_000, "0");
        let mut graph = store("graph", Some(photo.clone()), &[]);
        graph.matches_reference = Some(true);
        let found = judge(Some(("input", &photo)), &[graph.clone()], Verdict::InSync);
        assert_eq!(codes(&found), [FindingCode::ClientCache]);
        // Issue 21: Teams caches photos for up to 60 days, not "about a day".
        let cache = &found[0];
        assert!(
            cache.message.contains("the server is right"),
            "{}",
            cache.message
        );
        assert!(
            cache.hint.contains("60 days") && cache.hint.contains("3 days"),
            "{}",
            cache.hint
        );
        assert!(!cache.hint.contains("about a day"), "{}", cache.hint);
        let found = judge(Some(("input", &photo)), &[graph], Verdict::Differs);
        assert!(found.is_empty());
    }

    #[test]
    fn a_recent_write_says_when_and_whether_the_store_shows_it() {
        let mut graph = store("graph", Some(info((648, 648), 50_000, "0")), &[]);
        graph.matches_reference = Some(true);
        let f = recently_written(
            &graph,
            Some(Service::Graph),
            Duration::from_secs(3 * 3600 + 60),
            true,
        );
        assert_eq!(f.code, FindingCode::RecentlyWritten);
        assert!(
            f.message.starts_with("written to graph 3 h ago"),
            "{}",
            f.message
        );
        assert!(f.message.contains("shows it now"));
        assert!(f.hint.contains("up to 60 days"), "{}", f.hint);
        let sharepoint = store("sharepoint", None, &[]);
        let f = recently_written(
            &sharepoint,
            Some(Service::SharePointProfile),
            Duration::from_secs(600),
            false,
        );
        assert!(f.message.contains("does not show it yet"), "{}", f.message);
        assert!(f.hint.contains("72 hours"));
    }

    #[test]
    fn an_outside_change_names_the_store_the_age_and_both_ways_out() {
        let graph = store("graph", Some(info((648, 648), 50_000, "0")), &[]);
        let f = changed_outside(&graph, Duration::from_secs(2 * 86_400 + 60));
        assert_eq!(f.code, FindingCode::ChangedOutsidePhotosync);
        assert_eq!(f.severity, Severity::Warning);
        assert!(
            f.message.contains("verified there 2 d ago"),
            "{}",
            f.message
        );
        assert!(f.hint.contains("--keep-outside-changes"), "{}", f.hint);
        assert!(f.hint.contains("replaced-outside-change"), "{}", f.hint);
    }

    #[test]
    fn guests_and_room_mailboxes_are_explained() {
        let guest = store("graph", None, &[("userType", "Guest")]);
        let found = judge(None, &[guest], Verdict::NoPhoto);
        assert_eq!(codes(&found), [FindingCode::AccountType]);
        assert!(found[0].message.contains("guest"));
        for (purpose, says) in [
            ("room", "room mailbox"),
            ("equipment", "equipment mailbox"),
            ("shared", "shared mailbox"),
        ] {
            let mailbox = store("graph", None, &[("userPurpose", purpose)]);
            let found = judge(None, &[mailbox], Verdict::NoPhoto);
            assert!(found[0].message.contains(says), "{}", found[0].message);
        }
        for ordinary in ["user", "linked", "others"] {
            let mailbox = store("graph", None, &[("userPurpose", ordinary)]);
            assert!(judge(None, &[mailbox], Verdict::NoPhoto).is_empty());
        }
        let member = store("graph", None, &[("userType", "Member")]);
        assert!(judge(None, &[member], Verdict::NoPhoto).is_empty());
    }
}
