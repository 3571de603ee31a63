//! One file per subcommand, each with its flags and `run`; shared here: running
//! the pipeline with a progress bar, the end-of-run summary and the CI gates.

pub mod bench;
pub mod cluster;
pub mod dedup;
pub mod eval;
pub mod report;
pub mod synth;

use crate::cli::CommonArgs;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::Write;
use std::process::ExitCode;
use std::sync::Mutex;
use storyhash::error::{Error, Result};
use storyhash::ingest::Inputs;
use storyhash::output::{AtomicFile, reject_message};
use storyhash::pipeline::{CopyRun, Pipeline, Progress, Status};

/// Exit code when a CI gate is crossed.
pub const EXIT_GATE: u8 = 1;
/// Exit code for usage and input errors.
pub const EXIT_ERROR: u8 = 2;

/// Rejections printed one by one before the rest are only counted.
const REJECTIONS_SHOWN: usize = 20;

/// Progress bars on stderr: drawn only when stderr is a terminal and not quiet.
pub struct Bars {
    quiet: bool,
    current: Mutex<Option<ProgressBar>>,
}

impl Bars {
    /// Bars that draw unless `quiet`.
    pub fn new(quiet: bool) -> Self {
        Self {
            quiet,
            current: Mutex::new(None),
        }
    }
}

impl Progress for Bars {
    fn stage(&self, name: &str, total_bytes: Option<u64>) {
        if self.quiet {
            return;
        }
        // `stderr()` draws only when stderr is a terminal.
        let bar = ProgressBar::with_draw_target(total_bytes, ProgressDrawTarget::stderr());
        let template = if total_bytes.is_some() {
            "{prefix:>6} [{bar:30}] {binary_bytes}/{binary_total_bytes} {binary_bytes_per_sec} eta {eta}"
        } else {
            "{prefix:>6} {spinner} {binary_bytes} {binary_bytes_per_sec}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("=> "));
        }
        bar.set_prefix(name.to_owned());
        if let Ok(mut current) = self.current.lock() {
            *current = Some(bar);
        }
    }

    fn advance(&self, bytes: u64) {
        if let Ok(current) = self.current.lock() {
            if let Some(bar) = current.as_ref() {
                bar.inc(bytes);
            }
        }
    }

    fn finish(&self) {
        if let Ok(mut current) = self.current.lock() {
            if let Some(bar) = current.take() {
                bar.finish_and_clear();
            }
        }
    }
}

/// Everything a command needs after the copy tier ran.
pub struct Ran {
    /// The resolved inputs.
    pub inputs: Inputs,
    /// The pipeline (configuration, LSH parameters).
    pub pipeline: Pipeline,
    /// The result.
    pub run: CopyRun,
    /// The worker threads (`--threads`), for the steps after the run.
    pub pool: rayon::ThreadPool,
}

/// Most worker threads accepted: far beyond any machine this runs on, low
/// enough that a typo does not spend a minute spawning threads.
pub const MAX_THREADS: usize = 1024;

impl Ran {
    /// Runs the story tier unless `--no-stories`, in the same thread pool.
    pub fn stories(&self, common: &CommonArgs) -> Result<Option<storyhash::pipeline::StoryRun>> {
        if !self.pipeline.config().story.enabled {
            return Ok(None);
        }
        let bars = Bars::new(common.quiet);
        self.pool
            .install(|| self.pipeline.run_stories(&self.inputs, &self.run, &bars))
            .map(Some)
    }
}

/// Builds the thread pool and runs the copy tier. `outputs` are checked against
/// the inputs first.
pub fn run_copy_tier(common: &CommonArgs, outputs: &[Option<&str>]) -> Result<Ran> {
    run_copy_tier_configured(common, common.config(), outputs)
}

