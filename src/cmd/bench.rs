//! `storyhash bench`: where the time goes, stage by stage, next to the floor,
//! at each thread count asked, in one process and one run, so the ratios
//! compare like with like.
//!
//! Stages fused in one pass of the pipeline (read+parse, normalize, shingle,
//! signature) are timed by passes that stop after each of them ([`Depth`]): a
//! stage's time is its pass's time minus the pass before. The later stages (LSH,
//! cluster, write, story, claims) are timed inside the real runs. The floor is
//! the shingle pass: read, parse, tokenize and hash each shingle once.
//!
//! Peak memory is the process's high-water mark (`VmHWM`), reset before each
//! measurement through `/proc/self/clear_refs` (Linux); where that is not
//! possible the column says so rather than showing a stale figure.

use crate::cli::CommonArgs;
use crate::cmd::{Bars, MAX_THREADS};
use clap::Args;
use serde::Serialize;
use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;
use storyhash::error::{Error, Result};
use storyhash::ingest::Inputs;
use storyhash::output;
use storyhash::pipeline::{Depth, FloorStats, NoProgress, Pipeline, Progress, depth_pass};
use storyhash::synth::{self, Amount, SynthConfig};

/// Flags of `bench`.
#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Shared flags. `--threads` takes a list here (default: 1 and the number
    /// of cores).
    #[command(flatten)]
    pub common: CommonArgs,
    /// Benchmark a synthetic dump of this size (as `storyhash synth --bytes`)
    /// written to a temporary file, instead of the inputs.
    #[arg(long, value_name = "SIZE", value_parser = synth::parse_size)]
    pub synth: Option<u64>,
    /// Seed of the synthetic dump.
    #[arg(long, default_value_t = 1)]
    pub synth_seed: u64,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
    /// Rounds: each runs every pass once at every thread count, interleaved,
    /// and each pass's fastest is reported (the others are disturbed by the
    /// machine, never faster than the code).
    #[arg(long, default_value_t = 1)]
    pub repeat: usize,
}

#[derive(Debug, Serialize)]
struct Measurement {
    threads: usize,
    /// `stage` (one stage's own cost) or `run` (a whole tier, end to end).
    kind: &'static str,
    name: &'static str,
    seconds: f64,
    documents: u64,
    bytes: u64,
    mb_per_s: f64,
    docs_per_s: f64,
    peak_rss_mb: Option<f64>,
    /// The floor's time over this run's (runs only).
    fraction_of_floor: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<serde_json::Value>,
}

impl Measurement {
    fn new(threads: usize, kind: &'static str, name: &'static str, seconds: f64) -> Self {
        Self {
            threads,
            kind,
            name,
            seconds,
            documents: 0,
            bytes: 0,
            mb_per_s: 0.0,
            docs_per_s: 0.0,
            peak_rss_mb: None,
            fraction_of_floor: None,
            detail: None,
        }
    }

    fn over(mut self, documents: u64, bytes: u64, peak: Option<f64>) -> Self {
        self.documents = documents;
        self.bytes = bytes;
        // A stage measured at zero (see `stage_rows`) has no rate.
        if self.seconds > 0.0 {
            self.mb_per_s = bytes as f64 / 1e6 / self.seconds;
            self.docs_per_s = documents as f64 / self.seconds;
        }
        self.peak_rss_mb = peak;
        self
    }
}

fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

fn peak_rss_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kilobytes: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    // `VmHWM` is in KiB; MB here are 10^6 bytes, as in the MB/s columns.
    Some(kilobytes * 1024.0 / 1e6)
}

