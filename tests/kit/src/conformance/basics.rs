//! Resolving and reading: known users are found (the same object each time), unknown ones
//! are `Ok(None)` rather than an error, and a read tells the truth about the bytes it gives.

use photosync::photo::{self, DecodeLimits};

use super::{Ctx, Outcome, Problems, failed, found, same_picture, who};

/// Known users are found, and found again as the same object.
pub async fn resolves_known_users(ctx: &Ctx<'_>) -> Outcome {
    let mut problems = Problems::default();
    for record in [&ctx.fixture.with_photo, &ctx.fixture.without_photo] {
        let first = match found(ctx, record).await {
            Ok(user) => user,
            Err(problem) => {
                problems.add(problem);
                continue;
            }
        };
        match found(ctx, record).await {
            Ok(again) if again.key == first.key => {}
            Ok(again) => problems.add(format!(
                "{}: resolved to {} and then to {}",
                who(record),
                first.key,
                again.key
            )),
            Err(problem) => problems.add(format!("resolving again: {problem}")),
        }
    }
    problems.outcome()
}

/// A user the store does not hold is `Ok(None)`, not an error.
pub async fn unknown_user_is_not_found(ctx: &Ctx<'_>) -> Outcome {
    let record = &ctx.fixture.unknown;
    match ctx.store.resolve(record).await {
        Ok(None) => Outcome::Passed,
        Ok(Some(user)) => failed(format!(
            "{}: expected not found, found {}",
            who(record),
            user.key
        )),
        Err(e) => failed(format!(
            "{}: expected not found, got the error {e}",
            who(record)
        )),
    }
}

/// A read gives the expected picture, and its fingerprint describes the very bytes read.
pub async fn reads_are_honest(ctx: &Ctx<'_>) -> Outcome {
    let record = &ctx.fixture.with_photo;
    let name = who(record);
    let user = match found(ctx, record).await {
        Ok(user) => user,
        Err(problem) => return failed(problem),
    };
    let stored = match ctx.store.read_photo(&user).await {
        Ok(read) => match read.photo {
            Some(stored) => stored,
            None => return failed(format!("{name}: read gave no photo, expected one")),
        },
        Err(e) => return failed(format!("{name}: read failed: {e}")),
    };
    let mut problems = Problems::default();
    if stored.info.sha256 != photo::sha256_hex(&stored.bytes) {
        problems.add(format!(
            "{name}: info.sha256 is not the SHA-256 of the bytes read"
        ));
    }
    if stored.info.bytes != stored.bytes.len() as u64 {
        problems.add(format!("{name}: info.bytes is not the byte count"));
    }
    match photo::inspect(&ctx.fixture.expected_photo, &DecodeLimits::default()) {
        Ok(expected) if same_picture(&stored.info, &expected) => {}
        Ok(_) => problems.add(format!(
            "{name}: the stored photo is not the expected picture"
        )),
        Err(e) => problems.add(format!("fixture expected_photo: {e}")),
    }
    problems.outcome()
}

/// A known user without a photo reads as none, not as an error.
pub async fn no_photo_reads_as_none(ctx: &Ctx<'_>) -> Outcome {
    let record = &ctx.fixture.without_photo;
    let name = who(record);
    let user = match found(ctx, record).await {
        Ok(user) => user,
        Err(problem) => return failed(problem),
    };
    match ctx.store.read_photo(&user).await {
        Ok(read) if read.photo.is_none() => Outcome::Passed,
        Ok(_) => failed(format!("{name}: read gave a photo, expected none")),
        Err(e) => failed(format!("{name}: read failed: {e}")),
    }
}
