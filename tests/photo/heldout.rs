//! The "same picture" judgement measured on the HELD-OUT corpus (tests/photo/heldout_corpus.rs):
//! pictures drawn by another generator, never used to choose a limit, in four draws of 13
//! sessions. The target (docs/photos.md) is zero false "same" and zero false "different";
//! asserted here: no other sitter judged the same (3,744 pairs), no recoloured sitter left in
//! place by sync (of 936), and no more recoloured sitters judged the same or copies judged
//! different (of 4,680) than measured.
//!
//! * Different: in each session (one backdrop, framing and light) every sitter's original
//!   against the delivered copy of every other sitter, and every sitter against the same
//!   sitter with ONE change (hair colour, glasses, beard, mouth, eye spacing, face width,
//!   skin tone).
//! * Same: every sitter's original against copies made the way services make them, from the
//!   original file or from PhotoSync's own rendition (what a service receives when PhotoSync
//!   wrote it): ladder sizes 48-648 with five resampling filters, two JPEG encoders at
//!   quality 40-95 with 4:4:4, 4:2:2 and 4:2:0 chroma, PNG, crops up to 3 %, a 1-pixel
//!   border, gamma 0.9-1.1, EXIF-rotated originals and copies; plus the renditions themselves.
//!
//! `cargo test --test photo heldout -- --nocapture` prints the tables in docs/photos.md.

use std::sync::OnceLock;

use photosync::photo::{self, Signature};
use photosync::store::{ad, graph, sharepoint};

use super::evidence::{
    CHANGES, Change, Pair, assert_corpus_size, guaranteed_different, left_by_sync, misjudged,
    report, signature,
};
use super::fixtures::Rng;
use super::heldout_corpus::{Session, Sitter, draw, minimal_pair, sessions};
use super::services::{CROP, ServiceCopy, TRANSFORMATIONS, rendition, source_file};

/// Sessions per draw, and the seeds of the four draws. The first draw's misjudged copies
/// showed what the tuning corpus lacked (saturated clothes, small originals enlarged); the
/// second was drawn after the tuning corpus gained them, and measured once; the third after
/// sync's "clearly the same" limit was chosen on the tuning corpus, and measured once; the
/// fourth after sync stopped leaving pictures too small to judge clearly, and measured once
/// (docs/photos.md).
const SESSIONS: usize = 13;
const DRAWS: [u64; 4] = [0x5EA1_2026, 0x5EA1_2027, 0x5EA1_2028, 0x5EA1_2029];
const SITTERS: usize = 9;
/// The kind of the pairs of one sitter against another of the same session.
const ANOTHER_SITTER: &str = "another sitter, same session";
const COPIES: usize = 9;

fn pairs() -> &'static [Pair] {
    static PAIRS: OnceLock<Vec<Pair>> = OnceLock::new();
    PAIRS.get_or_init(measure)
}

/// One sitter photographed: the reference signature of their source file, and the signature
/// of the copy a store would hold.
struct Photographed {
    reference: Signature,
    delivered: Signature,
}

fn measure() -> Vec<Pair> {
    let all: Vec<_> = DRAWS
        .into_iter()
        .flat_map(|seed| sessions(SESSIONS, SITTERS, seed))
        .collect();
    // Two threads, one per core: the pictures are drawn by unoptimised test code.
    let (first, second) = all.split_at(all.len() / 2);
    let mut out = std::thread::scope(|scope| {
        let other = scope.spawn(|| measure_sessions(second, all.len() / 2));
        let mut mine = measure_sessions(first, 0);
        mine.extend(other.join().expect("corpus thread"));
        mine
    });
    out.sort_by(|a, b| a.label.cmp(&b.label));
    out
}

fn measure_sessions(list: &[(Session, Vec<Sitter>)], first: usize) -> Vec<Pair> {
    let mut out = Vec::new();
    for (offset, (session, sitters)) in list.iter().enumerate() {
        let s = first + offset;
        let people: Vec<Photographed> = sitters
            .iter()
            .enumerate()
            .map(|(i, sitter)| photograph(session, sitter, s, i, &mut out))
            .collect();
        for (i, person) in people.iter().enumerate() {
            for j in (0..people.len()).filter(|&j| j != i) {
                out.push(Pair::different(
                    format!("session {s} sitter {i} vs copy of sitter {j}"),
                    vec![ANOTHER_SITTER],
                    &person.reference,
                    &people[j].delivered,
                ));
            }
        }
    }
    out
}

