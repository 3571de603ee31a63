//! Command-line flags (raw, as clap parses them) and their conversion into a
//! validated [`Config`]. The only place that knows flag names.

use clap::{Args, Parser, Subcommand, ValueEnum};
use storyhash::config::{Config, CopyRule, Verify};
use storyhash::ingest::{FieldNames, InputFormat};
use storyhash::lsh::LshParams;
use storyhash::minhash::Scheme;
use storyhash::shingle::ShingleUnit;

/// Find duplicate and near-duplicate news articles in scraped dumps.
#[derive(Debug, Parser)]
#[command(name = "storyhash", version, about, long_about = None)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write the input without its copies: kept lines byte for byte as read.
    Dedup(crate::cmd::dedup::DedupArgs),
    /// One JSON line per input document: status, copy cluster, story cluster, duplicate_of, similarity, reason.
    Cluster(crate::cmd::cluster::ClusterArgs),
    /// Parameters, totals, copy clusters, stories with their claims, rejected records, as JSON or Markdown.
    Report(crate::cmd::report::ReportArgs),
    /// Time the copy tier against the floor (read, parse, tokenize, hash), then the story tier, at several thread counts.
    Bench(crate::cmd::bench::BenchArgs),
    /// Score copy or story clusters against a labelled field: ARI, pairwise precision, recall, F1.
    Eval(crate::cmd::eval::EvalArgs),
    /// Write a deterministic, labelled synthetic dump (copy_of, story) of any size, optionally gzip or zstd.
    Synth(crate::cmd::synth::SynthArgs),
}

/// Input format flag.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatFlag {
    /// By extension, else JSONL when the first byte is `{`.
    Auto,
    /// One JSON object per line.
    Jsonl,
    /// Each file is one document.
    Text,
}

/// MinHash scheme flag.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum SchemeFlag {
    /// One-permutation hashing with optimal densification.
    Oph,
    /// k multiply-shift hash functions.
    Classic,
}

/// Verification flag.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum VerifyFlag {
    /// Estimate from the full signatures.
    Signature,
    /// Exact similarity of the shingle sets (one more pass over the input).
    Exact,
}

/// Flags shared by every command that runs the pipeline.
#[derive(Debug, Args)]
pub struct CommonArgs {
    /// Input files or folders (JSONL or plain text, optionally gzip/zstd); `-` is stdin.
    #[arg(value_name = "IN")]
    pub inputs: Vec<String>,

    /// Input format.
    #[arg(long, value_enum, default_value = "auto")]
    pub input_format: FormatFlag,
    /// JSON field holding the document id (absent: `file:line`).
    #[arg(long, default_value = "id")]
    pub id_field: String,
    /// JSON field holding the text.
    #[arg(long, default_value = "text")]
    pub text_field: String,
    /// JSON field holding the title.
    #[arg(long, default_value = "title")]
    pub title_field: String,
    /// JSON field holding the source (outlet), shown in reports.
    #[arg(long, default_value = "source")]
    pub source_field: String,
    /// JSON fields holding the date, tried in order (comma-separated).
    #[arg(long, default_value = "date,published", value_delimiter = ',')]
    pub date_field: Vec<String>,
    /// Largest document accepted, in bytes; larger ones are rejected.
    #[arg(long, default_value_t = 16 << 20)]
    pub max_doc_bytes: u64,

    /// Word n-gram size.
    #[arg(long, default_value_t = 5, value_name = "N")]
    pub ngram: usize,
    /// Use character n-grams of this size instead of word n-grams.
    #[arg(long, value_name = "N", conflicts_with = "ngram")]
    pub char_ngrams: Option<usize>,
    /// Hashes per MinHash signature.
    #[arg(long, default_value_t = 128)]
    pub num_hashes: usize,
    /// Seed of all hashing.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// MinHash scheme.
    #[arg(long, value_enum, default_value = "oph")]
    pub scheme: SchemeFlag,

    /// Similarity at or above which two documents are copies.
    #[arg(long, default_value_t = CopyRule::default().threshold)]
    pub threshold: f64,
    /// Judge by Jaccard alone, without containment.
    #[arg(long)]
    pub no_containment: bool,
    /// How candidate pairs are verified.
    #[arg(long, value_enum, default_value = "signature")]
    pub verify: VerifyFlag,
    /// LSH bands (with --rows; default: derived from the threshold).
    #[arg(long, requires = "rows")]
    pub bands: Option<usize>,
    /// LSH rows per band (with --bands).
    #[arg(long, requires = "bands")]
    pub rows: Option<usize>,

