//! Report stage: a run in, a deterministic report out, as JSON (with a
//! `schema_version`) or Markdown (fits a CI step summary).
//!
//! The report holds the parameters (including the LSH bands and rows derived from
//! the threshold), the totals, every copy cluster of two or more documents with
//! its members and their similarity to the kept one, and every rejected record.
//! Nothing in it depends on timing or thread count.

use crate::claims::{Claim, ClaimClass};
use crate::cluster::{cluster_id, lowest_copy_jaccard};
use crate::config::{Config, Verify};
use crate::ingest::Inputs;
use crate::lsh::LshParams;
use crate::minhash::Scheme;
use crate::output::{reject_message, round4};
use crate::pipeline::{CopyRun, Status, StoryClaims, StoryRun, Totals};
use crate::shingle::ShingleUnit;
use crate::story::story_id;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// Version of the JSON report's layout; bumped on any incompatible change.
pub const SCHEMA_VERSION: u32 = 1;

/// The whole report.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// Layout version.
    pub schema_version: u32,
    /// `storyhash` and its version.
    pub generator: String,
    /// Input names in reading order.
    pub inputs: Vec<String>,
    /// Parameters of the run.
    pub parameters: Parameters,
    /// Totals.
    pub totals: Totals,
    /// Duplicates over documents (kept + duplicates); 0 without documents.
    pub duplicate_rate: f64,
    /// Copy clusters of two or more documents, in input order of their kept member.
    pub clusters: Vec<ClusterReport>,
    /// Story clusters of two or more documents, in input order of their first
    /// member; empty without the story tier.
    pub stories: Vec<StoryReport>,
    /// Rejected records, in input order.
    pub rejected: Vec<RejectedReport>,
}

/// Parameters that decided the result.
#[derive(Debug, Clone, Serialize)]
pub struct Parameters {
    /// Words or characters.
    pub shingle_unit: ShingleUnit,
    /// n of the n-grams.
    pub ngram: usize,
    /// Signature length.
    pub num_hashes: usize,
    /// MinHash scheme.
    pub scheme: Scheme,
    /// Seed.
    pub seed: u64,
    /// Copy threshold.
    pub threshold: f64,
    /// Whether containment counts.
    pub containment: bool,
    /// Verification method.
    pub verify: Verify,
    /// LSH curve position (Jaccard) and bands × rows.
    pub lsh: LshReport,
    /// Boilerplate rules.
    pub boilerplate: BoilerplateReport,
}

/// LSH parameters.
#[derive(Debug, Clone, Serialize)]
pub struct LshReport {
    /// Jaccard where the S-curve steps.
    pub curve_threshold: f64,
    /// Bands.
    pub num_bands: usize,
    /// Rows per band.
    pub rows_per_band: usize,
    /// Probability that a pair of Jaccard 0.5 / 0.7 / 0.9 becomes a candidate.
    pub candidate_probability: BTreeMap<String, f64>,
}

/// Boilerplate rule settings.
#[derive(Debug, Clone, Serialize)]
pub struct BoilerplateReport {
    /// Whether the rules were on.
    pub enabled: bool,
    /// Documents a short line must be in to be boilerplate.
    pub min_docs: u32,
    /// Most words of a "short" line.
    pub max_words: usize,
}

/// One copy cluster.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterReport {
    /// Stable cluster id.
    pub id: String,
    /// Id of the kept document.
    pub kept: String,
    /// Number of members.
    pub size: usize,
    /// Members in input order.
    pub members: Vec<MemberReport>,
}

/// One member of a cluster.
#[derive(Debug, Clone, Serialize)]
pub struct MemberReport {
    /// Document id.
    pub id: String,
    /// Kept or duplicate.
    pub status: Status,
    /// Similarity to the kept document (`null` for the kept one).
    pub similarity: Option<f64>,
    /// Where it is in the input.
    pub location: String,
}

