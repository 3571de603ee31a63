//! Boilerplate lines: part of the normalize stage. A document's text in, the lines
//! worth shingling out.
//!
//! Scraped pages carry their site's furniture: menus, "Advertisement", "Leave a
//! Reply", cookie notices, "Most Popular" lists. Two different articles of one site
//! share all of it, and when the article is short the furniture can outweigh it.
//! Two rules keep it out of the shingles:
//!
//! 1. **Recurring short lines.** Every short line (at most `max_words` words) of
//!    every document is hashed and counted (the pipeline counts while it reads and
//!    corrects the documents it signed too early); a short line found in at least
//!    `min_docs` documents is boilerplate wherever it appears. Only *short* lines
//!    count because a long paragraph found in several documents is far more often
//!    a copied article than a template, and stripping the copied paragraphs from
//!    all copies would hide exactly what the copy tier looks for. Defaults:
//!    `min_docs = 3` (a line on three pages is a pattern, two may be one copy) and
//!    `max_words = 20` (menus, headings, bylines, related headlines and one-line
//!    notices fall under it; 86% of BASIL's article paragraphs are longer).
//! 2. **Edge noise.** Starting from each end of the document, lines are dropped
//!    while they are blank, recurring, or not sentence-like (fewer than 6 words, or
//!    no sentence-final punctuation and fewer than 20 words): titles repeated in
//!    the body, datelines, captions, "Continue reading", comment forms. The first
//!    sentence-like line on each side stops the walk.
//!
//! If the rules leave nothing with words in it, the pipeline shingles the whole
//! text instead, so a document made only of short lines is still compared.
//! The counts of dropped lines go to the report.

use crate::normalize::{for_each_line, has_wide_lead, word_count_up_to};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// A hasher for keys that already are uniform 64-bit hashes (xxh3 of a line
/// or an id): it passes them through instead of hashing them again with
/// SipHash, which cost more than the rest of a set look-up.
#[derive(Debug, Default, Clone, Copy)]
pub struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Only for keys other than `u64`; not used by this crate's maps.
        self.0 = xxh3_64(bytes) ^ self.0.rotate_left(5);
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = value;
    }
}

/// Builds [`Prehashed`] hashers.
pub type PrehashedState = BuildHasherDefault<Prehashed>;
use std::ops::Range;
use xxhash_rust::xxh3::xxh3_64;

/// Configuration of the boilerplate rules.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoilerplateConfig {
    /// Whether the rules apply at all (`--no-boilerplate` turns them off).
    pub enabled: bool,
    /// A short line found in this many documents is boilerplate.
    pub min_docs: u32,
    /// Lines of at most this many words are "short" for rule 1.
    pub max_words: usize,
}

impl Default for BoilerplateConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            min_docs: 3,
            max_words: 20,
        }
    }
}

/// The trimmed lines of a text, skipping nothing: `text.split('\n').map(str::trim)`
/// with [`trim`], as the line table splits them (the tests' reference).
#[cfg(test)]
fn lines(text: &str) -> impl Iterator<Item = &str> {
    let mut start = 0;
    memchr::memchr_iter(b'\n', text.as_bytes())
        .chain(std::iter::once(text.len()))
        .map(move |end| {
            let line = &text[start..end];
            start = end + 1;
            trim(line)
        })
}

/// `str::trim`. ASCII whitespace is Unicode whitespace except that `trim_ascii`
/// keeps U+000B; so when what `trim_ascii` leaves starts and ends with a
/// character that is not whitespace, `str::trim` would stop at the same places.
#[cfg(test)]
fn trim(line: &str) -> &str {
    trim_plain(line).0
}

/// `str::trim`, and whether the ASCII trim was the Unicode one (it dropped only
/// ASCII whitespace). Only the two end characters are looked at: a line that
/// ends in a closing quote (U+201D) or an ellipsis is plain too, and its
/// words need not be counted again (that recount was 0.6% of the copy tier,
/// perf, 1 GB, one thread).
///
/// Most ends are decided by their byte alone: an ASCII byte, a lead byte
/// other than those of the non-ASCII whitespace (0xC2, 0xE1, 0xE2, 0xE3), a
/// last byte that ends none of them. Decoding every end character was a
/// sixth of the line table's per-line work (perf, 1 GB, one thread).
fn trim_plain(line: &str) -> (&str, bool) {
    let trimmed = line.trim_ascii();
    if !starts_with_space(trimmed) && !ends_with_space(trimmed) {
        (trimmed, true)
    } else {
        (line.trim(), false)
    }
}

/// Whether an ASCII byte is whitespace to `char::is_whitespace` (which,
/// unlike `u8::is_ascii_whitespace`, counts U+000B).
fn is_ascii_space(byte: u8) -> bool {
    byte.is_ascii_whitespace() || byte == 0x0B
}

/// Whether the first character of `text` is whitespace (`char::is_whitespace`).
fn starts_with_space(text: &str) -> bool {
    match text.as_bytes().first() {
        None => false,
        Some(&byte) if byte < 0x80 => is_ascii_space(byte),
        Some(0xC2 | 0xE1 | 0xE2 | 0xE3) => text.chars().next().is_some_and(char::is_whitespace),
        Some(_) => false,
    }
}

