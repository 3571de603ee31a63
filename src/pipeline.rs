//! The pipeline: wires the stages, and is the only place with threads and progress.
//!
//! ```text
//! read + sign     read → parse → validate, ids, dates → short-line counts
//!                 → kept lines (recurring lines known so far) → shingles
//!                 → MinHash signature → band keys
//! fix-up          the few documents whose boilerplate was decided too early,
//!                 signed again (a partial pass; see `read_and_sign`)
//! LSH             per band (rayon over bands): bucket keys → candidate pairs
//! verify          per pair (rayon): signature estimate, or exact (one more pass)
//! cluster         union-find → kept document per cluster
//! ```
//!
//! The input is read, not held: the copy tier keeps per document only its id,
//! date, length, shingle count and signature (and per input record its position),
//! so memory grows with the number of documents, not their size. In the copy
//! tier's pass four batches are in flight: the next one is read and checked
//! (parsed, its lines tabled) while this one is numbered and counted in input
//! order and the one two before it is signed (the one between waits); other
//! passes read the next batch while rayon works on the current one.
//!
//! Every parallel step writes into slots indexed by document or collects in input
//! order, and candidate pairs are sorted before they are verified, so results are
//! identical whatever the number of threads.

use crate::boilerplate::{
    self, DroppedLines, LineSpan, LineStore, LineTable, LineView, RecurringLines,
};
use crate::cluster::{self, KeepKey, Similarity};
use crate::config::{Config, Verify};
use crate::error::{Error, RejectReason, Result};
use crate::ingest::{self, Batch, Inputs, RawRecord};
use crate::lsh::{self, LshParams};
use crate::minhash::{self, MinHasher, Signatures, estimate_jaccard};
use crate::normalize::Normalizer;
use crate::shingle::{Shingler, sorted_shared_count};
use rayon::prelude::*;
use std::collections::hash_map::Entry;
use std::collections::{HashMap, VecDeque};
use std::ops::Range;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use xxhash_rust::xxh3::xxh3_64;

/// Receives progress from a long run. The library never draws anything itself;
/// the binary implements this with progress bars.
pub trait Progress: Sync {
    /// A stage starts; `total_bytes` is known when the inputs are uncompressed.
    fn stage(&self, name: &str, total_bytes: Option<u64>);
    /// Some bytes of the current stage are done.
    fn advance(&self, bytes: u64);
    /// The current stage is over.
    fn finish(&self);
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;

impl Progress for NoProgress {
    fn stage(&self, _: &str, _: Option<u64>) {}
    fn advance(&self, _: u64) {}
    fn finish(&self) {}
}

/// The final state of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// Kept: not a copy, or the kept member of its copy cluster.
    Kept,
    /// A copy of a kept document.
    Duplicate,
    /// Not usable; the reason says why.
    Rejected,
}

/// One input record and what became of it.
#[derive(Debug, Clone)]
pub struct RecordOutcome {
    /// Index of the input file.
    pub file: u32,
    /// 1-based line (JSONL) or `None` (a text file).
    pub line: Option<u64>,
    /// Byte offset in the decoded input.
    pub byte_offset: u64,
    /// Length of the record in bytes (without its line end).
    pub length: u64,
    /// The document index, when the record became a document.
    pub doc: Option<u32>,
    /// Why it was rejected, when it was.
    pub reason: Option<Box<RejectReason>>,
    /// The id, when the record had one or was given one.
    pub id: Option<Box<str>>,
    /// The label of the truth field (`storyhash eval`), when configured and present.
    pub truth: Option<Box<str>>,
    /// The document's source (outlet), when the record names one: one string
    /// shared by the records of one source that one task of a batch read.
    pub source: Option<Arc<str>>,
}

/// Totals of a run; they always add up: `records = kept + duplicates + rejected`.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Totals {
    /// Records read (documents and rejected records).
    pub records: u64,
    /// Kept documents.
    pub kept: u64,
    /// Duplicates.
    pub duplicates: u64,
    /// Rejected records.
    pub rejected: u64,
    /// Copy clusters of two or more documents.
    pub copy_clusters: u64,
    /// Decoded input bytes.
    pub bytes: u64,
    /// Distinct recurring short lines.
    pub recurring_lines: u64,
    /// Lines left out of shingling, by rule.
    pub dropped_lines: DroppedLines,
    /// Candidate pairs from LSH (after removing repeats across bands).
    pub candidate_pairs: u64,
    /// Candidate pairs that verified as copies.
    pub verified_pairs: u64,
}

/// Wall time of each stage.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Timings {
    /// The pass that reads, validates and signs.
    pub scan: Duration,
    /// Signing again the documents marked by the pass (see `fix_up`).
    pub sign: Duration,
    /// Bucketing and candidates.
    pub lsh: Duration,
    /// Verification, including the exact pass.
    pub verify: Duration,
    /// Union-find and keep policy.
    pub cluster: Duration,
}

/// A verified copy pair.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CopyPair {
    /// First document (smaller index).
    pub a: u32,
    /// Second document.
    pub b: u32,
    /// Their similarity.
    pub similarity: Similarity,
}

/// The result of the copy tier.
#[derive(Debug)]
pub struct CopyRun {
    /// Every input record in input order.
    pub records: Vec<RecordOutcome>,
    /// For each document, its record index.
    pub record_of: Vec<u32>,
    /// For each document, its kept document (itself when kept).
    pub kept_of: Vec<u32>,
    /// For each document, its score against its kept document (`None` when kept).
    pub similarity_to_kept: Vec<Option<f64>>,
    /// For each document, whether signing rejected it (no words once normalized).
    pub late_rejected: Vec<bool>,
    /// Verified pairs, sorted.
    pub pairs: Vec<CopyPair>,
    /// LSH bands and rows used.
    pub lsh_params: LshParams,
    /// Totals.
    pub totals: Totals,
    /// Stage timings.
    pub timings: Timings,
    /// Bytes held per document by the copy tier, beyond the signature (measured
    /// from the vectors' capacities).
    pub bytes_per_doc_beyond_signature: f64,
    /// Each document's date and length (the keep policy's inputs).
    pub keys: Vec<KeepKey>,
    /// The recurring boilerplate lines.
    pub recurring: RecurringLines,
    /// Documents signed again once all recurring lines were known.
    pub fixed_up: usize,
    /// Each input file's stamp when the pass began (see [`ingest::FileStamp`]).
    pub input_stamps: Vec<Option<ingest::FileStamp>>,
}

impl RecordOutcome {
    /// Where the record is, for messages.
    pub fn location(&self, inputs: &Inputs) -> crate::error::Location {
        crate::error::Location {
            file: inputs.files[self.file as usize].name.clone(),
            line: self.line,
            byte_offset: self.byte_offset,
        }
    }
}

impl CopyRun {
    /// The status of record `index`.
    pub fn status(&self, index: usize) -> Status {
        let record = &self.records[index];
        match record.doc {
            Some(doc) if !self.late_rejected[doc as usize] => {
                if self.kept_of[doc as usize] == doc {
                    Status::Kept
                } else {
                    Status::Duplicate
                }
            }
            _ => Status::Rejected,
        }
    }

    /// The reason of a rejected record.
    pub fn reason(&self, index: usize) -> Option<&RejectReason> {
        self.records[index].reason.as_deref()
    }

    /// The id of document `doc`.
    pub fn doc_id(&self, doc: u32) -> &str {
        self.records[self.record_of[doc as usize] as usize]
            .id
            .as_deref()
            .unwrap_or("")
    }
}

/// A configured pipeline.
#[derive(Debug, Clone)]
pub struct Pipeline {
    config: Config,
    hasher: MinHasher,
    lsh_params: LshParams,
}

impl Pipeline {
    /// Validates the configuration and prepares the hash functions.
    pub fn new(config: Config) -> Result<Self> {
        config.validate()?;
        let lsh_params = config.lsh.fixed.unwrap_or_else(|| {
            lsh::choose_params(
                cluster::lowest_copy_jaccard(config.copy.threshold, config.copy.containment),
                config.minhash.num_hashes,
                config.lsh.false_positive_weight,
                config.lsh.false_negative_weight,
            )
        });
        Ok(Self {
            hasher: MinHasher::new(config.minhash.clone()),
            config,
            lsh_params,
        })
    }

    /// The configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// LSH bands and rows in use.
    pub fn lsh_params(&self) -> LshParams {
        self.lsh_params
    }

