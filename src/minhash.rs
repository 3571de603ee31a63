//! MinHash stage: a document's shingle hashes in, a fixed-size signature out.
//!
//! Two schemes are implemented, and chosen between by measurement:
//!
//! * **Classic**: k independent hash functions, each a multiply-shift
//!   `(a_i * x + b_i) >> 32` over the 64-bit shingle hash (Dietzfelbinger), the
//!   minimum kept per function. Cost: k multiply-adds per shingle.
//! * **One-permutation hashing with optimal densification** (Li, Owen & Zhang 2012;
//!   Shrivastava, ICML 2017): the shingle hash itself is the permutation. Its top 32
//!   bits pick one of k bins, its low 32 bits are the value, and each bin keeps its
//!   minimum: one operation per shingle. A bin that stays empty (short documents)
//!   borrows the value of a non-empty bin chosen by a seeded hash of (bin, attempt),
//!   the same for every document, which keeps the collision probability equal to the
//!   Jaccard similarity.
//!
//! Measured on this kind of machine (2 cores; `cargo bench --bench kernels -- signature`,
//! 128 hashes, the shingles of one 6.8 KB seed article): see the table in the README
//! ("Choosing the MinHash scheme"). One-permutation hashing is the default; both pass
//! the unbiasedness test below against exact Jaccard.

use xxhash_rust::xxh3::xxh3_64_with_seed;

/// The value of a bin that no shingle fell into, before densification.
const EMPTY: u32 = u32::MAX;

/// Most hashes per signature accepted.
pub const MAX_HASHES: usize = 1024;

/// Which MinHash scheme to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scheme {
    /// One-permutation hashing with optimal densification (default).
    OnePermutation,
    /// k multiply-shift hash functions.
    Classic,
}

/// Configuration of the MinHash stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MinHashConfig {
    /// Values per signature (k).
    pub num_hashes: usize,
    /// Seed of the hash functions and of the densification.
    pub seed: u64,
    /// Scheme.
    pub scheme: Scheme,
}

impl Default for MinHashConfig {
    fn default() -> Self {
        Self {
            num_hashes: 128,
            seed: 0,
            scheme: Scheme::OnePermutation,
        }
    }
}

/// Computes signatures; cheap to share between threads (read-only).
#[derive(Clone)]
pub struct MinHasher {
    config: MinHashConfig,
    multipliers: Vec<u64>,
    increments: Vec<u64>,
    /// The first [`TABLED_PROBES`] sources of each bin's densification probe
    /// sequence (one-permutation hashing): they are the same for every
    /// document, so they are hashed once here instead of once per empty bin
    /// of every short document.
    probes: Vec<u16>,
}

/// Densification probes per bin kept in a table: a bin of a document with a
/// quarter of its bins occupied finds a source within 32 probes with
/// probability 1 - (3/4)^32 = 99.99%; further probes are hashed as before.
const TABLED_PROBES: usize = 32;

impl std::fmt::Debug for MinHasher {
    // The configuration and table sizes, not the tables (thousands of numbers
    // that say nothing a reader of a debug print wants).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MinHasher")
            .field("config", &self.config)
            .field("permutations", &self.multipliers.len())
            .field("tabled_probes", &self.probes.len())
            .finish()
    }
}

impl MinHasher {
    /// Builds the hash functions for a configuration.
    ///
    /// # Panics
    ///
    /// With one-permutation hashing and more than [`MAX_HASHES`] bins (the
    /// command line refuses such a `--num-hashes` before this point).
    pub fn new(config: MinHashConfig) -> Self {
        assert!(
            config.scheme != Scheme::OnePermutation || config.num_hashes <= MAX_HASHES,
            "one-permutation hashing supports at most {MAX_HASHES} bins, not {}",
            config.num_hashes
        );
        let mut state = config.seed ^ 0x005e_ed0f_5709_4a54;
        let mut next = || splitmix64(&mut state);
        let (multipliers, increments) = match config.scheme {
            Scheme::Classic => (0..config.num_hashes).map(|_| (next() | 1, next())).unzip(),
            Scheme::OnePermutation => (Vec::new(), Vec::new()),
        };
        let mut hasher = Self {
            config,
            multipliers,
            increments,
            probes: Vec::new(),
        };
        let bins = hasher.config.num_hashes;
        if hasher.config.scheme == Scheme::OnePermutation {
            hasher.probes = (0..bins)
                .flat_map(|bin| (0..TABLED_PROBES as u64).map(move |attempt| (bin, attempt)))
                .map(|(bin, attempt)| hasher.probe_source(bin, attempt, bins) as u16)
                .collect();
        }
        hasher
    }