/// Whether the last character of `text` is whitespace: the last bytes of the
/// non-ASCII whitespace are 0x80..=0x8A (U+1680, U+2000..=U+200A, U+3000, and
/// U+0085's 0x85), 0x9F (U+205F), 0xA0 (U+00A0), 0xA8, 0xA9 and 0xAF
/// (U+2028, U+2029, U+202F).
fn ends_with_space(text: &str) -> bool {
    match text.as_bytes().last() {
        None => false,
        Some(&byte) if byte < 0x80 => is_ascii_space(byte),
        Some(0x80..=0x8A | 0x9F | 0xA0 | 0xA8 | 0xA9 | 0xAF) => {
            text.chars().next_back().is_some_and(char::is_whitespace)
        }
        Some(_) => false,
    }
}

fn line_hash(line: &str) -> u64 {
    xxh3_64(line.as_bytes())
}

/// Appends the distinct hashes of a document's short, non-blank lines (to count).
pub fn short_line_hashes(text: &str, config: &BoilerplateConfig, out: &mut Vec<u64>) {
    LineTable::new(text, config).view().short_hashes(out);
}

/// One line of a document as the rules see it.
#[derive(Debug, Clone, Copy)]
struct Line {
    /// Byte range of the trimmed line in the text.
    start: usize,
    end: usize,
    /// xxh3 of the trimmed line when it is short, else 0 (never looked up).
    hash: u64,
    /// Non-blank with at most `max_words` words (rule 1 counts it).
    short: bool,
    /// Reads like a sentence of an article body (rule 2 stops at it).
    sentence_like: bool,
    /// Only ASCII whitespace lies between the previous line's trimmed end and
    /// this line's trimmed start (see [`LineView::kept_pieces`]).
    joins_previous: bool,
}

/// A document's lines, each split, trimmed, counted and (when short) hashed
/// once. Counting, choosing the lines to shingle and listing the undecided
/// lines all read this table; before it each split and counted the text again
/// and hashed every line to look it up, about 16% of the copy tier's time on
/// 1 GB at one thread. The pipeline keeps the tables of many documents in one
/// [`LineStore`] instead.
#[derive(Debug, Clone)]
pub struct LineTable {
    lines: Vec<Line>,
    /// How many of the lines are short (to size the lists of short lines).
    short_lines: usize,
    enabled: bool,
}

impl LineTable {
    /// The table of the lines of `text` (empty when the rules are off).
    pub fn new(text: &str, config: &BoilerplateConfig) -> Self {
        let mut lines = Vec::new();
        let short_lines = push_lines(text, config, false, &mut lines);
        Self {
            lines,
            short_lines,
            enabled: config.enabled,
        }
    }

    /// The table to read.
    pub fn view(&self) -> LineView<'_> {
        LineView {
            lines: &self.lines,
            short_lines: self.short_lines,
            enabled: self.enabled,
            merged: false,
        }
    }
}

/// The line tables of many documents, one after another in one buffer: one
/// allocation for a chunk of documents instead of one a document (the
/// pipeline uses a store again for a later chunk once the documents in it are
/// signed).
#[derive(Debug, Default)]
pub struct LineStore {
    lines: Vec<Line>,
}

/// Where one document's table lies in a [`LineStore`].
#[derive(Debug, Clone, Copy)]
pub struct LineSpan {
    start: usize,
    end: usize,
    short_lines: usize,
    enabled: bool,
}

impl LineSpan {
    /// How many of the document's lines are short.
    pub fn short_lines(&self) -> usize {
        self.short_lines
    }
}

impl LineStore {
    /// Appends the table of the lines of `text` (nothing when the rules are
    /// off), with runs of body lines merged: such a table gives
    /// [`LineView::kept_pieces`] and [`LineView::short_hashes`], not the
    /// line-by-line [`LineView::kept`].
    pub fn push(&mut self, text: &str, config: &BoilerplateConfig) -> LineSpan {
        let start = self.lines.len();
        let short_lines = push_lines(text, config, true, &mut self.lines);
        LineSpan {
            start,
            end: self.lines.len(),
            short_lines,
            enabled: config.enabled,
        }
    }

    /// The rows [`LineStore::clear_for_text`] makes room for.
    pub fn rows_for_text(text_bytes: usize) -> usize {
        text_bytes / 96
    }

    /// Rows the store has room for.
    pub fn capacity(&self) -> usize {
        self.lines.capacity()
    }

    /// Whether no table is pushed.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// Forgets every table pushed (keeping the room).
    pub fn clear(&mut self) {
        self.lines.clear();
    }

    /// Forgets every table pushed and makes room for the lines of about
    /// `text_bytes` of news (a row every 96 bytes; growing the store by
    /// doubling copied it, 7% of the line table's samples in perf, 1 GB, two
    /// threads). With runs of body lines merged, `synth` needs a row about
    /// every 560 bytes: most of the room is reserved, not written; texts of
    /// many short lines use it. Room that is missing comes in a new buffer:
    /// growing this one would copy the rows it held.
    pub fn clear_for_text(&mut self, text_bytes: usize) {
        let rows = Self::rows_for_text(text_bytes);
        if self.lines.capacity() < rows {
            self.lines = Vec::with_capacity(rows);
        }
        self.lines.clear();
    }

    /// The table of a document pushed here.
    pub fn view(&self, span: LineSpan) -> LineView<'_> {
        LineView {
            lines: &self.lines[span.start..span.end],
            short_lines: span.short_lines,
            enabled: span.enabled,
            merged: true,
        }
    }
}

