//! Scoring a clustering against labels: pairwise precision, recall and F1, and
//! the adjusted Rand index (Hubert & Arabie 1985). All come from the contingency
//! table of (predicted, true) label pairs, so scoring is linear in the number of
//! documents rather than quadratic in pairs.

use std::collections::HashMap;
use std::hash::Hash;

/// Scores of a predicted clustering against the truth.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Scores {
    /// Pairs placed together that belong together, over pairs placed together.
    pub precision: f64,
    /// Pairs placed together that belong together, over pairs that belong together.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
    /// Adjusted Rand index: 1 for identical clusterings, about 0 for chance.
    pub adjusted_rand_index: f64,
    /// Pairs placed together.
    pub predicted_pairs: u64,
    /// Pairs that belong together.
    pub true_pairs: u64,
    /// Pairs both placed and belonging together.
    pub shared_pairs: u64,
}

fn pairs(count: u64) -> u64 {
    count * count.saturating_sub(1) / 2
}

/// Scores `predicted[i]` against `truth[i]` (any label types; only equality matters).
pub fn score<P: Eq + Hash, T: Eq + Hash>(predicted: &[P], truth: &[T]) -> Scores {
    assert_eq!(
        predicted.len(),
        truth.len(),
        "one label per document on each side"
    );
    let mut cells: HashMap<(&P, &T), u64> = HashMap::new();
    let mut rows: HashMap<&P, u64> = HashMap::new();
    let mut columns: HashMap<&T, u64> = HashMap::new();
    for (p, t) in predicted.iter().zip(truth) {
        *cells.entry((p, t)).or_default() += 1;
        *rows.entry(p).or_default() += 1;
        *columns.entry(t).or_default() += 1;
    }
    let shared: u64 = cells.values().map(|&n| pairs(n)).sum();
    let predicted_pairs: u64 = rows.values().map(|&n| pairs(n)).sum();
    let true_pairs: u64 = columns.values().map(|&n| pairs(n)).sum();
    let all_pairs = pairs(predicted.len() as u64) as f64;
    let precision = if predicted_pairs == 0 {
        1.0
    } else {
        shared as f64 / predicted_pairs as f64
    };
    let recall = if true_pairs == 0 {
        1.0
    } else {
        shared as f64 / true_pairs as f64
    };
    let f1 = if precision + recall == 0.0 {
        0.0
    } else {
        2.0 * precision * recall / (precision + recall)
    };
    let expected = if all_pairs == 0.0 {
        0.0
    } else {
        predicted_pairs as f64 * true_pairs as f64 / all_pairs
    };
    let maximum = (predicted_pairs as f64 + true_pairs as f64) / 2.0;
    let adjusted_rand_index = if (maximum - expected).abs() < f64::EPSILON {
        1.0
    } else {
        (shared as f64 - expected) / (maximum - expected)
    };
    Scores {
        precision,
        recall,
        f1,
        adjusted_rand_index,
        predicted_pairs,
        true_pairs,
        shared_pairs: shared,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identical_clusterings_score_one() {
        let labels = [0, 0, 1, 1, 2];
        let scores = score(&labels, &labels);
        assert_eq!(
            (scores.precision, scores.recall, scores.f1),
            (1.0, 1.0, 1.0)
        );
        assert!((scores.adjusted_rand_index - 1.0).abs() < 1e-12);
    }

    #[test]
    fn pairwise_counts_match_enumeration() {
        // predicted {0,1,2} {3,4}; truth {0,1} {2,3,4}
        let scores = score(&[0, 0, 0, 1, 1], &["a", "a", "b", "b", "b"]);
        assert_eq!(
            (
                scores.predicted_pairs,
                scores.true_pairs,
                scores.shared_pairs
            ),
            (4, 4, 2)
        );
        assert_eq!(scores.precision, 0.5);
        assert_eq!(scores.recall, 0.5);
    }

    #[test]
    fn adjusted_rand_index_matches_a_known_value() {
        // sklearn.metrics.adjusted_rand_score([0,0,1,1],[0,0,1,2]) = 0.5714285714285714 (scikit-learn 1.x)
        let scores = score(&[0, 0, 1, 1], &[0, 0, 1, 2]);
        assert!((scores.adjusted_rand_index - 0.571_428_571_428_571_5).abs() < 1e-12);
    }
}