/// One story cluster: documents on one event, with the copy clusters inside.
#[derive(Debug, Clone, Serialize)]
pub struct StoryReport {
    /// Stable story id.
    pub id: String,
    /// Number of documents (duplicates included).
    pub size: usize,
    /// The copy clusters of its documents, in order of first appearance.
    pub copy_clusters: Vec<String>,
    /// Members in input order.
    pub members: Vec<StoryMember>,
    /// Claims by class (conflicting, unique, agreed), when claims were computed.
    pub claim_counts: BTreeMap<String, usize>,
    /// The claims: conflicting first, then unique, then agreed.
    pub claims: Vec<Claim>,
}

/// One member of a story.
#[derive(Debug, Clone, Serialize)]
pub struct StoryMember {
    /// Document id.
    pub id: String,
    /// Its source (outlet), when the input names one.
    pub source: Option<String>,
    /// Its date (YYYY-MM-DD, UTC), when it has one.
    pub date: Option<String>,
    /// Its copy cluster.
    pub copy_cluster: String,
    /// Kept or duplicate.
    pub status: Status,
}

/// One rejected record.
#[derive(Debug, Clone, Serialize)]
pub struct RejectedReport {
    /// The id, if the record had one.
    pub id: Option<String>,
    /// Reason code.
    pub code: String,
    /// Message with location.
    pub reason: String,
}

/// Builds the report of a run.
pub fn build(
    run: &CopyRun,
    stories: Option<(&StoryRun, Option<&StoryClaims>)>,
    inputs: &Inputs,
    config: &Config,
    lsh: LshParams,
) -> Report {
    let mut members: BTreeMap<u32, Vec<MemberReport>> = BTreeMap::new();
    for (index, record) in run.records.iter().enumerate() {
        let (Some(doc), Status::Kept | Status::Duplicate) = (record.doc, run.status(index)) else {
            continue;
        };
        let file = &inputs.files[record.file as usize].name;
        members
            .entry(run.kept_of[doc as usize])
            .or_default()
            .push(MemberReport {
                id: run.doc_id(doc).to_owned(),
                status: run.status(index),
                similarity: run.similarity_to_kept[doc as usize].map(round4),
                location: match record.line {
                    Some(line) => format!("{file}:{line}"),
                    None => file.to_string(),
                },
            });
    }
    let clusters = members
        .into_iter()
        .filter(|(_, list)| list.len() > 1)
        .map(|(kept, list)| ClusterReport {
            id: cluster_id(run.doc_id(kept)),
            kept: run.doc_id(kept).to_owned(),
            size: list.len(),
            members: list,
        })
        .collect();
    let rejected = (0..run.records.len())
        .filter_map(|index| {
            let reason = run.reason(index)?;
            Some(RejectedReport {
                id: run.records[index].id.as_deref().map(str::to_owned),
                code: reason.code().to_owned(),
                reason: reject_message(run, inputs, index).unwrap_or_default(),
            })
        })
        .collect();
    let stories = stories
        .map(|(stories, claims)| story_reports(run, stories, claims))
        .unwrap_or_default();
    let documents = run.totals.kept + run.totals.duplicates;
    Report {
        schema_version: SCHEMA_VERSION,
        generator: format!("storyhash {}", env!("CARGO_PKG_VERSION")),
        inputs: inputs
            .files
            .iter()
            .map(|file| file.name.to_string())
            .collect(),
        parameters: Parameters {
            shingle_unit: config.shingle.unit,
            ngram: config.shingle.size,
            num_hashes: config.minhash.num_hashes,
            scheme: config.minhash.scheme,
            seed: config.minhash.seed,
            threshold: config.copy.threshold,
            containment: config.copy.containment,
            verify: config.copy.verify,
            lsh: LshReport {
                curve_threshold: round4(lowest_copy_jaccard(
                    config.copy.threshold,
                    config.copy.containment,
                )),
                num_bands: lsh.num_bands,
                rows_per_band: lsh.rows_per_band,
                candidate_probability: [0.5, 0.7, 0.9]
                    .iter()
                    .map(|&s| (format!("{s:.1}"), round4(lsh.collision_probability(s))))
                    .collect(),
            },
            boilerplate: BoilerplateReport {
                enabled: config.boilerplate.enabled,
                min_docs: config.boilerplate.min_docs,
                max_words: config.boilerplate.max_words,
            },
        },
        totals: run.totals.clone(),
        duplicate_rate: if documents == 0 {
            0.0
        } else {
            round4(run.totals.duplicates as f64 / documents as f64)
        },
        clusters,
        stories,
        rejected,
    }
}