    /// Runs the copy tier over the inputs.
    pub fn run(&self, inputs: &Inputs, progress: &dyn Progress) -> Result<CopyRun> {
        let total_bytes = inputs.total_bytes_if_uncompressed();
        let input_stamps = inputs.stamps();

        let started = Instant::now();
        progress.stage("read", total_bytes);
        let mut pass = self.read_and_sign(inputs, progress)?;
        progress.finish();
        let scan_time = started.elapsed();

        let started = Instant::now();
        let marked = self.fix_up(inputs, &mut pass, progress)?;
        let sign_time = started.elapsed();
        let Pass { scan, signed, .. } = pass;

        let started = Instant::now();
        let active: Vec<bool> = signed.late_rejected.iter().map(|&r| !r).collect();
        let candidates = self.candidates(&signed, &active);
        let lsh_time = started.elapsed();

        let started = Instant::now();
        let pairs = self.verify(inputs, &scan, &signed, &candidates, progress)?;
        let verify_time = started.elapsed();

        let started = Instant::now();
        let keys: Vec<KeepKey> = scan.docs.iter().map(|doc| doc.key).collect();
        let linked: Vec<(u32, u32)> = pairs.iter().map(|pair| (pair.a, pair.b)).collect();
        let clusters = cluster::copy_clusters(&keys, &linked);
        let similarity_to_kept = self.similarity_to_kept(&clusters.kept_of, &pairs, &signed);
        let cluster_time = started.elapsed();

        let mut records = scan.records;
        for (doc, &rejected) in signed.late_rejected.iter().enumerate() {
            if rejected {
                let record = &mut records[scan.docs[doc].record as usize];
                if self.config.strict {
                    return Err(Error::Rejected {
                        location: record.location(inputs),
                        reason: RejectReason::EmptyText,
                    });
                }
                record.reason = Some(Box::new(RejectReason::EmptyText));
            }
        }
        let record_of: Vec<u32> = scan.docs.iter().map(|doc| doc.record).collect();
        let mut totals = Totals {
            records: records.len() as u64,
            bytes: scan.bytes,
            recurring_lines: scan.recurring.len() as u64,
            dropped_lines: signed.dropped,
            candidate_pairs: candidates.len() as u64,
            verified_pairs: pairs.len() as u64,
            ..Totals::default()
        };
        let mut cluster_sizes: HashMap<u32, u32> = HashMap::new();
        for (doc, &kept) in clusters.kept_of.iter().enumerate() {
            if signed.late_rejected[doc] {
                continue;
            }
            *cluster_sizes.entry(kept).or_default() += 1;
            if kept as usize == doc {
                totals.kept += 1;
            } else {
                totals.duplicates += 1;
            }
        }
        totals.rejected = totals.records - totals.kept - totals.duplicates;
        totals.copy_clusters = cluster_sizes.values().filter(|&&size| size > 1).count() as u64;

        let documents = scan.docs.len().max(1) as f64;
        let id_bytes: usize = records
            .iter()
            .filter_map(|record| record.id.as_ref().map(|id| id.len()))
            .sum();
        let beyond_signature = records.capacity() * std::mem::size_of::<RecordOutcome>()
            + id_bytes
            + scan.docs.capacity() * std::mem::size_of::<DocInfo>()
            + signed.sizes.capacity() * 4
            + signed.band_keys.heap_bytes()
            + clusters.kept_of.capacity() * 4
            + similarity_to_kept.capacity() * std::mem::size_of::<Option<f64>>()
            + scan.id_index_bytes;

        Ok(CopyRun {
            records,
            record_of,
            kept_of: clusters.kept_of,
            similarity_to_kept,
            late_rejected: signed.late_rejected,
            pairs,
            lsh_params: self.lsh_params,
            totals,
            timings: Timings {
                scan: scan_time,
                sign: sign_time,
                lsh: lsh_time,
                verify: verify_time,
                cluster: cluster_time,
            },
            bytes_per_doc_beyond_signature: beyond_signature as f64 / documents,
            keys,
            recurring: scan.recurring,
            fixed_up: marked,
            input_stamps,
        })
    }

    /// The one pass over the input: validate records, give documents their
    /// index, and sign each one with the boilerplate lines known so far.
    ///
    /// Which short lines are boilerplate (in `min_docs` documents or more) is
    /// only known at the end, and an earlier design read the input twice for it.
    /// Here each batch is parsed and its short lines counted first, then signed
    /// with the lines known to recur in it, the batches before it and the two
    /// after it; a document whose short lines were not all known then, and of
    /// which one turned out to recur later, is marked and signed again by
    /// [`Pipeline::fix_up`] with the final set. That gives exactly the
    /// two-pass result: a document not marked had every one of its short lines
    /// decided the same way then as at the end. Site headers and footers recur
    /// within the first documents of their site, so few are marked (counted in
    /// the bench's `fix_up` detail). The batches, and so the lines known at each,
    /// depend only on the input, never on the thread count.
    fn read_and_sign(&self, inputs: &Inputs, progress: &dyn Progress) -> Result<Pass> {
        let mut state = PassState::new(self);
        let mut reader = ingest::BatchReader::new(inputs, &self.config.ingest);
        let spare = SpareStores::default();
        // Phase 1 of a batch, in parallel: parse and check each record, hash
        // its short lines. What it returns owns its texts, so the batch's
        // buffer goes back to the reader at once. Records go in chunks, each
        // chunk's texts into one buffer: an allocation per text, freed two
        // batches later on another thread, cost 4% of the pass in glibc's
        // malloc and free (perf, 200 MB, one thread). The chunks' buffers
        // come from `spare`, where signing gives them back.
        let mut read_and_check = || -> Result<Option<CheckedBatch>> {
            let Some(batch) = reader.next_batch()? else {
                return Ok(None);
            };
            let chunks = batch
                .records
                .par_chunks(CHECK_CHUNK)
                .map_init(
                    || SignBuffers::new(&self.config),
                    |buffers, records| {
                        let capacity = records.iter().map(|record| record.range.len()).sum();
                        let mut store = spare.take(capacity);
                        let checked = records
                            .iter()
                            .map(|record| {
                                self.check_record(inputs, &batch, record, buffers, &mut store)
                            })
                            .collect();
                        CheckedChunk { store, checked }
                    },
                )
                .collect();
            let bytes_read = batch.bytes_read;
            // Fresh 8 MiB buffers cost page faults on every batch.
            reader.recycle(batch);
            Ok(Some(CheckedBatch { chunks, bytes_read }))
        };
        let mut current = read_and_check()?;
        // Numbered batches waiting to be signed, oldest first.
        let mut pending: VecDeque<NumberedBatch> = VecDeque::with_capacity(LOOK_AHEAD + 1);
        while let Some(batch) = current {
            // Four batches are in flight: the next one is read and checked
            // while this one is numbered and counted and the one two before it
            // is signed. With one thread `join` runs the two closures in turn;
            // the state is only touched by the first, in input order, so the
            // result is the same at any thread count. Numbering and signing go
            // first: the text signed then was written before two batches were
            // read instead of three, so more of it is still in cache.
            let number_and_sign = || -> Result<()> {
                let bytes_read = batch.bytes_read;
                state.store_signed(self);
                let numbered = state.number(self, inputs, batch)?;
                progress.advance(bytes_read);
                // Signing a batch only after the next ones are counted leaves
                // fewer documents to sign again: a line that recurs mostly
                // reaches `min_docs` within a batch or two (see `LOOK_AHEAD`).
                pending.push_back(numbered);
                if pending.len() > LOOK_AHEAD
                    && let Some(oldest) = pending.pop_front()
                {
                    spare.give(state.sign(self, oldest));
                }
                Ok(())
            };
            let (done, next) = rayon::join(number_and_sign, &mut read_and_check);
            done?;
            current = next?;
        }
        while let Some(last) = pending.pop_front() {
            state.store_signed(self);
            spare.give(state.sign(self, last));
        }
        state.store_signed(self);
        let PassState {
            mut scan,
            mut signed,
            mut dropped_of,
            ids,
            counts,
            undecided,
            ..
        } = state;
        scan.id_index_bytes = ids.heap_bytes();
        drop(ids);
        let known = counts.into_recurring();
        // A line that turned out to recur: where it was shingled the document
        // is signed again; where it was dropped at an edge anyway, the
        // shingles stand and only the count moves from edge to recurring.
        let mut marked = vec![false; scan.docs.len()];
        let mut moved: Vec<(u32, u32)> = Vec::new(); // (document, occurrences)
        for &(line, doc, kept) in undecided.iter().flatten() {
            if known.contains_hash(line) {
                if kept {
                    marked[doc as usize] = true;
                } else {
                    moved.push((doc, 1));
                }
            }
        }
        for (doc, count) in moved {
            if !marked[doc as usize] {
                signed.dropped.edge -= count;
                signed.dropped.recurring += count;
                dropped_of[doc as usize].edge -= count;
                dropped_of[doc as usize].recurring += count;
            }
        }
        scan.recurring = known;
        Ok(Pass {
            scan,
            signed,
            marked,
            dropped_of,
        })
    }

