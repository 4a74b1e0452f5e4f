//! The photo pipeline end to end: every input format, every hostile file, every rendition,
//! the "same picture" corpora (tuning and held-out), and the `photosync photo` commands
//! through the real binary.

#[path = "photo/cli.rs"]
mod cli;
#[path = "photo/corpus.rs"]
mod corpus;
#[path = "photo/decoding.rs"]
mod decoding;
#[path = "photo/evidence.rs"]
mod evidence;
#[path = "photo/fixtures.rs"]
mod fixtures;
#[path = "photo/heldout.rs"]
mod heldout;
#[path = "photo/heldout_corpus.rs"]
mod heldout_corpus;
#[path = "photo/matching.rs"]
mod matching;
#[path = "photo/rendering.rs"]
mod rendering;
#[path = "photo/services.rs"]
mod services;