/// Runs the measurements and prints them.
pub fn run(args: BenchArgs) -> Result<ExitCode> {
    let pipeline = Pipeline::new(args.common.config())?;
    let _synthetic; // the temporary dump lives as long as the run
    let inputs = match (args.synth, args.common.inputs.is_empty()) {
        (Some(bytes), true) => {
            let dir = tempfile::tempdir().map_err(|e| Error::io("temporary folder", e))?;
            let path = dir.path().join("synth.jsonl");
            let name = path.display().to_string();
            let file = std::fs::File::create(&path).map_err(|e| Error::io(&name, e))?;
            let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
            let bars = Bars::new(args.common.quiet);
            bars.stage("synth", Some(bytes));
            let mut last = 0;
            synth::generate(
                &SynthConfig {
                    seed: args.synth_seed,
                    ..SynthConfig::default()
                },
                Amount::Bytes(bytes),
                &mut out,
                &name,
                |written| {
                    bars.advance(written - last);
                    last = written;
                },
            )?;
            bars.finish();
            out.flush().map_err(|e| Error::io(&name, e))?;
            _synthetic = dir;
            Inputs::resolve(&[name])?
        }
        (None, false) => Inputs::resolve(&args.common.inputs)?,
        (Some(_), false) => {
            return Err(Error::Config("give inputs or --synth, not both".into()));
        }
        (None, true) => return Err(Error::Config("give inputs or --synth SIZE".into())),
    };
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    let mut thread_counts = args.common.threads.clone();
    if thread_counts == [0] {
        thread_counts = vec![1, cores];
    }
    // A count given twice is measured once (its rows would merge in the table).
    let mut seen = std::collections::HashSet::new();
    thread_counts.retain(|&threads| seen.insert(threads));
    let mut pools = Vec::new();
    for &threads in &thread_counts {
        if threads == 0 || threads > MAX_THREADS {
            return Err(Error::Config(format!(
                "--threads must be 1 to {MAX_THREADS} in bench"
            )));
        }
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .map_err(|e| Error::Config(format!("cannot start {threads} threads: {e}")))?;
        pools.push((threads, pool));
    }
    // Rounds interleave every pass at every thread count: this machine's speed
    // drifts over seconds to minutes, and repeating one pass `repeat` times
    // before the next once moved the ratios (fraction of the floor, scaling)
    // by 10-20% between runs. Interleaved, a slow spell costs each pass one
    // round, and each pass keeps its fastest.
    let mut bests: Vec<Best> = pools.iter().map(|_| Best::default()).collect();
    let rounds = args.repeat.max(1);
    for round in 0..rounds {
        for ((_, pool), best) in pools.iter().zip(&mut bests) {
            measure_round(&pipeline, &inputs, pool, best, round + 1 == rounds)?;
        }
    }
    let mut results: Vec<Measurement> = Vec::new();
    for ((threads, _), best) in pools.iter().zip(bests) {
        best.report(*threads, &mut results)?;
    }
    print(&results, args.json)?;
    Ok(ExitCode::SUCCESS)
}

/// One timed pass: its seconds, what it returned and its peak.
type Timed<T> = (f64, T, Option<f64>);