    /// Signs again, with the final recurring lines, the documents that
    /// `read_and_sign` marked; returns how many there were.
    fn fix_up(&self, inputs: &Inputs, pass: &mut Pass, progress: &dyn Progress) -> Result<usize> {
        let marked = pass.marked.iter().filter(|&&m| m).count();
        if marked == 0 {
            return Ok(0);
        }
        let num_bands = self.lsh_params.num_bands;
        let rows = self.lsh_params.rows_per_band;
        let recurring = &pass.scan.recurring;
        // With uncompressed inputs each worker keeps its buffers from one
        // document to the next (with fresh ones a document, about twenty
        // allocations and regrowths each); the pass over compressed ones
        // takes fresh ones a document.
        let resign = |fix: &mut FixBuffers, text: &str| {
            fix.lines.clear();
            let table = fix.lines.push(text, &self.config.boilerplate);
            let dropped =
                self.shingle_document(text, fix.lines.view(table), recurring, &mut fix.sign, false);
            let mut signature = vec![0u32; self.hasher.num_hashes()];
            self.hasher.sign(&fix.sign.shingles, &mut signature);
            let mut keys = vec![0u32; num_bands];
            lsh::band_keys(&signature, rows, &mut keys);
            let size = fix.sign.shingles.len().min(u32::MAX as usize) as u32;
            (signature, keys, size, dropped)
        };
        // Uncompressed inputs are read only where the marked records are
        // (positioned reads, in parallel); compressed ones in one more pass.
        let redone = match inputs.total_bytes_if_uncompressed() {
            #[cfg(unix)]
            Some(_) => self.read_marked(inputs, &pass.scan, &pass.marked, resign)?,
            _ => {
                progress.stage("fix-up", None);
                let resign = |text: &str| resign(&mut FixBuffers::new(&self.config), text);
                let redone =
                    self.map_documents(inputs, &pass.scan.records, &pass.marked, progress, resign)?;
                progress.finish();
                // `map_documents` skips a record that no longer parses.
                if redone.len() != marked {
                    return Err(Error::InputChanged {
                        detail: format!(
                            "{} of {marked} documents to sign again could not be read again",
                            marked - redone.len()
                        ),
                    });
                }
                redone
            }
        };
        let signed = &mut pass.signed;
        for (doc, (signature, keys, size, dropped)) in redone {
            let doc = doc as usize;
            signed.signatures.set(doc, &signature);
            signed.band_keys.set(doc, &keys);
            signed.sizes[doc] = size;
            signed.late_rejected[doc] = size == 0;
            signed.dropped -= pass.dropped_of[doc];
            signed.dropped += dropped;
        }
        Ok(marked)
    }

    /// `work` on the text of each marked document, read from its file at its
    /// recorded offset (uncompressed inputs only). Each of rayon's runs of
    /// documents keeps the last file it opened (a few open files at most,
    /// however many inputs; opening it for each document was a tenth of the
    /// fix-up: 107 -> 97 ms for 3,192 documents of 1 GB of `synth` at one
    /// thread), and a record that no longer parses or has another id is an
    /// error: the input changed.
    #[cfg(unix)]
    fn read_marked<T: Send>(
        &self,
        inputs: &Inputs,
        scan: &Scan,
        marked: &[bool],
        work: impl Fn(&mut FixBuffers, &str) -> T + Sync,
    ) -> Result<Vec<(u32, T)>> {
        use std::os::unix::fs::FileExt;
        let docs: Vec<u32> = (0..marked.len() as u32)
            .filter(|&doc| marked[doc as usize])
            .collect();
        docs.par_iter()
            .map_init(
                || {
                    let reading = (Vec::new(), String::new());
                    (
                        None::<(u32, std::fs::File)>,
                        reading,
                        FixBuffers::new(&self.config),
                    )
                },
                |(open, (bytes, text), fix), &doc| {
                    let record = &scan.records[scan.docs[doc as usize].record as usize];
                    let input = &inputs.files[record.file as usize];
                    let changed = |detail: String| Error::InputChanged {
                        detail: format!("{}: {detail}", record.location(inputs)),
                    };
                    let file = match open {
                        Some((index, file)) if *index == record.file => file,
                        _ => {
                            let file = std::fs::File::open(&input.path)
                                .map_err(|e| Error::io(input.name.as_ref(), e))?;
                            &open.insert((record.file, file)).1
                        }
                    };
                    // The record's bytes and its text, in buffers kept
                    // from one document to the next.
                    bytes.clear();
                    bytes.resize(record.length as usize, 0);
                    file.read_exact_at(bytes, record.byte_offset)
                        .map_err(|e| Error::io(input.name.as_ref(), e))?;
                    text.clear();
                    let parsed = ingest::parse_record_into(
                        bytes,
                        record.line.is_some(),
                        &self.config.ingest.fields,
                        text,
                    )
                    .map_err(|failure| changed(failure.reason.to_string()))?;
                    if let (Some(now), Some(then)) = (&parsed.id, &record.id)
                        && now.as_ref() != then.as_ref()
                    {
                        return Err(changed(format!("id {then} is now {now}")));
                    }
                    Ok((doc, work(fix, &text[parsed.text])))
                },
            )
            .collect()
    }

    /// Phase 1 of the pass for one record: parsed, checked, its lines split,
    /// counted and hashed once ([`LineTable`]) for both phases, and its outcome
    /// filled in as far as it can be before the ids of the records before it
    /// are known.
    fn check_record(
        &self,
        inputs: &Inputs,
        batch: &Batch,
        record: &RawRecord,
        buffers: &mut SignBuffers,
        store: &mut ChunkStore,
    ) -> Checked {
        let ChunkStore {
            texts,
            lines: line_store,
            short_lines,
        } = store;
        let mut outcome = RecordOutcome {
            file: record.file,
            line: record.line,
            byte_offset: record.byte_offset,
            length: record.range.len() as u64,
            doc: None,
            reason: None,
            id: None,
            truth: None,
            source: None,
        };
        let file = &inputs.files[record.file as usize];
        // A plain-text file's id is its path, whatever is wrong with it.
        let text_file_id = || (!record.is_jsonl).then(|| file.text_id.as_str().into());
        if let Some(problem) = &record.problem {
            outcome.id = text_file_id();
            return Checked {
                outcome,
                item: CheckedItem::Rejected(problem.clone()),
            };
        }
        let parsed = match ingest::parse_record_into(
            batch.bytes(record),
            record.is_jsonl,
            &self.config.ingest.fields,
            texts,
        ) {
            Ok(parsed) => parsed,
            Err(failure) => {
                outcome.id = failure.id.map(String::into_boxed_str).or_else(text_file_id);
                return Checked {
                    outcome,
                    item: CheckedItem::Rejected(failure.reason),
                };
            }
        };
        outcome.id = Some(match (&parsed.id, record.line) {
            (Some(id), _) => id.as_ref().into(),
            (None, Some(line)) => format!("{}:{line}", file.name).into_boxed_str(),
            (None, None) => file.text_id.as_str().into(),
        });
        let text = &texts[parsed.text.clone()];
        // The tokenizer itself decides: a text whose letters all normalize
        // away (such as U+FF9E, a half-width sound mark) has no word either.
        if !buffers.shingler.has_token(text) {
            texts.truncate(parsed.text.start);
            return Checked {
                outcome,
                item: CheckedItem::Rejected(RejectReason::EmptyText),
            };
        }
        outcome.truth = parsed.truth.as_deref().map(Box::from);
        outcome.source = parsed
            .source
            .as_deref()
            .map(|name| buffers.sources.get(name));
        let lines = line_store.push(text, &self.config.boilerplate);
        let first_short = short_lines.len();
        line_store.view(lines).short_hashes(short_lines);
        let short_lines = first_short..short_lines.len();
        let key = KeepKey {
            date: parsed.date.as_deref().and_then(ingest::parse_date),
            text_len: text.len() as u64,
        };
        Checked {
            outcome,
            item: CheckedItem::Document {
                text: parsed.text,
                key,
                lines,
                short_lines,
            },
        }
    }

    /// Phase 2 of the pass for one document: signed into `slot`, band keys into
    /// `keys`, its undecided short lines into `buffers.undecided` (replacing
    /// the previous document's: read them before the next call); returns its
    /// shingle count and what was dropped.
    fn sign_document(
        &self,
        text: &str,
        table: LineView,
        known: &RecurringLines,
        buffers: &mut SignBuffers,
        slot: &mut [u32],
        keys: &mut [u32],
    ) -> SignedDocument {
        let dropped = self.shingle_document(text, table, known, buffers, true);
        self.hasher.sign(&buffers.shingles, slot);
        lsh::band_keys(slot, self.lsh_params.rows_per_band, keys);
        SignedDocument {
            size: buffers.shingles.len().min(u32::MAX as usize) as u32,
            dropped,
        }
    }

    /// Shingles a document's kept lines (or, when the boilerplate rules leave no
    /// word, its whole text) into `buffers.shingles`, the pieces shingled in
    /// `buffers.lines`; with `note_undecided`, also lists its short lines not
    /// yet known to recur in `buffers.undecided` (see
    /// [`LineView::kept_pieces_and_undecided`]).
    fn shingle_document(
        &self,
        text: &str,
        table: LineView,
        recurring: &RecurringLines,
        buffers: &mut SignBuffers,
        note_undecided: bool,
    ) -> DroppedLines {
        let SignBuffers {
            shingler,
            lines,
            shingles,
            undecided,
            ..
        } = buffers;
        lines.clear();
        shingles.clear();
        undecided.clear();
        let dropped = if note_undecided {
            table.kept_pieces_and_undecided(text, recurring, lines, undecided)
        } else {
            table.kept_pieces(text, recurring, lines)
        };
        shingler.shingles(
            lines.iter().filter_map(|range| text.get(range.clone())),
            shingles,
        );
        if shingles.is_empty() {
            shingler.shingles([text], shingles);
            lines.clear();
            lines.push(0..text.len());
            // The whole text is shingled: every line in it was kept.
            undecided.iter_mut().for_each(|(_, kept)| *kept = true);
            return DroppedLines::default();
        }
        dropped
    }