fn story_reports(
    run: &CopyRun,
    stories: &StoryRun,
    claims: Option<&StoryClaims>,
) -> Vec<StoryReport> {
    let mut members: BTreeMap<u32, Vec<StoryMember>> = BTreeMap::new();
    for (index, record) in run.records.iter().enumerate() {
        let (Some(doc), status @ (Status::Kept | Status::Duplicate)) =
            (record.doc, run.status(index))
        else {
            continue;
        };
        members
            .entry(stories.story_of[doc as usize])
            .or_default()
            .push(StoryMember {
                id: run.doc_id(doc).to_owned(),
                source: record.source.as_deref().map(str::to_owned),
                date: run.keys[doc as usize].date.map(format_date),
                copy_cluster: cluster_id(run.doc_id(run.kept_of[doc as usize])),
                status,
            });
    }
    members
        .into_iter()
        .filter(|(_, list)| list.len() > 1)
        .map(|(label, list)| {
            let mut copy_clusters: Vec<String> = Vec::new();
            for member in &list {
                if !copy_clusters.contains(&member.copy_cluster) {
                    copy_clusters.push(member.copy_cluster.clone());
                }
            }
            let claims = claims
                .and_then(|all| all.get(&label))
                .cloned()
                .unwrap_or_default();
            let mut claim_counts = BTreeMap::new();
            for claim in &claims {
                let class = serde_json::to_value(claim.class)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_owned))
                    .unwrap_or_default();
                *claim_counts.entry(class).or_default() += 1;
            }
            StoryReport {
                id: story_id(run.doc_id(label)),
                size: list.len(),
                copy_clusters,
                members: list,
                claim_counts,
                claims,
            }
        })
        .collect()
}

/// Most clusters and rejects listed in Markdown; the JSON report lists all.
pub const MARKDOWN_LIST_LIMIT: usize = 100;

