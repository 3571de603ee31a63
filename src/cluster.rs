//! Cluster stage: verified pairs in, copy clusters out.
//!
//! Union-find (with path halving and union by size) over the verified pairs gives
//! the connected components. Each component keeps one document, chosen by a stated
//! policy: the earliest date, then the longest text, then the first seen in input
//! order (documents without a date come after dated ones). The others are its
//! duplicates. A cluster's id is derived from its kept document's id
//! (`c` + 16 hex digits of xxh3-64), so it does not depend on thread count, input
//! order of unrelated documents, or the order in which pairs were found.

use xxhash_rust::xxh3::xxh3_64;

/// Disjoint sets over document indices.
#[derive(Debug, Clone)]
pub struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    /// `count` singleton sets.
    pub fn new(count: usize) -> Self {
        Self {
            parent: (0..count as u32).collect(),
            size: vec![1; count],
        }
    }

    /// The representative of `item`'s set.
    pub fn find(&mut self, mut item: u32) -> u32 {
        while self.parent[item as usize] != item {
            let grandparent = self.parent[self.parent[item as usize] as usize];
            self.parent[item as usize] = grandparent;
            item = grandparent;
        }
        item
    }

    /// Merges the sets of `a` and `b`; returns whether they were apart.
    pub fn union(&mut self, a: u32, b: u32) -> bool {
        let (mut root_a, mut root_b) = (self.find(a), self.find(b));
        if root_a == root_b {
            return false;
        }
        if self.size[root_a as usize] < self.size[root_b as usize] {
            std::mem::swap(&mut root_a, &mut root_b);
        }
        self.parent[root_b as usize] = root_a;
        self.size[root_a as usize] += self.size[root_b as usize];
        true
    }
}

/// What the keep policy looks at for one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeepKey {
    /// Publication time as seconds since the epoch, when the document had a date.
    pub date: Option<i64>,
    /// Length of the text in bytes.
    pub text_len: u64,
}

/// Whether document `a` (seen before `b` when `a < b`) is kept over `b`.
fn keep_before(a: (u32, KeepKey), b: (u32, KeepKey)) -> bool {
    let rank = |(index, key): (u32, KeepKey)| {
        (
            key.date.is_none(),
            key.date.unwrap_or(0),
            std::cmp::Reverse(key.text_len),
            index,
        )
    };
    rank(a) < rank(b)
}

/// Copy clusters: for each document, the index of its cluster's kept document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyClusters {
    /// `kept_of[i]` is the kept document of `i`'s cluster (`i` itself when kept).
    pub kept_of: Vec<u32>,
}

/// Groups documents by the verified pairs and picks the kept one of each group.
/// `keys[i]` is document `i`'s policy key; `pairs` may come in any order.
pub fn copy_clusters(keys: &[KeepKey], pairs: &[(u32, u32)]) -> CopyClusters {
    let mut sets = UnionFind::new(keys.len());
    for &(a, b) in pairs {
        sets.union(a, b);
    }
    // Best document per root, found in one pass.
    let mut best: Vec<u32> = (0..keys.len() as u32).collect();
    for index in 0..keys.len() as u32 {
        let root = sets.find(index) as usize;
        let current = best[root];
        if keep_before(
            (index, keys[index as usize]),
            (current, keys[current as usize]),
        ) {
            best[root] = index;
        }
    }
    let kept_of = (0..keys.len() as u32)
        .map(|index| best[sets.find(index) as usize])
        .collect();
    CopyClusters { kept_of }
}

