//! Streaming mean and variance, and the per-group summary built from them.

use super::tdist::ci95;

/// Streaming mean/variance: an exactly rounded mean and Welford's sum of squared deviations.
///
/// Keeps the count, a compensated sum of the values (for the mean), and Welford's running mean
/// and `m2`, the sum of squared deviations from the running mean. Unlike accumulating `Σx` and
/// `Σx²`, `m2` does not lose all significant digits when the values share a large offset
/// (1e9 + small differences), and all of it is O(1) memory, so a million answers can be
/// summarised without being stored.
///
/// Why the mean is not Welford's running mean: each `mean += delta / n` rounds, and over a
/// million values in an unlucky order those roundings drift by 1e-11, enough to move an exact
/// half-hundredth such as 4.775 to 4.774999999984 and publish it as 4.77 instead of 4.78. The
/// published two-decimal figure must not depend on the order the responses were stored in. So
/// [`mean`](Self::mean) is the sum divided by n, the sum kept by Neumaier's compensated
/// summation: its error is a few ulps of the sum whatever the order and n (not growing with
/// n as plain or Welford accumulation does), far inside the margin that
/// [`round_half_away`](super::round_half_away) allows. The running mean is still kept, because
/// Welford's `m2` update needs it and is as accurate as before.
///
/// Values are taken as given: a `NaN` or infinity pushed in propagates into every figure. The
/// caller decides what is missing before pushing.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Moments {
    n: u64,
    /// Neumaier's running sum and its compensation: the exact sum of the values is (up to a
    /// few ulps) `sum + compensation`.
    sum: f64,
    compensation: f64,
    /// Welford's running mean, used only for the `m2` update.
    running_mean: f64,
    m2: f64,
}

impl Moments {
    /// An empty accumulator (n = 0).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one observation: Neumaier's compensated addition to the sum and Welford's update of
    /// the running mean and `m2`.
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let t = self.sum + x;
        // The rounding error of `sum + x`, recovered exactly from whichever operand is larger.
        self.compensation += if self.sum.abs() >= x.abs() {
            (self.sum - t) + x
        } else {
            (x - t) + self.sum
        };
        self.sum = t;
        let delta = x - self.running_mean;
        self.running_mean += delta / self.n as f64;
        // `delta * (x - new_mean)` equals `delta² (n-1)/n`: both factors have the same sign,
        // so m2 never decreases and never goes negative through rounding.
        self.m2 += delta * (x - self.running_mean);
    }

    /// Adds everything `other` has seen, as if its observations had been pushed here.
    ///
    /// The compensated sums combine exactly: Knuth's two-sum gives the rounding error of
    /// `sum_a + sum_b`, which joins the two compensations, so a merged mean is as exact as a
    /// pushed one. `m2` uses the pairwise combination of Chan, Golub & LeVeque (1979):
    /// `m2 = m2_a + m2_b + δ² n_a n_b / n` with `δ = mean_b - mean_a` (the exact means). This lets
    /// groups be summarised separately (per unit, per thread) and combined afterwards. `m2`
    /// equals sequential pushing up to rounding, not bit for bit.
    pub fn merge(&mut self, other: &Moments) {
        if other.n == 0 {
            return;
        }
        if self.n == 0 {
            *self = *other;
            return;
        }
        let (na, nb) = (self.n as f64, other.n as f64);
        let n = self.n + other.n;
        let nf = n as f64;
        let delta = other.exact_mean() - self.exact_mean();
        self.m2 += other.m2 + delta * delta * (na * nb / nf);
        let t = self.sum + other.sum;
        let virtual_other = t - self.sum;
        let error = (self.sum - (t - virtual_other)) + (other.sum - virtual_other);
        self.compensation += other.compensation + error;
        self.sum = t;
        self.n = n;
        // Restart Welford's running mean from the exact one, shedding any drift.
        self.running_mean = self.exact_mean();
    }

    /// The compensated sum over n, for n > 0.
    fn exact_mean(&self) -> f64 {
        self.sum() / self.n as f64
    }

    /// Number of observations pushed (or merged in).
    pub fn n(&self) -> u64 {
        self.n
    }

    /// Arithmetic mean, the compensated sum divided by n (see the type's documentation for why);
    /// `None` when nothing has been pushed.
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then(|| self.exact_mean())
    }

    /// Sum of the values, compensated (exact up to a few ulps whatever the order); 0 when empty.
    ///
    /// Once the sum is infinite or `NaN` the compensation is meaningless (`inf - inf`), so the
    /// sum alone decides.
    pub fn sum(&self) -> f64 {
        if self.sum.is_finite() {
            self.sum + self.compensation
        } else {
            self.sum
        }
    }

    /// Sample standard deviation (`n - 1` denominator); `None` when `n < 2`.
    pub fn sample_sd(&self) -> Option<f64> {
        self.sample_variance().map(f64::sqrt)
    }

    /// Sample variance, `m2 / (n - 1)`; `None` when `n < 2` (one value has no spread estimate).
    pub fn sample_variance(&self) -> Option<f64> {
        (self.n >= 2).then(|| self.m2 / (self.n - 1) as f64)
    }

    /// The descriptive figures of this group as reported: n, mean, sample SD and the two-sided
    /// 95% t confidence interval of the mean (present only when `n >= 2`).
    pub fn summary(&self) -> Summary {
        let mean = self.mean();
        let sd = self.sample_sd();
        let ci95 = match (mean, sd) {
            (Some(m), Some(s)) => ci95(m, s, self.n),
            _ => None,
        };
        Summary {
            n: self.n,
            mean,
            sd,
            ci95,
        }
    }
}

