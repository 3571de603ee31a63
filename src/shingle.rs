//! Shingle stage: normalized tokens in, 64-bit shingle hashes out.
//!
//! Word n-grams (5 by default) or character n-grams of the normalized text. Each
//! token is hashed once with xxh3-64; a word n-gram's hash combines its n token
//! hashes `t` without building any string: the polynomial
//! `t[0]·P^(n-1) + … + t[n-1]` (mod 2^64, `P` odd), rolled from one window to the
//! next with two multiplications (Rabin–Karp style), then the seed is mixed in and
//! the result goes through MurmurHash3's 64-bit finalizer, so every output bit
//! depends on every input bit. Two different windows of random 64-bit token hashes
//! collide with probability 2^-64. Hashing each window's 40 bytes with xxh3
//! instead cost 2.2 s on 1 GB at one thread, as much as tokenizing; the rolled
//! polynomial takes a fraction of that (see the README's stage table).
//!
//! A text with fewer than n tokens (or characters) gives one shingle of all of
//! them, so a short document is still comparable rather than empty.
//!
//! The seed of the shingle hash is the run's `--seed`: one-permutation MinHash (see
//! `minhash.rs`) uses this hash as its random permutation.

use crate::normalize::Normalizer;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// The polynomial's base: odd, with well-spread bits (the golden-ratio constant).
const BASE: u64 = 0x9e37_79b9_7f4a_7c15;

/// MurmurHash3's 64-bit finalizer (`fmix64`).
fn finalize(mut value: u64) -> u64 {
    value ^= value >> 33;
    value = value.wrapping_mul(0xff51_afd7_ed55_8ccd);
    value ^= value >> 33;
    value = value.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    value ^ (value >> 33)
}

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

    /// Whether `text` holds at least one token (see [`Normalizer::has_token`]).
    pub fn has_token(&mut self, text: &str) -> bool {
        self.normalizer.has_token(text)
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
            self.normalizer.token_hashes(piece, hashes);
        }
        let size = self.config.size.min(hashes.len());
        if size > 0 {
            // The seed, spread over all 64 bits (seed 0 still salts).
            let salt = xxh3_64_with_seed(&(size as u64).to_le_bytes(), self.config.seed);
            let lead = BASE.wrapping_pow(size as u32 - 1);
            let mut rolled = hashes[..size].iter().fold(0u64, |acc, &token| {
                acc.wrapping_mul(BASE).wrapping_add(token)
            });
            out.reserve(hashes.len() - size + 1);
            out.push(finalize(rolled ^ salt));
            for (&leaving, &entering) in hashes.iter().zip(&hashes[size..]) {
                rolled = rolled
                    .wrapping_sub(leaving.wrapping_mul(lead))
                    .wrapping_mul(BASE)
                    .wrapping_add(entering);
                out.push(finalize(rolled ^ salt));
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

/// How many items two sorted, distinct lists share (a merge of the two): two
/// documents' shingle sets (the copy tier's exact similarity), two sentences'
/// numbered content words (claims).
pub(crate) fn sorted_shared_count<T: Ord>(a: &[T], b: &[T]) -> usize {
    let (mut i, mut j, mut shared) = (0, 0, 0);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    shared
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
    fn rolled_windows_equal_windows_hashed_from_scratch() {
        // Each window's hash must depend on its tokens only, not on what rolled
        // out before it: the same 5-gram inside two different texts.
        let config = ShingleConfig::default();
        let long = shingles_of("x y z a b c d e f", config.clone());
        let short = shingles_of("a b c d e", config.clone());
        assert_eq!(long[3], short[0]);
        // And distinct windows give distinct hashes.
        let many = shingles_of(
            &(0..2_000)
                .map(|i| format!("w{}", i % 997))
                .collect::<Vec<_>>()
                .join(" "),
            config,
        );
        let distinct: std::collections::HashSet<u64> = many.iter().copied().collect();
        assert_eq!(distinct.len(), 997);
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