/// Appends the lines of `text` to `out` (none when the rules are off);
/// returns how many are short.
///
/// With `merge`, a body line (not short, like a sentence, so never dropped by
/// either rule) that joins a body line before it, with only blank lines
/// between that join too, extends that line's row instead of taking rows of
/// its own: [`LineView::kept_pieces`] would join them into one piece anyway,
/// and the walks over the table read fewer rows: on `synth`, about 8 rows a
/// document instead of 19.5 (4.9 short lines, 14.6 body lines in 3.2 runs,
/// counted on its first 50 MB), and the copy tier 0.015-0.03 s faster on
/// 1 GB at one thread (two alternate `bench` pairs, 2.884 / 2.872 s against
/// 2.856 / 2.861).
fn push_lines(text: &str, config: &BoilerplateConfig, merge: bool, out: &mut Vec<Line>) -> usize {
    if !config.enabled {
        return 0;
    }
    // Not sized by counting the newlines first: in a `LineStore` the tables
    // of a chunk's documents share one buffer, which seldom grows, and the
    // count was a sweep over every text (callgrind, 20 MB of `synth`).
    // One count serves both rules: exact up to the larger limit.
    let limit = config.max_words.max(SENTENCE_WORDS);
    let bytes = text.as_bytes();
    let mut short_lines = 0;
    let mut previous_end = 0;
    let mut line_start = 0;
    // The row of the last body line, while only joined blank lines follow it.
    let mut open_body: Option<usize> = None;
    // The lines found and their runs counted in one sweep of the text.
    for_each_line(bytes, |line_end, runs| {
        let (line, plain) = trim_plain(&text[line_start..line_end]);
        line_start = line_end + 1;
        let start = line.as_ptr() as usize - text.as_ptr() as usize;
        // Read here, while the text is in cache from parsing: the same
        // check on the kept lines when signing, a batch later, missed the
        // cache once per line, 5% of the copy tier (perf, 1 GB, one thread).
        let joins_previous = bytes
            .get(previous_end..start)
            .is_some_and(|gap| gap.iter().all(u8::is_ascii_whitespace));
        previous_end = start + line.len();
        // An ASCII trim drops only bytes at or below the space, which neither
        // start nor join runs, so the untrimmed line's runs are its words
        // unless it has wide-script characters within the limit (past it,
        // every run is at least one word either way); a line trimmed of
        // other whitespace is counted again by the full rule too.
        let words = if line.is_empty() {
            0
        } else if plain && (runs > limit || !has_wide_lead(line.as_bytes())) {
            runs
        } else {
            word_count_up_to(line, limit)
        };
        let short = !line.is_empty() && words <= config.max_words;
        short_lines += usize::from(short);
        let sentence_like = is_sentence_like(line, words);
        let body = merge && !short && sentence_like && !line.is_empty();
        match open_body {
            Some(row) if body && joins_previous => {
                out.truncate(row + 1);
                out[row].end = start + line.len();
                return;
            }
            Some(_) if line.is_empty() && joins_previous => {}
            _ => open_body = None,
        }
        if body {
            open_body = Some(out.len());
        }
        out.push(Line {
            start,
            end: start + line.len(),
            hash: if short { line_hash(line) } else { 0 },
            short,
            sentence_like,
            joins_previous,
        });
    });
    short_lines
}

/// A document's line table, read where it is kept (a [`LineTable`] or a
/// [`LineStore`]).
#[derive(Debug, Clone, Copy)]
pub struct LineView<'a> {
    lines: &'a [Line],
    short_lines: usize,
    enabled: bool,
    /// Runs of body lines share a row (see [`push_lines`]).
    merged: bool,
}