    /// Candidate pairs from the LSH buckets, sorted and without repeats.
    ///
    /// Band keys are the low 32 bits of the 64-bit band keys, computed in the
    /// sign pass: reading each band's values out of the signatures here cost a
    /// cache miss per document and band (42 strided passes over the
    /// signatures), the largest part of this stage on 1 GB. Two different
    /// bands collide in 32 bits with probability 2^-32 per pair: among 10 M
    /// documents about 12,000 extra candidates per band, each verified by the
    /// signature estimate like every candidate (a pair similar enough is
    /// then linked, as if LSH had found it).
    fn candidates(&self, signed: &Signed, active: &[bool]) -> Vec<(u32, u32)> {
        let signatures = &signed.signatures;
        let sizes = &signed.sizes;
        let num_bands = self.lsh_params.num_bands;
        let rule = &self.config.copy;
        let verify_estimate = |a: u32, b: u32| {
            let jaccard = estimate_jaccard(signatures.get(a as usize), signatures.get(b as usize));
            Similarity::from_jaccard(jaccard, sizes[a as usize], sizes[b as usize])
                .score(rule.containment)
                >= rule.threshold
        };
        let per_band: Vec<Vec<(u32, u32)>> = (0..num_bands)
            .into_par_iter()
            .map_init(
                || {
                    (
                        Vec::with_capacity(active.len()),
                        lsh::BucketScratch::default(),
                    )
                },
                |(entries, scratch), band| {
                    // The key in the high half: the grouping sorts on its bits.
                    entries.clear();
                    let mut first = 0;
                    for keys in signed.band_keys.band_runs(band) {
                        let docs = first as u32..;
                        entries.extend(
                            keys.iter()
                                .zip(&active[first..first + keys.len()])
                                .zip(docs)
                                .filter(|&((_, &on), _)| on)
                                .map(|((&key, _), doc)| lsh::packed_entry(key, doc)),
                        );
                        first += keys.len();
                    }
                    let mut pairs = Vec::new();
                    lsh::for_each_bucket_in(entries, scratch, |bucket| {
                        if bucket.len() <= self.config.lsh.all_pairs_limit {
                            lsh::all_pairs(bucket, &mut pairs);
                        } else {
                            lsh::representative_pairs(
                                bucket,
                                self.config.lsh.max_representatives,
                                verify_estimate,
                                &mut pairs,
                            );
                        }
                    });
                    pairs
                },
            )
            .collect();
        lsh::distinct_pairs(&per_band)
    }

    /// Keeps the candidate pairs that are copies, with their similarity.
    fn verify(
        &self,
        inputs: &Inputs,
        scan: &Scan,
        signed: &Signed,
        candidates: &[(u32, u32)],
        progress: &dyn Progress,
    ) -> Result<Vec<CopyPair>> {
        let rule = &self.config.copy;
        let exact = match rule.verify {
            Verify::Signature => None,
            Verify::Exact => Some(self.exact_sets(inputs, scan, candidates, progress)?),
        };
        let sizes = &signed.sizes;
        Ok(candidates
            .par_iter()
            .filter_map(|&(a, b)| {
                let similarity = match &exact {
                    None => Similarity::from_jaccard(
                        estimate_jaccard(
                            signed.signatures.get(a as usize),
                            signed.signatures.get(b as usize),
                        ),
                        sizes[a as usize],
                        sizes[b as usize],
                    ),
                    Some(sets) => exact_similarity(&sets[&a], &sets[&b]),
                };
                (similarity.score(rule.containment) >= rule.threshold).then_some(CopyPair {
                    a,
                    b,
                    similarity,
                })
            })
            .collect())
    }

    /// One more pass: the sorted, distinct shingle sets of the documents that
    /// appear in candidate pairs.
    fn exact_sets(
        &self,
        inputs: &Inputs,
        scan: &Scan,
        candidates: &[(u32, u32)],
        progress: &dyn Progress,
    ) -> Result<HashMap<u32, Vec<u64>>> {
        let mut wanted = vec![false; scan.docs.len()];
        for &(a, b) in candidates {
            wanted[a as usize] = true;
            wanted[b as usize] = true;
        }
        progress.stage("verify", inputs.total_bytes_if_uncompressed());
        let found = self.map_documents(inputs, &scan.records, &wanted, progress, |text| {
            let mut buffers = SignBuffers::new(&self.config);
            self.shingle_document(
                text,
                LineTable::new(text, &self.config.boilerplate).view(),
                &scan.recurring,
                &mut buffers,
                false,
            );
            let mut shingles = buffers.shingles;
            shingles.sort_unstable();
            shingles.dedup();
            shingles
        })?;
        progress.finish();
        let mut sets: HashMap<u32, Vec<u64>> = found.into_iter().collect();
        for doc in wanted
            .iter()
            .enumerate()
            .filter(|(_, w)| **w)
            .map(|(d, _)| d as u32)
        {
            sets.entry(doc).or_default();
        }
        Ok(sets)
    }

    /// Each duplicate's score against its kept document: the verified pair's
    /// similarity when they were paired directly, else the signature estimate.
    fn similarity_to_kept(
        &self,
        kept_of: &[u32],
        pairs: &[CopyPair],
        signed: &Signed,
    ) -> Vec<Option<f64>> {
        let containment = self.config.copy.containment;
        let direct: HashMap<(u32, u32), f64> = pairs
            .iter()
            .map(|pair| ((pair.a, pair.b), pair.similarity.score(containment)))
            .collect();
        kept_of
            .par_iter()
            .enumerate()
            .map(|(doc, &kept)| {
                let doc = doc as u32;
                if kept == doc {
                    return None;
                }
                let key = (doc.min(kept), doc.max(kept));
                Some(direct.get(&key).copied().unwrap_or_else(|| {
                    let jaccard = estimate_jaccard(
                        signed.signatures.get(doc as usize),
                        signed.signatures.get(kept as usize),
                    );
                    Similarity::from_jaccard(
                        jaccard,
                        signed.sizes[doc as usize],
                        signed.sizes[kept as usize],
                    )
                    .score(containment)
                }))
            })
            .collect()
    }
}

impl Pipeline {
    /// One more pass over the input: `work` on the text of each document marked
    /// in `wanted` (in parallel within a batch), results in document order.
    fn map_documents<T: Send>(
        &self,
        inputs: &Inputs,
        records: &[RecordOutcome],
        wanted: &[bool],
        progress: &dyn Progress,
        work: impl Fn(&str) -> T + Sync,
    ) -> Result<Vec<(u32, T)>> {
        let mut out = Vec::new();
        let mut next_record = 0usize;
        for_each_batch(inputs, &self.config, |batch| {
            let first_record = next_record;
            next_record += batch.records.len();
            let found: Vec<(u32, T)> = batch
                .records
                .par_iter()
                .enumerate()
                .filter_map(|(position, record)| {
                    let doc = records.get(first_record + position)?.doc?;
                    if !wanted[doc as usize] {
                        return None;
                    }
                    let parsed = ingest::parse_record(
                        batch.bytes(record),
                        record.is_jsonl,
                        &self.config.ingest.fields,
                    )
                    .ok()?;
                    Some((doc, work(&parsed.text)))
                })
                .collect();
            out.extend(found);
            progress.advance(batch.bytes_read);
            Ok(())
        })?;
        check_record_count(next_record, records.len())?;
        Ok(out)
    }
}

/// A later pass must see as many records as the first.
fn check_record_count(seen: usize, first_pass: usize) -> Result<()> {
    if seen == first_pass {
        Ok(())
    } else {
        Err(Error::InputChanged {
            detail: format!("{seen} records on a later pass, {first_pass} on the first"),
        })
    }
}

/// Exact Jaccard and containment of two sorted, distinct shingle sets.
pub fn exact_similarity(a: &[u64], b: &[u64]) -> Similarity {
    let shared = sorted_shared_count(a, b);
    let union = a.len() + b.len() - shared;
    let jaccard = if union == 0 {
        0.0
    } else {
        shared as f64 / union as f64
    };
    Similarity::from_jaccard(jaccard, a.len() as u32, b.len() as u32)
}

/// Which document first used each id. Keyed by the id's 64-bit hash to stay
/// small (16 bytes a document); a hash shared by two different ids falls back to
/// a map keyed by the id itself, so a collision never rejects a document.
#[derive(Default)]
struct IdIndex {
    by_hash: HashMap<u64, u32, boilerplate::PrehashedState>,
    collided: HashMap<Box<str>, u32>,
}

