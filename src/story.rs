//! Story stage: different outlets' coverage of one event, grouped.
//!
//! Articles on the same event written by different outlets share almost no
//! 5-grams (median word 5-gram Jaccard about 0.008 on BASIL), so the copy tier
//! cannot group them. They do share their *salient terms*: the people, places,
//! numbers and uncommon words of the event. This stage works on those:
//!
//! 1. **Features** ([`Featurizer`]): content words of the title and the body's
//!    kept lines (the copy tier's boilerplate rules apply), lowercased, stopwords
//!    out, lightly stemmed (plural and -ing/-ed endings); entity-like spans of two
//!    or more capitalized words ("Foreign Minister Wang Yi"); numbers. Title terms
//!    count [`StoryConfig::title_boost`] times.
//! 2. **Weights**: TF-IDF, `(1 + ln tf) * ln((1 + N) / (1 + df))`, with document
//!    frequencies counted over the input itself in a first pass. Terms found in one
//!    document only are left out (they can match nothing); each document keeps its
//!    [`StoryConfig::top_terms`] heaviest terms as a sparse, L2-normalized vector.
//! 3. **Candidates**: P-MinHash (Moulton & Jiang 2018), a weighted MinHash whose
//!    collision probability is the probability Jaccard of the two weight vectors:
//!    for each of `num_hashes` functions, the term minimizing `E_i(term) / weight`,
//!    with `E_i` an exponential variate drawn from the term's seeded hash. LSH over
//!    bands of [`StoryConfig::rows_per_band`] values gives candidate pairs, verified
//!    by the cosine of the sparse vectors; pairs further apart in time than the
//!    window are dropped.
//! 4. **Clusters without chaining**: average linkage over the verified pairs
//!    ([`average_linkage`]): two clusters merge while the mean cosine over *all* their
//!    cross pairs (missing pairs count 0) is at least [`StoryConfig::threshold`]. A
//!    newcomer must resemble the whole cluster, not one member, which is what stops
//!    single-link's chains. Merges go best first, ties broken by document index, so
//!    the result does not depend on thread count.

use crate::normalize::Normalizer;
use std::cmp::Ordering;
use std::collections::{BTreeSet, BinaryHeap};
use xxhash_rust::xxh3::{xxh3_64, xxh3_64_with_seed};

/// Configuration of the story stage.
#[derive(Debug, Clone, PartialEq)]
pub struct StoryConfig {
    /// Whether the story tier runs.
    pub enabled: bool,
    /// Mean cosine at or above which two clusters merge.
    pub threshold: f64,
    /// Smallest cosine kept as an edge of the similarity graph.
    pub edge_threshold: f64,
    /// Documents further apart in time (seconds) are never linked; `None`: no window.
    pub window_seconds: Option<i64>,
    /// Terms kept per document.
    pub top_terms: usize,
    /// Times a title term counts.
    pub title_boost: f64,
    /// Weighted MinHash values per document.
    pub num_hashes: usize,
    /// Values per LSH band.
    pub rows_per_band: usize,
    /// Seed of the weighted MinHash.
    pub seed: u64,
}

impl Default for StoryConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            // From `storyhash eval --sweep` on BASIL's dev half: 0.05 to 0.15
            // score perfectly there; the highest of them is taken because
            // false merges grow with the number of documents (the full 300
            // already loses precision at 0.10). README, "Story clusters".
            threshold: 0.15,
            edge_threshold: 0.05,
            // Coverage of one event by different outlets falls within days;
            // the seeds' two visits by the same minister are seven months apart.
            window_seconds: Some(3 * 86_400),
            top_terms: 64,
            title_boost: 2.0,
            num_hashes: 64,
            rows_per_band: 1,
            seed: 0,
        }
    }
}

