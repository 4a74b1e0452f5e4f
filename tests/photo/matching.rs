//! The TUNING corpus of the "same picture" judgement: the limits in src/photo/signature.rs
//! are chosen on these pairs (tests/photo/heldout.rs measures them on pictures they were not
//! chosen on). Both ways:
//!
//! * different people: 200 ID photos on ONE studio backdrop with fixed framing (skin, hair,
//!   office clothes, glasses, face and head size vary), and 100 more in saturated clothes,
//!   half with a tie of a contrasting colour, given at 96-240 px as directory thumbnails are;
//!   1,500 pairs, each a source against the other person's delivered copy;
//! * minimal pairs: every other person against a copy of the same person with ONE change
//!   (hair colour, glasses, beard, mouth, eye spacing, face width, skin tone), 1,050 pairs;
//! * the same picture: each person's photo (given as PNG, as JPEG, or as a JPEG stored
//!   sideways with an EXIF orientation) against 5 copies made the way services make them
//!   (tests/photo/services.rs: from the file or from PhotoSync's rendition, ladder sizes
//!   48-648 with five resampling filters, two JPEG encoders at quality 40-95 and three chroma
//!   subsamplings, PNG, crops up to 3 %, a 1-pixel border, gamma 0.9-1.1, EXIF-rotated), plus
//!   our own ad/graph/sharepoint renditions;
//! * low-structure pictures: flat grey with faint noise and fine stripes against their
//!   renditions (same), flat grey against other flat colours (different).
//!
//! `cargo test --test photo matching -- --nocapture` prints the confusion matrix and margins
//! recorded in docs/photos.md.

use std::sync::OnceLock;

use image::{Rgb, RgbImage};
use photosync::photo::{self, Comparison, DecodeLimits, Signature};
use photosync::store::{ad, graph, sharepoint};

use super::corpus::{Person, STUDIO, bold_id_photo_people, id_photo_people, portrait};
use super::evidence::{
    CHANGES, Change, Pair, assert_corpus_size, guaranteed_different, left_by_sync, misjudged,
    report, signature, visibly_changed,
};
use super::fixtures::{Rng, png};
use super::services::{ServiceCopy, TRANSFORMATIONS, rendition, source_file};

const PEOPLE: usize = 300;
/// Of those, the people in saturated clothes (the last ones).
const BOLD: usize = 100;
const COPIES_PER_PERSON: usize = 5;
/// The generated originals (4:5 portrait; the square is 240 px, so sizes above are upscaled).
const WIDTH: u32 = 240;
const HEIGHT: u32 = 300;
/// The widths the bold people are given at, in turn: directory thumbnails are often small,
/// so services enlarge them up to 6.75 times.
const BOLD_WIDTHS: [u32; 4] = [240, 160, 128, 96];

/// Everyone in the corpus, each with the width of their original (4:5).
fn people() -> Vec<(Person, u32)> {
    let mut all: Vec<(Person, u32)> = id_photo_people(PEOPLE - BOLD)
        .into_iter()
        .map(|p| (p, WIDTH))
        .collect();
    let bold = bold_id_photo_people(BOLD).into_iter().enumerate();
    all.extend(bold.map(|(i, p)| (p, BOLD_WIDTHS[i % BOLD_WIDTHS.len()])));
    all
}

fn pairs() -> &'static [Pair] {
    static PAIRS: OnceLock<Vec<Pair>> = OnceLock::new();
    PAIRS.get_or_init(measure)
}

fn measure() -> Vec<Pair> {
    let people = people();
    // Two threads: the pictures are drawn by unoptimised test code.
    let (first, second) = people.split_at(PEOPLE / 2);
    let (mut out, mut references, mut delivered) = std::thread::scope(|scope| {
        let other = scope.spawn(|| person_pairs(second, PEOPLE / 2));
        let mut mine = person_pairs(first, 0);
        let (pairs, refs, copies) = other.join().expect("corpus thread");
        mine.0.extend(pairs);
        mine.1.extend(refs);
        mine.2.extend(copies);
        mine
    });
    for (i, reference) in references.iter().enumerate() {
        for step in [1, 2, 3, 7, 19] {
            let j = (i + step) % PEOPLE;
            out.push(Pair::different(
                format!("person {i} vs copy of person {j}"),
                vec!["different person, one backdrop"],
                reference,
                &delivered[j],
            ));
        }
    }
    references.clear();
    delivered.clear();
    out.extend(low_structure());
    out
}