    /// Number of values in a signature.
    pub fn num_hashes(&self) -> usize {
        self.config.num_hashes
    }

    /// Writes the signature of a set of shingle hashes into `out`
    /// (`out.len()` must be `num_hashes`). Repeated shingles do not matter.
    /// An empty set gives a signature of `u32::MAX` values.
    pub fn sign(&self, shingles: &[u64], out: &mut [u32]) {
        debug_assert_eq!(out.len(), self.config.num_hashes);
        out.fill(EMPTY);
        match self.config.scheme {
            Scheme::Classic => self.sign_classic(shingles, out),
            Scheme::OnePermutation => self.sign_one_permutation(shingles, out),
        }
    }

    fn sign_classic(&self, shingles: &[u64], out: &mut [u32]) {
        for &shingle in shingles {
            for ((slot, &multiplier), &increment) in
                out.iter_mut().zip(&self.multipliers).zip(&self.increments)
            {
                let value = (multiplier.wrapping_mul(shingle).wrapping_add(increment) >> 32) as u32;
                *slot = (*slot).min(value);
            }
        }
    }

    fn sign_one_permutation(&self, shingles: &[u64], out: &mut [u32]) {
        let bins = out.len() as u64;
        if bins.is_power_of_two() && bins > 1 {
            // The same bins by a shift: `((h >> 32) * 2^k) >> 32` is `h >> (64 - k)`
            // for k <= 32 (at most 1,024 hashes), and the mask lets the compiler
            // drop the bounds check (a third of this loop's instructions,
            // callgrind, 20 MB of `synth`). One bin would shift by 64: the
            // general loop takes it.
            let (shift, mask) = (64 - bins.trailing_zeros(), out.len() - 1);
            if out.len() <= 256 {
                sign_by_shift_in_two::<256>(shingles, shift, out);
            } else {
                for &shingle in shingles {
                    let bin = (shingle >> shift) as usize & mask;
                    let value = (shingle as u32).min(EMPTY - 1);
                    out[bin] = out[bin].min(value);
                }
            }
            self.densify(out);
            return;
        }
        for &shingle in shingles {
            let bin = (((shingle >> 32) * bins) >> 32) as usize;
            // EMPTY marks an empty bin, so a real value never takes it.
            let value = (shingle as u32).min(EMPTY - 1);
            // Branch-free: whether a shingle lowers its bin is a coin flip
            // early in a document, and the mispredictions cost more than the
            // store (this loop took 1.25 s on 1 GB with the branch).
            out[bin] = out[bin].min(value);
        }
        self.densify(out);
    }

    /// Optimal densification: each empty bin takes the value of the first
    /// non-empty bin in its own seeded probe sequence.
    fn densify(&self, out: &mut [u32]) {
        let bins = out.len();
        // A word of the bit set at a time, with no branch a bin (the bins'
        // loop with a branch each was a sixth of the signature's time).
        let mut occupied = Occupancy::default();
        for (word, values) in occupied.0.iter_mut().zip(out.chunks(64)) {
            *word = values.iter().enumerate().fold(0, |bits, (at, &value)| {
                bits | (u64::from(value != EMPTY) << at)
            });
        }
        let full: u32 = occupied.0.iter().map(|word| word.count_ones()).sum();
        if full == 0 || full as usize == bins {
            return;
        }
        // Only the empty bins: the clear bits of each word, one at a time.
        for (index, &word) in occupied.0.iter().enumerate().take(bins.div_ceil(64)) {
            let in_word = (bins - index * 64).min(64);
            let mask = if in_word == 64 {
                u64::MAX
            } else {
                (1 << in_word) - 1
            };
            let mut empty = !word & mask;
            while empty != 0 {
                let bin = index * 64 + empty.trailing_zeros() as usize;
                empty &= empty - 1;
                out[bin] = self.probe(bin, bins, &occupied, out);
            }
        }
    }