/// Renders the report as Markdown.
pub fn to_markdown(report: &Report) -> String {
    let mut out = String::new();
    let totals = &report.totals;
    let p = &report.parameters;
    // Writing to a String cannot fail.
    let _ = writeln!(out, "# storyhash report\n");
    let _ = writeln!(
        out,
        "{} records: **{} kept**, **{} duplicates** in {} copy clusters, **{} rejected** (duplicate rate {:.2}%).\n",
        totals.records,
        totals.kept,
        totals.duplicates,
        totals.copy_clusters,
        totals.rejected,
        report.duplicate_rate * 100.0
    );
    let _ = writeln!(out, "## Parameters\n");
    let _ = writeln!(out, "| parameter | value |\n|---|---|");
    let rows = [
        (
            "shingles",
            match p.shingle_unit {
                ShingleUnit::Words => format!("word {}-grams", p.ngram),
                ShingleUnit::Chars => format!("character {}-grams", p.ngram),
            },
        ),
        (
            "signature",
            format!(
                "{} hashes, {}, seed {}",
                p.num_hashes,
                scheme_name(p.scheme),
                p.seed
            ),
        ),
        (
            "copy rule",
            format!(
                "similarity >= {} ({}), verified by {}",
                p.threshold,
                if p.containment {
                    "max of Jaccard and containment"
                } else {
                    "Jaccard"
                },
                verify_name(p.verify)
            ),
        ),
        (
            "LSH",
            format!(
                "{} bands x {} rows, curve at Jaccard {}",
                p.lsh.num_bands, p.lsh.rows_per_band, p.lsh.curve_threshold
            ),
        ),
        (
            "boilerplate",
            if p.boilerplate.enabled {
                format!(
                    "short lines (<= {} words) in >= {} documents, and edge noise",
                    p.boilerplate.max_words, p.boilerplate.min_docs
                )
            } else {
                "off".into()
            },
        ),
        ("inputs", report.inputs.join(", ")),
    ];
    for (name, value) in rows {
        let _ = writeln!(out, "| {name} | {} |", escape(&value));
    }
    let _ = writeln!(out, "\n## Totals\n");
    let _ = writeln!(out, "| total | value |\n|---|---|");
    for (name, value) in [
        ("records read", totals.records),
        ("kept", totals.kept),
        ("duplicates", totals.duplicates),
        ("rejected", totals.rejected),
        ("copy clusters (2+ documents)", totals.copy_clusters),
        ("bytes read", totals.bytes),
        (
            "recurring boilerplate lines (distinct)",
            totals.recurring_lines,
        ),
        (
            "lines dropped as recurring boilerplate",
            totals.dropped_lines.recurring as u64,
        ),
        (
            "lines dropped as edge noise",
            totals.dropped_lines.edge as u64,
        ),
        ("candidate pairs", totals.candidate_pairs),
        ("verified copy pairs", totals.verified_pairs),
    ] {
        let _ = writeln!(out, "| {name} | {value} |");
    }
    let _ = writeln!(out, "\n## Copy clusters\n");
    if report.clusters.is_empty() {
        let _ = writeln!(out, "No copies found.");
    }
    for cluster in report.clusters.iter().take(MARKDOWN_LIST_LIMIT) {
        let _ = writeln!(
            out,
            "### {} ({} documents, kept `{}`)\n\n| id | status | similarity | location |\n|---|---|---|---|",
            cluster.id,
            cluster.size,
            escape(&cluster.kept)
        );
        for member in &cluster.members {
            let _ = writeln!(
                out,
                "| `{}` | {} | {} | {} |",
                escape(&member.id),
                match member.status {
                    Status::Kept => "kept",
                    Status::Duplicate => "duplicate",
                    Status::Rejected => "rejected",
                },
                member.similarity.map_or("-".into(), |s| format!("{s:.4}")),
                escape(&member.location)
            );
        }
        let _ = writeln!(out);
    }
    if report.clusters.len() > MARKDOWN_LIST_LIMIT {
        let _ = writeln!(
            out,
            "... and {} more clusters (the JSON report lists all).\n",
            report.clusters.len() - MARKDOWN_LIST_LIMIT
        );
    }
    if !report.stories.is_empty() {
        let _ = writeln!(out, "## Story clusters\n");
        for story in report.stories.iter().take(MARKDOWN_LIST_LIMIT) {
            let _ = writeln!(
                out,
                "### {} ({} documents, {} copy cluster{})\n\n| id | copy cluster | status |\n|---|---|---|",
                story.id,
                story.size,
                story.copy_clusters.len(),
                if story.copy_clusters.len() == 1 {
                    ""
                } else {
                    "s"
                }
            );
            for member in &story.members {
                let _ = writeln!(
                    out,
                    "| `{}` | {} | {} |",
                    escape(&member.id),
                    member.copy_cluster,
                    status_name(member.status)
                );
            }
            let _ = writeln!(out);
            write_claims_markdown(&mut out, story);
        }
        if report.stories.len() > MARKDOWN_LIST_LIMIT {
            let _ = writeln!(
                out,
                "... and {} more stories (the JSON report lists all).\n",
                report.stories.len() - MARKDOWN_LIST_LIMIT
            );
        }
    }
    if !report.rejected.is_empty() {
        let _ = writeln!(out, "## Rejected\n\n| id | code | reason |\n|---|---|---|");
        for rejected in report.rejected.iter().take(MARKDOWN_LIST_LIMIT) {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                rejected
                    .id
                    .as_deref()
                    .map_or("-".into(), |id| format!("`{}`", escape(id))),
                rejected.code,
                escape(&rejected.reason)
            );
        }
        if report.rejected.len() > MARKDOWN_LIST_LIMIT {
            let _ = writeln!(
                out,
                "\n... and {} more (the JSON report lists all).",
                report.rejected.len() - MARKDOWN_LIST_LIMIT
            );
        }
    }
    out
}

