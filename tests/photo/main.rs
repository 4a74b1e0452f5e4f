//! The photo pipeline end to end: every input format, every hostile file, every rendition,
//! the perceptual-match corpus, and the `photosync photo` commands through the real binary.

mod cli;
mod corpus;
mod decoding;
mod fixtures;
mod matching;
mod rendering;