impl IdIndex {
    /// The earlier document with `id`, or `None` after recording `doc` as its
    /// first. `id_of` gives the id of an earlier document.
    fn first_with<'a>(
        &mut self,
        id: &str,
        doc: u32,
        id_of: impl Fn(u32) -> &'a str,
    ) -> Option<u32> {
        match self.by_hash.entry(xxh3_64(id.as_bytes())) {
            Entry::Vacant(slot) => {
                slot.insert(doc);
                None
            }
            Entry::Occupied(slot) if id_of(*slot.get()) == id => Some(*slot.get()),
            Entry::Occupied(_) => match self.collided.entry(id.into()) {
                Entry::Occupied(slot) => Some(*slot.get()),
                Entry::Vacant(slot) => {
                    slot.insert(doc);
                    None
                }
            },
        }
    }

    fn heap_bytes(&self) -> usize {
        self.by_hash.capacity() * 16 + self.collided.capacity() * 24
    }
}

#[derive(Debug, Clone, Copy)]
struct DocInfo {
    record: u32,
    key: KeepKey,
}

#[derive(Debug, Default)]
struct Scan {
    records: Vec<RecordOutcome>,
    docs: Vec<DocInfo>,
    recurring: RecurringLines,
    bytes: u64,
    id_index_bytes: usize,
}

/// What the pass leaves for the rest of the run.
struct Pass {
    scan: Scan,
    signed: Signed,
    /// Documents to sign again with the final recurring lines.
    marked: Vec<bool>,
    /// What each document's signing dropped (to correct the totals after a
    /// fix-up).
    dropped_of: Vec<DroppedLines>,
}

/// The state of the pass that goes in input order.
struct PassState {
    scan: Scan,
    signed: Signed,
    dropped_of: Vec<DroppedLines>,
    ids: IdIndex,
    counts: boilerplate::LineCounts,
    /// (line hash, document, shingled) for each occurrence of a short line
    /// not yet known to recur when its document was signed, in the lists of
    /// phase 2's tasks as they came (joining them into one list copied each
    /// entry once more, and the list again as it grew).
    undecided: Vec<Vec<(u64, u32, bool)>>,
    /// What phase 2 signed and [`PassState::store_signed`] has yet to store.
    unstored: Vec<SignedTask>,
    /// Phase 2's band keys of one batch.
    keys: Vec<u32>,
}

/// A batch whose documents have their indices and whose short lines are
/// counted, to be signed.
struct NumberedBatch {
    first_doc: u32,
    /// The texts and line tables of its chunks (see [`CheckedChunk`]).
    chunks: Vec<ChunkStore>,
    /// Each document's chunk, its text's range in the chunk's texts, and
    /// its lines in the chunk's line store.
    accepted: Vec<(u32, Range<usize>, LineSpan)>,
}

impl PassState {
    fn new(pipeline: &Pipeline) -> Self {
        let num_hashes = pipeline.hasher.num_hashes();
        let num_bands = pipeline.lsh_params.num_bands;
        Self {
            scan: Scan::default(),
            signed: Signed {
                signatures: Signatures::new(num_hashes),
                band_keys: lsh::BandKeys::new(num_bands),
                sizes: Vec::new(),
                late_rejected: Vec::new(),
                dropped: DroppedLines::default(),
            },
            dropped_of: Vec::new(),
            ids: IdIndex::default(),
            counts: boilerplate::LineCounts::new(pipeline.config.boilerplate.min_docs),
            undecided: Vec::new(),
            unstored: Vec::new(),
            keys: Vec::new(),
        }
    }

    /// In order: ids, outcomes, document indices and short-line counts.
    fn number(
        &mut self,
        pipeline: &Pipeline,
        inputs: &Inputs,
        batch: CheckedBatch,
    ) -> Result<NumberedBatch> {
        let scan = &mut self.scan;
        scan.bytes += batch.bytes_read;
        let first_doc = scan.docs.len() as u32;
        let mut accepted = Vec::new();
        let mut chunks = Vec::with_capacity(batch.chunks.len());
        for chunk in batch.chunks {
            let chunk_index = chunks.len() as u32;
            for Checked { mut outcome, item } in chunk.checked {
                let record_index = scan.records.len() as u32;
                match item {
                    CheckedItem::Rejected(reason) => {
                        outcome.reason = Some(Box::new(reason));
                    }
                    CheckedItem::Document {
                        text,
                        key,
                        lines,
                        short_lines,
                    } => {
                        let id = outcome.id.as_deref().unwrap_or_default();
                        let doc = scan.docs.len() as u32;
                        let earlier = self.ids.first_with(id, doc, |earlier| {
                            let record = scan.docs[earlier as usize].record as usize;
                            scan.records[record].id.as_deref().unwrap_or_default()
                        });
                        match earlier {
                            Some(first) => {
                                let first_record = scan.docs[first as usize].record as usize;
                                outcome.reason = Some(Box::new(RejectReason::DuplicateId {
                                    id: id.to_string(),
                                    first_seen: scan.records[first_record]
                                        .location(inputs)
                                        .to_string(),
                                }));
                            }
                            None => {
                                outcome.doc = Some(doc);
                                scan.docs.push(DocInfo {
                                    record: record_index,
                                    key,
                                });
                                self.counts
                                    .add_document(&chunk.store.short_lines[short_lines]);
                                accepted.push((chunk_index, text, lines));
                            }
                        }
                    }
                }
                if let (true, Some(reason)) = (pipeline.config.strict, &outcome.reason) {
                    return Err(Error::Rejected {
                        location: outcome.location(inputs),
                        reason: (**reason).clone(),
                    });
                }
                scan.records.push(outcome);
            }
            chunks.push(chunk.store);
        }
        Ok(NumberedBatch {
            first_doc,
            chunks,
            accepted,
        })
    }

    /// Phase 2, in parallel: signs a numbered batch with the lines known to
    /// recur now; [`PassState::store_signed`] stores what it signed. Returns
    /// the batch's chunk buffers, to use again.
    fn sign(&mut self, pipeline: &Pipeline, batch: NumberedBatch) -> Vec<ChunkStore> {
        // Signatures are stored by position: batches must come in order, each
        // stored before the next is signed (they share the output buffers).
        debug_assert!(self.unstored.is_empty());
        debug_assert_eq!(self.signed.sizes.len(), batch.first_doc as usize);
        let num_hashes = pipeline.hasher.num_hashes();
        let num_bands = pipeline.lsh_params.num_bands;
        let known_now = self.counts.recurring();
        let count = batch.accepted.len();
        // Signatures go straight to their place in the store (through a
        // slice each), band keys to a buffer that `store_signed` scatters
        // into the store's columns. A buffer of the batch's 32-bit
        // signatures, copied into the store afterwards, was about 1 MB a
        // batch (1,850 `synth` documents) to write and read back, out of
        // cache.
        debug_assert_eq!(self.signed.signatures.len(), batch.first_doc as usize);
        self.signed.signatures.extend_zeroed(count);
        let mut stored = self.signed.signatures.tail_mut(batch.first_doc as usize);
        debug_assert_eq!(stored.len(), count);
        self.keys.resize(count * num_bands, 0);
        // Tasks of a few documents, each with one list of undecided lines
        // (an allocation a document, freed on another thread, cost more).
        let signed_batch: Vec<SignedTask> = batch
            .accepted
            .par_chunks(SIGN_TASK)
            .zip(stored.par_chunks_mut(SIGN_TASK))
            .zip(self.keys.par_chunks_mut(num_bands.max(1) * SIGN_TASK))
            .enumerate()
            .map_init(
                || (SignBuffers::new(&pipeline.config), vec![0u32; num_hashes]),
                |(buffers, signature), (task, ((documents, stored), keys))| {
                    // Room for every short line: growing the list as
                    // documents were signed reallocated it about five times
                    // a task.
                    let short_lines = documents
                        .iter()
                        .map(|(_, _, lines)| lines.short_lines())
                        .sum();
                    let mut signed = SignedTask {
                        documents: Vec::with_capacity(documents.len()),
                        undecided: Vec::with_capacity(short_lines),
                    };
                    let keys = keys.chunks_mut(num_bands.max(1));
                    for (index, (((chunk, text, lines), stored), keys)) in
                        documents.iter().zip(stored).zip(keys).enumerate()
                    {
                        let chunk = &batch.chunks[*chunk as usize];
                        signed.documents.push(pipeline.sign_document(
                            &chunk.texts[text.clone()],
                            chunk.lines.view(*lines),
                            known_now,
                            buffers,
                            signature,
                            keys,
                        ));
                        minhash::store_values(stored, signature);
                        let doc = batch.first_doc + (task * SIGN_TASK + index) as u32;
                        signed.undecided.extend(
                            buffers
                                .undecided
                                .iter()
                                .map(|&(line, kept)| (line, doc, kept)),
                        );
                    }
                    signed
                },
            )
            .collect();
        self.unstored = signed_batch;
        batch.chunks
    }