/// Conflicting claims in full (values, sources, sentences), then the counts.
fn write_claims_markdown(out: &mut String, story: &StoryReport) {
    if story.claims.is_empty() {
        return;
    }
    let count = |class: &str| story.claim_counts.get(class).copied().unwrap_or(0);
    let _ = writeln!(
        out,
        "Claims: {} conflicting, {} unique, {} agreed.\n",
        count("conflicting"),
        count("unique"),
        count("agreed")
    );
    for claim in story
        .claims
        .iter()
        .filter(|c| c.class == ClaimClass::Conflicting)
    {
        let subject = if claim.subject.is_empty() {
            String::new()
        } else {
            format!(" of {}", claim.subject)
        };
        let _ = writeln!(
            out,
            "- **{}{}** differs:",
            claim.fact_type,
            escape(&subject)
        );
        for evidence in &claim.evidence {
            let _ = writeln!(
                out,
                "  - `{}` in `{}` (chars {}-{}): {}",
                escape(&evidence.text),
                escape(&evidence.source),
                evidence.sentence_chars[0],
                evidence.sentence_chars[1],
                escape(&evidence.sentence)
            );
        }
    }
    let _ = writeln!(out);
}

/// The day (UTC) of seconds since the epoch, as `YYYY-MM-DD`.
fn format_date(seconds: i64) -> String {
    crate::ingest::format_day(seconds.div_euclid(86_400))
}

fn status_name(status: Status) -> &'static str {
    match status {
        Status::Kept => "kept",
        Status::Duplicate => "duplicate",
        Status::Rejected => "rejected",
    }
}

fn scheme_name(scheme: Scheme) -> &'static str {
    match scheme {
        Scheme::OnePermutation => "one-permutation hashing",
        Scheme::Classic => "classic MinHash",
    }
}

fn verify_name(verify: Verify) -> &'static str {
    match verify {
        Verify::Signature => "signature estimate",
        Verify::Exact => "exact shingle sets",
    }
}

/// Keeps table cells intact: pipes escaped, newlines flattened, and backticks
/// (which would end a code span early) replaced by a look-alike.
fn escape(text: &str) -> String {
    text.replace('|', "\\|")
        .replace(['\n', '\r'], " ")
        .replace('`', "\u{2035}")
}