/// Descriptive figures of one group as reported: n, mean, sample SD, two-sided 95% CI of the mean.
///
/// `mean` is `None` for an empty group; `sd` and `ci95` are `None` below two observations.
/// `ci95` serialises as a two-element array `[low, high]`.
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Summary {
    pub n: u64,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub ci95: Option<(f64, f64)>,
}

#[cfg(test)]
mod tests {
    use super::super::round_half_away;
    use super::*;

    /// Deterministic pseudo-random values (SplitMix64), so the tests need no RNG crate and give
    /// the same numbers on every run.
    fn splitmix_values(count: usize, seed: u64) -> Vec<f64> {
        let mut state = seed;
        (0..count)
            .map(|_| {
                state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
                let mut z = state;
                z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
                z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
                z ^= z >> 31;
                // 53 random bits -> [0, 1), spread over a Likert-like range 1..5.
                1.0 + 4.0 * ((z >> 11) as f64 / (1u64 << 53) as f64)
            })
            .collect()
    }

    fn two_pass(values: &[f64]) -> (f64, f64) {
        let n = values.len() as f64;
        let mean = values.iter().sum::<f64>() / n;
        let ss: f64 = values.iter().map(|x| (x - mean) * (x - mean)).sum();
        (mean, ss / (n - 1.0))
    }