/// As [`run_copy_tier`], with a configuration the command adjusted.
pub fn run_copy_tier_configured(
    common: &CommonArgs,
    config: storyhash::config::Config,
    outputs: &[Option<&str>],
) -> Result<Ran> {
    if common.inputs.is_empty() {
        return Err(Error::Config(
            "no input: give files or folders, or - for stdin".into(),
        ));
    }
    if common.thread_count()? > MAX_THREADS {
        return Err(Error::Config(format!(
            "--threads must be at most {MAX_THREADS}"
        )));
    }
    let pipeline = Pipeline::new(config)?;
    if let Some(rate) = common.max_duplicate_rate {
        if !(0.0..=1.0).contains(&rate) {
            return Err(Error::Config(
                "--max-duplicate-rate must be in [0, 1]".into(),
            ));
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(common.thread_count()?)
        .build()
        .map_err(|e| Error::Config(format!("cannot start threads: {e}")))?;
    let inputs = Inputs::resolve(&common.inputs)?;
    check_outputs(&inputs, outputs)?;
    let bars = Bars::new(common.quiet);
    let run = pool.install(|| pipeline.run(&inputs, &bars))?;
    Ok(Ran {
        inputs,
        pipeline,
        run,
        pool,
    })
}

/// Prints rejections and the totals to stderr (unless quiet) and applies the
/// CI gates.
pub fn finish(ran: &Ran, common: &CommonArgs) -> ExitCode {
    let run = &ran.run;
    let totals = &run.totals;
    if !common.quiet {
        let rejected: Vec<usize> = (0..run.records.len())
            .filter(|&index| run.status(index) == Status::Rejected)
            .collect();
        for &index in rejected.iter().take(REJECTIONS_SHOWN) {
            if let Some(message) = reject_message(run, &ran.inputs, index) {
                eprintln!("storyhash: rejected: {message}");
            }
        }
        if rejected.len() > REJECTIONS_SHOWN {
            eprintln!(
                "storyhash: ... and {} more rejected (see --rejected or the report)",
                rejected.len() - REJECTIONS_SHOWN
            );
        }
        if totals.records == 0 {
            eprintln!("storyhash: warning: the inputs hold no records");
        }
        let params = ran.pipeline.lsh_params();
        eprintln!(
            "storyhash: read {} = kept {} + duplicate {} + rejected {}; {} copy clusters; LSH {} bands x {} rows",
            totals.records,
            totals.kept,
            totals.duplicates,
            totals.rejected,
            totals.copy_clusters,
            params.num_bands,
            params.rows_per_band
        );
    }
    let documents = totals.kept + totals.duplicates;
    let rate = if documents == 0 {
        0.0
    } else {
        totals.duplicates as f64 / documents as f64
    };
    if common.fail_on_duplicates && totals.duplicates > 0 {
        eprintln!(
            "storyhash: gate: {} duplicates found (--fail-on-duplicates)",
            totals.duplicates
        );
        return ExitCode::from(EXIT_GATE);
    }
    if let Some(limit) = common.max_duplicate_rate {
        if rate > limit {
            eprintln!(
                "storyhash: gate: duplicate rate {rate:.4} exceeds --max-duplicate-rate {limit}"
            );
            return ExitCode::from(EXIT_GATE);
        }
    }
    ExitCode::SUCCESS
}

/// Where one output goes: standard output, or a file written atomically.
pub enum Output {
    /// Standard output (`-` or no path).
    Stdout(std::io::BufWriter<std::io::Stdout>),
    /// A file, committed by [`Output::finish`].
    File(AtomicFile, String),
}

impl Output {
    /// Opens an output before the run, so that a bad path fails at once.
    pub fn open(path: Option<&str>) -> Result<Self> {
        Ok(match path {
            None | Some("-") => Self::Stdout(std::io::BufWriter::with_capacity(
                1 << 20,
                std::io::stdout(),
            )),
            Some(path) => Self::File(
                AtomicFile::create(std::path::Path::new(path))?,
                path.to_owned(),
            ),
        })
    }

    /// The name for messages.
    pub fn name(&self) -> &str {
        match self {
            Self::Stdout(_) => "<stdout>",
            Self::File(_, name) => name,
        }
    }

    /// Flushes standard output, or commits the file.
    pub fn finish(self) -> Result<()> {
        match self {
            Self::Stdout(mut out) => out.flush().map_err(|e| Error::io("<stdout>", e)),
            Self::File(file, _) => file.commit(),
        }
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match self {
            Self::Stdout(out) => out.write(buf),
            Self::File(file, _) => file.write(buf),
        }
    }

    fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Self::Stdout(out) => out.flush(),
            Self::File(file, _) => file.flush(),
        }
    }
}

/// Refuses an output path that is one of the inputs: writing it would destroy
/// the input before (or while) it is read.
pub fn check_outputs(inputs: &Inputs, outputs: &[Option<&str>]) -> Result<()> {
    for path in outputs.iter().flatten().filter(|path| **path != "-") {
        if inputs.contains_file(std::path::Path::new(path)) {
            return Err(Error::Config(format!("output {path} is also an input")));
        }
    }
    Ok(())
}