impl LineView<'_> {
    /// Appends the distinct hashes of the short lines (to count), in no
    /// particular order: a document of a few short lines (4.9 on average in
    /// `synth`) keeps the first of each by comparing it with those kept
    /// before, more lines are sorted and their repeats removed (sorting each
    /// document's few was most of this function's time).
    pub fn short_hashes(&self, out: &mut Vec<u64>) {
        let start = out.len();
        out.reserve(self.short_lines);
        let hashes = self
            .lines
            .iter()
            .filter(|line| line.short)
            .map(|line| line.hash);
        if self.short_lines <= FEW_SHORT_LINES {
            for hash in hashes {
                if !out[start..].contains(&hash) {
                    out.push(hash);
                }
            }
            return;
        }
        out.extend(hashes);
        let mine = &mut out[start..];
        mine.sort_unstable();
        let distinct = dedup_sorted(mine);
        out.truncate(start + distinct);
    }

    fn is_recurring(line: &Line, recurring: &RecurringLines) -> bool {
        line.short && recurring.contains_hash(line.hash)
    }

    /// Pushes the byte ranges (in the text) of the lines to shingle and
    /// returns what was dropped (see [`kept_lines`]).
    pub fn kept(
        &self,
        text: &str,
        recurring: &RecurringLines,
        out: &mut Vec<Range<usize>>,
    ) -> DroppedLines {
        debug_assert!(!self.merged, "a merged table has no line-by-line ranges");
        self.kept_ranges(text, recurring, false, out, None)
    }

    /// As [`LineView::kept`], but kept lines with only ASCII whitespace
    /// between them (the tokenizer's separators: blank lines and line breaks)
    /// go as one range, so they give the same tokens in fewer pieces. The
    /// tokenizer's cost per piece (its last, padded block) was paid on every
    /// line of every document.
    pub fn kept_pieces(
        &self,
        text: &str,
        recurring: &RecurringLines,
        out: &mut Vec<Range<usize>>,
    ) -> DroppedLines {
        self.kept_ranges(text, recurring, true, out, None)
    }

    /// As [`LineView::kept_pieces`], and pushes to `undecided`, for each
    /// occurrence of a short line not in `recurring` (in line order): its
    /// hash, and whether it was kept. A line that was dropped at an edge
    /// stays dropped if it later turns out to recur, so only a kept one can
    /// change the document's shingles. When the caller shingles the whole
    /// text instead (no word was kept), every line counts as kept. Each short
    /// line is looked up once here (apart from the few at the end that the
    /// edge walk reads twice); choosing the pieces and then listing these
    /// lines looked each up two or three times.
    pub fn kept_pieces_and_undecided(
        &self,
        text: &str,
        recurring: &RecurringLines,
        out: &mut Vec<Range<usize>>,
        undecided: &mut Vec<(u64, bool)>,
    ) -> DroppedLines {
        self.kept_ranges(text, recurring, true, out, Some(undecided))
    }

    fn kept_ranges(
        &self,
        text: &str,
        recurring: &RecurringLines,
        join: bool,
        out: &mut Vec<Range<usize>>,
        mut undecided: Option<&mut Vec<(u64, bool)>>,
    ) -> DroppedLines {
        let mut dropped = DroppedLines::default();
        if !self.enabled {
            out.push(0..text.len());
            return dropped;
        }
        if let Some(list) = undecided.as_deref_mut() {
            list.reserve(self.short_lines);
        }
        // Notes a line that is not recurring as undecided when it is short.
        let mut note = |line: &Line, kept: bool| {
            if let (true, Some(list)) = (line.short, undecided.as_deref_mut()) {
                list.push((line.hash, kept));
            }
        };
        // A dropped line counts as recurring or, when it is not blank, as
        // edge noise.
        let count_dropped = |line: &Line, recurs: bool, dropped: &mut DroppedLines| {
            if recurs {
                dropped.recurring += 1;
            } else if line.end > line.start {
                dropped.edge += 1;
            }
        };
        let all = self.lines;
        // From the start: edge noise (recurring, or not like a sentence) is
        // dropped up to the first line that is neither.
        let mut first = all.len();
        for (index, line) in all.iter().enumerate() {
            let recurs = Self::is_recurring(line, recurring);
            if !recurs && line.sentence_like {
                first = index;
                break;
            }
            if !recurs {
                note(line, false);
            }
            count_dropped(line, recurs, &mut dropped);
        }
        if first == all.len() {
            return dropped;
        }
        // From the end, likewise (the first kept line stops it at the latest).
        let last = all[first..]
            .iter()
            .rposition(|line| line.sentence_like && !Self::is_recurring(line, recurring))
            .map_or(first, |offset| first + offset);
        // Whether the last range pushed can grow over the lines since.
        let mut joinable = false;
        for line in &all[first..=last] {
            if Self::is_recurring(line, recurring) {
                dropped.recurring += 1;
                joinable = false;
            } else if line.end > line.start {
                note(line, true);
                match out.last_mut() {
                    Some(previous) if join && joinable && line.joins_previous => {
                        previous.end = line.end;
                    }
                    _ => out.push(line.start..line.end),
                }
                joinable = true;
            } else {
                joinable &= line.joins_previous;
            }
        }
        for line in &all[last + 1..] {
            let recurs = Self::is_recurring(line, recurring);
            if !recurs {
                note(line, false);
            }
            count_dropped(line, recurs, &mut dropped);
        }
        dropped
    }
}

/// Up to this many short lines, [`LineView::short_hashes`] drops repeats by
/// comparing each line with those kept before it, without sorting.
const FEW_SHORT_LINES: usize = 16;

/// Moves the distinct values of a sorted slice to its front; returns their number.
fn dedup_sorted(values: &mut [u64]) -> usize {
    if values.is_empty() {
        return 0;
    }
    let mut write = 1;
    for read in 1..values.len() {
        if values[read] != values[write - 1] {
            values[write] = values[read];
            write += 1;
        }
    }
    write
}

/// The set of recurring short lines, by hash.
#[derive(Debug, Clone, Default)]
pub struct RecurringLines {
    hashes: HashSet<u64, PrehashedState>,
}

impl RecurringLines {
    /// Number of distinct recurring lines.
    pub fn len(&self) -> usize {
        self.hashes.len()
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.hashes.is_empty()
    }

    /// Whether a short line's hash (as [`short_line_hashes`] gives it) is one
    /// of the recurring lines.
    pub fn contains_hash(&self, hash: u64) -> bool {
        self.hashes.contains(&hash)
    }
}

/// Rule 1's counts: in how many documents each short line appears. A line
/// joins [`LineCounts::recurring`] as soon as its count reaches `min_docs`,
/// so a reader can ask at any point which lines are known to recur so far.
///
/// Most short lines are seen once (514,473 distinct ones in 1.07 million
/// sightings on 1 GB of `synth`), and each first sighting was an insertion
/// into the table of counts, out of cache. A line's first sighting now goes
/// to a slot chosen by its hash's top bits when the slot is free: the slot
/// keeps the whole hash, and the line's later sightings find it there and
/// count from 1 in the table. Counts stay exact (a line that finds its slot
/// taken by another counts in the table from its first sighting), so the
/// lines known to recur are the same at every point. With 2^18 slots (2
/// MiB) the counting took 0.068-0.071 s instead of 0.082-0.083 on that dump
/// at one thread (timed around it, two runs each; 2^20 slots 0.066-0.068).
#[derive(Debug, Clone, Default)]
pub struct LineCounts {
    /// Slots of first sightings (a power of two of them, or none), each
    /// holding the hash of the first line that came to it (0: free).
    first: Vec<u64>,
    counts: HashMap<u64, u32, PrehashedState>,
    min_docs: u32,
    recurring: RecurringLines,
}

impl LineCounts {
    /// No document counted yet.
    pub fn new(min_docs: u32) -> Self {
        Self::with_slots(min_docs, FIRST_SIGHTING_BITS)
    }

