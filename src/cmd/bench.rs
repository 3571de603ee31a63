//! `storyhash bench`: times the copy tier end to end (all passes, kept lines
//! written to a sink) next to the floor pass (read, parse, tokenize, hash each
//! shingle once) on the same input, at each thread count asked, in one process
//! and one run, so the ratios compare like with like.
//!
//! Peak memory is the process's high-water mark (`VmHWM`), reset before each
//! measurement through `/proc/self/clear_refs` (Linux); where that is not
//! possible the column says so rather than showing a stale figure.

use crate::cli::CommonArgs;
use clap::Args;
use serde::Serialize;
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;
use storyhash::error::{Error, Result};
use storyhash::ingest::Inputs;
use storyhash::output;
use storyhash::pipeline::{NoProgress, Pipeline, floor_pass};

/// Flags of `bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Shared flags (`--threads` is ignored; see `--thread-counts`).
    #[command(flatten)]
    pub common: CommonArgs,
    /// Thread counts to measure, comma-separated.
    #[arg(long, default_value = "1,2", value_delimiter = ',')]
    pub thread_counts: Vec<usize>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Runs of each measurement; the fastest is reported (the others are
    /// disturbed by the machine, never faster than the code).
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
}

#[derive(Debug, Serialize)]
struct Measurement {
    mode: &'static str,
    threads: usize,
    seconds: f64,
    documents: u64,
    bytes: u64,
    mb_per_s: f64,
    docs_per_s: f64,
    peak_rss_mb: Option<f64>,
    fraction_of_floor: f64,
    stages: Option<serde_json::Value>,
    bytes_per_doc_beyond_signature: Option<f64>,
}

fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kilobytes: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kilobytes / 1024.0)
}

/// Runs the measurements and prints them.
pub fn run(args: BenchArgs) -> Result<ExitCode> {
    let pipeline = Pipeline::new(args.common.config())?;
    let inputs = Inputs::resolve(&args.common.inputs)?;
    let mut results: Vec<Measurement> = Vec::new();
    for &threads in &args.thread_counts {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| Error::Config(format!("cannot start {threads} threads: {e}")))?;

        let mut floor_best: Option<(f64, storyhash::pipeline::FloorStats, Option<f64>)> = None;
        for _ in 0..args.repeat.max(1) {
            let can_reset = reset_peak();
            let started = Instant::now();
            let floor = pool.install(|| floor_pass(&inputs, pipeline.config()))?;
            let seconds = started.elapsed().as_secs_f64();
            let peak = if can_reset { peak_rss_mb() } else { None };
            if floor_best.as_ref().is_none_or(|best| seconds < best.0) {
                floor_best = Some((seconds, floor, peak));
            }
        }
        let Some((floor_seconds, floor, floor_peak)) = floor_best else {
            continue;
        };
        let mb = floor.bytes as f64 / 1e6;
        results.push(Measurement {
            mode: "floor",
            threads,
            seconds: floor_seconds,
            documents: floor.documents,
            bytes: floor.bytes,
            mb_per_s: mb / floor_seconds,
            docs_per_s: floor.documents as f64 / floor_seconds,
            peak_rss_mb: floor_peak,
            fraction_of_floor: 1.0,
            stages: None,
            bytes_per_doc_beyond_signature: None,
        });

        let mut copy_best: Option<(f64, f64, Option<f64>, storyhash::pipeline::CopyRun)> = None;
        for _ in 0..args.repeat.max(1) {
            let can_reset = reset_peak();
            let started = Instant::now();
            let run = pool.install(|| pipeline.run(&inputs, &NoProgress))?;
            let started_write = Instant::now();
            pool.install(|| {
                output::write_kept(
                    &run,
                    &inputs,
                    pipeline.config(),
                    &mut std::io::sink(),
                    "sink",
                )
            })?;
            let write_seconds = started_write.elapsed().as_secs_f64();
            let seconds = started.elapsed().as_secs_f64();
            let peak = if can_reset { peak_rss_mb() } else { None };
            if copy_best.as_ref().is_none_or(|(best, ..)| seconds < *best) {
                copy_best = Some((seconds, write_seconds, peak, run));
            }
        }
        let Some((seconds, write_seconds, copy_peak, run)) = copy_best else {
            continue;
        };
        let documents = run.totals.kept + run.totals.duplicates;
        let timings = &run.timings;
        results.push(Measurement {
            mode: "copy-tier",
            threads,
            seconds,
            documents,
            bytes: run.totals.bytes,
            mb_per_s: run.totals.bytes as f64 / 1e6 / seconds,
            docs_per_s: documents as f64 / seconds,
            peak_rss_mb: copy_peak,
            fraction_of_floor: floor_seconds / seconds,
            stages: Some(serde_json::json!({
                "scan": timings.scan.as_secs_f64(),
                "sign": timings.sign.as_secs_f64(),
                "lsh": timings.lsh.as_secs_f64(),
                "verify": timings.verify.as_secs_f64(),
                "cluster": timings.cluster.as_secs_f64(),
                "write": write_seconds,
            })),
            bytes_per_doc_beyond_signature: Some(run.bytes_per_doc_beyond_signature),
        });

        if pipeline.config().story.enabled {
            // The story tier on top of the copy run (its two passes, weighted
            // MinHash, LSH, verification, linkage), timed alone.
            let can_reset = reset_peak();
            let started = Instant::now();
            let stories = pool.install(|| pipeline.run_stories(&inputs, &run, &NoProgress))?;
            let story_seconds = started.elapsed().as_secs_f64();
            results.push(Measurement {
                mode: "story-tier",
                threads,
                seconds: story_seconds,
                documents,
                bytes: run.totals.bytes,
                mb_per_s: run.totals.bytes as f64 / 1e6 / story_seconds,
                docs_per_s: documents as f64 / story_seconds,
                peak_rss_mb: if can_reset { peak_rss_mb() } else { None },
                fraction_of_floor: floor_seconds / story_seconds,
                stages: Some(serde_json::json!({
                    "candidates": stories.candidate_pairs,
                    "edges": stories.edges.len(),
                    "vector_bytes": stories.vector_bytes,
                })),
                bytes_per_doc_beyond_signature: None,
            });
        }
    }
    let mut out = std::io::stdout().lock();
    let failed = |e: std::io::Error| Error::io("<stdout>", e);
    if args.json {
        let text =
            serde_json::to_string_pretty(&results).map_err(|e| Error::io("<stdout>", e.into()))?;
        writeln!(out, "{text}").map_err(failed)?;
    } else {
        writeln!(
            out,
            "{:<10} {:>7} {:>8} {:>9} {:>10} {:>9} {:>9}  stages (s)",
            "mode", "threads", "seconds", "MB/s", "docs/s", "peak MB", "of floor"
        )
        .map_err(failed)?;
        for m in &results {
            writeln!(
                out,
                "{:<10} {:>7} {:>8.2} {:>9.1} {:>10.0} {:>9} {:>9.2}  {}",
                m.mode,
                m.threads,
                m.seconds,
                m.mb_per_s,
                m.docs_per_s,
                m.peak_rss_mb.map_or("n/a".into(), |p| format!("{p:.0}")),
                m.fraction_of_floor,
                m.stages.as_ref().map_or(String::new(), |s| s.to_string())
            )
            .map_err(failed)?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
