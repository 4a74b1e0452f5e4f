//! The photo pipeline end to end: every input format, every hostile file, every rendition,
//! the perceptual-match corpus, and the `photosync photo` commands through the real binary.

#[path = "photo/cli.rs"]
mod cli;
#[path = "photo/corpus.rs"]
mod corpus;
#[path = "photo/decoding.rs"]
mod decoding;
#[path = "photo/fixtures.rs"]
mod fixtures;
#[path = "photo/matching.rs"]
mod matching;
#[path = "photo/rendering.rs"]
mod rendering;
