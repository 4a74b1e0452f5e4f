//! Writing: a store that declares `can_write` reads back what it wrote as the same picture,
//! within the rendition it declares; one that declares it cannot write or delete refuses,
//! and the refusal changes nothing.

use photosync::photo::{RenditionSpec, SourcePhoto};
use photosync::schema::{PhotoInfo, UserRecord};
use photosync::store::StoreUser;

use super::{Ctx, Outcome, Problems, failed, found, held, same_picture, source, who};

/// Write the fixture's new picture to its writable user (required once the store writes):
/// the user, as recorded and as found, and the picture written.
async fn write_new<'a>(
    ctx: &'a Ctx<'_>,
) -> Result<(&'a UserRecord, StoreUser, SourcePhoto), Outcome> {
    let record = ctx
        .fixture
        .writable
        .as_ref()
        .ok_or_else(|| failed("the store writes, but the fixture has no writable user"))?;
    let (user, new) = match (found(ctx, record).await, source(&ctx.fixture.new_photo)) {
        (Ok(user), Ok(new)) => (user, new),
        (Err(problem), _) | (_, Err(problem)) => return Err(failed(problem)),
    };
    match ctx.store.write_photo(&user, &new).await {
        Ok(()) => Ok((record, user, new)),
        Err(e) => Err(failed(format!("{}: write failed: {e}", who(record)))),
    }
}

/// What was written reads back as the same picture, within the declared rendition.
pub async fn writes_read_back_as_same_picture(ctx: &Ctx<'_>) -> Outcome {
    if !ctx.caps.can_write {
        return Outcome::Skipped("it declares can_write: false");
    }
    let (record, user, new) = match write_new(ctx).await {
        Ok(written) => written,
        Err(outcome) => return outcome,
    };
    let name = who(record);
    let stored = match ctx.store.read_photo(&user).await {
        Ok(read) => match read.photo {
            Some(stored) => stored,
            None => return failed(format!("{name}: read-back after write gave no photo")),
        },
        Err(e) => return failed(format!("{name}: read-back after write failed: {e}")),
    };
    let mut problems = Problems::default();
    if !same_picture(&stored.info, &new.info) {
        problems.add(format!("{name}: the read-back is not the written picture"));
    }
    if let Some(problem) = breaks_rendition(ctx.caps.rendition, &stored.info) {
        problems.add(problem);
    }
    problems.outcome()
}

/// What a written store holds keeps within the rendition it declares: no side larger than
/// the largest it asks for, no file over its byte limit.
fn breaks_rendition(spec: Option<RenditionSpec>, info: &PhotoInfo) -> Option<String> {
    let Some(spec) = spec else {
        return Some("the store can write but declares no rendition".to_string());
    };
    let fits = info.width <= spec.max_px
        && info.height <= spec.max_px
        && info.bytes <= spec.limit_bytes as u64;
    (!fits).then(|| {
        format!(
            "the stored photo, {}x{} and {} bytes, breaks the declared rendition ({spec:?})",
            info.width, info.height, info.bytes
        )
    })
}

/// A store that declares it cannot write (or delete) refuses to, and changes nothing.
pub async fn refuses_what_it_cannot_do(ctx: &Ctx<'_>) -> Outcome {
    if ctx.caps.can_write && ctx.caps.can_delete {
        return Outcome::Skipped("it declares can_write and can_delete");
    }
    let record = ctx
        .fixture
        .writable
        .as_ref()
        .unwrap_or(&ctx.fixture.with_photo);
    let name = who(record);
    let (user, before) = match (found(ctx, record).await, held(ctx, record).await) {
        (Ok(user), Ok(before)) => (user, before),
        (Err(problem), _) | (_, Err(problem)) => return failed(problem),
    };
    let mut problems = Problems::default();
    if !ctx.caps.can_write {
        let new = match source(&ctx.fixture.new_photo) {
            Ok(new) => new,
            Err(problem) => return failed(problem),
        };
        if ctx.store.write_photo(&user, &new).await.is_ok() {
            problems.add(format!(
                "{name}: a write succeeded although can_write is false"
            ));
        }
    }
    if !ctx.caps.can_delete && ctx.store.delete_photo(&user).await.is_ok() {
        problems.add(format!(
            "{name}: a delete succeeded although can_delete is false"
        ));
    }
    match held(ctx, record).await {
        Ok(after) if after == before => {}
        Ok(_) => problems.add(format!(
            "{name}: a refused write or delete changed the photo"
        )),
        Err(problem) => problems.add(problem),
    }
    problems.outcome()
}

/// A store that declares `can_delete` removes the photo: the user then reads as having none.
pub async fn deletes_when_it_can(ctx: &Ctx<'_>) -> Outcome {
    if !ctx.caps.can_delete {
        return Outcome::Skipped("it declares can_delete: false");
    }
    // Something to delete, whatever the write check left.
    let (record, user, _) = match write_new(ctx).await {
        Ok(written) => written,
        Err(outcome) => return outcome,
    };
    let name = who(record);
    if let Err(e) = ctx.store.delete_photo(&user).await {
        return failed(format!("{name}: delete failed: {e}"));
    }
    match held(ctx, record).await {
        Ok(None) => Outcome::Passed,
        Ok(Some(_)) => failed(format!("{name}: the photo is still there after the delete")),
        Err(problem) => failed(problem),
    }
}
