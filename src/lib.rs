//! storyhash finds duplicate and near-duplicate news stories in large scraped
//! dumps and writes what to keep, with every input document accounted for.
//!
//! ```text
//! ingest ──► normalize ──► shingle ──► minhash ──► lsh ──► cluster ──► report
//!  files,     NFKC, case,   word or     one-perm.   bands,   union-find,  JSON, Markdown,
//!  JSONL,     punctuation,  char        hashing,    buckets, keep policy  kept lines
//!  gz, zst    boilerplate   n-grams     xxh3        verify
//! ```
//!
//! One module per stage ([`ingest`], [`normalize`] with [`boilerplate`],
//! [`shingle`], [`minhash`], [`lsh`], [`cluster`], [`report`]); [`pipeline`] wires
//! them and is the only place with threads; [`output`] writes files atomically;
//! [`eval`] scores clusters against labels; [`synth`] writes labelled synthetic
//! dumps for benchmarks.
//!
//! # Example
//!
//! ```
//! use storyhash::{config::Config, ingest::Inputs, pipeline::{NoProgress, Pipeline, Status}};
//! # fn main() -> storyhash::error::Result<()> {
//! let dir = tempfile::tempdir().map_err(|e| storyhash::error::Error::io("tmp", e))?;
//! let path = dir.path().join("feed.jsonl");
//! let story = "The minister arrived in Moscow on Monday for two days of talks with his \
//!              Russian counterpart about trade, energy and the war in Ukraine.";
//! std::fs::write(&path, format!(
//!     "{{\"id\":\"a\",\"text\":\"{story}\"}}\n{{\"id\":\"b\",\"text\":\"{story} Updated.\"}}\n"
//! )).map_err(|e| storyhash::error::Error::io("feed", e))?;
//! let inputs = Inputs::resolve(&[path.display().to_string()])?;
//! let run = Pipeline::new(Config::default())?.run(&inputs, &NoProgress)?;
//! // Neither has a date, so the longer one is kept (see `cluster`'s keep policy).
//! assert_eq!(run.status(0), Status::Duplicate);
//! assert_eq!(run.status(1), Status::Kept);
//! # Ok(())
//! # }
//! ```

#![deny(missing_docs)]

pub mod boilerplate;
pub mod claims;
pub mod cluster;
pub mod config;
pub mod error;
pub mod eval;
pub mod ingest;
pub mod lsh;
pub mod minhash;
pub mod normalize;
pub mod output;
pub mod pipeline;
pub mod report;
pub mod shingle;
pub mod story;
pub mod synth;

/// The property tests' settings: failing cases are kept beside the test's
/// source file (`ingest.regressions` beside `ingest.rs`), not in a folder at
/// the top of the repository.
#[cfg(test)]
fn proptest_config() -> proptest::test_runner::Config {
    proptest::test_runner::Config {
        failure_persistence: Some(Box::new(
            proptest::test_runner::FileFailurePersistence::WithSource("regressions"),
        )),
        ..proptest::test_runner::Config::default()
    }
}
