//! objectGUID in its three everyday forms, so AD users can be matched with their cloud twins.
//!
//! AD stores `objectGUID` as 16 raw bytes. `Get-ADUser` prints them as a .NET `Guid`, whose
//! first three groups are little-endian (the "mixed-endian" form), and Entra Connect's
//! `onPremisesImmutableId` is the base64 of the raw bytes. Getting the byte order wrong gives a
//! valid-looking GUID that matches nobody, so every conversion goes through this one type.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::error::{Error, Result};
use crate::schema::ErrorCode;

/// An objectGUID as the 16 bytes AD stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ObjectGuid([u8; 16]);

impl ObjectGuid {
    /// The raw attribute value; anything but 16 bytes is not an objectGUID.
    pub fn from_bytes(bytes: &[u8]) -> Option<Self> {
        <[u8; 16]>::try_from(bytes).ok().map(ObjectGuid)
    }

    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// Parse the `Get-ADUser` form (`xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, optional braces).
    pub fn parse(text: &str) -> Result<Self> {
        let trimmed = text.trim().trim_start_matches('{').trim_end_matches('}');
        let hex: String = trimmed.chars().filter(|c| *c != '-').collect();
        let groups: Vec<usize> = trimmed.split('-').map(str::len).collect();
        // Hex digits only: `from_str_radix` alone would take "+1" for 01.
        if hex.len() != 32
            || groups != [8, 4, 4, 4, 12]
            || !hex.chars().all(|c| c.is_ascii_hexdigit())
        {
            return Err(bad_guid(text));
        }
        let mut canonical = [0u8; 16];
        for (i, byte) in canonical.iter_mut().enumerate() {
            *byte = hex
                .get(2 * i..2 * i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| bad_guid(text))?;
        }
        // The printed form shows Data1..Data3 big-endian; AD stores them little-endian.
        let mut raw = canonical;
        raw[0..4].reverse();
        raw[4..6].reverse();
        raw[6..8].reverse();
        Ok(ObjectGuid(raw))
    }

    /// Parse Entra's `onPremisesImmutableId` (base64 of the raw bytes).
    pub fn from_immutable_id(text: &str) -> Result<Self> {
        let bytes = STANDARD
            .decode(text.trim())
            .map_err(|_| bad_immutable_id(text))?;
        Self::from_bytes(&bytes).ok_or_else(|| bad_immutable_id(text))
    }

    /// Either everyday form: the `Get-ADUser` text or Entra's immutable id (base64).
    pub fn parse_either(text: &str) -> Option<Self> {
        Self::parse(text)
            .or_else(|_| Self::from_immutable_id(text))
            .ok()
    }

    /// The value Entra Connect writes to `onPremisesImmutableId` by default.
    pub fn immutable_id(&self) -> String {
        STANDARD.encode(self.0)
    }

    /// An RFC 4515 assertion value matching exactly these bytes (`\xx` per byte).
    pub fn filter_value(&self) -> String {
        super::filter::escape_bytes(&self.0)
    }
}

impl std::fmt::Display for ObjectGuid {
    /// The `Get-ADUser` form, lower case like PowerShell prints it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let b = &self.0;
        write!(
            f,
            "{:02x}{:02x}{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-{:02x}{:02x}-",
            b[3], b[2], b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9]
        )?;
        for byte in &b[10..16] {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

fn bad_guid(text: &str) -> Error {
    Error::input(
        ErrorCode::NoIdentity,
        format!("`{text}` is not an objectGUID"),
    )
    .with_hint("use the form Get-ADUser prints, e.g. 3ab39606-c642-489b-84b6-58c038d3ef39")
}

fn bad_immutable_id(text: &str) -> Error {
    Error::input(
        ErrorCode::NoIdentity,
        format!("`{text}` is not an onPremisesImmutableId (base64 of 16 bytes)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // Published pairs (PowerShell `[Convert]::ToBase64String(([Guid]$g).ToByteArray())`),
    // cross-checked with Python's `uuid.UUID(g).bytes_le`.
    const VECTORS: &[(&str, &str, &str)] = &[
        (
            "3ab39606-c642-489b-84b6-58c038d3ef39",
            "0696b33a42c69b4884b658c038d3ef39",
            "BpazOkLGm0iEtljAONPvOQ==",
        ),
        (
            "8c4ac332-975f-4717-ad7b-ba4a4e968fff",
            "32c34a8c5f971747ad7bba4a4e968fff",
            "MsNKjF+XF0ete7pKTpaP/w==",
        ),
        (
            "bcd2e574-8d58-4136-a9df-8a19b145db79",
            "74e5d2bc588d3641a9df8a19b145db79",
            "dOXSvFiNNkGp34oZsUXbeQ==",
        ),
    ];

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn published_vectors_convert_both_ways() {
        for (text, raw_hex, immutable) in VECTORS {
            let guid = ObjectGuid::parse(text).expect("valid guid");
            assert_eq!(hex(guid.as_bytes()), *raw_hex);
            assert_eq!(guid.immutable_id(), *immutable);
            assert_eq!(guid.to_string(), *text);
            let back = ObjectGuid::from_immutable_id(immutable).expect("valid id");
            assert_eq!(back, guid);
        }
    }

    #[test]
    fn filter_value_escapes_every_raw_byte() {
        let guid = ObjectGuid::parse("bcd2e574-8d58-4136-a9df-8a19b145db79").expect("valid");
        assert_eq!(
            guid.filter_value(),
            r"\74\e5\d2\bc\58\8d\36\41\a9\df\8a\19\b1\45\db\79"
        );
    }

    #[test]
    fn braces_and_upper_case_are_accepted() {
        let a = ObjectGuid::parse("{3AB39606-C642-489B-84B6-58C038D3EF39}").expect("valid");
        assert_eq!(a.immutable_id(), "BpazOkLGm0iEtljAONPvOQ==");
    }

    #[test]
    fn malformed_guids_are_rejected() {
        for bad in [
            "",
            "3ab39606c642489b84b658c038d3ef39",
            "3ab39606-c642-489b-84b6-58c038d3ef3",
            "3ab39606-c642-489b-84b6-58c038d3ef3z",
            "zab39606-c642-489b-84b6-58c038d3ef39",
            // A sign is no hex digit, though `from_str_radix` takes "+1" for 01.
            "+ab39606-c642-489b-84b6-58c038d3ef39",
            "3ab39606-c642-489b-84b6-+8c038d3ef39",
        ] {
            assert!(ObjectGuid::parse(bad).is_err(), "{bad} accepted");
        }
        assert!(ObjectGuid::from_immutable_id("AAAA").is_err());
        assert!(ObjectGuid::from_bytes(&[0; 15]).is_none());
    }
}
