//! The validated configuration of a run: one section per stage, defaults in one
//! place ([`Config::default`]), checked by [`Config::validate`] before a pipeline
//! is built. The binary's flags map onto it; nothing below reads the environment.

use crate::boilerplate::BoilerplateConfig;
use crate::error::{Error, Result};
use crate::ingest::IngestConfig;
use crate::lsh::LshConfig;
use crate::minhash::{MAX_HASHES, MinHashConfig};
use crate::shingle::{MAX_NGRAM, ShingleConfig};

/// How candidate pairs are verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verify {
    /// The similarity estimated from the full signatures (default; no extra pass).
    Signature,
    /// Exact similarity from the shingle sets, recomputed for the documents of
    /// candidate pairs in one more pass over the input.
    Exact,
}

/// When a verified pair counts as a copy.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CopyRule {
    /// The similarity at or above which two documents are copies.
    pub threshold: f64,
    /// Whether containment counts beside Jaccard (see `cluster::Similarity`).
    pub containment: bool,
    /// How pairs are verified.
    pub verify: Verify,
}

impl Default for CopyRule {
    fn default() -> Self {
        Self {
            // The middle of the plateau where pairwise precision and recall are
            // both 1.0 on the labelled near-duplicate sets (0.5 to 0.7 with
            // containment, dev and check alike; README, "Tuning the threshold").
            threshold: 0.6,
            containment: true,
            verify: Verify::Signature,
        }
    }
}

/// Everything a run needs to know. Each section's defaults live in its own
/// `impl Default`, beside the stage it configures.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Config {
    /// Reading inputs.
    pub ingest: IngestConfig,
    /// Boilerplate line rules.
    pub boilerplate: BoilerplateConfig,
    /// Shingles.
    pub shingle: ShingleConfig,
    /// Signatures.
    pub minhash: MinHashConfig,
    /// Buckets and candidates.
    pub lsh: LshConfig,
    /// What a copy is.
    pub copy: CopyRule,
    /// Story clusters.
    pub story: crate::story::StoryConfig,
    /// Whether the first rejected document stops the run.
    pub strict: bool,
}

impl Config {
    /// Sets the seed of every stage that hashes.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.shingle.seed = seed;
        self.minhash.seed = seed;
        self
    }

    /// Checks ranges and combinations; the message names the flag to change.
    pub fn validate(&self) -> Result<()> {
        let fail = |message: String| Err(Error::Config(message));
        if !(1..=MAX_NGRAM).contains(&self.shingle.size) {
            let flag = match self.shingle.unit {
                crate::shingle::ShingleUnit::Words => "--ngram",
                crate::shingle::ShingleUnit::Chars => "--char-ngrams",
            };
            return fail(format!("{flag} must be between 1 and {MAX_NGRAM}"));
        }
        if !(8..=MAX_HASHES).contains(&self.minhash.num_hashes) {
            return fail(format!("--num-hashes must be between 8 and {MAX_HASHES}"));
        }
        if !(self.copy.threshold > 0.0 && self.copy.threshold <= 1.0) {
            return fail("--threshold must be in (0, 1]".into());
        }
        if let Some(params) = self.lsh.fixed {
            let used = params.num_bands.checked_mul(params.rows_per_band);
            if params.num_bands == 0
                || params.rows_per_band == 0
                || used.is_none_or(|used| used > self.minhash.num_hashes)
            {
                return fail(format!(
                    "--bands x --rows must be at least 1 and at most --num-hashes ({})",
                    self.minhash.num_hashes
                ));
            }
        }
        if !(0.0..=1.0).contains(&self.story.threshold) {
            return fail("--story-threshold must be in [0, 1]".into());
        }
        if self.ingest.max_doc_bytes == 0 {
            return fail("--max-doc-bytes must be positive".into());
        }
        if self.boilerplate.min_docs < 2 {
            return fail("--boilerplate-min-docs must be at least 2".into());
        }
        if self.ingest.fields.text.is_empty() || self.ingest.fields.id.is_empty() {
            return fail("field names must not be empty".into());
        }
        Ok(())
    }
}