    /// Stores, in order, what the last [`PassState::sign`] signed (nothing
    /// if it was stored already). This serial step runs at the start of the
    /// next batch's numbering, beside the other thread's serial read of the
    /// batch after: at the end of signing, the other thread had often run
    /// out of checking to do and waited for it (one thread idle for about 5%
    /// of the pass on 1 GB at two threads).
    fn store_signed(&mut self, pipeline: &Pipeline) {
        let num_bands = pipeline.lsh_params.num_bands;
        let signed_batch = std::mem::take(&mut self.unstored);
        let signed = &mut self.signed;
        let documents = signed_batch.iter().flat_map(|task| &task.documents);
        for (index, &SignedDocument { size, dropped }) in documents.enumerate() {
            signed
                .band_keys
                .push(&self.keys[index * num_bands..(index + 1) * num_bands]);
            signed.sizes.push(size);
            signed.late_rejected.push(size == 0);
            signed.dropped += dropped;
            self.dropped_of.push(dropped);
        }
        // Each list was sized for all its task's short lines; shrinking it
        // in place hands the rest back.
        self.undecided.extend(
            signed_batch
                .into_iter()
                .map(|task| task.undecided)
                .filter(|list| !list.is_empty())
                .map(|mut list| {
                    list.shrink_to_fit();
                    list
                }),
        );
    }
}

/// Documents signed by one task of phase 2.
const SIGN_TASK: usize = 16;

/// Batches counted after a batch before it is signed. On 1 GB of `synth`, the
/// documents signed again at the end: 9,410 with none, 3,192 with one, 2,191
/// with two (the fix-up 0.053 -> 0.037 s at one thread); with two the copy tier
/// was faster in each of three alternate `bench` runs against one (2.75 /
/// 2.67 / 2.71 s against 2.84 / 2.76 / 2.73 at one thread, 1.41 / 1.40 / 1.42
/// against 1.47 / 1.42 / 1.42 at two), for one more batch of text held (peak
/// RSS about 10 MB more).
const LOOK_AHEAD: usize = 2;

/// What one task of phase 2 signed.
struct SignedTask {
    documents: Vec<SignedDocument>,
    /// (line hash, document, shingled) for each short line not yet known to
    /// recur, as in `PassState::undecided`.
    undecided: Vec<(u64, u32, bool)>,
}

/// One record after phase 1 of the pass.
struct Checked {
    /// Everything but the document index and the reasons that depend on the
    /// records before it.
    outcome: RecordOutcome,
    item: CheckedItem,
}

enum CheckedItem {
    Rejected(RejectReason),
    Document {
        /// Its text's range in its chunk's texts.
        text: Range<usize>,
        key: KeepKey,
        /// Its lines, split, counted and hashed once for both phases: a
        /// table in its chunk's line store.
        lines: LineSpan,
        /// Distinct hashes of its short lines: a range of its chunk's
        /// `short_lines`.
        short_lines: Range<usize>,
    },
}

/// Records of a batch after phase 1, a chunk at a time.
struct CheckedChunk {
    store: ChunkStore,
    checked: Vec<Checked>,
}

/// What phase 1 keeps of a chunk's documents, each kind in one buffer (one
/// allocation a chunk instead of one a document), used again for a later
/// chunk once its batch is signed (see [`SpareStores`]).
#[derive(Default)]
struct ChunkStore {
    /// Their texts, one after another.
    texts: String,
    /// Their line tables.
    lines: LineStore,
    /// The distinct short-line hashes of each, one document after another.
    short_lines: Vec<u64>,
}

/// Chunk buffers of signed batches, to hold the next batches' chunks.
/// Fresh buffers a chunk, freed two batches later, cost the allocator's work
/// on large blocks and page faults on pages it had not used before: reused,
/// the copy tier on 1 GB of `synth` at one thread took 2.77-2.81 s of CPU
/// instead of 2.85-2.86 (six alternating runs each), with 52,583 page faults
/// instead of 56,711 and a peak of 213 MB instead of 229.
#[derive(Default)]
struct SpareStores(Mutex<Vec<ChunkStore>>);

impl SpareStores {
    /// A store holding more than this many times the room a fresh one would
    /// take for a chunk is dropped rather than used for it: a store keeps the
    /// pages its largest chunk wrote, and without this limit stores grown by
    /// a few large chunks piled up (a review's 353 MB input alternating
    /// batches of 140 KB records with batches of news: peak 215 MB against
    /// the fresh buffers' 102-117, with the limit 123 at one thread and 143
    /// at two).
    const OVERSIZE: usize = 4;

    /// A store emptied, with room for the chunk's `text_bytes` of records.
    fn take(&self, text_bytes: usize) -> ChunkStore {
        // Rounded up, so that a store serves somewhat larger chunks later;
        // past 64 MiB (records over the default size limit) the rounding
        // could double a reservation of gigabytes, and such a chunk is rare.
        let room = if text_bytes <= 64 << 20 {
            text_bytes.next_power_of_two()
        } else {
            text_bytes
        };
        let rows = LineStore::rows_for_text(room).max(1);
        let fits = |store: &ChunkStore| {
            store.texts.capacity() <= Self::OVERSIZE * room
                && store.lines.capacity() <= Self::OVERSIZE * rows
                && store.short_lines.capacity() <= Self::OVERSIZE * rows
        };
        let spare = self
            .0
            .lock()
            .ok()
            .and_then(|mut spare| spare.pop())
            .filter(fits);
        let mut store = spare.unwrap_or_default();
        store.texts.clear();
        if store.texts.capacity() < text_bytes {
            // A new buffer rather than a larger one: growing it would copy
            // the text it held. Room never written costs no memory; room
            // written by an earlier chunk stays in memory while the store is
            // kept, up to `OVERSIZE` times what this chunk needs.
            store.texts = String::with_capacity(room);
        }
        store.lines.clear_for_text(text_bytes);
        store.short_lines.clear();
        store
    }

    /// Keeps `stores` for later chunks.
    fn give(&self, stores: Vec<ChunkStore>) {
        if let Ok(mut spare) = self.0.lock() {
            spare.extend(stores);
        }
    }
}

/// Records checked together in phase 1 (see `read_and_sign`): about 300 KB of
/// news, enough to amortize the chunk's buffer and few enough that a batch
/// still splits into dozens of tasks for the threads.
const CHECK_CHUNK: usize = 64;

/// A batch after phase 1.
struct CheckedBatch {
    chunks: Vec<CheckedChunk>,
    bytes_read: u64,
}

/// One document after phase 2 of the pass.
struct SignedDocument {
    /// Shingles signed (0: no word once boilerplate was dropped).
    size: u32,
    dropped: DroppedLines,
}

/// A worker's reusable buffers for signing.
struct SignBuffers {
    shingler: Shingler,
    lines: Vec<std::ops::Range<usize>>,
    shingles: Vec<u64>,
    /// (line hash, shingled) for each short line of the last document signed
    /// that was not yet known to recur.
    undecided: Vec<(u64, bool)>,
    sources: Sources,
}

/// The sources (outlets) one task of the reading pass has read (rayon's
/// tasks of a batch, each with its own buffers), each allocated once: a dump
/// names a few hundred outlets for millions of records, and an allocation a
/// record (freed at the end) was one of the two per document left in the
/// read pass. The set's hasher is the standard library's seeded one: names
/// come from the input, and an unseeded hash would let a crafted dump put
/// every name in one probe sequence.
#[derive(Debug, Default)]
struct Sources {
    names: std::collections::HashSet<Arc<str>>,
}

impl Sources {
    /// Distinct names kept at most; past it a new name is allocated each
    /// time it is read (a dump whose sources are per-record ids).
    const LIMIT: usize = 1024;

    /// The shared copy of `name`.
    fn get(&mut self, name: &str) -> Arc<str> {
        if let Some(known) = self.names.get(name) {
            return Arc::clone(known);
        }
        let shared: Arc<str> = Arc::from(name);
        if self.names.len() < Self::LIMIT {
            self.names.insert(Arc::clone(&shared));
        }
        shared
    }
}

/// What a worker of the fix-up keeps from one document to the next to sign it.
struct FixBuffers {
    sign: SignBuffers,
    lines: LineStore,
}

impl FixBuffers {
    fn new(config: &Config) -> Self {
        Self {
            sign: SignBuffers::new(config),
            lines: LineStore::default(),
        }
    }
}

impl SignBuffers {
    fn new(config: &Config) -> Self {
        Self {
            shingler: Shingler::new(config.shingle.clone()),
            lines: Vec::new(),
            shingles: Vec::new(),
            undecided: Vec::new(),
            sources: Sources::default(),
        }
    }
}

struct Signed {
    signatures: Signatures,
    /// Band keys, computed in the pass while each signature is in cache (see
    /// `candidates`).
    band_keys: lsh::BandKeys,
    sizes: Vec<u32>,
    late_rejected: Vec<bool>,
    dropped: DroppedLines,
}

/// Hands the input's batches to `work` in input order, reading the next batch
/// while `work` runs on the current one. Both run inside rayon's pool (`join`),
/// so the thread count is the pool's: with one thread they alternate, with two
/// the reading thread joins the work on the batch when it is done.
pub fn for_each_batch(
    inputs: &Inputs,
    config: &Config,
    mut work: impl FnMut(&Batch) -> Result<()> + Send,
) -> Result<()> {
    let mut reader = ingest::BatchReader::new(inputs, &config.ingest);
    let mut current = reader.next_batch()?;
    while let Some(batch) = current {
        let (next, done) = rayon::join(|| reader.next_batch(), || work(&batch));
        done?;
        // The buffer goes back to the reader: fresh 8 MiB buffers cost page
        // faults on every batch.
        reader.recycle(batch);
        current = next?;
    }
    Ok(())
}