/// Hands the heap's free memory back to the system, so that each pass starts
/// as a fresh process would and its peak is its own: glibc keeps up to 256 MiB
/// freed at the top of each arena (see `tune_allocator` in `main.rs`), and a
/// floor pass after a copy run showed the copy run's peak.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn release_free_memory() {
    // SAFETY: glibc marks malloc_trim MT-Safe; it takes no pointer.
    unsafe {
        libc::malloc_trim(0);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn release_free_memory() {}

/// Reads every input once, untimed, so that each pass starts with its input
/// in the page cache as the pass before left it. On the development machine
/// (a virtual machine) the page cache gave files' pages back within seconds
/// (a 1 GB dump read twice lost 124 MB of its cached pages over 30 idle
/// seconds, `fincore`), so a pass read part of its input from the disk, the
/// more the longer it ran: the copy tier, which reads its input twice, more
/// than the floor.
fn warm(inputs: &Inputs) -> Result<()> {
    for file in &inputs.files {
        let mut reader =
            std::fs::File::open(&file.path).map_err(|e| Error::io(file.name.as_ref(), e))?;
        std::io::copy(&mut reader, &mut std::io::sink())
            .map_err(|e| Error::io(file.name.as_ref(), e))?;
    }
    Ok(())
}

/// Runs `work` once, timed, with its peak memory, after reading `inputs`
/// (see [`warm`]).
fn timed<T>(inputs: &Inputs, work: impl FnOnce() -> Result<T>) -> Result<Timed<T>> {
    warm(inputs)?;
    release_free_memory();
    let can_reset = reset_peak();
    let started = Instant::now();
    let value = work()?;
    let seconds = started.elapsed().as_secs_f64();
    let peak = if can_reset { peak_rss_mb() } else { None };
    Ok((seconds, value, peak))
}

/// Keeps `candidate` in `best` when it is the faster.
fn keep_fastest<T>(best: &mut Option<Timed<T>>, candidate: Timed<T>) {
    if best
        .as_ref()
        .is_none_or(|(seconds, ..)| candidate.0 < *seconds)
    {
        *best = Some(candidate);
    }
}

/// What the copy tier's fastest run left to report (the run itself is
/// dropped at once, so that no pass is measured beside a kept result).
#[derive(Debug)]
struct CopySummary {
    documents: u64,
    bytes: u64,
    detail: serde_json::Value,
    /// Seconds of the stages timed inside the run (LSH, cluster, write).
    stages: [(&'static str, f64); 3],
}

/// The story tier's and claims' times and peaks, and the story tier's detail.
#[derive(Debug)]
struct StoryRows {
    story: (f64, Option<f64>),
    claims: (f64, Option<f64>),
    detail: serde_json::Value,
}

/// The fastest of each pass at one thread count, over the rounds.
#[derive(Debug, Default)]
struct Best {
    depths: [Option<Timed<FloorStats>>; 4],
    copy: Option<Timed<CopySummary>>,
    story: Option<StoryRows>,
}

const DEPTHS: [(Depth, &str); 4] = [
    (Depth::ReadParse, "read+parse"),
    (Depth::Normalize, "normalize"),
    (Depth::Shingle, "shingle"),
    (Depth::Signature, "signature"),
];

/// One round at one thread count: each depth pass and the copy tier once; in
/// the last round the story tier and claims too (once: they are not compared
/// with the floor at the precision the copy tier is).
fn measure_round(
    pipeline: &Pipeline,
    inputs: &Inputs,
    pool: &rayon::ThreadPool,
    best: &mut Best,
    last: bool,
) -> Result<()> {
    let config = pipeline.config();
    for (slot, (depth, _)) in best.depths.iter_mut().zip(DEPTHS) {
        let pass = timed(inputs, || {
            pool.install(|| depth_pass(inputs, config, depth))
        })?;
        keep_fastest(slot, pass);
    }
    let (seconds, (run, write_seconds), peak) = timed(inputs, || {
        let run = pool.install(|| pipeline.run(inputs, &NoProgress))?;
        let started = Instant::now();
        pool.install(|| output::write_kept(&run, inputs, config, &mut std::io::sink(), "sink"))?;
        Ok((run, started.elapsed().as_secs_f64()))
    })?;
    let timings = &run.timings;
    let summary = CopySummary {
        documents: run.totals.kept + run.totals.duplicates,
        bytes: run.totals.bytes,
        detail: serde_json::json!({
            "read_and_sign": timings.scan.as_secs_f64(),
            "fix_up": timings.sign.as_secs_f64(),
            "fixed_up_documents": run.fixed_up,
            "lsh": timings.lsh.as_secs_f64(),
            "verify": timings.verify.as_secs_f64(),
            "cluster": timings.cluster.as_secs_f64(),
            "write": write_seconds,
            "duplicates": run.totals.duplicates,
            "bytes_per_doc_beyond_signature": run.bytes_per_doc_beyond_signature,
        }),
        stages: [
            ("lsh", timings.lsh.as_secs_f64()),
            ("cluster", (timings.verify + timings.cluster).as_secs_f64()),
            ("write", write_seconds),
        ],
    };
    keep_fastest(&mut best.copy, (seconds, summary, peak));
    if last && config.story.enabled {
        let (story_seconds, stories, story_peak) = timed(inputs, || {
            pool.install(|| pipeline.run_stories(inputs, &run, &NoProgress))
        })?;
        let (claims_seconds, claims, claims_peak) = timed(inputs, || {
            pool.install(|| pipeline.run_claims(inputs, &run, &stories))
        })?;
        let detail = serde_json::json!({
            "candidates": stories.candidate_pairs,
            "edges": stories.edges.len(),
            "vector_bytes": stories.vector_bytes,
            "stories_with_claims": claims.len(),
        });
        best.story = Some(StoryRows {
            story: (story_seconds, story_peak),
            claims: (claims_seconds, claims_peak),
            detail,
        });
    }
    Ok(())
}

impl Best {
    /// Appends the rows of one thread count: stages, then runs.
    fn report(self, threads: usize, results: &mut Vec<Measurement>) -> Result<()> {
        let mut previous = 0.0;
        let mut floor: Option<(f64, FloorStats)> = None;
        for (pass, (depth, name)) in self.depths.into_iter().zip(DEPTHS) {
            let Some((seconds, stats, peak)) = pass else {
                return Err(Error::Config("a depth pass did not run".into()));
            };
            // A pass can beat the shorter one before it when the stage costs
            // less than the machine's noise: that stage shows 0 s and no rate,
            // and the detail keeps the raw difference.
            let difference = seconds - previous;
            let mut row = Measurement::new(threads, "stage", name, difference.max(0.0)).over(
                stats.documents,
                stats.bytes,
                peak,
            );
            row.detail = Some(serde_json::json!({
                "pass_seconds": seconds,
                "difference_seconds": difference,
            }));
            results.push(row);
            previous = seconds;
            if depth == Depth::Shingle {
                floor = Some((seconds, stats));
            }
        }
        let (Some((floor_seconds, floor)), Some((seconds, copy, copy_peak))) = (floor, self.copy)
        else {
            return Err(Error::Config(
                "the floor or the copy tier did not run".into(),
            ));
        };
        let (documents, bytes) = (copy.documents, copy.bytes);
        for (name, stage_seconds) in copy.stages {
            results.push(
                Measurement::new(threads, "stage", name, stage_seconds)
                    .over(documents, bytes, None),
            );
        }
        let mut floor_row = Measurement::new(threads, "run", "floor", floor_seconds).over(
            floor.documents,
            floor.bytes,
            None,
        );
        floor_row.fraction_of_floor = Some(1.0);
        let mut copy_row = Measurement::new(threads, "run", "copy tier", seconds)
            .over(documents, bytes, copy_peak);
        copy_row.fraction_of_floor = Some(floor_seconds / seconds);
        copy_row.detail = Some(copy.detail);
        let mut runs = vec![floor_row, copy_row];
        if let Some(StoryRows {
            story: (story_seconds, story_peak),
            claims: (claims_seconds, claims_peak),
            detail,
        }) = self.story
        {
            for (name, stage_seconds, peak) in [
                ("story", story_seconds, story_peak),
                ("claims", claims_seconds, claims_peak),
            ] {
                results.push(
                    Measurement::new(threads, "stage", name, stage_seconds)
                        .over(documents, bytes, peak),
                );
            }
            let mut story_row = Measurement::new(threads, "run", "story tier", story_seconds)
                .over(documents, bytes, story_peak);
            story_row.fraction_of_floor = Some(floor_seconds / story_seconds);
            story_row.detail = Some(detail);
            runs.push(story_row);
        }
        results.extend(runs);
        Ok(())
    }
}

fn print(results: &[Measurement], json: bool) -> Result<()> {
    let mut out = std::io::stdout().lock();
    let failed = |e: std::io::Error| Error::io("<stdout>", e);
    if json {
        let text =
            serde_json::to_string_pretty(results).map_err(|e| Error::io("<stdout>", e.into()))?;
        return writeln!(out, "{text}").map_err(failed);
    }
    let peak = |m: &Measurement| m.peak_rss_mb.map_or("-".into(), |p| format!("{p:.0}"));
    let mut threads_seen: Vec<usize> = results.iter().map(|m| m.threads).collect();
    threads_seen.dedup();
    for threads in threads_seen {
        let rows: Vec<&Measurement> = results.iter().filter(|m| m.threads == threads).collect();
        if let Some(first) = rows.first() {
            writeln!(
                out,
                "{threads} thread{}: {:.1} MB, {} documents",
                if threads == 1 { "" } else { "s" },
                first.bytes as f64 / 1e6,
                first.documents
            )
            .map_err(failed)?;
        }
        writeln!(
            out,
            "  {:<11} {:>8} {:>9} {:>10} {:>8}",
            "stage", "seconds", "MB/s", "docs/s", "peak MB"
        )
        .map_err(failed)?;
        for m in rows.iter().filter(|m| m.kind == "stage") {
            let (mb_per_s, docs_per_s) = if m.seconds > 0.0 {
                (format!("{:.1}", m.mb_per_s), format!("{:.0}", m.docs_per_s))
            } else {
                ("noise".to_owned(), "-".to_owned())
            };
            writeln!(
                out,
                "  {:<11} {:>8.2} {:>9} {:>10} {:>8}",
                m.name,
                m.seconds,
                mb_per_s,
                docs_per_s,
                peak(m)
            )
            .map_err(failed)?;
        }
        writeln!(
            out,
            "  {:<11} {:>8} {:>9} {:>10} {:>8} {:>9}",
            "end to end", "seconds", "MB/s", "docs/s", "peak MB", "of floor"
        )
        .map_err(failed)?;
        for m in rows.iter().filter(|m| m.kind == "run") {
            writeln!(
                out,
                "  {:<11} {:>8.2} {:>9.1} {:>10.0} {:>8} {:>9.2}",
                m.name,
                m.seconds,
                m.mb_per_s,
                m.docs_per_s,
                peak(m),
                m.fraction_of_floor.unwrap_or(f64::NAN)
            )
            .map_err(failed)?;
        }
    }
    let copy: Vec<&Measurement> = results
        .iter()
        .filter(|m| m.kind == "run" && m.name == "copy tier")
        .collect();
    if let (Some(first), Some(last)) = (copy.first(), copy.last())
        && first.threads != last.threads
    {
        writeln!(
            out,
            "copy tier scaling, {} to {} threads: {:.2}x",
            first.threads,
            last.threads,
            last.mb_per_s / first.mb_per_s
        )
        .map_err(failed)?;
    }
    Ok(())
}