    /// [`LineCounts::new`] with `2^bits` slots of first sightings (tests use
    /// a few, so that lines share slots). With `min_docs` below 2 a first
    /// sighting can decide a line, and every sighting is counted in the table.
    fn with_slots(min_docs: u32, bits: u32) -> Self {
        Self {
            min_docs,
            first: if min_docs >= 2 {
                vec![0; 1 << bits.min(32)]
            } else {
                Vec::new()
            },
            ..Self::default()
        }
    }

    /// Counts one document's distinct short-line hashes (as
    /// [`short_line_hashes`] gives them).
    pub fn add_document(&mut self, distinct_hashes: &[u64]) {
        // No slots, or one (its index would shift the hash by 64): none used.
        let bits = self.first.len().max(1).trailing_zeros();
        for &hash in distinct_hashes {
            // Sightings before this one that the table has not counted: the
            // first, when this line holds its slot.
            let mut uncounted = 0;
            if bits > 0 && hash != 0 {
                let slot = &mut self.first[(hash >> (64 - bits)) as usize];
                if *slot == 0 {
                    *slot = hash;
                    continue;
                }
                uncounted = u32::from(*slot == hash);
            }
            let count = self.counts.entry(hash).or_insert(uncounted);
            *count += 1;
            if *count == self.min_docs {
                self.recurring.hashes.insert(hash);
            }
        }
    }

    /// The lines counted in `min_docs` documents or more so far.
    pub fn recurring(&self) -> &RecurringLines {
        &self.recurring
    }

    /// The recurring lines, once every document is counted.
    pub fn into_recurring(self) -> RecurringLines {
        self.recurring
    }
}

/// log2 of [`LineCounts`]' slots of first sightings: 2^18 slots, 2 MiB.
const FIRST_SIGHTING_BITS: u32 = 18;

/// Lines dropped from one document.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct DroppedLines {
    /// Recurring short lines (rule 1).
    pub recurring: u32,
    /// Non-sentence lines at the edges that rule 1 did not already drop (rule 2).
    pub edge: u32,
}

impl std::ops::AddAssign for DroppedLines {
    fn add_assign(&mut self, other: Self) {
        self.recurring += other.recurring;
        self.edge += other.edge;
    }
}

impl std::ops::SubAssign for DroppedLines {
    fn sub_assign(&mut self, other: Self) {
        self.recurring -= other.recurring;
        self.edge -= other.edge;
    }
}

/// Rule 2 counts words up to this many: a line of 20 words or more reads like
/// a sentence whatever its punctuation.
const SENTENCE_WORDS: usize = 20;

/// Whether a line of `words` words (counted up to at least
/// [`SENTENCE_WORDS`]) reads like a sentence of an article body.
fn is_sentence_like(line: &str, words: usize) -> bool {
    // The count first: most lines are paragraphs past SENTENCE_WORDS or
    // headings under six words, and the punctuation test decodes characters
    // from the end against seventeen patterns.
    let ends_sentence = || {
        line.trim_end_matches(['"', '\'', '”', '’', '»', ')', ']', '*'])
            .ends_with(['.', '!', '?', '。', '！', '？', '…', ':', ';'])
    };
    words >= SENTENCE_WORDS || (words >= 6 && ends_sentence())
}