/// The stable id of the cluster whose kept document has id `kept_id`.
pub fn cluster_id(kept_id: &str) -> String {
    format!("c{:016x}", xxh3_64(kept_id.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(date: Option<i64>, text_len: u64) -> KeepKey {
        KeepKey { date, text_len }
    }

    #[test]
    fn earliest_date_is_kept_then_longest_then_first() {
        let keys = [
            key(None, 900),
            key(Some(200), 100),
            key(Some(100), 50),
            key(Some(100), 60),
        ];
        let clusters = copy_clusters(&keys, &[(0, 1), (1, 2), (2, 3)]);
        assert_eq!(clusters.kept_of, vec![3, 3, 3, 3]);
        let ties = [key(None, 10), key(None, 10)];
        assert_eq!(copy_clusters(&ties, &[(1, 0)]).kept_of, vec![0, 0]);
    }

    #[test]
    fn pair_order_does_not_change_clusters() {
        let keys: Vec<KeepKey> = (0..6).map(|i| key(None, 100 + i)).collect();
        let pairs = [(0, 1), (2, 3), (1, 4)];
        let mut reversed = pairs;
        reversed.reverse();
        assert_eq!(
            copy_clusters(&keys, &pairs),
            copy_clusters(&keys, &reversed)
        );
        assert_eq!(copy_clusters(&keys, &pairs).kept_of, vec![4, 4, 3, 3, 4, 5]);
    }
}

/// How similar two documents are, by two measures.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Similarity {
    /// Jaccard similarity of the shingle sets.
    pub jaccard: f64,
    /// Share of the smaller document's shingles found in the larger, counted only
    /// when the smaller has at least [`MIN_CONTAINMENT_SIZE_RATIO`] of the larger's
    /// size (else equal to `jaccard`): a re-scrape cut to 70% is contained in its
    /// original, but a one-paragraph brief inside a long feature is not its copy.
    pub containment: f64,
}

/// Below this size ratio, containment is not considered (see [`Similarity`]).
pub const MIN_CONTAINMENT_SIZE_RATIO: f64 = 0.5;

impl Similarity {
    /// From a Jaccard value and the two shingle-set sizes. The intersection follows
    /// from `J = I / (|A| + |B| - I)`, so `I = J (|A| + |B|) / (1 + J)`.
    pub fn from_jaccard(jaccard: f64, size_a: u32, size_b: u32) -> Self {
        let (small, large) = (size_a.min(size_b) as f64, size_a.max(size_b) as f64);
        let containment = if small > 0.0 && small / large >= MIN_CONTAINMENT_SIZE_RATIO {
            let intersection = jaccard * (small + large) / (1.0 + jaccard);
            (intersection / small).clamp(jaccard, 1.0)
        } else {
            jaccard
        };
        Self {
            jaccard,
            containment,
        }
    }

    /// The score compared with the threshold: Jaccard, or the larger of Jaccard
    /// and containment when containment counts.
    pub fn score(&self, containment: bool) -> f64 {
        if containment {
            self.jaccard.max(self.containment)
        } else {
            self.jaccard
        }
    }
}

/// The lowest Jaccard that a copy can have under a rule: the threshold itself,
/// or with containment, a fully contained document of the smallest size ratio
/// allowed, `t r / (1 + r - t r)`. The LSH curve is placed there so that such
/// pairs become candidates.
pub fn lowest_copy_jaccard(threshold: f64, containment: bool) -> f64 {
    if containment {
        let ratio = MIN_CONTAINMENT_SIZE_RATIO;
        let implied = threshold * ratio / (1.0 + ratio - threshold * ratio);
        implied.min(threshold)
    } else {
        threshold
    }
}

#[cfg(test)]
mod similarity_tests {
    use super::*;

    #[test]
    fn a_prefix_of_seventy_percent_is_fully_contained() {
        // |A| = 70, |B| = 100, A inside B: J = 0.7.
        let similarity = Similarity::from_jaccard(0.7, 70, 100);
        assert!((similarity.containment - 1.0).abs() < 1e-9);
    }

    #[test]
    fn containment_is_ignored_for_very_unequal_sizes() {
        let similarity = Similarity::from_jaccard(0.2, 20, 100);
        assert_eq!(similarity.containment, 0.2);
    }

    #[test]
    fn lowest_jaccard_matches_a_contained_document_at_the_ratio_floor() {
        let lowest = lowest_copy_jaccard(1.0, true);
        assert!((lowest - 0.5).abs() < 1e-9);
        assert_eq!(lowest_copy_jaccard(0.7, false), 0.7);
    }
}
