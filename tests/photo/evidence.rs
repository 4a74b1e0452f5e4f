//! What both "same picture" corpora share: a measured pair, the one-attribute changes that
//! make minimal pairs, and the report (confusion matrix, margins per component, worst pair
//! per class) that docs/photos.md records.

use std::collections::BTreeMap;

use image::RgbImage;
use photosync::photo::{self, Comparison, DecodeLimits, Signature};
use photosync::store::ad;

/// One measured pair: what it is, what it should be, what the judgement said.
pub struct Pair {
    pub label: String,
    pub expect_same: bool,
    /// Classes the pair belongs to (transformations or the kind of difference).
    pub kinds: Vec<&'static str>,
    pub result: Comparison,
    /// The sides of the two pictures' squares, in pixels: the reference's, the other's.
    pub sides: [u32; 2],
}

impl Pair {
    /// A pair the judgement should call the same picture, judged.
    pub fn same(label: String, kinds: Vec<&'static str>, a: &Signature, b: &Signature) -> Pair {
        Pair::judged(label, true, kinds, a, b)
    }

    /// A pair the judgement should call different pictures, judged.
    pub fn different(
        label: String,
        kinds: Vec<&'static str>,
        a: &Signature,
        b: &Signature,
    ) -> Pair {
        Pair::judged(label, false, kinds, a, b)
    }

    /// The pair on one line: label, kinds, sides and the judgement.
    pub fn line(&self) -> String {
        format!(
            "{} {:?}, {:?} px: {:?}",
            self.label, self.kinds, self.sides, self.result
        )
    }

    fn judged(
        label: String,
        expect_same: bool,
        kinds: Vec<&'static str>,
        a: &Signature,
        b: &Signature,
    ) -> Pair {
        Pair {
            label,
            expect_same,
            kinds,
            result: photo::compare(a, b),
            sides: [a.side(), b.side()],
        }
    }
}

/// The signature of encoded bytes as `photo::inspect` takes it: the pipeline's decode
/// (orientation, centre square), then `Signature::of` (without the hashes `inspect` adds,
/// which the debug build computes slowly).
pub fn signature(bytes: &[u8]) -> Signature {
    let decoded = photo::decode(bytes, &DecodeLimits::default()).expect("corpus image decodes");
    Signature::of(&decoded.square)
}

/// The one thing a minimal pair changes: the person and everything else stay identical.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Change {
    HairColour,
    Glasses,
    Beard,
    Mouth,
    EyeSpacing,
    FaceWidth,
    SkinTone,
}

pub const CHANGES: [Change; 7] = [
    Change::HairColour,
    Change::Glasses,
    Change::Beard,
    Change::Mouth,
    Change::EyeSpacing,
    Change::FaceWidth,
    Change::SkinTone,
];

impl Change {
    /// The class name in reports.
    pub fn kind(self) -> &'static str {
        match self {
            Change::HairColour => "one change: hair colour",
            Change::Glasses => "one change: glasses",
            Change::Beard => "one change: beard",
            Change::Mouth => "one change: mouth",
            Change::EyeSpacing => "one change: eye spacing",
            Change::FaceWidth => "one change: face width",
            Change::SkinTone => "one change: skin tone",
        }
    }

    /// Whether the change recolours a region (hair, skin), which the judgement must always
    /// see; the others change features a few pixels wide (frames, lips, a beard, the eyes'
    /// and the face's outline).
    pub fn is_region(self) -> bool {
        matches!(self, Change::HairColour | Change::SkinTone)
    }

    /// The smallest copy the change is judged on. A feature is a pixel or two at 48 px,
    /// where no picture can show it; 72 px is the smallest photo PhotoSync reads from a
    /// store (SharePoint's medium thumbnail). A region is judged on every size.
    pub fn smallest_copy(self) -> u32 {
        if self.is_region() { 48 } else { 72 }
    }
}

/// Whether `changed` differs visibly from `original`: at least 0.2 % of the square (a 10x10
/// patch at 224 px) changed by more than 25 levels (distance in RGB). A change below that,
/// a beard of the skin's own colour say, is not a different picture to anyone looking.
pub fn visibly_changed(original: &RgbImage, changed: &RgbImage) -> bool {
    let side = original.width().min(original.height()) as usize;
    let moved = original
        .pixels()
        .zip(changed.pixels())
        .filter(|(a, b)| {
            let d2: i32 = (0..3)
                .map(|k| (i32::from(a[k]) - i32::from(b[k])).pow(2))
                .sum();
            d2 > 25 * 25
        })
        .count();
    moved * 500 >= side * side
}

/// Whether a value scaled by `factor` goes up or down: up when only that stays within
/// `lo..=hi`, down when only that does, at random when both do.
pub fn scaled_within(v: f32, factor: f32, lo: f32, hi: f32, coin: bool) -> f32 {
    let up_fits = v * factor <= hi;
    let down_fits = v / factor >= lo;
    if up_fits && (!down_fits || coin) {
        v * factor
    } else {
        v / factor
    }
}

