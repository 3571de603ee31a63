//! LSH stage: signatures in, candidate pairs out.
//!
//! A signature of `num_hashes` values is cut into `num_bands` bands of
//! `rows_per_band` values; two documents whose values agree on a whole band share
//! that band's bucket and become a candidate pair. Two documents of Jaccard `s`
//! collide in at least one band with probability `1 - (1 - s^r)^b`, an S-curve whose
//! step sits near the threshold.
//!
//! [`choose_params`] picks bands and rows for a threshold the way datasketch's
//! `MinHashLSH` does: the (b, r) with `b * r <= num_hashes` that minimizes the
//! weighted sum of the false-positive area (collision probability integrated below
//! the threshold) and the false-negative area (non-collision integrated above it).
//!
//! Band keys are a fixed hash of a band's values and index (see [`band_key`]),
//! stable across runs and machines, unlike gaoya's randomly seeded band hasher, so
//! they could be stored or shared.
//!
//! Oversized buckets: a bucket of m documents holds m(m-1)/2 pairs. Buckets of up to
//! [`LshConfig::all_pairs_limit`] members give all their pairs. A larger bucket is
//! walked in document order keeping a list of representatives: each member is
//! verified against the representatives (at most [`LshConfig::max_representatives`]
//! of them) and linked to the first that verifies, or becomes a representative
//! itself. A bucket that is one big copy cluster (a wire story republished a
//! thousand times) costs m verifications instead of m²/2; a bucket of unrelated
//! documents costs at most m × max_representatives.

/// Configuration of the LSH stage.
#[derive(Debug, Clone, PartialEq)]
pub struct LshConfig {
    /// Weight of the false-positive area when choosing bands and rows.
    pub false_positive_weight: f64,
    /// Weight of the false-negative area when choosing bands and rows.
    pub false_negative_weight: f64,
    /// Bands and rows given by the user instead of derived from the threshold.
    pub fixed: Option<LshParams>,
    /// Buckets up to this size give all their pairs.
    pub all_pairs_limit: usize,
    /// Representatives compared per member of an oversized bucket.
    pub max_representatives: usize,
}

impl Default for LshConfig {
    fn default() -> Self {
        Self {
            false_positive_weight: 0.5,
            false_negative_weight: 0.5,
            fixed: None,
            all_pairs_limit: 64,
            max_representatives: 16,
        }
    }
}

/// Bands and rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct LshParams {
    /// Number of bands (b).
    pub num_bands: usize,
    /// Values per band (r).
    pub rows_per_band: usize,
}

impl LshParams {
    /// Probability that two documents of Jaccard `similarity` share a bucket.
    pub fn collision_probability(&self, similarity: f64) -> f64 {
        1.0 - (1.0 - similarity.powi(self.rows_per_band as i32)).powi(self.num_bands as i32)
    }
}

/// Midpoint-rule integral of `f` over `[from, to]` with 200 steps, enough for the
/// smooth S-curves compared here.
fn integrate(f: impl Fn(f64) -> f64, from: f64, to: f64) -> f64 {
    let steps = 200;
    let width = (to - from) / steps as f64;
    (0..steps)
        .map(|i| f(from + (i as f64 + 0.5) * width))
        .sum::<f64>()
        * width
}

/// The (bands, rows) minimizing the weighted false-positive and false-negative
/// areas of the S-curve around `threshold`, as datasketch does.
pub fn choose_params(
    threshold: f64,
    num_hashes: usize,
    false_positive_weight: f64,
    false_negative_weight: f64,
) -> LshParams {
    let mut best = LshParams {
        num_bands: 1,
        rows_per_band: num_hashes.max(1),
    };
    let mut best_error = f64::INFINITY;
    for num_bands in 1..=num_hashes {
        for rows_per_band in 1..=num_hashes / num_bands {
            let params = LshParams {
                num_bands,
                rows_per_band,
            };
            let false_positive = integrate(|s| params.collision_probability(s), 0.0, threshold);
            let false_negative =
                integrate(|s| 1.0 - params.collision_probability(s), threshold, 1.0);
            let error =
                false_positive_weight * false_positive + false_negative_weight * false_negative;
            if error < best_error {
                best_error = error;
                best = params;
            }
        }
    }
    best
}