/// Pushes the byte ranges (in `text`) of the lines to shingle and
/// returns what was dropped.
pub fn kept_lines(
    text: &str,
    recurring: &RecurringLines,
    config: &BoilerplateConfig,
    out: &mut Vec<Range<usize>>,
) -> DroppedLines {
    LineTable::new(text, config)
        .view()
        .kept(text, recurring, out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::shingle::{ShingleConfig, Shingler};

    /// The short lines found in at least `min_docs` of `pages`.
    fn recurring_in<'a>(
        pages: impl IntoIterator<Item = &'a str>,
        config: &BoilerplateConfig,
        min_docs: u32,
    ) -> RecurringLines {
        let mut counts = LineCounts::new(min_docs);
        for page in pages {
            let mut hashes = Vec::new();
            short_line_hashes(page, config, &mut hashes);
            counts.add_document(&hashes);
        }
        counts.into_recurring()
    }

    #[test]
    fn counts_with_first_sighting_slots_are_exact() {
        // Four slots for 40 lines (and the hash 0, which never takes a
        // slot): most lines share a slot with another. After each document
        // the lines known to recur are those a plain count gives.
        let mut state = 5u64;
        for min_docs in [1, 2, 3, 5] {
            let mut counts = LineCounts::with_slots(min_docs, 2);
            let mut plain: HashMap<u64, u32> = HashMap::new();
            for round in 0..300 {
                // The hash 0 first, alone, while every slot is free.
                let mut hashes: Vec<u64> = (0..if round < 3 { 0 } else { 6 })
                    .map(|_| {
                        let pick = crate::minhash::splitmix64(&mut state) % 41;
                        if pick == 40 {
                            0
                        } else {
                            (pick + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15)
                        }
                    })
                    .collect();
                if round < 3 {
                    hashes.push(0);
                }
                hashes.sort_unstable();
                hashes.dedup();
                counts.add_document(&hashes);
                for &hash in &hashes {
                    *plain.entry(hash).or_default() += 1;
                }
                let mut known: Vec<u64> = counts.recurring().hashes.iter().copied().collect();
                let mut expected: Vec<u64> = plain
                    .iter()
                    .filter(|&(_, &count)| count >= min_docs)
                    .map(|(&hash, _)| hash)
                    .collect();
                known.sort_unstable();
                expected.sort_unstable();
                assert_eq!(known, expected, "min_docs {min_docs}");
            }
        }
    }

    #[test]
    fn edges_lose_headers_and_comment_forms_but_keep_the_body() {
        let text = "Home | World | Politics\nAdvertisement\nThe minister arrived in Moscow on Monday for talks with his counterpart.\nShort middle line\nHe left on Wednesday after the talks ended without a joint statement.\nLeave a Reply\nPlease enter your comment!";
        let mut out = Vec::new();
        let dropped = kept_lines(
            text,
            &RecurringLines::default(),
            &BoilerplateConfig::default(),
            &mut out,
        );
        assert_eq!(out.len(), 3);
        assert!(text[out[0].clone()].starts_with("The minister"));
        assert_eq!(
            dropped,
            DroppedLines {
                recurring: 0,
                edge: 4
            }
        );
    }

    #[test]
    fn short_lines_in_enough_documents_recur() {
        let config = BoilerplateConfig::default();
        let pages = [
            "Menu\nBody one is here.",
            "Menu\nBody two",
            "Menu\nBody three",
        ];
        let recurring = recurring_in(pages, &config, 3);
        assert_eq!(recurring.len(), 1);
        assert!(recurring.contains_hash(line_hash("Menu")));
    }

    #[test]
    fn a_line_repeated_inside_one_document_counts_once() {
        let config = BoilerplateConfig::default();
        let mut hashes = Vec::new();
        short_line_hashes(
            "Advertisement\nx\nAdvertisement\nAdvertisement",
            &config,
            &mut hashes,
        );
        assert_eq!(hashes.len(), 2);
    }

    #[test]
    fn fast_lines_are_split_and_trim() {
        let samples = [
            "",
            "\n",
            "a\nb",
            "  Menu \n\tBody text.\r\n\n",
            "\u{0B}x\u{0B}\nx\u{0B}",
            "\u{A0}Menu\u{3000}\n\u{2003}\u{2003}\n\u{85}",
            " \u{1C}x\u{1F} \n\u{0C}\u{0B}\u{0C}",
            "“Quote” \n — dash —\u{2028}\nend",
        ];
        for text in samples {
            let expected: Vec<&str> = text.split('\n').map(str::trim).collect();
            assert_eq!(lines(text).collect::<Vec<_>>(), expected, "{text:?}");
        }
        // Random texts over the characters where the two trims could differ.
        let alphabet = [
            ' ', '\n', '\t', '\u{0B}', '\u{0C}', '\r', '\u{A0}', '\u{3000}', 'a', '“', '\u{85}',
            '\u{1C}', '\u{2028}', '.',
        ];
        let mut state = 7u64;
        for _ in 0..5_000 {
            let length = crate::minhash::splitmix64(&mut state) % 12;
            let text: String = (0..length)
                .map(|_| {
                    alphabet
                        [(crate::minhash::splitmix64(&mut state) % alphabet.len() as u64) as usize]
                })
                .collect();
            let expected: Vec<&str> = text.split('\n').map(str::trim).collect();
            assert_eq!(lines(&text).collect::<Vec<_>>(), expected, "{text:?}");
        }
    }

    #[test]
    fn disabled_rules_keep_everything() {
        let config = BoilerplateConfig {
            enabled: false,
            ..BoilerplateConfig::default()
        };
        let mut out = Vec::new();
        kept_lines("Menu\nBody", &RecurringLines::default(), &config, &mut out);
        assert_eq!(out, vec![0..9]);
    }

    // The implementations before the line table, kept as the reference the
    // table must reproduce: each split, counted and hashed the text again.
    fn reference_short_line_hashes(text: &str, config: &BoilerplateConfig, out: &mut Vec<u64>) {
        let start = out.len();
        for line in lines(text) {
            if !line.is_empty() && word_count_up_to(line, config.max_words) <= config.max_words {
                out.push(line_hash(line));
            }
        }
        let mine = &mut out[start..];
        mine.sort_unstable();
        let distinct = dedup_sorted(mine);
        out.truncate(start + distinct);
    }
    fn reference_is_sentence_like(line: &str) -> bool {
        let words = word_count_up_to(line, 20);
        let ends_sentence = line
            .trim_end_matches(['"', '\'', '”', '’', '»', ')', ']', '*'])
            .ends_with(['.', '!', '?', '。', '！', '？', '…', ':', ';']);
        (ends_sentence && words >= 6) || words >= 20
    }
    fn reference_undecided_lines(
        text: &str,
        known: &RecurringLines,
        config: &BoilerplateConfig,
        kept: &[Range<usize>],
        all_kept: bool,
        out: &mut Vec<(u64, bool)>,
    ) {
        if !config.enabled {
            return;
        }
        let mut next_kept = 0;
        for line in lines(text) {
            if line.is_empty() || word_count_up_to(line, config.max_words) > config.max_words {
                continue;
            }
            let hash = line_hash(line);
            if known.contains_hash(hash) {
                continue;
            }
            let start = line.as_ptr() as usize - text.as_ptr() as usize;
            while next_kept < kept.len() && kept[next_kept].start < start {
                next_kept += 1;
            }
            let is_kept = all_kept
                || kept
                    .get(next_kept)
                    .is_some_and(|range| range.start == start);
            out.push((hash, is_kept));
        }
    }
    fn reference_kept_lines(
        text: &str,
        recurring: &RecurringLines,
        config: &BoilerplateConfig,
        out: &mut Vec<Range<usize>>,
    ) -> DroppedLines {
        let mut dropped = DroppedLines::default();
        if !config.enabled {
            out.push(0..text.len());
            return dropped;
        }
        // `lines` yields subslices of `text`, so pointer distance is the offset.
        let range_of = |line: &str| {
            let start = line.as_ptr() as usize - text.as_ptr() as usize;
            start..start + line.len()
        };
        let all: Vec<&str> = lines(text).collect();
        let is_recurring: Vec<bool> = all
            .iter()
            .map(|line| !line.is_empty() && recurring.contains_hash(line_hash(line)))
            .collect();
        let is_edge_noise =
            |index: usize| is_recurring[index] || !reference_is_sentence_like(all[index]);
        let first = (0..all.len()).find(|&i| !is_edge_noise(i));
        let Some(first) = first else {
            dropped.recurring = is_recurring.iter().filter(|&&r| r).count() as u32;
            dropped.edge = all
                .iter()
                .zip(&is_recurring)
                .filter(|(l, r)| !l.is_empty() && !**r)
                .count() as u32;
            return dropped;
        };
        let last = (first..all.len())
            .rev()
            .find(|&i| !is_edge_noise(i))
            .unwrap_or(first);
        for (index, line) in all.iter().enumerate() {
            if is_recurring[index] {
                dropped.recurring += 1;
            } else if index < first || index > last {
                if !line.is_empty() {
                    dropped.edge += 1;
                }
            } else if !line.is_empty() {
                out.push(range_of(line));
            }
        }
        dropped
    }

    /// Kept lines with only ASCII whitespace between them joined, as the
    /// pipeline once did on the output of `kept` when signing.
    fn reference_joined(text: &str, kept: &[Range<usize>]) -> Vec<Range<usize>> {
        let mut out: Vec<Range<usize>> = Vec::new();
        for range in kept {
            match out.last_mut() {
                Some(last)
                    if text.as_bytes()[last.end..range.start]
                        .iter()
                        .all(u8::is_ascii_whitespace) =>
                {
                    last.end = range.end;
                }
                _ => out.push(range.clone()),
            }
        }
        out
    }

    fn shingles<'a>(pieces: impl IntoIterator<Item = &'a str>) -> Vec<u64> {
        let mut out = Vec::new();
        Shingler::new(ShingleConfig::default()).shingles(pieces, &mut out);
        out
    }

    proptest::proptest! {
        /// Kept lines joined across whitespace give the shingles of the kept
        /// lines one by one, whatever was dropped between them.
        #[test]
        fn joined_pieces_shingle_like_separate_lines(
            lines in proptest::collection::vec(r"[ \t]{0,2}(Ab|cd|é|x\u{a0}y|一|[a-z]{1,6})( [a-zA-Z]{1,5}){0,6}[ .\r\u{a0}]{0,2}", 1..12),
            recurring in proptest::collection::vec(proptest::bool::ANY, 12),
        ) {
            let text = lines.join("\n");
            let config = BoilerplateConfig { max_words: 3, ..BoilerplateConfig::default() };
            let recurs = lines.iter().zip(&recurring).filter(|(_, recurs)| **recurs);
            let known = recurring_in(recurs.map(|(line, _)| line.as_str()), &config, 1);
            let owned = LineTable::new(&text, &config);
            let table = owned.view();
            let (mut separate, mut joined) = (Vec::new(), Vec::new());
            let dropped = table.kept(&text, &known, &mut separate);
            proptest::prop_assert_eq!(table.kept_pieces(&text, &known, &mut joined), dropped);
            proptest::prop_assert_eq!(&joined, &reference_joined(&text, &separate));
            proptest::prop_assert_eq!(
                shingles(joined.iter().map(|range| &text[range.clone()])),
                shingles(separate.iter().map(|range| &text[range.clone()]))
            );
        }
    }

    #[test]
    fn line_ends_are_whitespace_exactly_when_the_character_is() {
        for code in 0..=0x10FFFF_u32 {
            let Some(c) = char::from_u32(code) else {
                continue;
            };
            let (first, last) = (format!("{c}a"), format!("a{c}"));
            assert_eq!(starts_with_space(&first), c.is_whitespace(), "{code:#X}");
            assert_eq!(ends_with_space(&last), c.is_whitespace(), "{code:#X}");
            assert!(!starts_with_space(&last), "{code:#X}");
            let alone = c.to_string();
            assert_eq!(starts_with_space(&alone), c.is_whitespace(), "{code:#X}");
            assert_eq!(ends_with_space(&alone), c.is_whitespace(), "{code:#X}");
        }
        assert!(!starts_with_space("") && !ends_with_space(""));
    }

    #[test]
    fn tables_in_one_store_read_like_tables_of_their_own() {
        let texts = [
            "Menu\nAdvertisement\nThe minister arrived in Moscow on Monday for talks.\nMenu",
            "",
            "  \n\u{A0}Menu\u{3000}\r\nHe said the talks were useful and would go on next month.\nShare this:",
            "Share this:\n\nRelated\nRead more...",
            "one line only",
        ];
        let known = recurring_in(texts, &BoilerplateConfig::default(), 2);
        for enabled in [true, false] {
            let config = BoilerplateConfig {
                enabled,
                ..BoilerplateConfig::default()
            };
            let mut store = LineStore::default();
            let spans: Vec<LineSpan> = texts.iter().map(|text| store.push(text, &config)).collect();
            for (text, span) in texts.iter().zip(spans) {
                let owned = LineTable::new(text, &config);
                let (own, shared) = (owned.view(), store.view(span));
                let (mut a, mut b) = (Vec::new(), Vec::new());
                own.short_hashes(&mut a);
                shared.short_hashes(&mut b);
                assert_eq!(a, b, "{text:?}");
                let (mut a, mut b) = (Vec::new(), Vec::new());
                let (mut c, mut d) = (Vec::new(), Vec::new());
                assert_eq!(
                    own.kept_pieces_and_undecided(text, &known, &mut a, &mut c),
                    shared.kept_pieces_and_undecided(text, &known, &mut b, &mut d)
                );
                assert_eq!(a, b, "{text:?}");
                assert_eq!(c, d, "{text:?}");
            }
        }
    }

    #[test]
    fn the_line_table_gives_what_the_separate_passes_gave() {
        let pieces = [
            "Menu",
            "Advertisement",
            "Home | World",
            "The minister arrived in Moscow on Monday for talks.",
            "He said the talks were useful and would go on next month in Beijing.",
            "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty twentyone",
            "习近平会见俄罗斯外长拉夫罗夫",
            "Лавров прибыл в Пекин.",
            "  ",
            "",
            "\u{3000}",
            " \u{A0} ",
            "\u{A0}Menu\u{3000}",
            "“Quoted line,” he said.",
            "Share this:",
            "Related",
            "Read more...",
            "a b c d e f!",
            // ASCII at both ends, wide characters inside: one run of bytes,
            // several words.
            "Xi 习近平会见 Lavrov",
            // Whitespace trimmed off that is not ASCII, apart from the words
            // by a space: one run of bytes more than the trimmed line has.
            "\u{2003} Menu item here",
            "Menu item here \u{A0}",
            // Ends that are not ASCII and not whitespace: plain lines.
            "“He said the talks went well and would go on,”",
            "and then the lights went out…",
            "Menu\u{2028}",
        ];
        let mut state = 11u64;
        // Rows saved by merging runs of body lines (the test must see some).
        let mut merged_rows = 0;
        for round in 0..3_000 {
            // Up to 24 lines: documents with more short lines than
            // `FEW_SHORT_LINES` too.
            let lines = 1 + crate::minhash::splitmix64(&mut state) % 24;
            let text: Vec<&str> = (0..lines)
                .map(|_| {
                    pieces[(crate::minhash::splitmix64(&mut state) % pieces.len() as u64) as usize]
                })
                .collect();
            let text = text.join(if round % 3 == 0 { "\r\n" } else { "\n" });
            for max_words in [3, 20, 30] {
                let config = BoilerplateConfig {
                    max_words,
                    ..BoilerplateConfig::default()
                };
                // Some of the short lines recur (the set holds short lines only).
                let mut counts = LineCounts::new(1);
                for piece in pieces.iter().step_by(1 + round % 3) {
                    let mut hashes = Vec::new();
                    reference_short_line_hashes(piece, &config, &mut hashes);
                    counts.add_document(&hashes);
                }
                let known = counts.into_recurring();
                let owned = LineTable::new(&text, &config);
                let table = owned.view();
                let (mut expected, mut got) = (Vec::new(), Vec::new());
                reference_short_line_hashes(&text, &config, &mut expected);
                table.short_hashes(&mut got);
                got.sort_unstable();
                assert_eq!(got, expected, "{text:?}");
                let (mut expected_kept, mut got_kept) = (Vec::new(), Vec::new());
                let expected_dropped =
                    reference_kept_lines(&text, &known, &config, &mut expected_kept);
                let got_dropped = table.kept(&text, &known, &mut got_kept);
                assert_eq!(
                    (got_dropped, &got_kept),
                    (expected_dropped, &expected_kept),
                    "{text:?}"
                );
                let mut pieces = Vec::new();
                let pieces_dropped = table.kept_pieces(&text, &known, &mut pieces);
                assert_eq!(
                    (pieces_dropped, &pieces),
                    (expected_dropped, &reference_joined(&text, &expected_kept)),
                    "{text:?}"
                );
                // The pieces again, with the undecided lines; when the whole
                // text is shingled instead, every one counts as kept.
                let (mut again, mut got) = (Vec::new(), Vec::new());
                let again_dropped =
                    table.kept_pieces_and_undecided(&text, &known, &mut again, &mut got);
                assert_eq!((again_dropped, &again), (pieces_dropped, &pieces));
                // A store's table, with runs of body lines merged, reads the same.
                let mut store = LineStore::default();
                let merged = store.push(&text, &config);
                let merged = store.view(merged);
                assert!(merged.lines.len() <= table.lines.len());
                let (mut own_hashes, mut merged_hashes) = (Vec::new(), Vec::new());
                table.short_hashes(&mut own_hashes);
                merged.short_hashes(&mut merged_hashes);
                assert_eq!(merged_hashes, own_hashes, "{text:?}");
                let (mut merged_pieces, mut merged_undecided) = (Vec::new(), Vec::new());
                let merged_dropped = merged.kept_pieces_and_undecided(
                    &text,
                    &known,
                    &mut merged_pieces,
                    &mut merged_undecided,
                );
                assert_eq!(
                    (merged_dropped, &merged_pieces, &merged_undecided),
                    (pieces_dropped, &pieces, &got),
                    "{text:?}"
                );
                merged_rows += table.lines.len() - merged.lines.len();
                for all_kept in [false, true] {
                    let mut expected = Vec::new();
                    reference_undecided_lines(
                        &text,
                        &known,
                        &config,
                        &got_kept,
                        all_kept,
                        &mut expected,
                    );
                    if all_kept {
                        got.iter_mut().for_each(|(_, kept)| *kept = true);
                    }
                    assert_eq!(got, expected, "{text:?}");
                }
            }
        }
        assert!(merged_rows > 1_000, "{merged_rows} rows merged");
    }
}