/// Draw one sitter, push their same-picture pairs and minimal pairs, and return their
/// reference and delivered signatures.
fn photograph(
    session: &Session,
    sitter: &Sitter,
    s: usize,
    i: usize,
    out: &mut Vec<Pair>,
) -> Photographed {
    let mut rng = Rng::new(0xF2E5_0000 + (s * SITTERS + i) as u64);
    let original = draw(session, sitter);
    let (source, source_kind) = source_file(&original, s * SITTERS + i);
    let reference = signature(&source);
    let mut delivered = None;
    for n in 0..COPIES {
        let copy = ServiceCopy::nth(s * SITTERS * COPIES + i * COPIES + n, 48, &mut rng);
        let sig = signature(&copy.make(&source));
        let mut kinds = copy.kinds();
        kinds.push(source_kind);
        out.push(Pair::same(
            format!("session {s} sitter {i} copy {n}"),
            kinds,
            &reference,
            &sig,
        ));
        delivered.get_or_insert(sig);
    }
    // PhotoSync's own renditions, read back as a store holds them.
    let rendition = match (s + i) % 3 {
        0 => rendition(&source, &graph::RENDITION, 0),
        1 => rendition(&source, &ad::RENDITION, 0),
        _ => rendition(&source, &sharepoint::RENDITION, 1),
    };
    out.push(Pair::same(
        format!("session {s} sitter {i} own rendition"),
        vec!["PhotoSync's ad/graph/sharepoint rendition"],
        &reference,
        &signature(&rendition),
    ));
    for (c, change) in CHANGES.into_iter().enumerate() {
        let Some(changed) = minimal_pair(session, sitter, &original, change, &mut rng) else {
            continue;
        };
        let (bytes, _) = source_file(&changed, s * SITTERS + i);
        let n = s * SITTERS * CHANGES.len() + i * CHANGES.len() + c;
        let copy = ServiceCopy::nth(n, change.smallest_copy(), &mut rng);
        out.push(Pair::different(
            format!("session {s} sitter {i} vs {}", change.kind()),
            vec![change.kind()],
            &reference,
            &signature(&copy.make(&bytes)),
        ));
    }
    Photographed {
        reference,
        delivered: delivered.expect("at least one copy"),
    }
}

#[test]
fn heldout_corpus_is_as_large_as_promised() {
    let pairs = pairs();
    assert_corpus_size(pairs, CHANGES.map(Change::kind), 80);
    assert_corpus_size(pairs, TRANSFORMATIONS, 25);
}

/// The target (issue 18) is zero both ways. Measured on 2026-12-06 (four draws, 4,680 copies
/// and 936 recoloured sitters), these are still misjudged (docs/photos.md names them); the
/// tests hold the line there. Lower them as the judgement improves; never raise them to make
/// a change pass. (Each later draw, with the judgement unchanged, added its own: the third 1
/// copy judged different and 2 recolours judged the same, the fourth 5 and 3.)
const FALSE_DIFFERENT_MEASURED: usize = 9;
const RECOLOURED_JUDGED_SAME_MEASURED: usize = 7;
/// Of those recolours judged the same, the ones sync leaves in place: none. The others lie
/// over `photo::CLEARLY_SAME_MAX_DISTANCE` or are copies under `photo::CLEARLY_SAME_MIN_PX`,
/// and sync rewrites them (before the size rule, it left the third draw's 0.680 and the
/// fourth's 0.331, both 48 px copies).
const RECOLOURED_LEFT_BY_SYNC_MEASURED: usize = 0;

/// On pictures no limit was chosen on, no other sitter of a session is ever judged the same
/// picture.
#[test]
fn heldout_no_other_sitter_is_judged_the_same() {
    let pairs = pairs();
    eprintln!("{}\n{}", report(pairs), per_draw(pairs));
    let others: Vec<&Pair> = pairs
        .iter()
        .filter(|p| p.kinds.contains(&ANOTHER_SITTER))
        .collect();
    assert!(others.len() >= 1000, "only {}", others.len());
    let wrong = misjudged(others);
    assert!(wrong.is_empty(), "false same:\n{}", wrong.join("\n"));
}

/// On pictures no limit was chosen on, a sitter with the hair or the skin recoloured is judged
/// another picture but for at most the measured few (signature version 3 as first landed
/// called 2 of the first two draws' 468 the same, version 2 called 1 of the first draw's 234
/// the same, the comparison before it 34).
#[test]
fn heldout_hair_or_skin_recoloured_is_judged_another_picture() {
    let pairs = pairs();
    let recoloured: Vec<&Pair> = pairs
        .iter()
        .filter(|p| guaranteed_different(p))
        .filter(|p| !p.kinds.contains(&ANOTHER_SITTER))
        .collect();
    assert!(recoloured.len() >= 600, "only {}", recoloured.len());
    at_most(
        "recoloured, judged the same",
        misjudged(recoloured),
        RECOLOURED_JUDGED_SAME_MEASURED,
    );
}