/// The bucket key of band `band` of a signature.
///
/// The band's values are read as 64-bit words (two rows each, missing rows
/// past the band's end read as zero), and each pair of words goes
/// through one folded 128-bit multiplication, the mixing step of wyhash
/// (Wang Yi's, also rapidhash's): `fold(a, b)` is the xor of the high and low
/// halves of `a × b`. The band's index and row count salt the first step
/// and the last. On the copy tier's 42 bands of 3 rows this takes 2.9 ns a
/// key where the seeded xxh3-64 of the band's 12 bytes took 14.4 ns
/// (`cargo bench --bench kernels -- band_keys`), which was 2% of the copy
/// tier's time at one thread (perf, 1 GB of `synth`). Keys only need to
/// spread: two different bands that collide make their documents candidates,
/// verified like any other pair, so a collision between two documents that
/// are similar enough links them, and one can merge two buckets. Which pairs
/// collide depends on the hash: moving from xxh3 changed `candidate_pairs`
/// in reports (both collide at the random rate). As in wyhash, a product
/// with a zero factor is zero whatever the other: when a block of up to four
/// rows (the last block may hold one to three) makes either
/// factor zero (its first two rows equal to a salt, or its last two to the
/// running state xor a salt; probability 2^-64 a block for values not built
/// for it, and MinHash values come from the run's seeded shingle hash), the
/// key no longer depends on the block's other rows nor on the rows before
/// it. Such bands share a bucket, which the oversized-bucket rule keeps to a
/// few verifications a member.
pub fn band_key(signature: &[u32], band: usize, rows_per_band: usize) -> u64 {
    let values = &signature[band * rows_per_band..(band + 1) * rows_per_band];
    let word = |low: u32, high: u32| u64::from(low) | (u64::from(high) << 32);
    let mix = |state: u64, first: u64, second: u64| {
        fold(first ^ KEY_SALT[2], second ^ state ^ KEY_SALT[3])
    };
    let mut state = fold(
        band as u64 ^ KEY_SALT[0],
        rows_per_band as u64 ^ KEY_SALT[1],
    );
    let mut rest = values;
    while let [a, b, c, d, tail @ ..] = rest {
        state = mix(state, word(*a, *b), word(*c, *d));
        rest = tail;
    }
    state = match *rest {
        [] => state,
        [a] => mix(state, word(a, 0), 0),
        [a, b] => mix(state, word(a, b), 0),
        // Fewer than four rows are left: this is three.
        [a, b, c, ..] => mix(state, word(a, b), word(c, 0)),
    };
    fold(state ^ KEY_SALT[4], band as u64 ^ KEY_SALT[5])
}

/// wyhash's mixing step: the xor of the two halves of a 128-bit product.
fn fold(a: u64, b: u64) -> u64 {
    let product = u128::from(a) * u128::from(b);
    (product as u64) ^ ((product >> 64) as u64)
}

/// Odd constants with well-spread bits (wyhash's secret and the golden
/// ratio's), one for each place a key's inputs are salted.
const KEY_SALT: [u64; 6] = [
    0x2d35_8dcc_aa6c_78a5,
    0x8bb8_4b93_962e_acc9,
    0x4b33_a62e_d433_d4a3,
    0x4d5a_2da5_1de1_aa47,
    0x9e37_79b9_7f4a_7c15,
    0xa076_1d64_78bd_642f,
];

/// Band keys of a run: one 32-bit key per document and band, stored in chunks of
/// [`BandKeys::CHUNK`] documents, band-major inside a chunk, so that one band's
/// keys are read in long contiguous runs while documents are appended one at a
/// time (and growing never copies or doubles what is stored).
#[derive(Debug, Clone, Default)]
pub struct BandKeys {
    num_bands: usize,
    chunks: Vec<Vec<u32>>,
    len: usize,
}

impl BandKeys {
    /// Documents per chunk.
    pub const CHUNK: usize = 8192;

    /// Keys from one band's start to the next in a chunk: a little more than
    /// [`BandKeys::CHUNK`], so that a document's keys, one in each band,
    /// fall in different cache sets. At 32 KiB apart all 42 shared a set of
    /// the level-1 cache, more lines than its ways, and appending a document
    /// missed it once a band.
    const STRIDE: usize = Self::CHUNK + 16;

