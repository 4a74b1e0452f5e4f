//! The photo pipeline end to end: every input format, every hostile file, every rendition,
//! the "same picture" corpora (tuning and held-out), and the `photosync photo` commands
//! through the real binary.

mod cli;
mod corpus;
mod decoding;
mod evidence;
mod fixtures;
mod heldout;
mod heldout_corpus;
mod matching;
mod rendering;
mod services;