/// For each person (numbered from `first`): the copies compared with the original, the
/// original's signature, and the signature of the first copy (what a store would hold).
fn person_pairs(
    people: &[(Person, u32)],
    first: usize,
) -> (Vec<Pair>, Vec<Signature>, Vec<Signature>) {
    let (mut out, mut references, mut delivered) = (Vec::new(), Vec::new(), Vec::new());
    for (offset, (person, width)) in people.iter().enumerate() {
        let i = first + offset;
        let mut rng = Rng::new(0xC0_FFEE + i as u64);
        let (width, height) = (*width, width * 5 / 4);
        let original = portrait(person, &STUDIO, width, height);
        let (file, file_kind) = source_file(&original, i);
        let reference = signature(&file);
        for n in 0..COPIES_PER_PERSON {
            let copy = ServiceCopy::nth(i * COPIES_PER_PERSON + n, 48, &mut rng);
            let sig = signature(&copy.make(&file));
            let mut kinds = copy.kinds();
            kinds.push(file_kind);
            out.push(Pair::same(
                format!("person {i} copy {n}"),
                kinds,
                &reference,
                &sig,
            ));
            if n == 0 {
                delivered.push(sig);
            }
        }
        // What our own pipeline delivers, read back like a store would.
        let rendition = match i % 3 {
            0 => rendition(&file, &graph::RENDITION, 0),
            1 => rendition(&file, &ad::RENDITION, 0),
            _ => rendition(&file, &sharepoint::RENDITION, 0),
        };
        out.push(Pair::same(
            format!("person {i} own rendition"),
            vec!["our ad/graph/sharepoint rendition"],
            &reference,
            &signature(&rendition),
        ));
        if i.is_multiple_of(2) {
            for (c, change) in CHANGES.into_iter().enumerate() {
                // Ten tries at a visible change (a beard of the skin's own colour is none).
                let Some(changed) = (0..10)
                    .map(|_| portrait(&person.with(change, &mut rng), &STUDIO, width, height))
                    .find(|changed| visibly_changed(&original, changed))
                else {
                    continue;
                };
                let (changed_file, _) = source_file(&changed, i);
                let copy = ServiceCopy::nth(i / 2 + PEOPLE * c, change.smallest_copy(), &mut rng);
                out.push(Pair::different(
                    format!("person {i} vs copy of them with {}", change.kind()),
                    vec![change.kind()],
                    &reference,
                    &signature(&copy.make(&changed_file)),
                ));
            }
        }
        references.push(reference);
    }
    (out, references, delivered)
}

/// Near-flat and fine-patterned pictures, where a normalised comparison would amplify noise.
fn low_structure() -> Vec<Pair> {
    let mut rng = Rng::new(7);
    let flat_noise = RgbImage::from_fn(480, 480, |_, _| {
        let v = (128.0 + rng.range(-3.0, 3.0)) as u8;
        Rgb([v, v, v])
    });
    let stripes = |period: u32, side: u32| {
        RgbImage::from_fn(side, side, move |x, _| {
            let v = if x % period < period / 2 { 100 } else { 156 };
            Rgb([v, v, v])
        })
    };
    let mut out = Vec::new();
    for (name, img) in [
        ("flat grey + noise", flat_noise),
        ("stripes, 2 px", stripes(2, 960)),
        ("stripes, 4 px", stripes(4, 480)),
    ] {
        let source = photo::load(&png(&img), &DecodeLimits::default()).expect("source");
        let reference = signature(&png(&img));
        let mut renditions = vec![(
            "graph",
            photo::render_one(&source, &graph::RENDITION)
                .expect("graph")
                .bytes,
        )];
        renditions.push((
            "ad",
            photo::render_one(&source, &ad::RENDITION)
                .expect("ad")
                .bytes,
        ));
        for r in photo::render(&source, &sharepoint::RENDITION).expect("sharepoint") {
            renditions.push(("sharepoint", r.bytes));
        }
        for (target, bytes) in renditions {
            out.push(Pair::same(
                format!("{name} vs its {target} rendition"),
                vec!["low structure vs rendition"],
                &reference,
                &signature(&bytes),
            ));
        }
    }
    let flat = |c: [u8; 3]| signature(&png(&RgbImage::from_pixel(240, 240, Rgb(c))));
    let grey = flat([128, 128, 128]);
    for (name, colour) in [
        ("light blue", [150, 170, 200]),
        ("beige", [200, 180, 150]),
        ("grey-blue", [112, 128, 150]),
        ("pale green", [120, 150, 120]),
        ("light grey", [160, 160, 160]),
        ("dark grey", [90, 90, 90]),
    ] {
        out.push(Pair::different(
            format!("flat grey vs flat {name}"),
            vec!["flat grey vs another flat colour"],
            &grey,
            &flat(colour),
        ));
    }
    out
}