/// Confusion matrix, the pairs per class (misjudged, worst and mean distance, worst pair),
/// and the margins: the farthest same-picture pair, the closest different one, and the
/// farthest same-picture pair of each component (markdown).
pub fn report(pairs: &[Pair]) -> String {
    let count = |same: bool, said: bool| {
        pairs
            .iter()
            .filter(|p| p.expect_same == same && p.result.same == said)
            .count()
    };
    let mut out = format!(
        "| | judged same | judged different |\n|---|---|---|\n\
         | same picture | {} | {} |\n| different picture | {} | {} |\n\n",
        count(true, true),
        count(true, false),
        count(false, true),
        count(false, false)
    );
    // Per class: pairs, misjudged, worst distance, sum of distances, worst pair.
    let mut kinds: BTreeMap<(bool, &str), ClassTally> = BTreeMap::new();
    for p in pairs {
        for &kind in &p.kinds {
            let e = kinds
                .entry((!p.expect_same, kind))
                .or_insert((0, 0, f32::NAN, 0.0, ""));
            e.0 += 1;
            e.1 += usize::from(p.result.same != p.expect_same);
            let d = p.result.distance;
            // The first pair of a class is always the worst so far (e.2 starts as NaN).
            let worse = e.2.is_nan() || if p.expect_same { d > e.2 } else { d < e.2 };
            if worse {
                e.2 = d;
                e.4 = &p.label;
            }
            e.3 += d;
        }
    }
    out.push_str(
        "| class | pairs | misjudged | worst distance | mean | worst pair |\n\
         |---|---|---|---|---|---|\n",
    );
    for ((different, kind), (n, wrong, worst, sum, label)) in kinds {
        let side = if different { "different" } else { "same" };
        out.push_str(&format!(
            "| {side}: {kind} | {n} | {wrong} | {worst:.3} | {:.3} | {label} |\n",
            sum / n as f32
        ));
    }
    let extreme = |same: bool| {
        let mut candidates = pairs.iter().filter(|p| p.expect_same == same);
        let first = candidates.next()?;
        Some(candidates.fold(first, |a, b| {
            let further = b.result.distance > a.result.distance;
            if further == same { b } else { a }
        }))
    };
    for (what, same) in [
        ("farthest same-picture pair", true),
        ("closest different pair", false),
    ] {
        if let Some(p) = extreme(same) {
            let c = p.result;
            out.push_str(&format!(
                "\n{what}: {:.3} ({}): structure {:.3}, detail {:.2}, colour {:.2}, brightness {:.2}",
                c.distance, p.label, c.structure, c.detail, c.colour, c.brightness
            ));
        }
    }
    out.push_str("\nfarthest same-picture pair of each component:");
    for (component, f) in COMPONENTS {
        out.push_str(&format!(" {component} {:.3}", worst_same(pairs, f)));
    }
    out.push('\n');
    out
}

/// Per class: pairs, misjudged, worst distance, sum of distances, worst pair.
type ClassTally<'a> = (usize, usize, f32, f32, &'a str);

/// One component of a comparison: its name and how to read it.
type Component = (&'static str, fn(&Comparison) -> f32);

/// The components of a comparison, each in its own unit.
pub const COMPONENTS: [Component; 4] = [
    ("structure", |c| c.structure),
    ("detail", |c| c.detail),
    ("colour", |c| c.colour),
    ("brightness", |c| c.brightness),
];

/// The largest value of `f` over the same-picture pairs.
pub fn worst_same(pairs: &[Pair], f: fn(&Comparison) -> f32) -> f32 {
    pairs
        .iter()
        .filter(|p| p.expect_same)
        .map(|p| f(&p.result))
        .fold(0.0, f32::max)
}

/// Whether a pair is one the judgement guarantees to call different: another person, or the
/// same person with a region recoloured (not a feature changed, see `Change::is_region`).
pub fn guaranteed_different(p: &Pair) -> bool {
    !p.expect_same
        && !CHANGES
            .iter()
            .any(|c| !c.is_region() && p.kinds.contains(&c.kind()))
}

/// Assert a corpus holds at least 1,000 pairs each way, and at least `each` pairs of every
/// class in `kinds`.
pub fn assert_corpus_size<'a>(
    pairs: &[Pair],
    kinds: impl IntoIterator<Item = &'a str>,
    each: usize,
) {
    let same = pairs.iter().filter(|p| p.expect_same).count();
    let different = pairs.len() - same;
    assert!(
        same >= 1000 && different >= 1000,
        "{same} same, {different} different"
    );
    for kind in kinds {
        let n = pairs.iter().filter(|p| p.kinds.contains(&kind)).count();
        assert!(n >= each, "{kind}: only {n} pairs");
    }
}

/// Whether sync leaves the pair's second picture in place, found in a store that gets 96 px
/// renditions (AD's, the smallest PhotoSync writes by default, so the fewest pictures count
/// as small): judged *clearly* the same as the first (`photo::doubt`: within
/// `photo::CLEARLY_SAME_MAX_DISTANCE`, chosen on the tuning corpus, and not too small to show
/// a changed region).
pub fn left_by_sync(p: &Pair) -> bool {
    let rendition = ad::RENDITION.side_for(p.sides[0]);
    p.result.same && photo::doubt(p.result.hundredths(), p.sides[1], Some(rendition)).is_none()
}

/// The pairs judged wrongly, one line each.
pub fn misjudged<'a>(pairs: impl IntoIterator<Item = &'a Pair>) -> Vec<String> {
    pairs
        .into_iter()
        .filter(|p| p.result.same != p.expect_same)
        .map(Pair::line)
        .collect()
}
