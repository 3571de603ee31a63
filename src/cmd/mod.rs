//! One file per subcommand, each with its flags and `run`; shared here: running
//! the pipeline with a progress bar, the end-of-run summary and the CI gates.

pub mod bench;
pub mod cluster;
pub mod dedup;
pub mod report;

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
}

/// Builds the thread pool and runs the copy tier.
pub fn run_copy_tier(common: &CommonArgs) -> Result<Ran> {
    let pipeline = Pipeline::new(common.config())?;
    if let Some(rate) = common.max_duplicate_rate {
        if !(0.0..=1.0).contains(&rate) {
            return Err(Error::Config(
                "--max-duplicate-rate must be in [0, 1]".into(),
            ));
        }
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(common.threads)
        .build()
        .map_err(|e| Error::Config(format!("cannot start {} threads: {e}", common.threads)))?;
    let inputs = Inputs::resolve(&common.inputs)?;
    let bars = Bars::new(common.quiet);
    let run = pool.install(|| pipeline.run(&inputs, &bars))?;
    Ok(Ran {
        inputs,
        pipeline,
        run,
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

/// Writes to a file atomically, or to stdout for `-` / no path.
pub fn write_output(
    path: Option<&str>,
    write: impl FnOnce(&mut (dyn Write + Send), &str) -> Result<()>,
) -> Result<()> {
    match path {
        None | Some("-") => {
            let mut stdout = std::io::BufWriter::with_capacity(1 << 20, std::io::stdout());
            write(&mut stdout, "<stdout>")?;
            stdout.flush().map_err(|e| Error::io("<stdout>", e))
        }
        Some(path) => {
            let mut file = AtomicFile::create(std::path::Path::new(path))?;
            write(&mut file, path)?;
            file.commit()
        }
    }
}