/// Words that carry no event: English function words and news verbs.
const STOPWORDS: &[&str] = &[
    "a",
    "about",
    "above",
    "according",
    "after",
    "again",
    "against",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "are",
    "as",
    "at",
    "back",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "can",
    "could",
    "day",
    "did",
    "do",
    "does",
    "doing",
    "don",
    "down",
    "during",
    "each",
    "even",
    "few",
    "first",
    "for",
    "from",
    "further",
    "get",
    "got",
    "had",
    "has",
    "have",
    "having",
    "he",
    "her",
    "here",
    "hers",
    "herself",
    "him",
    "himself",
    "his",
    "how",
    "i",
    "if",
    "in",
    "into",
    "is",
    "it",
    "its",
    "itself",
    "just",
    "last",
    "like",
    "made",
    "make",
    "many",
    "may",
    "me",
    "might",
    "more",
    "most",
    "mr",
    "mrs",
    "ms",
    "much",
    "must",
    "my",
    "new",
    "news",
    "no",
    "nor",
    "not",
    "now",
    "of",
    "off",
    "on",
    "once",
    "one",
    "only",
    "or",
    "other",
    "our",
    "ours",
    "out",
    "over",
    "own",
    "people",
    "s",
    "said",
    "same",
    "say",
    "says",
    "she",
    "should",
    "since",
    "so",
    "some",
    "still",
    "such",
    "t",
    "than",
    "that",
    "the",
    "their",
    "them",
    "then",
    "there",
    "these",
    "they",
    "this",
    "those",
    "three",
    "through",
    "time",
    "to",
    "told",
    "too",
    "two",
    "under",
    "until",
    "up",
    "us",
    "very",
    "was",
    "we",
    "week",
    "well",
    "were",
    "what",
    "when",
    "where",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "would",
    "year",
    "years",
    "you",
    "your",
];

/// Longest stopword, in bytes: longer words need no lookup.
const STOPWORD_MAX_LEN: usize = 16;

/// A short word as an integer (bytes, zero-padded), so the lookup compares
/// integers, not strings: the lookup runs on every token.
fn word_key(word: &str) -> Option<u128> {
    let bytes = word.as_bytes();
    if bytes.len() > STOPWORD_MAX_LEN {
        return None;
    }
    let mut key = [0u8; STOPWORD_MAX_LEN];
    key[..bytes.len()].copy_from_slice(bytes);
    Some(u128::from_le_bytes(key))
}

/// Whether a lowercase word is one of the stopwords the story tier ignores.
pub fn is_stopword(word: &str) -> bool {
    static KEYS: std::sync::OnceLock<Vec<u128>> = std::sync::OnceLock::new();
    let keys = KEYS.get_or_init(|| {
        let mut keys: Vec<u128> = STOPWORDS.iter().filter_map(|word| word_key(word)).collect();
        keys.sort_unstable();
        keys
    });
    word_key(word).is_some_and(|key| keys.binary_search(&key).is_ok())
}

/// Light stemming: plural, -ing and -ed endings, so "visits", "visiting" and
/// "visited" meet; nothing clever, nothing language-specific beyond English.
pub fn stem(word: &str) -> &str {
    let strip =
        |suffix: &str, keep: usize| word.strip_suffix(suffix).filter(|stem| stem.len() >= keep);
    if let Some(stem) = strip("ing", 4).or_else(|| strip("ed", 4)) {
        return stem;
    }
    if word.ends_with("ss") || word.ends_with("us") || word.ends_with("is") {
        return word;
    }
    strip("es", 4).or_else(|| strip("s", 3)).unwrap_or(word)
}

/// Turns a document's title and body into weighted terms (term hash, count).
#[derive(Debug, Default)]
pub struct Featurizer {
    normalizer: Normalizer,
    entity: String,
}

/// Prefixes keep the three kinds of terms apart.
const WORD: u64 = 1;
const NUMBER: u64 = 2;
const ENTITY: u64 = 3;

fn term_hash(kind: u64, text: &str) -> u64 {
    xxh3_64_with_seed(text.as_bytes(), kind)
}