#[test]
fn the_corpus_is_as_large_as_promised() {
    assert_corpus_size(pairs(), TRANSFORMATIONS, 25);
}

#[test]
fn no_copy_of_a_picture_is_judged_different() {
    let pairs = pairs();
    eprintln!("{}", report(pairs));
    let wrong = misjudged(pairs.iter().filter(|p| p.expect_same));
    assert!(wrong.is_empty(), "false different:\n{}", wrong.join("\n"));
}

/// No two different people, no two flat colours, and no person with the hair or the skin
/// recoloured is judged the same picture (signature version 1 called 3 of the people the
/// same: look-alikes told apart only by the colour of a face region). Changed features (a
/// beard, glasses, the mouth, the eyes, the face's width) are measured in the report, not
/// guaranteed: some are below what a 32x32 grid of a small copy shows.
#[test]
fn no_other_person_nor_hair_or_skin_colour_is_judged_the_same() {
    let pairs = pairs();
    let wrong = misjudged(pairs.iter().filter(|p| guaranteed_different(p)));
    assert!(wrong.is_empty(), "false same:\n{}", wrong.join("\n"));
    assert_eq!(
        pairs
            .iter()
            .filter(|p| p.kinds.contains(&"flat grey vs another flat colour"))
            .count(),
        6
    );
}

/// `photo::CLEARLY_SAME_MAX_DISTANCE` is chosen here: the least distance (in hundredths, as
/// `same_picture` gives it) with at most 1 % of the copies over it. Sync rewrites a picture
/// it did not write that is over it rather than leave it (a misjudged recolour lies there,
/// docs/photos.md), so this is also the share of copies found in place that a first sync
/// rewrites once, besides those too small to judge clearly (the next test).
#[test]
fn the_clearly_same_limit_leaves_one_copy_in_a_hundred_to_rewrite() {
    let copies: Vec<u32> = pairs()
        .iter()
        .filter(|p| p.expect_same)
        .map(|p| p.result.hundredths())
        .collect();
    let over = |limit: u32| copies.iter().filter(|&&d| d > limit).count();
    let (limit, allowed) = (photo::CLEARLY_SAME_MAX_DISTANCE, copies.len() / 100);
    eprintln!(
        "copies over {limit}: {} of {} (at most {allowed})",
        over(limit),
        copies.len()
    );
    assert!(over(limit) <= allowed, "{} over {limit}", over(limit));
    assert!(
        over(limit - 1) > allowed,
        "{limit} is not the least such limit"
    );
    let copies = pairs().iter().filter(|p| p.expect_same);
    eprintln!(
        "copies sync writes over (over {limit}, or under {} px, for a 96 px target): {}",
        photo::CLEARLY_SAME_MIN_PX,
        copies.filter(|p| !left_by_sync(p)).count()
    );
}