/// What the floor pass saw.
#[derive(Debug, Clone, Copy, Default, serde::Serialize)]
pub struct FloorStats {
    /// Documents parsed.
    pub documents: u64,
    /// Decoded bytes read.
    pub bytes: u64,
    /// Shingles hashed (tokens at [`Depth::Normalize`]).
    pub shingles: u64,
    /// Sum of the last stage's outputs, so that no work can be skipped.
    pub checksum: u64,
}

/// How far a benchmark pass goes: each depth does the work of the one before
/// it and one stage more, so the difference of two passes' times is the cost of
/// that stage alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Depth {
    /// Read the input and parse each record.
    ReadParse,
    /// And split the text into normalized tokens, hashing each (the tokenizer
    /// gives token hashes: see [`Normalizer::token_hashes`]).
    Normalize,
    /// And hash each shingle once (the floor).
    Shingle,
    /// And compute each document's MinHash signature.
    Signature,
}

/// The cost floor of the copy tier, for benchmarks: read, parse, tokenize and
/// hash each shingle once, with the same reader, parser, tokenizer and shingle
/// hash as the pipeline, and nothing else (no boilerplate pass, no signature, no
/// LSH, no output).
pub fn floor_pass(inputs: &Inputs, config: &Config) -> Result<FloorStats> {
    depth_pass(inputs, config, Depth::Shingle)
}

/// One pass over the input doing the stages up to `depth` on every record that
/// parses (see [`Depth`]), with the pipeline's own reader, parser, tokenizer,
/// shingle hash and signature.
pub fn depth_pass(inputs: &Inputs, config: &Config, depth: Depth) -> Result<FloorStats> {
    let hasher = MinHasher::new(config.minhash.clone());
    let mut stats = FloorStats::default();
    for_each_batch(inputs, config, |batch| {
        let (documents, shingles, checksum) = batch
            .records
            .par_iter()
            .map_init(
                || {
                    (
                        Shingler::new(config.shingle.clone()),
                        Normalizer::new(),
                        Vec::new(),
                        vec![0u32; hasher.num_hashes()],
                        String::new(),
                    )
                },
                |(shingler, normalizer, hashes, signature, texts), record| {
                    // Each text goes into one reused buffer: the cheapest way
                    // to hold it, as in the pipeline's phase 1.
                    texts.clear();
                    let Ok(parsed) = ingest::parse_record_into(
                        batch.bytes(record),
                        record.is_jsonl,
                        &config.ingest.fields,
                        texts,
                    ) else {
                        return (0u64, 0u64, 0u64);
                    };
                    let text = &texts[parsed.text];
                    match depth {
                        Depth::ReadParse => (1, 0, text.len() as u64),
                        Depth::Normalize => {
                            hashes.clear();
                            normalizer.token_hashes(text, hashes);
                            let sum = hashes.iter().fold(0u64, |acc, &h| acc.wrapping_add(h));
                            (1, hashes.len() as u64, sum)
                        }
                        Depth::Shingle | Depth::Signature => {
                            hashes.clear();
                            shingler.shingles([text], hashes);
                            let sum = if depth == Depth::Signature {
                                hasher.sign(hashes, signature);
                                signature
                                    .iter()
                                    .fold(0u64, |acc, &v| acc.wrapping_add(u64::from(v)))
                            } else {
                                hashes.iter().fold(0u64, |acc, &h| acc.wrapping_add(h))
                            };
                            (1, hashes.len() as u64, sum)
                        }
                    }
                },
            )
            .reduce(
                || (0, 0, 0),
                |a, b| (a.0 + b.0, a.1 + b.1, a.2.wrapping_add(b.2)),
            );
        stats.documents += documents;
        stats.shingles += shingles;
        stats.checksum = stats.checksum.wrapping_add(checksum);
        stats.bytes += batch.bytes_read;
        Ok(())
    })?;
    Ok(stats)
}

/// Story buckets up to this size give all their pairs (see `run_stories`).
const STORY_ALL_PAIRS_LIMIT: usize = 16;

/// The result of the story tier.
#[derive(Debug, Clone)]
pub struct StoryRun {
    /// For each document (rejected ones included, as `u32::MAX`), the document
    /// index that labels its story: the story's first kept document in input order.
    pub story_of: Vec<u32>,
    /// The verified edges between kept documents (document indices), for sweeps.
    pub edges: Vec<crate::story::Edge>,
    /// The kept documents, in order; edge endpoints index this list.
    pub items: Vec<u32>,
    /// Candidate pairs from the weighted-MinHash LSH.
    pub candidate_pairs: u64,
    /// Wall time of the whole story tier.
    pub time: Duration,
    /// The kept documents' sparse vectors (for relabelling at other thresholds).
    pub vectors: crate::story::Vectors,
    /// The kept documents' dates.
    pub dates: Vec<Option<i64>>,
    /// The window in force.
    pub window: Option<i64>,
    /// Bytes held by the sparse vectors.
    pub vector_bytes: usize,
}

impl StoryRun {
    /// Story labels (per document) for a different merge threshold, from the same
    /// edges: what `storyhash eval --sweep` varies.
    pub fn relabel(&self, copy: &CopyRun, threshold: f64) -> Vec<u32> {
        let roots = crate::story::average_linkage(
            &self.vectors,
            &self.dates,
            self.window,
            &self.edges,
            threshold,
        );
        story_labels(copy, &self.items, &roots)
    }
}

/// Per document: the document index of its story's label.
fn story_labels(copy: &CopyRun, items: &[u32], roots: &[u32]) -> Vec<u32> {
    let mut story_of = vec![u32::MAX; copy.kept_of.len()];
    for (item, &doc) in items.iter().enumerate() {
        story_of[doc as usize] = items[roots[item] as usize];
    }
    for (doc, &kept) in copy.kept_of.iter().enumerate() {
        if !copy.late_rejected[doc] {
            story_of[doc] = story_of[kept as usize];
        }
    }
    story_of
}

