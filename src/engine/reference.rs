//! The photo a user record carries itself (`thumbnailPhoto` inline or `photoPath`): the
//! reference for `status` and the source for `sync --source input`.

use base64::Engine as _;

use crate::error::{Error, Result};
use crate::photo::{self, DecodeLimits, SourcePhoto};
use crate::schema::{ErrorCode, PhotoBytes, UserRecord};

/// Whether the record names a photo at all.
pub fn has_input_photo(record: &UserRecord) -> bool {
    record.thumbnail_photo.is_some() || record.photo_path.is_some()
}

/// The record's photo bytes; `Ok(None)` when it names none. The inline photo wins over a path.
pub async fn input_photo_bytes(record: &UserRecord) -> Result<Option<Vec<u8>>> {
    if let Some(inline) = &record.thumbnail_photo {
        return decode_inline(inline).map(Some);
    }
    let Some(path) = &record.photo_path else {
        return Ok(None);
    };
    let path = std::path::PathBuf::from(path);
    let limit = DecodeLimits::default().max_bytes;
    photo::off_thread(move || photo::read_photo_file(&path, limit))
        .await
        .map(Some)
}

fn decode_inline(inline: &PhotoBytes) -> Result<Vec<u8>> {
    match inline {
        PhotoBytes::Bytes(bytes) => Ok(bytes.clone()),
        PhotoBytes::Base64(text) => {
            // Accept data URLs and line-wrapped base64 as people paste them.
            let text = text.split_once("base64,").map_or(text.as_str(), |(_, b)| b);
            let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            base64::engine::general_purpose::STANDARD
                .decode(compact.as_bytes())
                .map_err(|e| {
                    Error::input(
                        ErrorCode::PhotoUnreadable,
                        format!("thumbnailPhoto is not valid base64: {e}"),
                    )
                    .with_hint(
                        "give the photo bytes base64-encoded, as ConvertTo-Json writes a byte[]",
                    )
                })
        }
    }
}

/// The record's own photo, decoded: `Ok(None)` when it names none.
pub async fn input_photo(record: &UserRecord) -> Result<Option<SourcePhoto>> {
    // Admitted before the file is read, so the bytes waiting for a decode are bounded by the
    // photo budget, not by --concurrency.
    photo::admitted(async {
        match input_photo_bytes(record).await? {
            Some(bytes) => photo::load_off_thread(bytes).await.map(Some),
            None => Ok(None),
        }
    })
    .await
}