impl Featurizer {
    /// A featurizer with empty buffers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends `(term, count)` for every term occurrence of the pieces, each
    /// counted `weight` times; the caller merges repeats.
    pub fn terms<'a>(
        &mut self,
        pieces: impl IntoIterator<Item = &'a str>,
        weight: f32,
        out: &mut Vec<(u64, f32)>,
    ) {
        for piece in pieces {
            self.normalizer.tokens(piece, |token| {
                if token.len() < 2 && token.is_ascii() {
                    return;
                }
                if token.bytes().all(|b| b.is_ascii_digit()) {
                    out.push((term_hash(NUMBER, token), weight));
                } else if !is_stopword(token) {
                    out.push((term_hash(WORD, stem(token)), weight));
                }
            });
            self.entities(piece, weight, out);
        }
    }

    /// Spans of two or more capitalized words, not starting with a stopword.
    fn entities(&mut self, piece: &str, weight: f32, out: &mut Vec<(u64, f32)>) {
        let mut words = 0;
        self.entity.clear();
        let mut flush = |entity: &mut String, words: &mut usize| {
            if *words >= 2 {
                out.push((term_hash(ENTITY, entity), weight));
            }
            entity.clear();
            *words = 0;
        };
        for raw in piece.split_whitespace() {
            let word = raw.trim_matches(|c: char| !c.is_alphanumeric());
            let capitalized =
                word.chars().next().is_some_and(char::is_uppercase) && word.chars().count() >= 2;
            let lower = word.to_lowercase();
            if capitalized && !(words == 0 && is_stopword(&lower)) {
                if words > 0 {
                    self.entity.push(' ');
                }
                self.entity.push_str(&lower);
                words += 1;
            } else {
                flush(&mut self.entity, &mut words);
            }
            // Punctuation after a word ends the span ("Moscow, Wang Yi").
            if word.len() != raw.len() && raw.ends_with(|c: char| !c.is_alphanumeric()) {
                flush(&mut self.entity, &mut words);
            }
        }
        flush(&mut self.entity, &mut words);
    }
}

/// Sorts terms by hash and sums the counts of repeats.
pub fn merge_terms(terms: &mut Vec<(u64, f32)>) {
    terms.sort_unstable_by_key(|&(term, _)| term);
    let mut write = 0;
    for read in 0..terms.len() {
        if write > 0 && terms[write - 1].0 == terms[read].0 {
            terms[write - 1].1 += terms[read].1;
        } else {
            terms[write] = terms[read];
            write += 1;
        }
    }
    terms.truncate(write);
}

/// Sparse vectors of all documents, stored flat (CSR): document `d` owns
/// `terms[offsets[d]..offsets[d + 1]]`, sorted by term.
#[derive(Debug, Clone, Default)]
pub struct Vectors {
    offsets: Vec<u32>,
    terms: Vec<u64>,
    weights: Vec<f32>,
}

impl Vectors {
    /// An empty store.
    pub fn new() -> Self {
        Self {
            offsets: vec![0],
            ..Self::default()
        }
    }

    /// Appends a vector given as (term, weight) sorted by term.
    pub fn push(&mut self, vector: &[(u64, f32)]) {
        self.terms.extend(vector.iter().map(|&(term, _)| term));
        self.weights
            .extend(vector.iter().map(|&(_, weight)| weight));
        self.offsets.push(self.terms.len() as u32);
    }

    /// Number of vectors.
    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Terms and weights of vector `doc`.
    pub fn get(&self, doc: usize) -> (&[u64], &[f32]) {
        let range = self.offsets[doc] as usize..self.offsets[doc + 1] as usize;
        (&self.terms[range.clone()], &self.weights[range])
    }

    /// Bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.offsets.capacity() * 4 + self.terms.capacity() * 8 + self.weights.capacity() * 4
    }
}

/// TF-IDF weights of a document's merged term counts, its `top` heaviest terms,
/// L2-normalized, sorted by term. `df` gives document frequencies, `documents`
/// the corpus size.
pub fn weigh(
    counts: &[(u64, f32)],
    df: impl Fn(u64) -> u32,
    documents: usize,
    top: usize,
    out: &mut Vec<(u64, f32)>,
) {
    out.clear();
    let n = documents as f64;
    for &(term, count) in counts {
        let frequency = df(term);
        if frequency < 2 {
            continue;
        }
        let idf = ((1.0 + n) / (1.0 + f64::from(frequency))).ln() + 1.0;
        out.push((term, ((1.0 + f64::from(count).ln()) * idf) as f32));
    }
    // Heaviest first, term hash breaking ties, so the cut is deterministic.
    out.sort_unstable_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    out.truncate(top);
    let norm = out
        .iter()
        .map(|&(_, w)| f64::from(w).powi(2))
        .sum::<f64>()
        .sqrt();
    if norm > 0.0 {
        for entry in out.iter_mut() {
            entry.1 = (f64::from(entry.1) / norm) as f32;
        }
    }
    out.sort_unstable_by_key(|&(term, _)| term);
}