    /// The bin that attempt `attempt` of bin `bin`'s probe sequence looks at.
    fn probe_source(&self, bin: usize, attempt: u64, num_bins: usize) -> usize {
        let key = ((bin as u64) << 32) | attempt;
        let hash = xxh3_64_with_seed(&key.to_le_bytes(), self.config.seed);
        (((hash >> 32) * num_bins as u64) >> 32) as usize
    }

    fn probe(&self, bin: usize, num_bins: usize, occupied: &Occupancy, values: &[u32]) -> u32 {
        let bins = num_bins as u64;
        let tabled = if self.probes.len() == num_bins * TABLED_PROBES {
            &self.probes[bin * TABLED_PROBES..(bin + 1) * TABLED_PROBES]
        } else {
            &[]
        };
        if let Some(&source) = tabled.iter().find(|&&source| occupied.get(source.into())) {
            return values[usize::from(source)];
        }
        // With one bin in k occupied, 64 * k attempts all miss with probability
        // below e^-64; the circular scan after it only keeps the loop finite.
        for attempt in tabled.len() as u64..64 * bins {
            let source = self.probe_source(bin, attempt, num_bins);
            if occupied.get(source) {
                return values[source];
            }
        }
        (1..num_bins)
            .map(|step| (bin + step) % num_bins)
            .find(|&source| occupied.get(source))
            .map_or(EMPTY, |source| values[source])
    }
}

/// One-permutation signing with a power-of-two number of bins (at most `N`):
/// each bin is `shingle >> shift`. Shingles go in turn to `out` and to a
/// second set of bins, merged at the end: a store to a bin and a later load
/// of the same bin come half as often within the processor's window, and
/// each such pair stalls the load (the bins alone, without densification,
/// for the seed article's 1,460 shingles in a throwaway variant of `cargo
/// bench --bench kernels -- signature`: one set 1.22 µs, two 1.06, four
/// 1.08, eight 1.25).
fn sign_by_shift_in_two<const N: usize>(shingles: &[u64], shift: u32, out: &mut [u32]) {
    let mask = out.len() - 1;
    let mut second = [EMPTY; N];
    let second = &mut second[..out.len()];
    let mut pairs = shingles.chunks_exact(2);
    for pair in &mut pairs {
        let (a, b) = (pair[0], pair[1]);
        let bin = (a >> shift) as usize & mask;
        out[bin] = out[bin].min((a as u32).min(EMPTY - 1));
        let bin = (b >> shift) as usize & mask;
        second[bin] = second[bin].min((b as u32).min(EMPTY - 1));
    }
    for &shingle in pairs.remainder() {
        let bin = (shingle >> shift) as usize & mask;
        out[bin] = out[bin].min((shingle as u32).min(EMPTY - 1));
    }
    for (value, &other) in out.iter_mut().zip(second.iter()) {
        *value = (*value).min(other);
    }
}

/// Which bins are non-empty, as a bit set (128 bytes, cheap to clear per document).
#[derive(Default)]
struct Occupancy([u64; MAX_HASHES / 64]);

impl Occupancy {
    fn get(&self, bin: usize) -> bool {
        self.0[bin / 64] & (1 << (bin % 64)) != 0
    }
}

/// The Jaccard estimate of two signatures: the share of positions that agree
/// (of full values, or of their low bits as [`Signatures`] stores them).
pub fn estimate_jaccard<T: PartialEq>(left: &[T], right: &[T]) -> f64 {
    if left.is_empty() {
        return 0.0;
    }
    let equal = left.iter().zip(right).filter(|(a, b)| a == b).count();
    equal as f64 / left.len() as f64
}