    /// An empty store for `num_bands` keys a document.
    pub fn new(num_bands: usize) -> Self {
        Self {
            num_bands,
            chunks: Vec::new(),
            len: 0,
        }
    }

    /// Appends one document's keys (one per band).
    pub fn push(&mut self, keys: &[u32]) {
        if self.len % Self::CHUNK == 0 {
            self.chunks.push(vec![0; Self::STRIDE * self.num_bands]);
        }
        self.len += 1;
        self.set(self.len - 1, keys);
    }

    /// Overwrites the keys of document `doc`.
    pub fn set(&mut self, doc: usize, keys: &[u32]) {
        debug_assert_eq!(keys.len(), self.num_bands);
        let chunk = &mut self.chunks[doc / Self::CHUNK];
        for (band, &key) in keys.iter().enumerate() {
            chunk[band * Self::STRIDE + doc % Self::CHUNK] = key;
        }
    }

    /// The keys of `band`, in document order, as one slice a chunk (of
    /// [`BandKeys::CHUNK`] documents, the last one shorter): simple loops
    /// over slices, where a flattened iterator checked for the next chunk at
    /// every key.
    pub fn band_runs(&self, band: usize) -> impl Iterator<Item = &[u32]> + '_ {
        self.chunks.iter().enumerate().map(move |(index, chunk)| {
            let count = (self.len - index * Self::CHUNK).min(Self::CHUNK);
            &chunk[band * Self::STRIDE..band * Self::STRIDE + count]
        })
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there is none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes held.
    pub fn heap_bytes(&self) -> usize {
        self.chunks.iter().map(|chunk| chunk.capacity() * 4).sum()
    }
}

/// The 32-bit keys of every band of a signature (the low half of
/// [`band_key`]), into `out`.
pub fn band_keys(signature: &[u32], rows_per_band: usize, out: &mut [u32]) {
    for (band, key) in out.iter_mut().enumerate() {
        *key = band_key(signature, band, rows_per_band) as u32;
    }
}

/// An entry of an LSH band: a bucket key and a document. Sorting entries sorts
/// them by key, then document.
pub trait BucketEntry: Copy + Ord + Default {
    /// A number whose top 32 bits are the key's (the grouping sorts on
    /// them; the packed form's low half is its document).
    fn key_bits(&self) -> u64;
    /// The document.
    fn doc(&self) -> u32;
    /// Whether two entries are in one bucket.
    fn same_bucket(&self, other: &Self) -> bool;
}

/// A 64-bit key and a document (16 bytes).
impl BucketEntry for (u64, u32) {
    fn key_bits(&self) -> u64 {
        self.0
    }

    fn doc(&self) -> u32 {
        self.1
    }

