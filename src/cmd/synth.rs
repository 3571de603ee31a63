//! `storyhash synth`: writes a deterministic, labelled synthetic dump (see the
//! library's `synth` module for how documents are made).

use crate::cmd::{Bars, Output};
use clap::{Args, ValueEnum};
use std::io::Write;
use std::process::ExitCode;
use storyhash::error::{Error, Result};
use storyhash::pipeline::Progress;
use storyhash::synth::{self, Amount, SynthConfig};

/// Output compression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Compression {
    /// By the output's extension: `.gz` gzip, `.zst` zstd, else none.
    Auto,
    /// Plain JSONL.
    None,
    /// gzip (level 6).
    Gzip,
    /// zstd (level 3).
    Zstd,
}

/// Flags of `synth`.
#[derive(Debug, Args)]
pub struct SynthArgs {
    /// Where the dump goes (`-` for stdout).
    #[arg(short, long, value_name = "FILE")]
    pub output: String,
    /// Number of documents.
    #[arg(long, conflicts_with = "bytes", required_unless_present = "bytes")]
    pub docs: Option<u64>,
    /// Uncompressed size: digits with K, M, G, T (powers of 1000) or Ki, Mi, Gi,
    /// Ti (powers of 1024); the line that crosses it is the last.
    #[arg(long, value_parser = synth::parse_size)]
    pub bytes: Option<u64>,
    /// Seed of every random choice: the same seed gives the same bytes.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Share of documents that are near-copies of an earlier one.
    #[arg(long, default_value_t = 0.2)]
    pub copy_share: f64,
    /// Output compression.
    #[arg(long, value_enum, default_value = "auto")]
    pub compress: Compression,
    /// Worker threads for generation (the output does not depend on it).
    #[arg(long, default_value_t = std::thread::available_parallelism().map_or(1, usize::from))]
    pub threads: usize,
    /// No progress bar.
    #[arg(short, long)]
    pub quiet: bool,
}

/// Writes the dump and prints what was written on stderr.
pub fn run(args: SynthArgs) -> Result<ExitCode> {
    let amount = match (args.docs, args.bytes) {
        (Some(docs), _) => Amount::Documents(docs),
        (None, Some(bytes)) => Amount::Bytes(bytes),
        (None, None) => return Err(Error::Config("give --docs or --bytes".into())),
    };
    let stats = write_dump(&args, amount)?;
    eprintln!(
        "storyhash: wrote {} documents ({} near-copies), {} bytes uncompressed, to {}",
        stats.documents, stats.copies, stats.bytes, args.output
    );
    Ok(ExitCode::SUCCESS)
}

fn write_dump(args: &SynthArgs, amount: Amount) -> Result<synth::SynthStats> {
    let compression = match args.compress {
        Compression::Auto if args.output.ends_with(".gz") => Compression::Gzip,
        Compression::Auto if args.output.ends_with(".zst") || args.output.ends_with(".zstd") => {
            Compression::Zstd
        }
        Compression::Auto => Compression::None,
        other => other,
    };
    let config = SynthConfig {
        seed: args.seed,
        copy_share: args.copy_share,
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.clamp(1, 1024))
        .build()
        .map_err(|e| Error::Config(format!("cannot start {} threads: {e}", args.threads)))?;
    let name = args.output.clone();
    let failed = |e: std::io::Error| Error::io(&name, e);
    let output = Output::open(Some(&args.output))?;
    let bars = Bars::new(args.quiet);
    let total = match amount {
        Amount::Bytes(bytes) => Some(bytes),
        Amount::Documents(_) => None,
    };
    bars.stage("synth", total);
    let mut last = 0;
    let progress = |written: u64| {
        bars.advance(written - last);
        last = written;
    };
    let stats = match compression {
        Compression::None | Compression::Auto => {
            let mut out = std::io::BufWriter::with_capacity(1 << 20, output);
            let stats =
                pool.install(|| synth::generate(&config, amount, &mut out, &name, progress))?;
            out.into_inner()
                .map_err(|e| failed(e.into_error()))?
                .finish()?;
            stats
        }
        Compression::Gzip => {
            let mut out = flate2::write::GzEncoder::new(output, flate2::Compression::default());
            let stats =
                pool.install(|| synth::generate(&config, amount, &mut out, &name, progress))?;
            out.finish().map_err(failed)?.finish()?;
            stats
        }
        Compression::Zstd => {
            let mut out = zstd::stream::write::Encoder::new(output, 3).map_err(failed)?;
            let stats =
                pool.install(|| synth::generate(&config, amount, &mut out, &name, progress))?;
            let mut inner = out.finish().map_err(failed)?;
            inner.flush().map_err(failed)?;
            inner.finish()?;
            stats
        }
    };
    bars.finish();
    Ok(stats)
}
