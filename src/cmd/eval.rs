//! `storyhash eval`: scores the copy or story clusters of a labelled input
//! against a field holding the true group, so a user can tune thresholds and we
//! can track accuracy. Records without the label, and rejected records, are left
//! out of the score (and counted).

use crate::cli::CommonArgs;
use clap::{Args, ValueEnum};
use serde::Serialize;
use std::collections::HashMap;
use std::io::Write;
use std::process::ExitCode;
use storyhash::error::{Error, Result};
use storyhash::eval::{Scores, score};
use storyhash::pipeline::NoProgress;

/// Which clusters to score.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    /// Copy clusters.
    Copy,
    /// Story clusters.
    Story,
}

/// Flags of `eval`.
#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Shared flags.
    #[command(flatten)]
    pub common: CommonArgs,
    /// The JSON field holding each document's true group.
    #[arg(long, value_name = "FIELD", required_unless_present = "copy_of")]
    pub truth: Option<String>,
    /// The JSON field naming the id of the document each one copies (`null` or
    /// absent: an original), as `storyhash synth` writes `copy_of`; its true
    /// group is its original's id, or its own.
    #[arg(long, value_name = "FIELD", conflicts_with = "truth")]
    pub copy_of: Option<String>,
    /// Which clusters to score.
    #[arg(long, value_enum, default_value = "story")]
    pub tier: Tier,
    /// Also score a range of thresholds (story: --story-threshold from 0.05 to
    /// 0.60; copy: --threshold from 0.30 to 0.95).
    #[arg(long)]
    pub sweep: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Serialize)]
struct Confusion {
    cluster: String,
    size: usize,
    labels: Vec<(String, usize)>,
}

#[derive(Serialize)]
struct Evaluation {
    tier: Tier,
    threshold: f64,
    scored: usize,
    unlabelled: usize,
    rejected: usize,
    clusters: usize,
    truth_groups: usize,
    scores: Scores,
    wrongly_merged: Vec<Confusion>,
    wrongly_split: Vec<Confusion>,
    sweep: Vec<(f64, Scores)>,
}

/// The largest predicted clusters holding several labels (wrong merges), and the
/// labels spread over the most clusters (wrong splits), five of each.
fn confusion(predicted: &[String], truth: &[String]) -> (Vec<Confusion>, Vec<Confusion>) {
    let group = |keys: &[String], values: &[String]| {
        let mut groups: HashMap<&str, HashMap<&str, usize>> = HashMap::new();
        for (key, value) in keys.iter().zip(values) {
            *groups.entry(key).or_default().entry(value).or_default() += 1;
        }
        let mut list: Vec<Confusion> = groups
            .into_iter()
            .filter(|(_, inner)| inner.len() > 1)
            .map(|(key, inner)| {
                let mut labels: Vec<(String, usize)> =
                    inner.into_iter().map(|(k, n)| (k.to_owned(), n)).collect();
                labels.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
                Confusion {
                    cluster: key.to_owned(),
                    size: labels.iter().map(|l| l.1).sum(),
                    labels,
                }
            })
            .collect();
        list.sort_by(|a, b| {
            b.labels
                .len()
                .cmp(&a.labels.len())
                .then(b.size.cmp(&a.size))
                .then_with(|| a.cluster.cmp(&b.cluster))
        });
        list.truncate(5);
        list
    };
    (group(predicted, truth), group(truth, predicted))
}

