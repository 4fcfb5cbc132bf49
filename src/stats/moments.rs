//! Streaming mean and variance, and the per-group summary built from them.

use super::tdist::ci95;

/// Streaming mean/variance by Welford's algorithm.
///
/// Keeps the count, the running mean and `m2`, the sum of squared deviations from the running
/// mean. Unlike accumulating `Σx` and `Σx²`, this does not lose all significant digits when the
/// values share a large offset (1e9 + small differences), and it needs O(1) memory, so a
/// million answers can be summarised without being stored.
///
/// Values are taken as given: a `NaN` or infinity pushed in propagates into every figure. The
/// caller decides what is missing before pushing.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Moments {
    n: u64,
    mean: f64,
    m2: f64,
}

impl Moments {
    /// An empty accumulator (n = 0).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds one observation (Welford's update).
    pub fn push(&mut self, x: f64) {
        self.n += 1;
        let delta = x - self.mean;
        self.mean += delta / self.n as f64;
        // `delta * (x - new_mean)` equals `delta² (n-1)/n`: both factors have the same sign,
        // so m2 never decreases and never goes negative through rounding.
        self.m2 += delta * (x - self.mean);
    }

    /// Adds everything `other` has seen, as if its observations had been pushed here.
    ///
    /// Uses the pairwise combination of Chan, Golub & LeVeque (1979):
    /// `m2 = m2_a + m2_b + δ² n_a n_b / n` with `δ = mean_b - mean_a`. This lets groups be
    /// summarised separately (per unit, per thread) and combined afterwards. The result equals
    /// sequential pushing up to rounding, not bit for bit.
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
        let delta = other.mean - self.mean;
        self.mean += delta * (nb / nf);
        self.m2 += other.m2 + delta * delta * (na * nb / nf);
        self.n = n;
    }

    /// Number of observations pushed (or merged in).
    pub fn n(&self) -> u64 {
        self.n
    }

    /// Arithmetic mean; `None` when nothing has been pushed.
    pub fn mean(&self) -> Option<f64> {
        (self.n > 0).then_some(self.mean)
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