    fn rel_close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol * a.abs().max(b.abs()).max(1.0)
    }

    #[test]
    fn empty_and_single() {
        let mut m = Moments::new();
        assert_eq!(m, Moments::default());
        assert_eq!(m.n(), 0);
        assert_eq!(m.mean(), None);
        assert_eq!(m.sample_variance(), None);
        assert_eq!(m.sample_sd(), None);
        assert_eq!(
            m.summary(),
            Summary {
                n: 0,
                mean: None,
                sd: None,
                ci95: None
            }
        );
        m.push(3.5);
        assert_eq!(m.n(), 1);
        assert_eq!(m.mean(), Some(3.5));
        assert_eq!(m.sample_sd(), None);
        assert_eq!(m.summary().ci95, None);
    }

    #[test]
    fn matches_two_pass_on_pseudo_random_values() {
        let values = splitmix_values(500, 20240601);
        let mut m = Moments::new();
        for &x in &values {
            m.push(x);
        }
        let (mean, var) = two_pass(&values);
        assert_eq!(m.n(), 500);
        assert!(rel_close(m.mean().unwrap(), mean, 1e-12));
        assert!(rel_close(m.sample_variance().unwrap(), var, 1e-12));
        assert!(rel_close(m.sample_sd().unwrap(), var.sqrt(), 1e-12));
    }

    #[test]
    fn merge_equals_sequential_push() {
        let values = splitmix_values(300, 7);
        let mut sequential = Moments::new();
        for &x in &values {
            sequential.push(x);
        }
        // Uneven chunks, including an empty one on either side of a merge.
        for split in [0, 1, 2, 37, 150, 299, 300] {
            let (a, b) = values.split_at(split);
            let mut left = Moments::new();
            a.iter().for_each(|&x| left.push(x));
            let mut right = Moments::new();
            b.iter().for_each(|&x| right.push(x));
            left.merge(&right);
            assert_eq!(left.n(), sequential.n());
            assert!(rel_close(
                left.mean().unwrap(),
                sequential.mean().unwrap(),
                1e-12
            ));
            assert!(rel_close(
                left.sample_variance().unwrap(),
                sequential.sample_variance().unwrap(),
                1e-12
            ));
        }
        let mut empty = Moments::new();
        empty.merge(&Moments::new());
        assert_eq!(empty, Moments::new());
    }

    /// Values in [4, 8) are whole multiples of 2^-50, so this is exact.
    fn fifty_bit_units(x: f64) -> i128 {
        (x * (1u64 << 50) as f64) as i128
    }

    /// The order of `count` copies each of `low` and `high` that makes Welford's running mean
    /// (the mean `Moments` used to report) drift down: at each step, of the two values still
    /// available, push the one after which the running mean lies furthest below the exact mean
    /// of what has been pushed. Exact means are kept in integers (units of 2^-50), independent
    /// of the code under test. Returns the order (true = `high`) and the running mean at the end.
    fn order_against_welford(low: f64, high: f64, count: usize) -> (Vec<bool>, f64) {
        let (low_units, high_units) = (fifty_bit_units(low), fifty_bit_units(high));
        let (mut left_low, mut left_high) = (count, count);
        let mut running_mean = 0.0_f64;
        let mut exact_sum: i128 = 0;
        let mut order = Vec::with_capacity(2 * count);
        for n in 1..=2 * count {
            let nf = n as f64;
            // (running mean - exact mean) * n, in units of 2^-50.
            let drift = |x: f64, units: i128| {
                let next = running_mean + (x - running_mean) / nf;
                (
                    fifty_bit_units(next) * n as i128 - (exact_sum + units),
                    next,
                )
            };
            let take_high = if left_low == 0 {
                true
            } else if left_high == 0 {
                false
            } else {
                drift(high, high_units).0 < drift(low, low_units).0
            };
            let (x, units) = if take_high {
                left_high -= 1;
                (high, high_units)
            } else {
                left_low -= 1;
                (low, low_units)
            };
            running_mean = drift(x, units).1;
            exact_sum += units;
            order.push(take_high);
        }
        (order, running_mean)
    }

    /// Issue 9's rounding failure: a million values whose exact mean is the half-hundredth
    /// 4.775 must publish as 4.78 whatever their order. With Welford's running mean as the
    /// mean, the adversarial order below gives 4.774999999918127 for 4.75/4.8 and
    /// 4.774999999925847 for 4.7/4.85 (the same greedy construction in Python 3.11 with
    /// `fractions.Fraction`), 8e-11 below the half, beyond the 1e-11 that `round_half_away`
    /// tolerates, so they published as 4.77. The sum of the doubles rounds to 4775000 and the
    /// mean is the double nearest 4.775, in every order and through merges of uneven pieces.
    #[test]
    fn mean_of_a_million_is_exact_in_any_order() {
        const EACH: usize = 500_000;
        for (low, high) in [(4.75, 4.8), (4.7, 4.85)] {
            let (adversarial, welford_mean) = order_against_welford(low, high, EACH);
            // The adversary works: the old mean would have published the wrong figure.
            assert_eq!(round_half_away(welford_mean, 2), 4.77, "{welford_mean}");

            let ascending: Vec<bool> = (0..2 * EACH).map(|i| i >= EACH).collect();
            let descending: Vec<bool> = (0..2 * EACH).map(|i| i < EACH).collect();
            let alternating: Vec<bool> = (0..2 * EACH).map(|i| i % 2 == 1).collect();
            for (name, order) in [
                ("adversarial", &adversarial),
                ("ascending", &ascending),
                ("descending", &descending),
                ("alternating", &alternating),
            ] {
                let value = |&take_high: &bool| if take_high { high } else { low };
                let mut pushed = Moments::new();
                order.iter().for_each(|h| pushed.push(value(h)));
                assert_eq!(pushed.n(), 1_000_000);
                assert_eq!(pushed.mean(), Some(4.775), "{name} {low}/{high}");
                assert_eq!(pushed.sum(), 4_775_000.0, "{name} {low}/{high}");
                assert_eq!(round_half_away(pushed.mean().unwrap(), 2), 4.78);
                // Sample variance of half `low`, half `high`: (high-low)²/4 * N/(N-1).
                let variance = (high - low) * (high - low) / 4.0 * 1e6 / 999_999.0;
                assert!(rel_close(
                    pushed.sample_variance().unwrap(),
                    variance,
                    1e-10
                ));

                // Uneven pieces merged in order, and the same pieces merged pairwise.
                let mut bounds = vec![0, 1, 1000, 1001, 77_777, 400_000];
                bounds.extend((5..=10).map(|k| k * 100_000));
                let pieces: Vec<Moments> = bounds
                    .windows(2)
                    .map(|w| {
                        let mut piece = Moments::new();
                        order[w[0]..w[1]].iter().for_each(|h| piece.push(value(h)));
                        piece
                    })
                    .collect();
                let mut merged = Moments::new();
                pieces.iter().for_each(|p| merged.merge(p));
                let mut level = pieces.clone();
                while level.len() > 1 {
                    level = level
                        .chunks(2)
                        .map(|pair| {
                            let mut m = pair[0];
                            if let Some(right) = pair.get(1) {
                                m.merge(right);
                            }
                            m
                        })
                        .collect();
                }
                for m in [merged, level[0]] {
                    assert_eq!(m.n(), 1_000_000);
                    assert_eq!(m.mean(), Some(4.775), "merged {name} {low}/{high}");
                    assert_eq!(round_half_away(m.mean().unwrap(), 2), 4.78);
                    assert!(rel_close(m.sample_variance().unwrap(), variance, 1e-10));
                }
            }
        }
    }

    #[test]
    fn sum_and_non_finite_values() {
        let mut m = Moments::new();
        assert_eq!(m.sum(), 0.0);
        // 1e16 + 1 + 1 - 1e16: plain summation loses both ones.
        for x in [1e16, 1.0, 1.0, -1e16] {
            m.push(x);
        }
        assert_eq!(m.sum(), 2.0);
        assert_eq!(m.mean(), Some(0.5));
        m.push(f64::INFINITY);
        assert_eq!(m.mean(), Some(f64::INFINITY));
        m.push(f64::NAN);
        assert!(m.mean().unwrap().is_nan());
    }

    /// The cancellation example of the Wikipedia article "Algorithms for calculating variance"
    /// (section "Naïve algorithm"): 4, 7, 13, 16 have mean 10 and sample variance
    /// (36 + 9 + 9 + 36) / 3 = 30, and adding 1e9 to each must not change the variance,
    /// whereas the naive `(Σx² - (Σx)²/n)/(n-1)` gets it badly wrong in f64.
    #[test]
    fn stable_with_large_offset() {
        let mut m = Moments::new();
        for d in [4.0, 7.0, 13.0, 16.0] {
            m.push(1e9 + d);
        }
        assert_eq!(m.mean(), Some(1e9 + 10.0));
        assert!((m.sample_variance().unwrap() - 30.0).abs() < 1e-6);

        // The same through merge of two halves.
        let (mut a, mut b) = (Moments::new(), Moments::new());
        a.push(1e9 + 4.0);
        a.push(1e9 + 7.0);
        b.push(1e9 + 13.0);
        b.push(1e9 + 16.0);
        a.merge(&b);
        assert!((a.sample_variance().unwrap() - 30.0).abs() < 1e-6);
    }

    /// Ten values with mean 4.2 and sample SD 0.4 (checked with Python 3.11's `statistics`
    /// module); the CI is the SciPy 1.17.1 value of
    /// `scipy.stats.t.interval(0.95, 9, loc=4.2, scale=0.4/sqrt(10))`.
    #[test]
    fn summary_of_worked_example() {
        let mut m = Moments::new();
        for x in [4.2, 3.8, 4.5, 4.0, 3.6, 4.9, 4.1, 3.9, 4.4, 4.6] {
            m.push(x);
        }
        let s = m.summary();
        assert_eq!(s.n, 10);
        assert!((s.mean.unwrap() - 4.2).abs() < 1e-12);
        assert!((s.sd.unwrap() - 0.4).abs() < 1e-12);
        let (lo, hi) = s.ci95.unwrap();
        assert!((lo - 3.9138572376117344).abs() < 1e-12, "{lo}");
        assert!((hi - 4.486142762388266).abs() < 1e-12, "{hi}");
    }

    #[test]
    fn summary_serialises_ci_as_pair() {
        let s = Summary {
            n: 2,
            mean: Some(1.5),
            sd: Some(0.5),
            ci95: Some((1.0, 2.0)),
        };
        assert_eq!(
            serde_json::to_string(&s).unwrap(),
            r#"{"n":2,"mean":1.5,"sd":0.5,"ci95":[1.0,2.0]}"#
        );
    }
}