/// All signatures of a run, for verification, in chunks of
/// [`Signatures::CHUNK`] signatures laid out flat: no allocation per document,
/// and growing never copies what is stored nor holds twice the memory, as a
/// doubling `Vec` would at its peak.
///
/// Only the low 16 bits of each value are kept (b-bit minwise hashing, Li and
/// König 2010): band keys are computed from the full values before they are
/// stored, and for the Jaccard estimate two different values agree in 16 bits
/// with probability 2^-16, which raises an estimate `J` by `(1 - J) / 65536`
/// at most, below the four decimals the outputs print. It halves the largest
/// part of the copy tier's memory (256 bytes a document instead of 512).
#[derive(Debug, Clone, Default)]
pub struct Signatures {
    num_hashes: usize,
    chunks: Vec<Vec<u16>>,
    len: usize,
}

impl Signatures {
    /// Signatures per chunk (2 MiB of 128-value signatures).
    pub const CHUNK: usize = 8192;

    /// An empty store for signatures of `num_hashes` values.
    pub fn new(num_hashes: usize) -> Self {
        Self {
            num_hashes,
            chunks: Vec::new(),
            len: 0,
        }
    }

    /// Appends a signature; returns its index.
    pub fn push(&mut self, signature: &[u32]) -> usize {
        debug_assert_eq!(signature.len(), self.num_hashes);
        let index = self.len;
        self.extend_zeroed(1);
        self.set(index, signature);
        index
    }

    /// Appends `count` signatures of zeros, to be written in place through
    /// [`Signatures::tail_mut`] and [`store_values`].
    pub fn extend_zeroed(&mut self, mut count: usize) {
        let per_chunk = Self::CHUNK * self.num_hashes;
        while count > 0 {
            if self.len % Self::CHUNK == 0 {
                self.chunks.push(Vec::with_capacity(per_chunk));
            }
            let room = Self::CHUNK - self.len % Self::CHUNK;
            let added = room.min(count);
            if let Some(chunk) = self.chunks.last_mut() {
                chunk.resize(chunk.len() + added * self.num_hashes, 0);
            }
            self.len += added;
            count -= added;
        }
    }

    /// The stored values of each signature from index `from` on, one slice a
    /// signature, to write in parallel.
    pub fn tail_mut(&mut self, from: usize) -> Vec<&mut [u16]> {
        let num_hashes = self.num_hashes.max(1);
        let mut tail = Vec::with_capacity(self.len.saturating_sub(from));
        for (index, chunk) in self.chunks.iter_mut().enumerate().skip(from / Self::CHUNK) {
            let skip = from.saturating_sub(index * Self::CHUNK);
            tail.extend(chunk.chunks_mut(num_hashes).skip(skip));
        }
        tail
    }

    /// The stored (low 16 bits) values of the signature at `index`.
    pub fn get(&self, index: usize) -> &[u16] {
        let start = (index % Self::CHUNK) * self.num_hashes;
        &self.chunks[index / Self::CHUNK][start..start + self.num_hashes]
    }

    /// Overwrites the signature at `index`.
    pub fn set(&mut self, index: usize, signature: &[u32]) {
        let start = (index % Self::CHUNK) * self.num_hashes;
        store_values(
            &mut self.chunks[index / Self::CHUNK][start..start + self.num_hashes],
            signature,
        );
    }

    /// Number of signatures stored.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no signature is stored.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Values per signature.
    pub fn num_hashes(&self) -> usize {
        self.num_hashes
    }

    /// Bytes held by the signatures.
    pub fn heap_bytes(&self) -> usize {
        self.chunks
            .iter()
            .map(|chunk| chunk.capacity() * std::mem::size_of::<u16>())
            .sum()
    }
}

/// Writes a signature's values as [`Signatures`] keeps them (their low 16
/// bits).
pub fn store_values(stored: &mut [u16], signature: &[u32]) {
    for (slot, &value) in stored.iter_mut().zip(signature) {
        *slot = value as u16;
    }
}

