//! `--shard K/N`: split one input across N jobs (Automation child jobs, Hybrid Workers) so
//! each processes only its share, and together they process every user exactly once.
//!
//! A user's shard comes from its stable key (objectGUID, else UPN, lower-cased) through
//! FNV-1a 64 (a hash fixed by its specification) and multiply-shift, so the split is the same in every build,
//! process and machine (std's `DefaultHasher` makes no such promise).

use crate::error::{Error, Result};
use crate::schema::UserRecord;

/// Shard `index` (1-based) of `count`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u32,
    pub count: u32,
}

impl Shard {
    /// Parse `K/N` with 1 ≤ K ≤ N.
    pub fn parse(text: &str) -> Result<Shard> {
        let bad = || {
            Error::config(format!("`{text}` is not a shard")).with_hint(
                "write --shard K/N with 1 <= K <= N, e.g. --shard 2/4 for the second of four jobs",
            )
        };
        let (k, n) = text.trim().split_once('/').ok_or_else(bad)?;
        let index: u32 = k.trim().parse().map_err(|_| bad())?;
        let count: u32 = n.trim().parse().map_err(|_| bad())?;
        if index == 0 || count == 0 || index > count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// Whether this shard processes the user.
    pub fn contains(&self, record: &UserRecord) -> bool {
        shard_of(record, self.count) == self.index
    }

    /// Whether this shard reports problems that belong to no user (an unreadable input line):
    /// the first one, so each is reported once across the jobs.
    pub fn reports_input_errors(&self) -> bool {
        self.index == 1
    }
}

/// The 1-based shard of `record` among `count`. The hash is mapped to a shard by its high
/// bits (multiply-shift), not `% count`: FNV's low bits are weak (its lowest bit is just the
/// parity of the input bytes, which would put 2/3 of users in one of two shards).
pub fn shard_of(record: &UserRecord, count: u32) -> u32 {
    let key = stable_key(record);
    let hash = u128::from(fnv1a_64(key.as_bytes()));
    ((hash * u128::from(count.max(1))) >> 64) as u32 + 1
}

/// objectGUID (lower-case GUID text, also when given as its immutable id), else UPN
/// lower-cased, else the other keys; a record with no key at all still lands in exactly one
/// shard.
pub fn stable_key(record: &UserRecord) -> String {
    let guid = record
        .object_guid
        .as_deref()
        .map(|g| match crate::store::ad::ObjectGuid::parse_either(g) {
            Some(guid) => guid.to_string(),
            None => g.trim().trim_matches(['{', '}']).to_lowercase(),
        })
        .filter(|g| !g.is_empty());
    if let Some(guid) = guid {
        return format!("guid:{guid}");
    }
    let upn = record
        .user_principal_name
        .as_deref()
        .map(|u| u.trim().to_lowercase())
        .filter(|u| !u.is_empty());
    if let Some(upn) = upn {
        return format!("upn:{upn}");
    }
    crate::state::user_key(record).unwrap_or_default()
}

/// FNV-1a, 64-bit (offset basis 0xcbf29ce484222325, prime 0x100000001b3).
pub fn fnv1a_64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_published_test_vectors() {
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a_64(b"foobar"), 0x8594_4171_f739_67e8);
    }

    #[test]
    fn shard_specs_are_checked() {
        assert_eq!(Shard::parse("2/4").ok(), Some(Shard { index: 2, count: 4 }));
        assert_eq!(
            Shard::parse(" 1 / 1 ").ok(),
            Some(Shard { index: 1, count: 1 })
        );
        for bad in ["0/4", "5/4", "1/0", "4", "a/b", "-1/4", "1/4/2", ""] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_guid_decides_whatever_its_spelling_and_the_upn_is_case_blind() {
        let by_guid = |g: &str, upn: &str| UserRecord {
            object_guid: Some(g.into()),
            user_principal_name: Some(upn.into()),
            ..UserRecord::default()
        };
        let g = "0A1B2C3D-0000-4000-8000-000000000001";
        for n in [2, 3, 7, 16] {
            let want = shard_of(&by_guid(g, "a@x"), n);
            assert_eq!(
                shard_of(&by_guid(&format!("{{{}}}", g.to_lowercase()), "b@y"), n),
                want
            );
        }
        let by_upn = |u: &str| UserRecord {
            user_principal_name: Some(u.into()),
            ..UserRecord::default()
        };
        assert_eq!(
            shard_of(&by_upn("Ann@Contoso.com"), 5),
            shard_of(&by_upn("ann@contoso.com"), 5)
        );
    }

    #[test]
    fn every_user_lands_in_exactly_one_shard_and_shards_are_balanced() {
        let users: Vec<UserRecord> = (0..10_000)
            .map(|i| UserRecord {
                user_principal_name: Some(format!("user{i}@contoso.com")),
                object_guid: (i % 3 == 0).then(|| format!("{i:08x}-0000-4000-8000-{i:012x}")),
                ..UserRecord::default()
            })
            .collect();
        for n in [1u32, 2, 4, 7] {
            let shards: Vec<Shard> = (1..=n).map(|k| Shard { index: k, count: n }).collect();
            let mut sizes = vec![0usize; n as usize];
            for user in &users {
                let owners: Vec<&Shard> = shards.iter().filter(|s| s.contains(user)).collect();
                assert_eq!(
                    owners.len(),
                    1,
                    "{user:?} in {} shards of {n}",
                    owners.len()
                );
                sizes[owners[0].index as usize - 1] += 1;
            }
            let fair = users.len() / n as usize;
            for size in sizes {
                assert!(
                    size.abs_diff(fair) < fair / 10 + 50,
                    "unbalanced: {size} vs {fair}"
                );
            }
        }
    }
}