/// Cosine of two normalized sparse vectors (their dot product).
pub fn cosine(a: (&[u64], &[f32]), b: (&[u64], &[f32])) -> f64 {
    let (mut i, mut j, mut dot) = (0, 0, 0.0f64);
    while i < a.0.len() && j < b.0.len() {
        match a.0[i].cmp(&b.0[j]) {
            Ordering::Less => i += 1,
            Ordering::Greater => j += 1,
            Ordering::Equal => {
                dot += f64::from(a.1[i]) * f64::from(b.1[j]);
                i += 1;
                j += 1;
            }
        }
    }
    dot
}

/// P-MinHash signature of a weighted vector: for each function, the low 32 bits
/// of the term minimizing `E(term) / weight`. An empty vector gives `u32::MAX`s.
pub fn weighted_signature(vector: (&[u64], &[f32]), seed: u64, out: &mut [u32]) {
    for (index, slot) in out.iter_mut().enumerate() {
        let function_seed = seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut best = f64::INFINITY;
        let mut best_term = u32::MAX;
        for (&term, &weight) in vector.0.iter().zip(vector.1) {
            if weight <= 0.0 {
                continue;
            }
            let bits = xxh3_64_with_seed(&term.to_le_bytes(), function_seed);
            // A uniform in (0, 1] from 53 bits, then an exponential variate.
            let uniform = ((bits >> 11) + 1) as f64 / (1u64 << 53) as f64;
            let clock = -uniform.ln() / f64::from(weight);
            if clock < best {
                best = clock;
                best_term = term as u32;
            }
        }
        *slot = best_term;
    }
}

/// A verified edge of the similarity graph.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Edge {
    /// One document (smaller index).
    pub a: u32,
    /// The other.
    pub b: u32,
    /// Their cosine.
    pub cosine: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Candidate {
    average: f64,
    a: u32,
    b: u32,
    version_a: u32,
    version_b: u32,
}

impl Eq for Candidate {}

impl Ord for Candidate {
    fn cmp(&self, other: &Self) -> Ordering {
        self.average
            .total_cmp(&other.average)
            .then_with(|| other.a.cmp(&self.a))
            .then_with(|| other.b.cmp(&self.b))
    }
}

impl PartialOrd for Candidate {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Sum of two sparse vectors sorted by term.
fn add_sparse(a: &[(u64, f32)], b: &[(u64, f32)]) -> Vec<(u64, f32)> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        match (a.get(i), b.get(j)) {
            (Some(x), Some(y)) if x.0 == y.0 => {
                out.push((x.0, x.1 + y.1));
                i += 1;
                j += 1;
            }
            (Some(x), Some(y)) if x.0 < y.0 => {
                out.push(*x);
                i += 1;
            }
            (Some(x), None) => {
                out.push(*x);
                i += 1;
            }
            (_, Some(y)) => {
                out.push(*y);
                j += 1;
            }
            (None, None) => break,
        }
    }
    out
}

/// Dot product of two sparse vectors sorted by term.
fn dot_sparse(a: &[(u64, f32)], b: &[(u64, f32)]) -> f64 {
    let (mut i, mut j, mut dot) = (0, 0, 0.0f64);
    while i < a.len() && j < b.len() {
        match a[i].0.cmp(&b[j].0) {
            Ordering::Less => i += 1,
            Ordering::Greater => j += 1,
            Ordering::Equal => {
                dot += f64::from(a[i].1) * f64::from(b[j].1);
                i += 1;
                j += 1;
            }
        }
    }
    dot
}

