//! Shingle stage: normalized tokens in, 64-bit shingle hashes out.
//!
//! Word n-grams (5 by default) or character n-grams of the normalized text. Each
//! token is hashed once with xxh3-64; a word n-gram's hash is the seeded xxh3-64 of
//! its n token hashes laid side by side, so no string is built per shingle. A text
//! with fewer than n tokens (or characters) gives one shingle of all of them, so a
//! short document is still comparable rather than empty.
//!
//! The seed of the shingle hash is the run's `--seed`: one-permutation MinHash (see
//! `minhash.rs`) uses this hash as its random permutation.

use crate::normalize::Normalizer;
use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

/// Longest n-gram accepted; longer ones would match nothing but identical texts.
pub const MAX_NGRAM: usize = 32;

/// What a shingle is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ShingleUnit {
    /// Word n-grams over normalized tokens.
    Words,
    /// Character n-grams over the normalized tokens joined by single spaces.
    Chars,
}

/// Configuration of the shingle stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShingleConfig {
    /// Words or characters.
    pub unit: ShingleUnit,
    /// n, the number of words or characters per shingle (1..=32).
    pub size: usize,
    /// Seed of the shingle hash.
    pub seed: u64,
}

impl Default for ShingleConfig {
    fn default() -> Self {
        Self {
            unit: ShingleUnit::Words,
            size: 5,
            seed: 0,
        }
    }
}

/// Turns text into shingle hashes, reusing its buffers across documents.
#[derive(Debug)]
pub struct Shingler {
    config: ShingleConfig,
    normalizer: Normalizer,
    token_hashes: Vec<u64>,
    joined: String,
}

impl Shingler {
    /// Creates a shingler for one worker thread.
    pub fn new(config: ShingleConfig) -> Self {
        Self {
            config,
            normalizer: Normalizer::new(),
            token_hashes: Vec::new(),
            joined: String::new(),
        }
    }

    /// Appends to `out` the shingle hashes of the pieces of text, taken as one
    /// stream of tokens (a shingle may span two pieces, as it spans two lines).
    /// Returns the number of tokens seen.
    pub fn shingles<'a>(
        &mut self,
        pieces: impl IntoIterator<Item = &'a str>,
        out: &mut Vec<u64>,
    ) -> usize {
        match self.config.unit {
            ShingleUnit::Words => self.word_shingles(pieces, out),
            ShingleUnit::Chars => self.char_shingles(pieces, out),
        }
    }

    fn word_shingles<'a>(
        &mut self,
        pieces: impl IntoIterator<Item = &'a str>,
        out: &mut Vec<u64>,
    ) -> usize {
        let hashes = &mut self.token_hashes;
        hashes.clear();
        for piece in pieces {
            self.normalizer
                .tokens(piece, |token| hashes.push(xxh3_64(token.as_bytes())));
        }
        let size = self.config.size.min(hashes.len());
        if size > 0 {
            let mut bytes = [0u8; 8 * MAX_NGRAM];
            for window in hashes.windows(size) {
                for (slot, hash) in bytes.chunks_exact_mut(8).zip(window) {
                    slot.copy_from_slice(&hash.to_le_bytes());
                }
                out.push(xxh3_64_with_seed(&bytes[..8 * size], self.config.seed));
            }
        }
        hashes.len()
    }

    fn char_shingles<'a>(
        &mut self,
        pieces: impl IntoIterator<Item = &'a str>,
        out: &mut Vec<u64>,
    ) -> usize {
        let joined = &mut self.joined;
        joined.clear();
        let mut tokens = 0;
        for piece in pieces {
            self.normalizer.tokens(piece, |token| {
                if !joined.is_empty() {
                    joined.push(' ');
                }
                joined.push_str(token);
                tokens += 1;
            });
        }
        let starts: Vec<usize> = joined.char_indices().map(|(at, _)| at).collect();
        let size = self.config.size.min(starts.len());
        if size > 0 {
            for first in 0..=starts.len() - size {
                let end = starts.get(first + size).copied().unwrap_or(joined.len());
                out.push(xxh3_64_with_seed(
                    &joined.as_bytes()[starts[first]..end],
                    self.config.seed,
                ));
            }
        }
        tokens
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shingles_of(text: &str, config: ShingleConfig) -> Vec<u64> {
        let mut out = Vec::new();
        Shingler::new(config).shingles([text], &mut out);
        out
    }

    #[test]
    fn seven_words_give_three_five_grams() {
        assert_eq!(
            shingles_of("a b c d e f g", ShingleConfig::default()).len(),
            3
        );
    }

    #[test]
    fn a_short_text_gives_one_shingle() {
        assert_eq!(shingles_of("two words", ShingleConfig::default()).len(), 1);
        assert!(shingles_of(" ,. ", ShingleConfig::default()).is_empty());
    }

    #[test]
    fn case_and_punctuation_do_not_change_shingles() {
        let config = ShingleConfig::default();
        assert_eq!(
            shingles_of("The quick brown fox jumps over", config.clone()),
            shingles_of("the QUICK, brown -- fox jumps over!", config)
        );
    }

    #[test]
    fn shingles_span_pieces_like_one_text() {
        let mut split = Vec::new();
        Shingler::new(ShingleConfig::default()).shingles(["a b c", "d e f"], &mut split);
        assert_eq!(split, shingles_of("a b c d e f", ShingleConfig::default()));
    }

    #[test]
    fn the_seed_changes_the_hashes() {
        let seeded = ShingleConfig {
            seed: 7,
            ..ShingleConfig::default()
        };
        assert_ne!(
            shingles_of("a b c d e", seeded),
            shingles_of("a b c d e", ShingleConfig::default())
        );
    }

    #[test]
    fn char_ngrams_count_characters_of_the_normalized_text() {
        let config = ShingleConfig {
            unit: ShingleUnit::Chars,
            size: 3,
            seed: 0,
        };
        // "ab cd" has 5 characters: 3 trigrams.
        assert_eq!(shingles_of("AB, cd", config).len(), 3);
    }
}