/// Escapes text for HTML.
fn html(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// The sentence of a piece of evidence with its value's words marked.
fn marked_sentence(evidence: &crate::claims::Evidence) -> String {
    match evidence.sentence.find(&evidence.text) {
        Some(at) => format!(
            "{}<mark>{}</mark>{}",
            html(&evidence.sentence[..at]),
            html(&evidence.text),
            html(&evidence.sentence[at + evidence.text.len()..])
        ),
        None => html(&evidence.sentence),
    }
}

const HTML_STYLE: &str = "body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:70rem;color:#222;padding:0 1rem}\
h1{font-size:1.6rem}h2{font-size:1.25rem;border-bottom:1px solid #ccc;padding-bottom:.2rem;margin-top:2.5rem}\
h3{font-size:1.05rem;margin:1.2rem 0 .4rem}table{border-collapse:collapse;width:100%;margin:.4rem 0}\
td,th{border:1px solid #ddd;padding:.35rem .5rem;vertical-align:top;text-align:left}th{background:#f4f4f4}\
mark{background:#ffd54f;padding:0 .15rem;border-radius:2px}.conflict{border-left:4px solid #d32f2f;padding-left:.8rem;margin:1rem 0}\
.unique{border-left:4px solid #1976d2;padding-left:.8rem}.agreed{border-left:4px solid #388e3c;padding-left:.8rem}\
.meta{color:#666;font-size:.85rem}.caption{font-style:italic}code{font-size:.85rem}";

/// Renders the report as one self-contained HTML file (inline style, no script,
/// no external resource): for each story, its members with source and date,
/// then the conflicting claims with the sentences side by side and the
/// differing values marked, then the unique claims, then the agreed ones.
pub fn to_html(report: &Report) -> String {
    let mut out = String::new();
    let totals = &report.totals;
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>storyhash report</title><style>{HTML_STYLE}</style></head><body>\n<h1>storyhash report</h1>\n<p>{} records: {} kept, {} duplicates in {} copy clusters, {} rejected; {} {} of two or more documents.</p>\n",
        totals.records,
        totals.kept,
        totals.duplicates,
        totals.copy_clusters,
        totals.rejected,
        report.stories.len(),
        if report.stories.len() == 1 {
            "story"
        } else {
            "stories"
        }
    );
    for story in &report.stories {
        let count = |class: &str| story.claim_counts.get(class).copied().unwrap_or(0);
        let _ = write!(
            out,
            "<h2>Story <code>{}</code>: {} documents</h2>\n<p class=\"meta\">{} conflicting, {} unique, {} agreed claims</p>\n<table><tr><th>document</th><th>source</th><th>date</th><th>copy cluster</th><th>status</th></tr>\n",
            html(&story.id),
            story.size,
            count("conflicting"),
            count("unique"),
            count("agreed")
        );
        for member in &story.members {
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td></tr>",
                html(&member.id),
                html(member.source.as_deref().unwrap_or("-")),
                html(member.date.as_deref().unwrap_or("-")),
                html(&member.copy_cluster),
                status_name(member.status)
            );
        }
        out.push_str("</table>\n");
        let sections = [
            (ClaimClass::Conflicting, "Conflicting claims", "conflict"),
            (ClaimClass::Unique, "Said by one source only", "unique"),
            (ClaimClass::Agreed, "Agreed", "agreed"),
        ];
        for (class, title, css) in sections {
            let claims: Vec<&Claim> = story.claims.iter().filter(|c| c.class == class).collect();
            if claims.is_empty() {
                continue;
            }
            let _ = writeln!(out, "<h3>{title} ({})</h3>", claims.len());
            for claim in claims {
                let subject = if claim.subject.is_empty() {
                    String::new()
                } else {
                    format!(" of {}", html(&claim.subject))
                };
                let _ = write!(
                    out,
                    "<div class=\"{css}\"><p><strong>{}{subject}</strong></p><table>",
                    html(&claim.fact_type)
                );
                let heading = |evidence: &crate::claims::Evidence| {
                    format!(
                        "{} <span class=\"meta\">chars {}-{}{}</span>",
                        html(&evidence.source),
                        evidence.sentence_chars[0],
                        evidence.sentence_chars[1],
                        if evidence.kind == crate::claims::SentenceKind::Caption {
                            ", caption"
                        } else {
                            ""
                        }
                    )
                };
                let cell_class = |evidence: &crate::claims::Evidence| {
                    if evidence.kind == crate::claims::SentenceKind::Caption {
                        " class=\"caption\""
                    } else {
                        ""
                    }
                };
                if claim.evidence.len() <= 3 {
                    // Side by side.
                    out.push_str("<tr>");
                    for evidence in &claim.evidence {
                        let _ = write!(out, "<th>{}</th>", heading(evidence));
                    }
                    out.push_str("</tr><tr>");
                    for evidence in &claim.evidence {
                        let _ = write!(
                            out,
                            "<td{}>{}</td>",
                            cell_class(evidence),
                            marked_sentence(evidence)
                        );
                    }
                    out.push_str("</tr>");
                } else {
                    // Many sources: one row each, so the page stays readable.
                    for evidence in &claim.evidence {
                        let _ = write!(
                            out,
                            "<tr><th style=\"width:16rem\">{}</th><td{}>{}</td></tr>",
                            heading(evidence),
                            cell_class(evidence),
                            marked_sentence(evidence)
                        );
                    }
                }
                out.push_str("</table></div>\n");
            }
        }
    }
    out.push_str("</body></html>\n");
    out
}