/// Average-linkage clustering of the vectors: repeatedly merges the two
/// clusters with the highest mean cosine over all their cross pairs while it is
/// at least `threshold`. The mean is exact, computed from each cluster's sum
/// vector (for unit vectors, mean cross cosine = `dot(ΣA, ΣB) / (|A| |B|)`), so a
/// pair that LSH did not propose still counts with its true similarity; the
/// verified `edges` only say which clusters are worth comparing. With a
/// `window`, two clusters whose dated members would span more than it never
/// merge (undated members do not limit). Returns, for each item, the smallest
/// item index of its cluster.
pub fn average_linkage(
    vectors: &Vectors,
    dates: &[Option<i64>],
    window: Option<i64>,
    edges: &[Edge],
    threshold: f64,
) -> Vec<u32> {
    let count = vectors.len();
    let mut sums: Vec<Vec<(u64, f32)>> = (0..count)
        .map(|item| {
            let (terms, weights) = vectors.get(item);
            terms.iter().copied().zip(weights.iter().copied()).collect()
        })
        .collect();
    let mut spans: Vec<Option<(i64, i64)>> = (0..count)
        .map(|item| dates.get(item).copied().flatten().map(|date| (date, date)))
        .collect();
    let within_window = |a: Option<(i64, i64)>, b: Option<(i64, i64)>| match (window, a, b) {
        (Some(window), Some(a), Some(b)) => a.1.max(b.1) - a.0.min(b.0) <= window,
        _ => true,
    };
    let mut size = vec![1u32; count];
    let mut version = vec![0u32; count];
    let mut parent: Vec<u32> = (0..count as u32).collect();
    let mut links: Vec<BTreeSet<u32>> = vec![BTreeSet::new(); count];
    let mut heap = BinaryHeap::new();
    for edge in edges {
        links[edge.a as usize].insert(edge.b);
        links[edge.b as usize].insert(edge.a);
        if edge.cosine >= threshold && within_window(spans[edge.a as usize], spans[edge.b as usize])
        {
            heap.push(Candidate {
                average: edge.cosine,
                a: edge.a.min(edge.b),
                b: edge.a.max(edge.b),
                version_a: 0,
                version_b: 0,
            });
        }
    }
    while let Some(best) = heap.pop() {
        let (a, b) = (best.a as usize, best.b as usize);
        if parent[a] != best.a
            || parent[b] != best.b
            || version[a] != best.version_a
            || version[b] != best.version_b
        {
            continue;
        }
        // Merge b into a (the cluster keeps its smaller label).
        let moved = std::mem::take(&mut sums[b]);
        sums[a] = add_sparse(&sums[a], &moved);
        spans[a] = match (spans[a], spans[b]) {
            (Some(x), Some(y)) => Some((x.0.min(y.0), x.1.max(y.1))),
            (x, y) => x.or(y),
        };
        let neighbors_of_b = std::mem::take(&mut links[b]);
        for neighbor in neighbors_of_b {
            if neighbor as usize != a {
                links[neighbor as usize].remove(&best.b);
                links[neighbor as usize].insert(best.a);
                links[a].insert(neighbor);
            }
        }
        links[a].remove(&best.b);
        links[a].remove(&best.a);
        parent[b] = best.a;
        size[a] += size[b];
        version[a] += 1;
        for &neighbor in &links[a] {
            let n = neighbor as usize;
            if !within_window(spans[a], spans[n]) {
                continue;
            }
            let average =
                dot_sparse(&sums[a], &sums[n]) / (f64::from(size[a]) * f64::from(size[n]));
            if average >= threshold {
                let (low, high) = (best.a.min(neighbor), best.a.max(neighbor));
                heap.push(Candidate {
                    average,
                    a: low,
                    b: high,
                    version_a: version[low as usize],
                    version_b: version[high as usize],
                });
            }
        }
    }
    (0..count)
        .map(|item| {
            let mut root = item as u32;
            while parent[root as usize] != root {
                root = parent[root as usize];
            }
            root
        })
        .collect()
}