impl Pipeline {
    /// Runs the story tier over the kept documents of a copy run: two more passes
    /// over the input (document frequencies, then vectors), weighted MinHash and
    /// LSH, cosine verification, average linkage. Duplicates join their kept
    /// document's story, so every copy cluster lies inside one story.
    pub fn run_stories(
        &self,
        inputs: &Inputs,
        copy: &CopyRun,
        progress: &dyn Progress,
    ) -> Result<StoryRun> {
        use crate::story::{self, Featurizer};
        let started = Instant::now();
        let config = &self.config.story;
        let items: Vec<u32> = (0..copy.kept_of.len() as u32)
            .filter(|&doc| copy.kept_of[doc as usize] == doc && !copy.late_rejected[doc as usize])
            .collect();
        let mut item_of = vec![u32::MAX; copy.kept_of.len()];
        for (item, &doc) in items.iter().enumerate() {
            item_of[doc as usize] = item as u32;
        }
        let total_bytes = inputs.total_bytes_if_uncompressed();

        // Each kept document's merged term counts, computed the same way in both passes.
        let counts_of = |featurizer: &mut Featurizer,
                         lines: &mut Vec<std::ops::Range<usize>>,
                         text: &str,
                         title: Option<&str>| {
            let mut counts = Vec::new();
            lines.clear();
            boilerplate::kept_lines(text, &copy.recurring, &self.config.boilerplate, lines);
            // As in the copy tier: when the boilerplate rules leave nothing, the
            // whole text speaks (a one-line brief without a final period).
            if lines.is_empty() {
                lines.push(0..text.len());
            }
            featurizer.terms(
                lines.iter().map(|range| &text[range.clone()]),
                1.0,
                &mut counts,
            );
            if let Some(title) = title {
                featurizer.terms([title], config.title_boost as f32, &mut counts);
            }
            story::merge_terms(&mut counts);
            counts
        };
        // For each record of a batch that is a kept document: (item, counts).
        let batch_counts = |batch: &Batch, first_record: usize| -> Vec<(u32, Vec<(u64, f32)>)> {
            batch
                .records
                .par_iter()
                .enumerate()
                .map_init(
                    || (Featurizer::new(), Vec::new()),
                    |(featurizer, lines), (position, record)| {
                        let doc = copy.records.get(first_record + position)?.doc?;
                        let item = item_of[doc as usize];
                        if item == u32::MAX {
                            return None;
                        }
                        let parsed = ingest::parse_record(
                            batch.bytes(record),
                            record.is_jsonl,
                            &self.config.ingest.fields,
                        )
                        .ok()?;
                        Some((
                            item,
                            counts_of(featurizer, lines, &parsed.text, parsed.title.as_deref()),
                        ))
                    },
                )
                .flatten()
                .collect()
        };

        // Pass 1: document frequencies over the kept documents.
        progress.stage("terms", total_bytes);
        let mut df: HashMap<u64, u32> = HashMap::new();
        let mut next_record = 0usize;
        for_each_batch(inputs, &self.config, |batch| {
            let first_record = next_record;
            next_record += batch.records.len();
            for (_, counts) in batch_counts(batch, first_record) {
                for (term, _) in counts {
                    *df.entry(term).or_default() += 1;
                }
            }
            progress.advance(batch.bytes_read);
            Ok(())
        })?;
        progress.finish();
        check_record_count(next_record, copy.records.len())?;

        // Pass 2: TF-IDF vectors, top terms, normalized.
        progress.stage("vectors", total_bytes);
        let mut vectors = story::Vectors::new();
        let mut next_record = 0usize;
        let mut scratch = Vec::new();
        for_each_batch(inputs, &self.config, |batch| {
            let first_record = next_record;
            next_record += batch.records.len();
            for (item, counts) in batch_counts(batch, first_record) {
                // Vectors are stored in item order; a kept document whose
                // record no longer parses (the input changed) would shift
                // them all, so it is an error, not a silent misalignment.
                if item as usize != vectors.len() {
                    return Err(Error::InputChanged {
                        detail: format!("document {item} could not be read again"),
                    });
                }
                story::weigh(
                    &counts,
                    |term| df.get(&term).copied().unwrap_or(0),
                    items.len(),
                    config.top_terms,
                    &mut scratch,
                );
                vectors.push(&scratch);
            }
            progress.advance(batch.bytes_read);
            Ok(())
        })?;
        progress.finish();
        check_record_count(next_record, copy.records.len())?;
        drop(df);

        // Weighted MinHash signatures and LSH candidates.
        let num_hashes = config.num_hashes;
        let mut signatures = vec![0u32; items.len() * num_hashes];
        signatures
            .par_chunks_mut(num_hashes.max(1))
            .enumerate()
            .for_each(|(item, out)| story::weighted_signature(vectors.get(item), config.seed, out));
        let dates: Vec<Option<i64>> = items
            .iter()
            .map(|&doc| copy.keys[doc as usize].date)
            .collect();
        let linkable = |a: u32, b: u32| -> Option<f64> {
            if let (Some(window), Some(x), Some(y)) =
                (config.window_seconds, dates[a as usize], dates[b as usize])
            {
                if (x - y).abs() > window {
                    return None;
                }
            }
            let similarity = story::cosine(vectors.get(a as usize), vectors.get(b as usize));
            (similarity >= config.edge_threshold).then_some(similarity)
        };
        let rows = config.rows_per_band.max(1);
        let bands = num_hashes / rows;
        let per_band: Vec<Vec<(u32, u32)>> = (0..bands)
            .into_par_iter()
            .map_init(lsh::BucketScratch::default, |scratch, band| {
                let entries: Vec<(u64, u32)> = (0..items.len())
                    .filter(|&item| !vectors.get(item).0.is_empty())
                    .map(|item| {
                        let signature = &signatures[item * num_hashes..(item + 1) * num_hashes];
                        (lsh::band_key(signature, band, rows), item as u32)
                    })
                    .collect();
                let mut pairs = Vec::new();
                lsh::for_each_bucket_in(&entries, scratch, |bucket| {
                    // One-row bands make buckets of documents sharing one
                    // heavy term: small ones give all pairs, larger ones go
                    // through representatives, so candidates stay linear.
                    if bucket.len() <= STORY_ALL_PAIRS_LIMIT {
                        lsh::all_pairs(bucket, &mut pairs);
                    } else {
                        lsh::representative_pairs(
                            bucket,
                            self.config.lsh.max_representatives,
                            |a, b| linkable(a, b).is_some(),
                            &mut pairs,
                        );
                    }
                });
                pairs
            })
            .collect();
        let candidates = lsh::distinct_pairs(&per_band);
        let edges: Vec<story::Edge> = candidates
            .par_iter()
            .filter_map(|&(a, b)| linkable(a, b).map(|cosine| story::Edge { a, b, cosine }))
            .collect();
        let candidate_pairs = candidates.len() as u64;
        drop(signatures);
        drop(candidates);
        let roots = story::average_linkage(
            &vectors,
            &dates,
            config.window_seconds,
            &edges,
            config.threshold,
        );
        let story_of = story_labels(copy, &items, &roots);
        Ok(StoryRun {
            story_of,
            edges,
            candidate_pairs,
            time: started.elapsed(),
            vector_bytes: vectors.heap_bytes(),
            items,
            vectors,
            dates,
            window: config.window_seconds,
        })
    }
}

/// A story member's text and the byte ranges of its kept lines.
type MemberText = (String, Vec<std::ops::Range<usize>>);

/// Claims of the stories of two or more kept documents, by story label.
pub type StoryClaims = std::collections::BTreeMap<u32, Vec<crate::claims::Claim>>;

impl Pipeline {
    /// The claims of every story with two or more kept documents: one more pass
    /// over the input holds the texts of those documents (only those), then the
    /// stories are worked on in parallel.
    pub fn run_claims(
        &self,
        inputs: &Inputs,
        copy: &CopyRun,
        stories: &StoryRun,
    ) -> Result<StoryClaims> {
        use crate::claims::{Member, story_claims};
        let mut members_of: HashMap<u32, Vec<u32>> = HashMap::new();
        for &doc in &stories.items {
            members_of
                .entry(stories.story_of[doc as usize])
                .or_default()
                .push(doc);
        }
        members_of.retain(|_, members| members.len() > 1);
        let mut wanted = vec![false; copy.kept_of.len()];
        for members in members_of.values() {
            for &doc in members {
                wanted[doc as usize] = true;
            }
        }
        let texts: HashMap<u32, MemberText> = self
            .map_documents(inputs, &copy.records, &wanted, &NoProgress, |text| {
                let mut lines = Vec::new();
                boilerplate::kept_lines(
                    text,
                    &copy.recurring,
                    &self.config.boilerplate,
                    &mut lines,
                );
                (text.to_owned(), lines)
            })?
            .into_iter()
            .collect();
        let mut stories_list: Vec<(u32, Vec<u32>)> = members_of.into_iter().collect();
        stories_list.sort_unstable_by_key(|(label, _)| *label);
        let claims: Vec<(u32, Vec<crate::claims::Claim>)> = stories_list
            .par_iter()
            .map(|(label, docs)| {
                let members: Vec<Member<'_>> = docs
                    .iter()
                    .filter_map(|doc| {
                        let (text, lines) = texts.get(doc)?;
                        Some(Member {
                            id: copy.doc_id(*doc),
                            text,
                            lines: lines.clone(),
                        })
                    })
                    .collect();
                (*label, story_claims(&members))
            })
            .collect();
        Ok(claims.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spare_chunk_stores_come_back_empty_with_room() {
        let spare = SpareStores::default();
        let mut used = spare.take(10);
        used.texts.push_str("old text\nof a chunk");
        used.lines.push("old text\nof a chunk", &Default::default());
        used.short_lines.extend([1, 2, 3]);
        spare.give(vec![used]);
        for bytes in [5, 100_000] {
            let store = spare.take(bytes);
            assert!(store.texts.is_empty() && store.short_lines.is_empty());
            assert!(store.lines.is_empty());
            assert!(store.texts.capacity() >= bytes);
            spare.give(vec![store]);
        }
    }

    #[test]
    fn oversized_chunk_stores_are_not_used_for_small_chunks() {
        let spare = SpareStores::default();
        let mut big = spare.take(1 << 20);
        assert!(big.texts.capacity() >= 1 << 20);
        // Only its text buffer is too big.
        big.lines = LineStore::default();
        spare.give(vec![big]);
        // 1,000 bytes round up to 1,024: a store of a mebibyte is too big.
        let small = spare.take(1_000);
        assert!(small.texts.capacity() <= SpareStores::OVERSIZE * 1_024);
        assert!(spare.0.lock().is_ok_and(|left| left.is_empty()));
        // One within the limit is used.
        spare.give(vec![small]);
        let again = spare.take(1_000);
        assert!(again.texts.capacity() >= 1_000);
        // A store whose line table grew past the limit is dropped too.
        let mut lines = spare.take(1 << 14);
        let many = "a\n".repeat(20_000);
        lines.lines.push(&many, &Default::default());
        let grown = lines.lines.capacity();
        spare.give(vec![lines]);
        assert!(spare.take(1 << 14).lines.capacity() < grown);
    }

    #[test]
    fn sources_are_shared_up_to_the_limit_and_always_right() {
        let mut sources = Sources::default();
        let first = sources.get("City Wire");
        let again = sources.get("City Wire");
        assert!(Arc::ptr_eq(&first, &again));
        assert_eq!(&*sources.get("Coastal Post"), "Coastal Post");
        assert!(!Arc::ptr_eq(&first, &sources.get("Coastal Post")));
        for index in 0..2 * Sources::LIMIT {
            assert_eq!(
                &*sources.get(&format!("outlet {index}")),
                format!("outlet {index}")
            );
        }
        assert_eq!(sources.names.len(), Sources::LIMIT);
        // Past the limit a name is still given right, unshared.
        let late = format!("outlet {}", 2 * Sources::LIMIT - 1);
        assert!(!Arc::ptr_eq(&sources.get(&late), &sources.get(&late)));
        assert!(Arc::ptr_eq(&first, &sources.get("City Wire")));
    }
}
