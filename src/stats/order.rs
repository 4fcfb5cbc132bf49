//! Order statistics: ranking of published scores and the median.

use std::cmp::Ordering;

use super::rounding::published_hundredths;

/// Standard competition ranking ("1224") of scores, descending, compared on their published
/// value (two decimals): ranks[i] is the rank of scores[i]. 4.776 and 4.7751 both publish as
/// 4.78 and tie (whereas 4.7749 publishes as 4.77 and ranks below them).
///
/// Ranking on the published hundredths rather than the raw doubles means a reader never sees
/// two rows showing the same score with different ranks. A `NaN` score (which should not reach
/// a table) is ranked after every number, tied with the other `NaN`s.
pub fn competition_ranks(scores: &[f64]) -> Vec<u32> {
    // `None` for NaN; it sorts after every published value below.
    let keys: Vec<Option<i64>> = scores
        .iter()
        .map(|&s| (!s.is_nan()).then(|| published_hundredths(s)))
        .collect();
    let descending = |a: &Option<i64>, b: &Option<i64>| match (a, b) {
        (Some(a), Some(b)) => b.cmp(a),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    let mut order: Vec<usize> = (0..scores.len()).collect();
    order.sort_by(|&i, &j| descending(&keys[i], &keys[j]));

    let mut ranks = vec![0u32; scores.len()];
    let mut rank = 0u32;
    for (position, &i) in order.iter().enumerate() {
        // A new rank starts wherever the published value changes: it is one more than the
        // number of scores strictly ahead, which is the position in the sorted order.
        if position == 0 || keys[i] != keys[order[position - 1]] {
            rank = u32::try_from(position + 1).unwrap_or(u32::MAX);
        }
        ranks[i] = rank;
    }
    ranks
}

/// Median of a non-empty slice (average of the middle two for even length); None when empty.
///
/// Also `None` when any value is `NaN`, since there is then no meaningful middle value.
/// Runs in linear time (selection, not a full sort) on a copy; the input is not reordered.
pub fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() || values.iter().any(|v| v.is_nan()) {
        return None;
    }
    let mut v = values.to_vec();
    let mid = v.len() / 2;
    let (lower_half, &mut upper, _) = v.select_nth_unstable_by(mid, f64::total_cmp);
    if values.len() % 2 == 1 {
        return Some(upper);
    }
    // After selection everything left of `mid` is <= v[mid]; the largest of them is the other
    // middle value.
    let lower = lower_half.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    // `midpoint` cannot overflow, unlike `(a + b) / 2`.
    Some(lower.midpoint(upper))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn competition_ranking_examples() {
        // "1224": two tied for second, the next one is fourth.
        assert_eq!(
            competition_ranks(&[4.89, 4.77, 4.77, 4.60]),
            vec![1, 2, 2, 4]
        );
        // Order of the input does not matter; ranks follow their scores.
        assert_eq!(
            competition_ranks(&[4.60, 4.77, 4.89, 4.77]),
            vec![4, 2, 1, 2]
        );
        // 4.776 and 4.7751 both publish as 4.78, so they tie, though 4.776 is larger; 4.775
        // (half, rounded away from zero) publishes as 4.78 too.
        assert_eq!(competition_ranks(&[4.7751, 4.776, 4.9]), vec![2, 2, 1]);
        assert_eq!(competition_ranks(&[4.775, 4.776, 4.7751]), vec![1, 1, 1]);
        // 4.7749 publishes as 4.77, so it ranks below them even though it is only 0.0002 less.
        assert_eq!(competition_ranks(&[4.7749, 4.7751]), vec![2, 1]);
        assert_eq!(competition_ranks(&[4.7749, 4.776, 4.77]), vec![2, 1, 2]);
        assert_eq!(competition_ranks(&[]), Vec::<u32>::new());
        assert_eq!(competition_ranks(&[3.0]), vec![1]);
        assert_eq!(competition_ranks(&[2.0, 2.0, 2.0]), vec![1, 1, 1]);
        assert_eq!(
            competition_ranks(&[1.0, 2.0, 2.0, 3.0, 3.0, 3.0]),
            vec![6, 4, 4, 1, 1, 1]
        );
        // Negative scores rank below positive ones.
        assert_eq!(competition_ranks(&[-1.0, 0.0, 1.0]), vec![3, 2, 1]);
    }

    #[test]
    fn nan_ranks_last() {
        assert_eq!(
            competition_ranks(&[f64::NAN, 1.0, f64::NAN, 2.0]),
            vec![3, 2, 3, 1]
        );
    }

    #[test]
    fn median_cases() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[7.0]), Some(7.0));
        assert_eq!(median(&[3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&[5.0, 1.0, 4.0, 2.0, 3.0]), Some(3.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[1.0, 1.0, 1.0, 2.0]), Some(1.0));
        assert_eq!(median(&[-2.0, 2.0]), Some(0.0));
        assert_eq!(median(&[f64::MAX, f64::MAX]), Some(f64::MAX));
        assert_eq!(median(&[1.0, f64::NAN, 3.0]), None);
        // Input left untouched.
        let data = [9.0, 1.0, 5.0, 3.0];
        assert_eq!(median(&data), Some(4.0));
        assert_eq!(data, [9.0, 1.0, 5.0, 3.0]);
    }
}