/// The stable id of the story whose first document (in input order) has id `first_id`.
pub fn story_id(first_id: &str) -> String {
    format!("s{:016x}", xxh3_64(first_id.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stopwords_are_sorted_for_binary_search() {
        assert!(
            STOPWORDS.windows(2).all(|pair| pair[0] < pair[1]),
            "keep STOPWORDS sorted"
        );
    }

    #[test]
    fn stemming_joins_inflections() {
        assert_eq!(stem("visits"), "visit");
        assert_eq!(stem("visiting"), "visit");
        assert_eq!(stem("visited"), "visit");
        assert_eq!(stem("talks"), "talk");
        assert_eq!(stem("congress"), "congress");
    }

    #[test]
    fn entities_are_capitalized_spans() {
        let mut featurizer = Featurizer::new();
        let mut terms = Vec::new();
        featurizer.entities(
            "The talks with Foreign Minister Wang Yi, in Moscow on Monday.",
            1.0,
            &mut terms,
        );
        assert!(terms.contains(&(term_hash(ENTITY, "foreign minister wang yi"), 1.0)));
        assert_eq!(terms.len(), 1, "single capitalized words are not spans");
    }

    #[test]
    fn cosine_of_a_normalized_vector_with_itself_is_one() {
        let counts = vec![(1, 3.0), (2, 1.0), (3, 2.0)];
        let mut vector = Vec::new();
        weigh(&counts, |_| 2, 10, 64, &mut vector);
        let terms: Vec<u64> = vector.iter().map(|e| e.0).collect();
        let weights: Vec<f32> = vector.iter().map(|e| e.1).collect();
        assert!((cosine((&terms, &weights), (&terms, &weights)) - 1.0).abs() < 1e-6);
    }

    fn unit(terms: &[(u64, f32)]) -> Vec<(u64, f32)> {
        let norm = terms.iter().map(|t| t.1 * t.1).sum::<f32>().sqrt();
        terms.iter().map(|&(t, w)| (t, w / norm)).collect()
    }

    fn vectors(list: &[Vec<(u64, f32)>]) -> Vectors {
        let mut vectors = Vectors::new();
        for vector in list {
            vectors.push(vector);
        }
        vectors
    }

    fn edges_of(vectors: &Vectors) -> Vec<Edge> {
        let mut edges = Vec::new();
        for a in 0..vectors.len() {
            for b in a + 1..vectors.len() {
                let cosine = cosine(vectors.get(a), vectors.get(b));
                if cosine > 0.0 {
                    edges.push(Edge {
                        a: a as u32,
                        b: b as u32,
                        cosine,
                    });
                }
            }
        }
        edges
    }

    #[test]
    fn average_linkage_does_not_chain() {
        // 0 and 1 share term 1, 1 and 2 share term 2, 0 and 2 nothing: single
        // link would join all three; average linkage joins the closest pair and
        // then needs the mean over both cross pairs.
        let list = vectors(&[
            unit(&[(1, 1.0), (9, 0.3)]),
            unit(&[(1, 1.0), (2, 0.6)]),
            unit(&[(2, 1.0), (7, 1.0)]),
        ]);
        let edges = edges_of(&list);
        assert_eq!(
            average_linkage(&list, &[None; 3], None, &edges, 0.4),
            vec![0, 0, 2]
        );
        assert_eq!(
            average_linkage(&list, &[None; 3], None, &edges, 0.1),
            vec![0, 0, 0]
        );
    }

    #[test]
    fn the_mean_is_exact_even_for_pairs_lsh_missed() {
        // Three documents of one event; only two of the three pairs were
        // proposed. The exact mean still merges all three.
        let same = unit(&[(1, 1.0), (2, 1.0)]);
        let list = vectors(&[same.clone(), same.clone(), same]);
        let edges = [
            Edge {
                a: 0,
                b: 1,
                cosine: 1.0,
            },
            Edge {
                a: 1,
                b: 2,
                cosine: 1.0,
            },
        ];
        assert_eq!(
            average_linkage(&list, &[None; 3], None, &edges, 0.9),
            vec![0, 0, 0]
        );
    }

    #[test]
    fn the_window_bounds_a_whole_story() {
        // Jan 1, 3 and 5 with a 3-day window: the first and last never share.
        let list = vectors(&[unit(&[(1, 1.0)]), unit(&[(1, 1.0)]), unit(&[(1, 1.0)])]);
        let edges = edges_of(&list);
        let day = 86_400;
        let dates = [Some(0), Some(2 * day), Some(4 * day)];
        let labels = average_linkage(&list, &dates, Some(3 * day), &edges, 0.5);
        assert_ne!(labels[0], labels[2]);
    }

    #[test]
    fn weighted_signatures_collide_more_for_closer_vectors() {
        let vector = |terms: &[(u64, f32)]| {
            let t: Vec<u64> = terms.iter().map(|e| e.0).collect();
            let w: Vec<f32> = terms.iter().map(|e| e.1).collect();
            let mut sig = vec![0u32; 256];
            weighted_signature((&t, &w), 7, &mut sig);
            sig
        };
        let base = vector(&[(1, 0.5), (2, 0.5), (3, 0.5), (4, 0.5)]);
        let near = vector(&[(1, 0.5), (2, 0.5), (3, 0.5), (5, 0.5)]);
        let far = vector(&[(1, 0.5), (6, 0.5), (7, 0.5), (8, 0.5)]);
        let agree = |x: &[u32], y: &[u32]| x.iter().zip(y).filter(|(a, b)| a == b).count();
        assert!(agree(&base, &near) > agree(&base, &far));
    }
}