    fn same_bucket(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

/// A 32-bit key in the high half and a document in the low half: half the
/// bytes of `(u64, u32)` to gather, scatter and sort, and one comparison a
/// pair (the copy tier's band keys are 32 bits, see `Pipeline::candidates`).
impl BucketEntry for u64 {
    fn key_bits(&self) -> u64 {
        *self
    }

    fn doc(&self) -> u32 {
        *self as u32
    }

    fn same_bucket(&self, other: &Self) -> bool {
        self >> 32 == other >> 32
    }
}

/// A packed [`BucketEntry`]: `key` in the high half, `doc` in the low half.
pub fn packed_entry(key: u32, doc: u32) -> u64 {
    (u64::from(key) << 32) | u64::from(doc)
}

/// Calls `visit` with the entries of each bucket of two or more members, buckets
/// in ascending key order, members in ascending document order (the order of a
/// full sort of the entries).
///
/// Only the top 32 bits of a key are sorted on, by two stable counting passes
/// of 16 bits each (an LSD radix sort: the low digit, then the high one), and
/// the sorted entries are walked once for runs of equal top bits; a run is a
/// bucket as it stands when its entries are in order and of one key (the copy
/// tier's packed entries, gathered in document order, always are), else it is
/// sorted and split. Keys are hashes, so a comparison sort spends most of its
/// time on levels that only separate keys that can never be equal (0.63 s
/// for the copy tier's LSH on 1 GB of `synth` at one thread). Scattering by
/// the top bits into parts of about four entries and checking each part for
/// a repeat took 0.095 s, three quarters of it in the walk over 2.7 million
/// parts, on branches no predictor could learn; a second counting pass and
/// one walk over sorted entries cost less (0.061 s; in one probe of 42 bands
/// of 219,613 random keys, a fifth of them repeated: 84-91 ms against 64-65
/// with two 16-bit passes, 65 with three of 11 bits, 86 with four of 8).
/// Below 8,192 entries a comparison sort is faster: the 512 KiB of
/// counters cost about 34 µs whatever the input.
pub fn for_each_bucket<E: BucketEntry>(entries: &[E], visit: impl FnMut(&[E])) {
    for_each_bucket_in(entries, &mut BucketScratch::default(), visit);
}

/// The buffers of [`for_each_bucket_in`], kept from one call to the next.
#[derive(Debug, Default)]
pub struct BucketScratch<E> {
    /// The two digits' counters, then their slots.
    counts: Vec<u32>,
    /// Sorted on the low digit.
    by_low: Vec<E>,
    /// Sorted on both.
    sorted: Vec<E>,
}

/// Counters of one 16-bit digit.
const RADIX: usize = 1 << 16;

/// Fewer entries than this are grouped by a comparison sort. A review's probe
/// (radix against `sort_unstable` and a walk): 64 entries 33.7 against 0.2
/// µs, 4,096 43 against 24, 16,384 76 against 107.
const SORT_BELOW: usize = 8192;

/// [`for_each_bucket`] with its buffers in `scratch`, for a caller that
/// groups many bands: fresh buffers are allocated and faulted in on each
/// call (65,536 entries: 764 µs fresh, 227 µs reused, in a review's probe),
/// and only the counters need zeroing again.
pub fn for_each_bucket_in<E: BucketEntry>(
    entries: &[E],
    scratch: &mut BucketScratch<E>,
    mut visit: impl FnMut(&[E]),
) {
    let count = entries.len();
    if count < SORT_BELOW {
        let mut sorted = entries.to_vec();
        sorted.sort_unstable();
        visit_runs(&sorted, &mut visit);
        return;
    }
    let BucketScratch {
        counts,
        by_low,
        sorted,
    } = scratch;
    let low_digit = |entry: &E| (entry.key_bits() >> 32) as usize & (RADIX - 1);
    let high_digit = |entry: &E| (entry.key_bits() >> 48) as usize;
    counts.clear();
    counts.resize(2 * RADIX, 0);
    let (low, high) = counts.split_at_mut(RADIX);
    for entry in entries {
        low[low_digit(entry)] += 1;
        high[high_digit(entry)] += 1;
    }
    // Each counter becomes the first slot of its digit's entries.
    for digit in [&mut *low, &mut *high] {
        let mut next = 0;
        for slot in digit.iter_mut() {
            (*slot, next) = (next, next + *slot);
        }
    }
    // Every slot of both buffers is written below (the counts add up to
    // `count`), so what they held from the last call can stay until then.
    by_low.resize(count, E::default());
    sorted.resize(count, E::default());
    for &entry in entries {
        let slot = &mut low[low_digit(&entry)];
        by_low[*slot as usize] = entry;
        *slot += 1;
    }
    for &entry in by_low.iter() {
        let slot = &mut high[high_digit(&entry)];
        sorted[*slot as usize] = entry;
        *slot += 1;
    }
    for run in sorted.chunk_by_mut(|a, b| a.key_bits() >> 32 == b.key_bits() >> 32) {
        if run.len() < 2 {
            continue;
        }
        if run.is_sorted() && run[0].same_bucket(&run[run.len() - 1]) {
            visit(run);
        } else {
            run.sort_unstable();
            visit_runs(run, &mut visit);
        }
    }
}

fn visit_runs<E: BucketEntry>(sorted: &[E], visit: &mut impl FnMut(&[E])) {
    for bucket in sorted.chunk_by(|a, b| a.same_bucket(b)) {
        if bucket.len() > 1 {
            visit(bucket);
        }
    }
}

/// All pairs `(i, j)` with `i < j` of a bucket small enough to enumerate.
pub fn all_pairs<E: BucketEntry>(bucket: &[E], out: &mut Vec<(u32, u32)>) {
    for (position, first) in bucket.iter().enumerate() {
        for second in &bucket[position + 1..] {
            out.push((first.doc(), second.doc()));
        }
    }
}

/// Links the members of an oversized bucket to verified representatives (see the
/// module doc). `verify(a, b)` returns whether the pair is a copy. Pushes the
/// verified pairs.
pub fn representative_pairs<E: BucketEntry>(
    bucket: &[E],
    max_representatives: usize,
    mut verify: impl FnMut(u32, u32) -> bool,
    out: &mut Vec<(u32, u32)>,
) {
    let mut representatives: Vec<u32> = Vec::new();
    for entry in bucket {
        let member = entry.doc();
        let linked = representatives
            .iter()
            .take(max_representatives)
            .find(|&&representative| verify(representative, member));
        match linked {
            Some(&representative) => out.push((representative, member)),
            None => representatives.push(member),
        }
    }
}

/// The distinct pairs of all `lists`, sorted (the candidates of both tiers).
/// Copies share a bucket in many bands, so the lists repeat most pairs (on 1 GB of `synth`, 1,442,805 pairs
/// from 42 bands, 64,765 distinct): each goes into an open-addressing set
/// sized by the distinct pairs (a few MiB at most, in cache), and only those
/// are sorted. Concatenating the lists, sorting them all and removing the
/// repeats took 31 ms at one thread (5 to concatenate, 26 to sort).
pub fn distinct_pairs(lists: &[Vec<(u32, u32)>]) -> Vec<(u32, u32)> {
    // Slot 0 marks an empty slot; the pair (0, 0), packed as 0, is kept apart.
    let mut slots = vec![0u64; 1 << 10];
    let (mut len, mut has_zero) = (0usize, false);
    for &(a, b) in lists.iter().flatten() {
        let packed = (u64::from(a) << 32) | u64::from(b);
        if packed == 0 {
            has_zero = true;
            continue;
        }
        if (len + 1) * 2 > slots.len() {
            let grown = vec![0u64; slots.len() * 2];
            let old = std::mem::replace(&mut slots, grown);
            for value in old.into_iter().filter(|&value| value != 0) {
                insert_packed(&mut slots, value);
            }
        }
        len += usize::from(insert_packed(&mut slots, packed));
    }
    let mut pairs: Vec<(u32, u32)> = slots
        .into_iter()
        .filter(|&value| value != 0)
        .chain(has_zero.then_some(0))
        .map(|value| ((value >> 32) as u32, value as u32))
        .collect();
    pairs.sort_unstable();
    pairs
}

/// Puts a non-zero `value` in the set `slots` (a power of two of them, at
/// least one empty); returns whether it was new.
fn insert_packed(slots: &mut [u64], value: u64) -> bool {
    let mask = slots.len() - 1;
    // Fibonacci hashing: a packed pair's bits are not spread, their product
    // with the golden ratio's is, in its top bits.
    let mut slot = (value.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 32) as usize & mask;
    loop {
        match slots[slot] {
            0 => {
                slots[slot] = value;
                return true;
            }
            existing if existing == value => return false,
            _ => slot = (slot + 1) & mask,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distinct_pairs_are_those_of_sorting_everything() {
        // Lists with many repeats (few documents) and with few (many), with
        // the pair (0, 0) and pairs far apart.
        let mut state = 9u64;
        for (lists, per_list, documents) in [
            (0, 0, 1),
            (3, 5, 4),
            (42, 2_000, 300),
            (10, 50_000, 1 << 20),
        ] {
            let lists: Vec<Vec<(u32, u32)>> = (0..lists)
                .map(|list| {
                    let mut pairs: Vec<(u32, u32)> = (0..per_list)
                        .map(|_| {
                            let a = crate::minhash::splitmix64(&mut state) % documents;
                            let b = crate::minhash::splitmix64(&mut state) % documents;
                            (a as u32, b as u32)
                        })
                        .collect();
                    if list == 1 {
                        pairs.extend([(0, 0), (0, u32::MAX), (u32::MAX, 0)]);
                    }
                    pairs
                })
                .collect();
            let mut expected: Vec<(u32, u32)> = lists.iter().flatten().copied().collect();
            expected.sort_unstable();
            expected.dedup();
            assert_eq!(distinct_pairs(&lists), expected, "{documents} documents");
        }
    }

    #[test]
    fn chosen_curve_steps_near_the_threshold() {
        for threshold in [0.3, 0.5, 0.7, 0.8, 0.9] {
            let params = choose_params(threshold, 128, 0.5, 0.5);
            assert!(params.num_bands * params.rows_per_band <= 128);
            let below = params.collision_probability(threshold - 0.15);
            let above = params.collision_probability((threshold + 0.15).min(1.0));
            assert!(below < 0.5 && above > 0.5, "{threshold}: {params:?}");
        }
    }

    #[test]
    fn datasketch_parameters_are_reproduced() {
        // Values printed by datasketch 2.0's `_optimal_param(t, 128, 0.5, 0.5)`,
        // which integrates with scipy's quad; ours uses the midpoint rule.
        for (threshold, expected) in [
            (0.2, (28, 2)),
            (0.5, (25, 5)),
            (0.7, (14, 9)),
            (0.8, (9, 13)),
            (0.9, (5, 25)),
        ] {
            let params = choose_params(threshold, 128, 0.5, 0.5);
            assert_eq!(
                (params.num_bands, params.rows_per_band),
                expected,
                "{threshold}"
            );
        }
    }

    #[test]
    fn band_keys_depend_on_every_row_and_the_band() {
        for rows in 1..=9 {
            let signature: Vec<u32> = (0..2 * rows as u32).map(|v| v * 7919 + 1).collect();
            let key = band_key(&signature, 0, rows);
            assert_ne!(key, band_key(&signature, 1, rows), "{rows} rows");
            for row in 0..rows {
                for bit in [0, 17, 31] {
                    let mut changed = signature.clone();
                    changed[row] ^= 1 << bit;
                    assert_ne!(key, band_key(&changed, 0, rows), "row {row} of {rows}");
                }
            }
            // The same values in another band get another key.
            let mut repeated = signature.clone();
            repeated[rows..].copy_from_slice(&signature[..rows]);
            assert_ne!(key, band_key(&repeated, 1, rows), "{rows} rows");
        }
    }

    #[test]
    fn band_keys_spread_like_random_32_bit_keys() {
        // 200,000 distinct bands of 3 rows, truncated to 32 bits as the copy
        // tier stores them: random keys would collide about n²/2^33 = 4.7
        // times; allow a few times that, never a systematic clash.
        let mut state = 0x1234_5678_9abc_def0u64;
        let mut next = || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            (z ^ (z >> 31)) as u32
        };
        let mut keys: Vec<u32> = Vec::new();
        let mut values = std::collections::HashSet::new();
        while keys.len() < 200_000 {
            // Small values too: signatures of short documents share high bits.
            let band = [next(), next() >> 16, next() & 0xff];
            if values.insert(band) {
                keys.push(band_key(&band, 0, 3) as u32);
            }
        }
        keys.sort_unstable();
        let collisions = keys.windows(2).filter(|pair| pair[0] == pair[1]).count();
        assert!(collisions <= 25, "{collisions} collisions");
    }

    #[test]
    fn oversized_bucket_of_copies_costs_one_verification_per_member() {
        let bucket: Vec<(u64, u32)> = (0..1000).map(|doc| (7, doc)).collect();
        let mut calls = 0;
        let mut out = Vec::new();
        representative_pairs(
            &bucket,
            16,
            |_, _| {
                calls += 1;
                true
            },
            &mut out,
        );
        assert_eq!(calls, 999);
        assert_eq!(out.len(), 999);
    }

    #[test]
    fn oversized_bucket_of_strangers_is_capped() {
        let bucket: Vec<(u64, u32)> = (0..1000).map(|doc| (7, doc)).collect();
        let mut calls = 0;
        let mut out = Vec::new();
        representative_pairs(
            &bucket,
            16,
            |_, _| {
                calls += 1;
                false
            },
            &mut out,
        );
        assert!(calls <= 1000 * 16);
        assert!(out.is_empty());
    }

    #[test]
    fn buckets_are_grouped_by_key() {
        let entries = vec![(2, 5), (1, 0), (2, 3), (3, 9), (1, 4)];
        let mut seen = Vec::new();
        for_each_bucket(&entries, |bucket| {
            seen.push(bucket.iter().map(|e| e.1).collect::<Vec<_>>())
        });
        assert_eq!(seen, vec![vec![0, 4], vec![3, 5]]);
    }

    #[test]
    fn band_keys_come_back_by_band_in_document_order() {
        let mut keys = BandKeys::new(3);
        let documents = BandKeys::CHUNK + 5;
        for doc in 0..documents as u32 {
            keys.push(&[doc, doc * 2, doc * 3]);
        }
        keys.set(1, &[7, 8, 9]);
        let second: Vec<u32> = keys.band_runs(1).flatten().copied().collect();
        assert_eq!(second.len(), documents);
        assert_eq!(second[1], 8);
        assert_eq!(second[documents - 1], 2 * (documents as u32 - 1));
        assert_eq!(
            keys.band_runs(2).flatten().copied().nth(BandKeys::CHUNK),
            Some(3 * BandKeys::CHUNK as u32)
        );
    }

    #[test]
    fn radix_grouping_matches_a_full_sort() {
        // Hash-like keys with many repeats (few distinct keys) and mostly
        // distinct ones, on both sides of the sorted small-input path. A
        // radix size after larger ones reuses longer buffers.
        let mut state = 42u64;
        let mut scratch = BucketScratch::default();
        for (count, distinct) in [
            (10, 3),
            (63, 20),
            (SORT_BELOW - 1, 2_000),
            (SORT_BELOW, 2_000),
            (50_000, 9_000),
            (50_000, 45_000),
            (SORT_BELOW + 800, 2_500),
            (2_000, 600),
        ] {
            // Two keys that differ only in their low half: one run of the
            // sort on the top half, two buckets.
            let keys: Vec<u64> = (0..distinct)
                .map(|_| crate::minhash::splitmix64(&mut state))
                .chain([0, u64::MAX, 5 << 32 | 1, 5 << 32 | 2])
                .collect();
            let entries: Vec<(u64, u32)> = (0..count as u32)
                .map(|doc| {
                    let pick = crate::minhash::splitmix64(&mut state) % keys.len() as u64;
                    (keys[pick as usize], doc)
                })
                .collect();
            let mut expected = entries.clone();
            expected.sort_unstable();
            let expected: Vec<Vec<(u64, u32)>> = expected
                .chunk_by(|a, b| a.0 == b.0)
                .filter(|run| run.len() > 1)
                .map(<[(u64, u32)]>::to_vec)
                .collect();
            let mut seen = Vec::new();
            for_each_bucket(&entries, |bucket| seen.push(bucket.to_vec()));
            assert_eq!(seen, expected, "{count} entries");
            // Entries out of document order give the sorted buckets too.
            let mut reversed = entries.clone();
            reversed.reverse();
            seen.clear();
            for_each_bucket(&reversed, |bucket| seen.push(bucket.to_vec()));
            assert_eq!(seen, expected, "{count} entries, reversed");
            // With buffers left from the sizes before (larger and smaller).
            seen.clear();
            for_each_bucket_in(&reversed, &mut scratch, |bucket| seen.push(bucket.to_vec()));
            assert_eq!(seen, expected, "{count} entries, buffers reused");
            // Packed, with 32-bit keys (the high halves here, so that keys
            // equal in their high half share a bucket): the same buckets of
            // the same documents, and the same pairs from them.
            let packed: Vec<u64> = entries
                .iter()
                .map(|&(key, doc)| packed_entry((key >> 32) as u32, doc))
                .collect();
            let mut expected_packed = entries
                .iter()
                .map(|&(key, doc)| (key >> 32, doc))
                .collect::<Vec<_>>();
            expected_packed.sort_unstable();
            let expected_docs: Vec<Vec<u32>> = expected_packed
                .chunk_by(|a, b| a.0 == b.0)
                .filter(|run| run.len() > 1)
                .map(|run| run.iter().map(|&(_, doc)| doc).collect())
                .collect();
            let (mut seen_docs, mut pairs, mut expected_pairs) =
                (Vec::new(), Vec::new(), Vec::new());
            for_each_bucket(&packed, |bucket| {
                seen_docs.push(bucket.iter().map(BucketEntry::doc).collect::<Vec<_>>());
                all_pairs(bucket, &mut pairs);
            });
            for docs in &expected_docs {
                for (at, &a) in docs.iter().enumerate() {
                    expected_pairs.extend(docs[at + 1..].iter().map(|&b| (a, b)));
                }
            }
            assert_eq!(seen_docs, expected_docs, "{count} packed entries");
            assert_eq!(pairs, expected_pairs, "{count} packed entries");
        }
    }
}