/// Runs the tiers and prints the scores.
pub fn run(args: EvalArgs) -> Result<ExitCode> {
    let mut common_config = args.common.config();
    let (field, pointer) = match (&args.truth, &args.copy_of) {
        (Some(field), _) => (field.clone(), false),
        (None, Some(field)) => (field.clone(), true),
        (None, None) => return Err(Error::Config("give --truth or --copy-of".into())),
    };
    common_config.ingest.fields.truth = Some(field.clone());
    let ran = run_copy_tier_with(&args.common, common_config)?;
    let run = &ran.run;
    let stories = match args.tier {
        Tier::Story => Some(ran.stories(&args.common)?.ok_or_else(|| {
            Error::Config("--tier story needs the story tier (drop --no-stories)".into())
        })?),
        Tier::Copy => None,
    };
    let labels_at = |story_of: Option<&[u32]>| -> (Vec<String>, Vec<String>, usize, usize) {
        let (mut predicted, mut truth, mut unlabelled, mut rejected) =
            (Vec::new(), Vec::new(), 0, 0);
        for record in &run.records {
            let Some(doc) = record.doc.filter(|&d| !run.late_rejected[d as usize]) else {
                rejected += 1;
                continue;
            };
            let Some(label) = true_label(record, pointer) else {
                unlabelled += 1;
                continue;
            };
            // Labels are the ids `cluster` prints, so the confusion lists can
            // be looked up in its output.
            let cluster = match story_of {
                Some(story_of) => storyhash::story::story_id(run.doc_id(story_of[doc as usize])),
                None => storyhash::cluster::cluster_id(run.doc_id(run.kept_of[doc as usize])),
            };
            predicted.push(cluster);
            truth.push(label.to_string());
        }
        (predicted, truth, unlabelled, rejected)
    };
    let story_of = stories.as_ref().map(|s| s.story_of.as_slice());
    let (predicted, truth, unlabelled, rejected) = labels_at(story_of);
    if predicted.is_empty() {
        return Err(Error::Config(format!(
            "no document has the field `{field}`"
        )));
    }
    let scores = score(&predicted, &truth);
    let (wrongly_merged, wrongly_split) = confusion(&predicted, &truth);
    let count = |labels: &[String]| {
        labels
            .iter()
            .collect::<std::collections::HashSet<_>>()
            .len()
    };
    let mut sweep = Vec::new();
    if args.sweep {
        match (&stories, args.tier) {
            (Some(stories), Tier::Story) => {
                for step in 1..=12 {
                    let threshold = 0.05 * f64::from(step);
                    let relabelled = stories.relabel(run, threshold);
                    let (p, t, _, _) = labels_at(Some(&relabelled));
                    sweep.push((threshold, score(&p, &t)));
                }
            }
            _ => {
                for step in 0..14 {
                    let threshold = 0.30 + 0.05 * f64::from(step);
                    let mut config = ran.pipeline.config().clone();
                    config.copy.threshold = threshold;
                    let pipeline = storyhash::pipeline::Pipeline::new(config)?;
                    let rerun = pipeline.run(&ran.inputs, &NoProgress)?;
                    let p: Vec<String> = rerun
                        .records
                        .iter()
                        .filter_map(|r| {
                            Some((
                                r.doc.filter(|&d| !rerun.late_rejected[d as usize])?,
                                true_label(r, pointer)?,
                            ))
                        })
                        .map(|(doc, _)| {
                            storyhash::cluster::cluster_id(
                                rerun.doc_id(rerun.kept_of[doc as usize]),
                            )
                        })
                        .collect();
                    sweep.push((threshold, score(&p, &truth)));
                }
            }
        }
    }
    let evaluation = Evaluation {
        tier: args.tier,
        threshold: match args.tier {
            Tier::Story => ran.pipeline.config().story.threshold,
            Tier::Copy => ran.pipeline.config().copy.threshold,
        },
        scored: predicted.len(),
        unlabelled,
        rejected,
        clusters: count(&predicted),
        truth_groups: count(&truth),
        scores,
        wrongly_merged,
        wrongly_split,
        sweep,
    };
    print(&evaluation, args.json).map_err(|e| Error::io("<stdout>", e))?;
    Ok(ExitCode::SUCCESS)
}

/// A record's true group: its label, or with `pointer` (`--copy-of`) the id
/// of the original it copies, or its own id when it is an original.
fn true_label(record: &storyhash::pipeline::RecordOutcome, pointer: bool) -> Option<String> {
    match (&record.truth, pointer) {
        (Some(label), _) => Some(label.to_string()),
        (None, true) => record.id.as_deref().map(str::to_owned),
        (None, false) => None,
    }
}

fn run_copy_tier_with(
    common: &CommonArgs,
    config: storyhash::config::Config,
) -> Result<crate::cmd::Ran> {
    crate::cmd::run_copy_tier_configured(common, config, &[])
}

fn print(evaluation: &Evaluation, json: bool) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    if json {
        let text = serde_json::to_string_pretty(evaluation).map_err(std::io::Error::other)?;
        return writeln!(out, "{text}");
    }
    let s = &evaluation.scores;
    writeln!(
        out,
        "{:?} tier at threshold {}: {} documents scored ({} without the label, {} rejected), {} clusters for {} true groups",
        evaluation.tier,
        evaluation.threshold,
        evaluation.scored,
        evaluation.unlabelled,
        evaluation.rejected,
        evaluation.clusters,
        evaluation.truth_groups
    )?;
    writeln!(
        out,
        "adjusted Rand index {:.4}  pairwise precision {:.4}  recall {:.4}  F1 {:.4}",
        s.adjusted_rand_index, s.precision, s.recall, s.f1
    )?;
    for (title, list) in [
        (
            "largest wrong merges (cluster: true labels)",
            &evaluation.wrongly_merged,
        ),
        (
            "most split true groups (label: clusters)",
            &evaluation.wrongly_split,
        ),
    ] {
        if list.is_empty() {
            continue;
        }
        writeln!(out, "{title}:")?;
        for item in list {
            let parts: Vec<String> = item
                .labels
                .iter()
                .map(|(label, n)| format!("{label} x{n}"))
                .collect();
            writeln!(
                out,
                "  {} ({} documents): {}",
                item.cluster,
                item.size,
                parts.join(", ")
            )?;
        }
    }
    if !evaluation.sweep.is_empty() {
        writeln!(out, "threshold     ARI  precision  recall      F1")?;
        for (threshold, s) in &evaluation.sweep {
            writeln!(
                out,
                "{threshold:>9.2}  {:.4}     {:.4}  {:.4}  {:.4}",
                s.adjusted_rand_index, s.precision, s.recall, s.f1
            )?;
        }
    }
    Ok(())
}