/// On pictures no limit was chosen on, service-style copies are judged the same picture but
/// for at most the measured few (docs/photos.md names them; the target is none).
#[test]
fn heldout_service_copies_are_judged_the_same_picture() {
    let pairs = pairs();
    let copies = pairs.iter().filter(|p| p.expect_same).count();
    assert!(copies >= 1000, "only {copies} copies");
    at_most(
        &format!("false different, of {copies}"),
        misjudged(pairs.iter().filter(|p| p.expect_same)),
        FALSE_DIFFERENT_MEASURED,
    );
}

/// Every copy judged different is a cropped one: the copies no crop touched (about half of
/// them, PhotoSync's renditions included) are all judged the same picture. What false
/// "different" is left comes from a crop whose warp falls between the alignments tried
/// (docs/photos.md).
#[test]
fn heldout_copies_no_crop_touched_are_all_judged_the_same_picture() {
    let uncropped: Vec<&Pair> = pairs()
        .iter()
        .filter(|p| p.expect_same && !p.kinds.contains(&CROP))
        .collect();
    assert!(uncropped.len() >= 2000, "only {}", uncropped.len());
    let farthest = uncropped
        .iter()
        .map(|p| p.result.distance)
        .fold(0.0, f32::max);
    eprintln!(
        "uncropped: {} copies, farthest {farthest:.3}",
        uncropped.len()
    );
    let wrong = misjudged(uncropped);
    assert!(wrong.is_empty(), "false different:\n{}", wrong.join("\n"));
}

/// What sync does with what it finds: it leaves a picture it did not write in place only when
/// judged *clearly* the same, and rewrites one judged the same narrowly or too small to tell.
/// No other sitter is ever that close, and no recoloured sitter either (as measured).
#[test]
fn heldout_sync_leaves_no_other_sitter_and_no_recoloured_in_place() {
    let left: Vec<String> = pairs()
        .iter()
        .filter(|p| guaranteed_different(p) && left_by_sync(p))
        .map(Pair::line)
        .collect();
    at_most(
        "other or recoloured sitters left in place by sync",
        left,
        RECOLOURED_LEFT_BY_SYNC_MEASURED,
    );
}

/// The rows of docs/photos.md's table, per draw: misjudged pairs, what sync leaves and
/// rewrites, the farthest copy and the closest different pairs.
fn per_draw(pairs: &[Pair]) -> String {
    let mut out = String::new();
    for (d, seed) in DRAWS.iter().enumerate() {
        let sessions = d * SESSIONS..(d + 1) * SESSIONS;
        let of_draw: Vec<&Pair> = pairs
            .iter()
            .filter(|p| {
                let session = p.label.split(' ').nth(1).and_then(|n| n.parse().ok());
                session.is_some_and(|s: usize| sessions.contains(&s))
            })
            .collect();
        let kind = |k: &'static str| of_draw.iter().filter(move |p| p.kinds.contains(&k));
        let closest = |k: &'static str| kind(k).map(|p| p.result.distance).fold(f32::MAX, f32::min);
        let (hair, skin) = (Change::HairColour.kind(), Change::SkinTone.kind());
        let copies = || of_draw.iter().filter(|p| p.expect_same);
        let judged_same = |k: &'static str| kind(k).filter(|p| p.result.same).count();
        let left = |k: &'static str| kind(k).filter(|p| left_by_sync(p)).count();
        out += &format!(
            "draw {} ({seed:#x}): judged different {} of {}; hair / skin judged the same {} / {}, \
             left by sync {} / {}; copies written over by sync {} (over 0.76: {}); farthest copy {:.3}; \
             closest other sitter / hair / skin {:.3} / {:.3} / {:.3}\n",
            d + 1,
            copies().filter(|p| !p.result.same).count(),
            copies().count(),
            judged_same(hair),
            judged_same(skin),
            left(hair),
            left(skin),
            copies().filter(|p| !left_by_sync(p)).count(),
            copies()
                .filter(|p| p.result.hundredths() > photo::CLEARLY_SAME_MAX_DISTANCE)
                .count(),
            copies().map(|p| p.result.distance).fold(0.0, f32::max),
            closest(ANOTHER_SITTER),
            closest(hair),
            closest(skin),
        );
    }
    out
}

/// Print the misjudged pairs of a kind (`what`) and fail when there are more than `measured`.
fn at_most(what: &str, wrong: Vec<String>, measured: usize) {
    let list = format!("{what} ({}):\n{}", wrong.len(), wrong.join("\n"));
    eprintln!("{list}");
    assert!(wrong.len() <= measured, "{list}");
}