/// A picture under `photo::CLEARLY_SAME_MIN_PX` is only probably the same when the store
/// would get a rendition half as large again (`photo::doubt`), so sync writes over it; but
/// what a store keeps of PhotoSync's own rendition never counts as small, whatever the
/// source's size, so a re-run without `--state` does not write it again. A store keeps the
/// rendition itself, or (Exchange Online) the largest size of its ladder within it, or
/// (SharePoint) shows the medium file.
#[test]
fn what_a_store_keeps_of_an_own_rendition_is_never_too_small_to_judge() {
    const EXCHANGE_LADDER: [u32; 9] = [48, 64, 96, 120, 240, 360, 432, 504, 648];
    let small_ad = ad::RENDITION
        .tuned(Some(48), None)
        .expect("48 px is a valid AD size");
    for spec in [ad::RENDITION, small_ad, graph::RENDITION] {
        for source in photo::MIN_RENDITION_PX..=1000 {
            let written = spec.side_for(source);
            let ladder = EXCHANGE_LADDER.into_iter().filter(|&s| s <= written).max();
            for kept in [Some(written), ladder].into_iter().flatten() {
                let doubt = photo::doubt(0, kept, Some(written));
                assert_eq!(doubt, None, "{kept} px kept of {written} px");
            }
        }
    }
    let medium = sharepoint::SIZES[1];
    let written = sharepoint::RENDITION.side_for(medium);
    assert_eq!(photo::doubt(0, medium, Some(written)), None);
    // Found, not written: a 48 px picture where AD gets 96, or a 64 px one where Graph gets
    // 128, is too small to judge; 64 where AD gets 96 is not, and neither is anything in a
    // store never written.
    let small = |side, rendition| photo::doubt(0, side, Some(rendition)).is_some();
    assert!(small(48, 96) && small(64, 128) && small(48, sharepoint::SIZES[2]));
    assert!(!small(64, 96) && !small(72, 648));
    assert_eq!(photo::doubt(0, 48, None), None);
    assert_eq!(photo::doubt(77, 648, None), Some(photo::Doubt::Narrow));
}

/// The people of the ID-photo corpus, each with another hair colour, and each changed at
/// once in face width, skin tone, eye spacing, glasses and mouth (one seeded stream).
fn changed_people() -> Vec<(Person, Person, Person)> {
    let mut rng = Rng::new(0x4A1C);
    id_photo_people(120)
        .into_iter()
        .map(|person| {
            let hair = person.with(Change::HairColour, &mut rng);
            let face = [
                Change::FaceWidth,
                Change::SkinTone,
                Change::EyeSpacing,
                Change::Glasses,
                Change::Mouth,
            ]
            .into_iter()
            .fold(person, |p, change| p.with(change, &mut rng));
            (person, hair, face)
        })
        .collect()
}

/// `person`'s ID photo against the 48, 72 and 96 px thumbnails PhotoSync writes of
/// `other` (SharePoint's small and medium, AD's), as a sync compares them.
fn against_thumbnails(person: &Person, other: &Person) -> Vec<Comparison> {
    let original = signature(&png(&portrait(person, &STUDIO, WIDTH, HEIGHT)));
    let source = png(&portrait(other, &STUDIO, WIDTH, HEIGHT));
    [
        rendition(&source, &sharepoint::RENDITION, 0),
        rendition(&source, &sharepoint::RENDITION, 1),
        rendition(&source, &ad::RENDITION, 0),
    ]
    .iter()
    .map(|bytes| photo::compare(&original, &signature(bytes)))
    .collect()
}

/// Regression: two people on one backdrop who differed only in hair colour were judged the
/// same picture (the comparison allowed 0.7 standard deviations of plain difference over 3x3
/// cells, and saw colour only where all 9 cells of a window changed; a cap of hair is
/// thinner). These four were, in some or all of their thumbnails. A fifth of that report,
/// person 93, whose hair is a sliver at the top of the head, is still judged the same picture
/// in a thumbnail (docs/photos.md, what the signature cannot do).
#[test]
fn two_people_differing_only_in_hair_colour_are_different_pictures() {
    let people = changed_people();
    for i in [24, 27, 80, 115] {
        let (person, hair, _) = &people[i];
        for c in against_thumbnails(person, hair) {
            assert!(!c.same, "person {i} with another hair colour: {c:?}");
        }
    }
}

/// Regression: a face changed at once in width, skin tone, eye spacing, glasses and mouth
/// was judged the same picture as the original (the plain difference of normalised grids,
/// averaged over 3x3 cells, let the changes through). These two were, in their small
/// thumbnails.
#[test]
fn a_face_changed_in_width_skin_eyes_glasses_and_mouth_is_another_picture() {
    let people = changed_people();
    for i in [72, 117] {
        let (person, _, face) = &people[i];
        for c in against_thumbnails(person, face) {
            assert!(!c.same, "person {i} with another face: {c:?}");
        }
    }
}