    /// Do not leave boilerplate lines out of shingling.
    #[arg(long)]
    pub no_boilerplate: bool,
    /// A short line found in this many documents is boilerplate.
    #[arg(long, default_value_t = 3)]
    pub boilerplate_min_docs: u32,
    /// Lines of at most this many words count as short.
    #[arg(long, default_value_t = 20)]
    pub boilerplate_max_words: usize,

    /// Do not group documents into stories (copy tier only).
    #[arg(long)]
    pub no_stories: bool,
    /// Mean cosine at or above which two story clusters merge.
    #[arg(long, default_value_t = storyhash::story::StoryConfig::default().threshold)]
    pub story_threshold: f64,
    /// Documents further apart in time never share a story: `3d`, `36h`, `none`.
    #[arg(long, default_value = "3d", value_parser = parse_window)]
    pub window: Window,

    /// Stop at the first rejected document.
    #[arg(long)]
    pub strict: bool,
    /// Worker threads (0: one per core). `bench` takes a comma-separated list
    /// and measures each.
    #[arg(long, default_value = "0", value_delimiter = ',')]
    pub threads: Vec<usize>,
    /// No progress bars and no summary on stderr.
    #[arg(long, short)]
    pub quiet: bool,

    /// Exit with status 1 when any duplicate is found.
    #[arg(long)]
    pub fail_on_duplicates: bool,
    /// Exit with status 1 when duplicates / documents exceeds this rate.
    #[arg(long, value_name = "RATE")]
    pub max_duplicate_rate: Option<f64>,
}

impl CommonArgs {
    /// The one thread count of a run (every command but `bench` takes one).
    pub fn thread_count(&self) -> Result<usize, storyhash::error::Error> {
        match self.threads.as_slice() {
            [count] => Ok(*count),
            _ => Err(storyhash::error::Error::Config(
                "--threads takes one number here (a list only for bench)".into(),
            )),
        }
    }

    /// The run's configuration (validated later by `Pipeline::new`).
    pub fn config(&self) -> Config {
        let mut config = Config::default().with_seed(self.seed);
        config.ingest.format = match self.input_format {
            FormatFlag::Auto => InputFormat::Auto,
            FormatFlag::Jsonl => InputFormat::Jsonl,
            FormatFlag::Text => InputFormat::Text,
        };
        config.ingest.fields = FieldNames {
            id: self.id_field.clone(),
            text: self.text_field.clone(),
            title: self.title_field.clone(),
            date: self.date_field.clone(),
            source: self.source_field.clone(),
            truth: None,
        };
        config.ingest.max_doc_bytes = self.max_doc_bytes;
        match self.char_ngrams {
            Some(size) => {
                config.shingle.unit = ShingleUnit::Chars;
                config.shingle.size = size;
            }
            None => config.shingle.size = self.ngram,
        }
        config.minhash.num_hashes = self.num_hashes;
        config.minhash.scheme = match self.scheme {
            SchemeFlag::Oph => Scheme::OnePermutation,
            SchemeFlag::Classic => Scheme::Classic,
        };
        config.copy = CopyRule {
            threshold: self.threshold,
            containment: !self.no_containment,
            verify: match self.verify {
                VerifyFlag::Signature => Verify::Signature,
                VerifyFlag::Exact => Verify::Exact,
            },
        };
        config.lsh.fixed = self
            .bands
            .zip(self.rows)
            .map(|(num_bands, rows_per_band)| LshParams {
                num_bands,
                rows_per_band,
            });
        config.boilerplate.enabled = !self.no_boilerplate;
        config.boilerplate.min_docs = self.boilerplate_min_docs;
        config.boilerplate.max_words = self.boilerplate_max_words;
        config.strict = self.strict;
        config.story.enabled = !self.no_stories;
        config.story.threshold = self.story_threshold;
        config.story.window_seconds = self.window.0;
        config.story.seed = self.seed;
        config
    }
}

/// A time window in seconds; `None` for no window.
#[derive(Debug, Clone, Copy)]
pub struct Window(pub Option<i64>);

/// Parses `3d`, `36h`, `90m`, `45s` or `none`.
fn parse_window(text: &str) -> Result<Window, String> {
    if text.eq_ignore_ascii_case("none") {
        return Ok(Window(None));
    }
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: i64 = number
        .parse()
        .map_err(|_| format!("`{text}`: expected a number and a unit, like 3d or 36h, or none"))?;
    let seconds = match unit {
        "d" => 86_400,
        "h" => 3_600,
        "m" => 60,
        "s" | "" => 1,
        _ => return Err(format!("`{text}`: the unit must be d, h, m or s")),
    };
    number
        .checked_mul(seconds)
        .map(|total| Window(Some(total)))
        .ok_or_else(|| format!("`{text}`: too long"))
}
