//! `storyhash dedup`: the input without its copies.

use crate::cli::CommonArgs;
use crate::cmd::{Output, finish, run_copy_tier};
use clap::Args;
use std::process::ExitCode;
use storyhash::error::Result;
use storyhash::output;

/// Flags of `dedup`.
#[derive(Debug, Args)]
pub struct DedupArgs {
    /// Shared flags.
    #[command(flatten)]
    pub common: CommonArgs,
    /// Where the kept lines go (`-` for stdout).
    #[arg(short, long, value_name = "FILE")]
    pub output: String,
    /// Also write one JSON line per duplicate (id, duplicate_of, similarity, copy_cluster, location).
    #[arg(long, value_name = "FILE")]
    pub duplicates: Option<String>,
    /// Also write one JSON line per rejected record (id, file, line, byte_offset, code, reason).
    #[arg(long, value_name = "FILE")]
    pub rejected: Option<String>,
}

/// Runs the copy tier and writes the kept lines. Every output is opened before
/// the run and committed only after all of them were written.
pub fn run(args: DedupArgs) -> Result<ExitCode> {
    let paths = [
        Some(args.output.as_str()),
        args.duplicates.as_deref(),
        args.rejected.as_deref(),
    ];
    let mut kept = Output::open(paths[0])?;
    let mut duplicates = args
        .duplicates
        .as_deref()
        .map(|p| Output::open(Some(p)))
        .transpose()?;
    let mut rejected = args
        .rejected
        .as_deref()
        .map(|p| Output::open(Some(p)))
        .transpose()?;
    let ran = run_copy_tier(&args.common, &paths)?;
    let name = kept.name().to_owned();
    ran.pool.install(|| {
        output::write_kept(
            &ran.run,
            &ran.inputs,
            ran.pipeline.config(),
            &mut kept,
            &name,
        )
    })?;
    if let Some(out) = duplicates.as_mut() {
        let name = out.name().to_owned();
        output::write_duplicates(&ran.run, &ran.inputs, out, &name)?;
    }
    if let Some(out) = rejected.as_mut() {
        let name = out.name().to_owned();
        output::write_rejected(&ran.run, &ran.inputs, out, &name)?;
    }
    kept.finish()?;
    for out in [duplicates, rejected].into_iter().flatten() {
        out.finish()?;
    }
    Ok(finish(&ran, &args.common))
}