/// SplitMix64 (Steele, Lea & Flood 2014): a small, fast, well-mixed generator for
/// deriving hash parameters from a seed.
pub fn splitmix64(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    /// Two random sets with a chosen overlap, hashed as the shingle stage would.
    fn random_pair(state: &mut u64, seed: u64) -> (Vec<u64>, Vec<u64>, f64) {
        let shared = (splitmix64(state) % 400) as usize;
        let only_left = (splitmix64(state) % 300) as usize;
        let only_right = (splitmix64(state) % 300) as usize;
        let mut fresh = || xxh3_64_with_seed(&splitmix64(state).to_le_bytes(), seed);
        let common: Vec<u64> = (0..shared + 1).map(|_| fresh()).collect();
        let mut left = common.clone();
        left.extend((0..only_left).map(|_| fresh()));
        let mut right = common;
        right.extend((0..only_right).map(|_| fresh()));
        let left_set: HashSet<_> = left.iter().collect();
        let right_set: HashSet<_> = right.iter().collect();
        let exact = left_set.intersection(&right_set).count() as f64
            / left_set.union(&right_set).count() as f64;
        (left, right, exact)
    }

    /// Over 3000 random pairs (sizes 1 to 700, so that short documents with many
    /// empty bins are well represented), the mean of (estimate - exact) must be
    /// within 4 standard errors of 0, and each estimate within 6 sigma of its
    /// exact value, sigma = sqrt(J(1-J)/k) being the binomial standard deviation.
    fn check_unbiased(scheme: Scheme) {
        let pairs = 3000;
        let num_hashes = 128;
        let mut state = 42;
        let mut errors = Vec::with_capacity(pairs);
        for pair in 0..pairs {
            let seed = pair as u64;
            let hasher = MinHasher::new(MinHashConfig {
                num_hashes,
                seed,
                scheme,
            });
            let (left, right, exact) = random_pair(&mut state, seed);
            let mut left_sig = vec![0; num_hashes];
            let mut right_sig = vec![0; num_hashes];
            hasher.sign(&left, &mut left_sig);
            hasher.sign(&right, &mut right_sig);
            let estimate = estimate_jaccard(&left_sig, &right_sig);
            let sigma = (exact * (1.0 - exact) / num_hashes as f64).sqrt();
            assert!(
                (estimate - exact).abs() <= 6.0 * sigma + 1.0 / num_hashes as f64,
                "{scheme:?}: estimate {estimate} far from exact {exact}"
            );
            errors.push(estimate - exact);
        }
        let mean = errors.iter().sum::<f64>() / pairs as f64;
        let variance = errors.iter().map(|e| (e - mean).powi(2)).sum::<f64>() / (pairs - 1) as f64;
        let standard_error = (variance / pairs as f64).sqrt();
        assert!(
            mean.abs() <= 4.0 * standard_error,
            "{scheme:?}: mean error {mean} exceeds 4 standard errors ({standard_error})"
        );
    }

    #[test]
    fn one_permutation_estimate_is_unbiased_against_exact_jaccard() {
        check_unbiased(Scheme::OnePermutation);
    }

    #[test]
    fn classic_estimate_is_unbiased_against_exact_jaccard() {
        check_unbiased(Scheme::Classic);
    }

    #[test]
    fn signatures_written_in_place_read_like_pushed_ones() {
        // Across a chunk's end: a batch may start in one chunk and end in the next.
        let num_hashes = 4;
        let signature = |index: usize| -> Vec<u32> {
            // The low 16 bits (those kept) differ from one index to the next.
            (0..num_hashes as u32)
                .map(|slot| (slot << 24) | (index as u32 * num_hashes as u32 + slot))
                .collect()
        };
        let (mut pushed, mut in_place) = (Signatures::new(num_hashes), Signatures::new(num_hashes));
        let first = Signatures::CHUNK - 3;
        for index in 0..first {
            pushed.push(&signature(index));
            in_place.push(&signature(index));
        }
        for batch in [5, 1, Signatures::CHUNK + 2] {
            let start = in_place.len();
            in_place.extend_zeroed(batch);
            let tail = in_place.tail_mut(start);
            assert_eq!(tail.len(), batch);
            for (offset, stored) in tail.into_iter().enumerate() {
                store_values(stored, &signature(start + offset));
            }
            for index in start..start + batch {
                pushed.push(&signature(index));
            }
        }
        assert_eq!(in_place.len(), pushed.len());
        for index in 0..pushed.len() {
            assert_eq!(in_place.get(index), pushed.get(index), "signature {index}");
            let expected = (index * num_hashes + 1) as u16;
            assert_eq!(in_place.get(index)[1], expected, "signature {index}");
        }
    }

    #[test]
    fn identical_sets_give_identical_signatures() {
        for scheme in [Scheme::OnePermutation, Scheme::Classic] {
            let hasher = MinHasher::new(MinHashConfig {
                scheme,
                ..MinHashConfig::default()
            });
            let set: Vec<u64> = (0..50u64).map(|v| v.wrapping_mul(0x9E37_79B9)).collect();
            let mut reversed = set.clone();
            reversed.reverse();
            let (mut a, mut b) = (vec![0; 128], vec![0; 128]);
            hasher.sign(&set, &mut a);
            hasher.sign(&reversed, &mut b);
            assert_eq!(a, b);
            assert!(a.iter().all(|&v| v != EMPTY));
        }
    }

    /// One-permutation bins by the general formula, one loop, not densified.
    fn bins_by_formula(set: &[u64], bins: usize) -> Vec<u32> {
        let mut values = vec![EMPTY; bins];
        for &shingle in set {
            let bin = (((shingle >> 32) * bins as u64) >> 32) as usize;
            values[bin] = values[bin].min((shingle as u32).min(EMPTY - 1));
        }
        values
    }

    #[test]
    fn power_of_two_bins_by_shift_match_the_general_formula() {
        let mut state = 7u64;
        for bins in [2usize, 3, 64, 100, 126, 128, 256, 512] {
            let hasher = MinHasher::new(MinHashConfig {
                num_hashes: bins,
                ..MinHashConfig::default()
            });
            for size in [1usize, 5, 40, 1_000] {
                let set: Vec<u64> = (0..size).map(|_| splitmix64(&mut state)).collect();
                let mut got = vec![0; bins];
                hasher.sign(&set, &mut got);
                let mut expected = bins_by_formula(&set, bins);
                hasher.densify(&mut expected);
                assert_eq!(got, expected, "{bins} bins, {size} shingles");
            }
        }
    }

    #[test]
    #[should_panic(expected = "at most 1024 bins")]
    fn too_many_bins_are_refused_when_built() {
        MinHasher::new(MinHashConfig {
            num_hashes: MAX_HASHES + 1,
            ..MinHashConfig::default()
        });
    }

    #[test]
    fn classic_hashing_is_not_limited_to_the_bins_of_a_table() {
        let hasher = MinHasher::new(MinHashConfig {
            num_hashes: MAX_HASHES + 1,
            scheme: Scheme::Classic,
            ..MinHashConfig::default()
        });
        let mut signature = vec![0u32; MAX_HASHES + 1];
        hasher.sign(&[1, 2, 3], &mut signature);
        assert!(signature.iter().all(|&value| value != EMPTY));
        // Debug shows sizes, not the tables.
        assert!(format!("{hasher:?}").len() < 400);
    }

    #[test]
    fn tabled_probes_densify_as_hashed_probes() {
        let mut state = 11u64;
        for bins in [2usize, 3, 100, 128, 512, 1024] {
            let hasher = MinHasher::new(MinHashConfig {
                num_hashes: bins,
                ..MinHashConfig::default()
            });
            // Few shingles in many bins: most probe sequences run past the
            // table (1,024 bins, 1 shingle: about 1,024 probes a bin).
            for size in [1usize, 2, 3, 10, 60, 301] {
                let set: Vec<u64> = (0..size).map(|_| splitmix64(&mut state)).collect();
                let mut got = vec![0; bins];
                hasher.sign(&set, &mut got);
                let raw = bins_by_formula(&set, bins);
                let expected: Vec<u32> = (0..bins)
                    .map(|bin| {
                        if raw[bin] != EMPTY {
                            return raw[bin];
                        }
                        (0..64 * bins as u64)
                            .map(|attempt| hasher.probe_source(bin, attempt, bins))
                            .find(|&source| raw[source] != EMPTY)
                            .map_or(EMPTY, |source| raw[source])
                    })
                    .collect();
                assert_eq!(got, expected, "{bins} bins, {size} shingles");
            }
        }
    }

    #[test]
    fn a_single_shingle_fills_every_bin() {
        let hasher = MinHasher::new(MinHashConfig::default());
        let mut sig = vec![0; 128];
        hasher.sign(&[12345], &mut sig);
        assert!(sig.iter().all(|&v| v != EMPTY));
    }
}
