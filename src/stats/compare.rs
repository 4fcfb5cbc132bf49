//! Comparing two groups: Welch's t-test, Hedges' g, and the confidence set of each group's rank
//! among its peers built from pairwise Welch tests.

use super::moments::Moments;
use super::tdist::{t_quantile, t_two_sided_p};

/// Welch's two-sample t-test of group `a` against group `b` (see [`welch`]).
#[derive(Clone, Copy, Debug, PartialEq, serde::Serialize)]
pub struct Welch {
    /// mean_a - mean_b.
    pub difference: f64,
    /// `difference / se` with `se = sqrt(var_a/n_a + var_b/n_b)`.
    pub t: f64,
    /// Welch-Satterthwaite degrees of freedom (not an integer in general).
    pub df: f64,
    /// Two-sided p-value, P(|T_df| >= |t|).
    pub p_value: f64,
    /// Two-sided 95% confidence interval of the difference: `difference ± t(0.975, df) se`.
    pub ci95: [f64; 2],
}

/// The parts of Welch's test that rank intervals need (no confidence interval, which costs a
/// t quantile per pair): difference, standard error, t, df. `None` as documented on [`welch`].
fn welch_statistic(a: &Moments, b: &Moments) -> Option<(f64, f64, f64, f64)> {
    let (mean_a, var_a) = (a.mean()?, a.sample_variance()?);
    let (mean_b, var_b) = (b.mean()?, b.sample_variance()?);
    let (na, nb) = (a.n() as f64, b.n() as f64);
    let (ua, ub) = (var_a / na, var_b / nb);
    let se2 = ua + ub;
    // Zero (both groups constant) or NaN: no test.
    if se2.is_nan() || se2 <= 0.0 {
        return None;
    }
    let se = se2.sqrt();
    let difference = mean_a - mean_b;
    // Welch-Satterthwaite; with one variance zero it is the other group's n - 1.
    let df = se2 * se2 / (ua * ua / (na - 1.0) + ub * ub / (nb - 1.0));
    Some((difference, se, difference / se, df))
}

/// Welch's two-sample t-test (unequal variances) of `a` against `b`, with the 95% confidence
/// interval of the difference of means; it matches SciPy's
/// `scipy.stats.ttest_ind(a, b, equal_var=False)` and its `.confidence_interval(0.95)`.
///
/// Welch rather than Student because the groups compared (a unit this period and last period,
/// two peer units) have different sizes and spreads, where the pooled-variance test's error
/// rate is wrong; Welch's costs almost nothing when the variances happen to be equal.
///
/// `None` when either group has fewer than two observations (no variance estimate), or when
/// the standard error is 0 because both groups are constant: t would be 0/0 or ±∞, which SciPy
/// reports as `nan` and which no p-value honestly describes (the data cannot say how much the
/// means would vary). Non-finite inputs also give `None`.
///
/// The p-value is computed from the t tail itself, so it stays accurate when tiny (1e-30 and
/// below) rather than rounding to 0 as `1 - cdf` would, and for the df ≈ 2e6 of two groups of a
/// million (relative error below 1e-12 against SciPy).
pub fn welch(a: &Moments, b: &Moments) -> Option<Welch> {
    let (difference, se, t, df) = welch_statistic(a, b)?;
    let half = t_quantile(0.975, df) * se;
    Some(Welch {
        difference,
        t,
        df,
        p_value: t_two_sided_p(t, df),
        ci95: [difference - half, difference + half],
    })
}

/// Hedges' g of `a` against `b`: the standardised difference of means with the small-sample
/// correction, `J (mean_a - mean_b) / s_pooled` where
/// `s_pooled = sqrt(((n_a-1) s_a² + (n_b-1) s_b²) / (n_a+n_b-2))` and
/// `J = 1 - 3 / (4 (n_a+n_b) - 9)`.
///
/// A p-value says whether a change is detectable, not whether it is large; with a million
/// respondents a change of 0.01 is "significant". g puts the difference in units of the
/// respondents' spread, so readers can judge its size; J removes the upward bias of Cohen's d
/// in small groups (Hedges & Olkin 1985, the usual approximation of the exact gamma-function
/// factor).
///
/// `None` when either group has fewer than two observations or the pooled SD is 0 (both
/// groups constant: there is no spread to measure the difference in).
pub fn hedges_g(a: &Moments, b: &Moments) -> Option<f64> {
    let (mean_a, var_a) = (a.mean()?, a.sample_variance()?);
    let (mean_b, var_b) = (b.mean()?, b.sample_variance()?);
    let (na, nb) = (a.n() as f64, b.n() as f64);
    let pooled = (((na - 1.0) * var_a + (nb - 1.0) * var_b) / (na + nb - 2.0)).sqrt();
    if pooled.is_nan() || pooled <= 0.0 {
        return None;
    }
    let correction = 1.0 - 3.0 / (4.0 * (na + nb) - 9.0);
    Some(correction * (mean_a - mean_b) / pooled)
}

/// For each of the m = `peers.len()` groups, a simultaneous 95% confidence set `[lo, hi]` for
/// its rank among them (1 = highest mean).
///
/// A rank computed from sample means looks exact even when the neighbours are
/// indistinguishable; this states which ranks the data actually support. Every pair is
/// compared by a two-sided Welch t-test and counts as different when p < 0.05 / (m(m-1)/2)
/// (Bonferroni: all the pairwise statements hold together with probability at least 95%).
/// Then lo = 1 + the number of peers that differ from it and have a higher mean, and
/// hi = m - the number that differ and have a lower mean. Means are compared unrounded: a
/// significant difference is never hidden by two scores publishing alike.
///
/// A peer with fewer than two observations differs from nobody (no variance, no test), so a
/// checklist with one review per unit gets [1, m] for every unit: the honest answer, as one
/// review cannot show one unit to be better than another. A pair whose [`welch`] is `None`
/// (both constant) does not differ either. With m <= 1 every interval is [1, 1] (empty input,
/// empty output).
///
/// O(m²) tests and no allocation besides the result: a few hundred peers are a few tens of
/// thousands of tail probabilities.
pub fn rank_intervals(peers: &[Moments]) -> Vec<[u32; 2]> {
    let m = u32::try_from(peers.len()).unwrap_or(u32::MAX);
    let mut intervals = vec![[1, m.max(1)]; peers.len()];
    if peers.len() < 2 {
        return intervals;
    }
    let pairs = peers.len() as f64 * (peers.len() as f64 - 1.0) / 2.0;
    let threshold = 0.05 / pairs;
    for (i, a) in peers.iter().enumerate() {
        for (j, b) in peers.iter().enumerate().skip(i + 1) {
            let Some((difference, _, t, df)) = welch_statistic(a, b) else {
                continue;
            };
            // A NaN p-value compares false: no difference claimed.
            if t_two_sided_p(t, df) < threshold {
                let (higher, lower) = if difference > 0.0 { (i, j) } else { (j, i) };
                intervals[lower][0] += 1;
                intervals[higher][1] -= 1;
            }
        }
    }
    intervals
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moments(values: &[f64]) -> Moments {
        let mut m = Moments::new();
        values.iter().for_each(|&x| m.push(x));
        m
    }

    fn assert_rel(actual: f64, expected: f64, tol: f64, what: &str) {
        assert!(
            (actual - expected).abs() <= tol * expected.abs(),
            "{what}: {actual}, expected {expected}"
        );
    }

    fn assert_welch(w: &Welch, expected: [f64; 6], tol: f64) {
        let [difference, t, df, p, lo, hi] = expected;
        assert_rel(w.difference, difference, tol, "difference");
        assert_rel(w.t, t, tol, "t");
        assert_rel(w.df, df, tol, "df");
        assert_rel(w.p_value, p, tol, "p");
        assert_rel(w.ci95[0], lo, tol, "ci low");
        assert_rel(w.ci95[1], hi, tol, "ci high");
    }

    const A: [f64; 10] = [4.2, 3.8, 4.5, 4.0, 3.6, 4.9, 4.1, 3.9, 4.4, 4.6];
    const B: [f64; 7] = [3.1, 3.9, 3.5, 4.0, 2.8, 3.6, 3.3];

    /// SciPy 1.17.1: `r = stats.ttest_ind(A, B, equal_var=False)`, `r.statistic`, `r.df`,
    /// `r.pvalue`, `r.confidence_interval(0.95)`; the difference is `np.mean(A) - np.mean(B)`.
    #[test]
    fn welch_small_groups_match_scipy() {
        let w = welch(&moments(&A), &moments(&B)).unwrap();
        assert_welch(
            &w,
            [
                0.7428571428571424,
                3.619499301533077,
                12.479710024164651,
                0.0033124536333668107,
                0.29758195453243136,
                1.1881323311818535,
            ],
            1e-10,
        );
        // Swapping the groups negates everything but df and p.
        let swapped = welch(&moments(&B), &moments(&A)).unwrap();
        assert_eq!(swapped.t, -w.t);
        assert_eq!(swapped.df, w.df);
        assert_eq!(swapped.p_value, w.p_value);
    }

    /// A tiny p-value: a = 4 + (i % 5)/4 for i < 1000, b = 3.5 + (j % 7)/6 for j < 800, as
    /// NumPy `4 + (np.arange(1000) % 5) / 4` etc., then `ttest_ind(a, b, equal_var=False)` in
    /// SciPy 1.17.1: p = 6.3e-167, where `1 - cdf` would say 0.
    #[test]
    fn welch_tiny_p_matches_scipy() {
        let mut a = Moments::new();
        (0..1000).for_each(|i| a.push(4.0 + (i % 5) as f64 / 4.0));
        let mut b = Moments::new();
        (0..800).for_each(|j| b.push(3.5 + (j % 7) as f64 / 6.0));
        let w = welch(&a, &b).unwrap();
        assert_welch(
            &w,
            [
                0.501041666666667,
                30.813428387761206,
                1749.8996378805614,
                6.2886636126936415e-167,
                0.4691496190203297,
                0.5329337143130044,
            ],
            1e-10,
        );
    }

    /// Two groups of a million, df ≈ 2e6, where statrs's incomplete beta would be off by 1e-9:
    /// NumPy `i = np.arange(1_000_000)`, `a = 1.0 + (i % 5)`,
    /// `b = np.where(i % 200 == 0, 5.0, 1.0 + (i % 5))`, `ttest_ind(b, a, equal_var=False)`.
    #[test]
    fn welch_two_large_groups_match_scipy() {
        let mut a = Moments::new();
        let mut b = Moments::new();
        for i in 0..1_000_000u32 {
            let x = 1.0 + (i % 5) as f64;
            a.push(x);
            b.push(if i % 200 == 0 { 5.0 } else { x });
        }
        let w = welch(&b, &a).unwrap();
        assert_welch(
            &w,
            [
                0.020000000000000018,
                10.000495037251866,
                1999997.9799960195,
                1.5183059526201844e-23,
                0.01608026370019346,
                0.023919736299806576,
            ],
            1e-10,
        );
    }

    /// One group constant: se comes from the other alone and df is its n - 1 = 3. SciPy 1.17.1
    /// `ttest_ind([3.0, 3.0, 3.0], [1.0, 2.0, 4.0, 6.0], equal_var=False)`.
    #[test]
    fn welch_with_one_constant_group() {
        let w = welch(&moments(&[3.0, 3.0, 3.0]), &moments(&[1.0, 2.0, 4.0, 6.0])).unwrap();
        assert_rel(w.difference, -0.25, 1e-12, "difference");
        assert_rel(w.df, 3.0, 1e-12, "df");
        // t = -0.25 / sqrt(4.916666.../4), computed by hand: var_b = 14.75/3.
        assert_rel(w.t, -0.25 / (14.75f64 / 12.0).sqrt(), 1e-12, "t");
    }

    #[test]
    fn welch_needs_two_observations_and_spread() {
        let one = moments(&[4.0]);
        let some = moments(&[3.0, 4.0, 5.0]);
        assert_eq!(welch(&one, &some), None);
        assert_eq!(welch(&some, &one), None);
        assert_eq!(welch(&Moments::new(), &some), None);
        // Both constant: SciPy gives t = nan, p = nan; here no test at all.
        assert_eq!(
            welch(&moments(&[3.0, 3.0, 3.0]), &moments(&[4.0, 4.0])),
            None
        );
        assert_eq!(welch(&moments(&[3.0, f64::NAN]), &some), None);
    }

    /// NumPy, with n1, n2 = 10, 7, s1 = np.var(A, ddof=1), s2 = np.var(B, ddof=1):
    /// `sp = np.sqrt(((n1-1)*s1 + (n2-1)*s2) / (n1+n2-2))`, `J = 1 - 3/(4*(n1+n2) - 9)`,
    /// `J * (np.mean(A) - np.mean(B)) / sp` = 1.7144091968909239. For the two large groups
    /// above, 0.01414283040855706 (n1 = n2 = 1e6, so J is 1 - 3/7999991).
    #[test]
    fn hedges_g_matches_numpy() {
        let g = hedges_g(&moments(&A), &moments(&B)).unwrap();
        assert_rel(g, 1.7144091968909239, 1e-12, "g");
        assert_rel(
            hedges_g(&moments(&B), &moments(&A)).unwrap(),
            -1.7144091968909239,
            1e-12,
            "g swapped",
        );
        let mut a = Moments::new();
        let mut b = Moments::new();
        for i in 0..1_000_000u32 {
            let x = 1.0 + (i % 5) as f64;
            a.push(x);
            b.push(if i % 200 == 0 { 5.0 } else { x });
        }
        assert_rel(
            hedges_g(&b, &a).unwrap(),
            0.01414283040855706,
            1e-10,
            "g large",
        );
        // The smallest groups allowed: n = 2 each, J = 1 - 3/7. Means 1.5 and 3.5, both
        // variances 0.5, so s_pooled = sqrt(0.5) and g = (4/7) * (-2) / sqrt(0.5).
        let g = hedges_g(&moments(&[1.0, 2.0]), &moments(&[3.0, 4.0])).unwrap();
        assert_rel(g, 4.0 / 7.0 * -2.0 / 0.5f64.sqrt(), 1e-14, "g n=2");
    }

    #[test]
    fn hedges_g_needs_two_observations_and_spread() {
        let some = moments(&[3.0, 4.0, 5.0]);
        assert_eq!(hedges_g(&moments(&[4.0]), &some), None);
        assert_eq!(hedges_g(&some, &Moments::new()), None);
        assert_eq!(
            hedges_g(&moments(&[3.0, 3.0]), &moments(&[4.0, 4.0, 4.0])),
            None
        );
    }

    /// Five peers, so 10 pairs and a Bonferroni threshold of 0.005. Two-sided Welch p-values
    /// from SciPy 1.17.1 `ttest_ind(x, y, equal_var=False).pvalue`:
    /// A-B 0.237, A-C 1.86e-06, A-D 6.48e-04, B-C 2.09e-05, B-D 0.00928, C-D 0.0191.
    /// So A-C, A-D and B-C differ; B-D and C-D would at 0.05 but not after the correction. E
    /// has one answer and differs from nobody. Means: E 5, A 4.67, B 4.42, D 3.75, C 3.08.
    /// A: no differing peer above, C and D below -> [1, 3]. B: C below -> [1, 4].
    /// C: A and B above -> [3, 5]. D: A above -> [2, 5]. E: [1, 5].
    #[test]
    fn rank_intervals_by_hand() {
        let peers = [
            moments(&[5., 5., 4., 5., 4., 5., 5., 4., 5., 5., 4., 5.]),
            moments(&[4., 5., 4., 5., 4., 4., 5., 4., 5., 4., 5., 4.]),
            moments(&[3., 3., 4., 2., 3., 3., 4., 3., 3., 2., 3., 4.]),
            moments(&[4., 3., 4., 4., 3., 5., 4., 3., 4., 4., 3., 4.]),
            moments(&[5.]),
        ];
        let scipy_p = [
            (0, 1, 0.2370578678129357),
            (0, 2, 1.8555013281558312e-06),
            (0, 3, 0.0006475066774449046),
            (1, 2, 2.093850816675137e-05),
            (1, 3, 0.009276604318771448),
            (2, 3, 0.019124397839034777),
        ];
        for (i, j, p) in scipy_p {
            assert_rel(welch(&peers[i], &peers[j]).unwrap().p_value, p, 1e-10, "p");
        }
        assert_eq!(
            rank_intervals(&peers),
            vec![[1, 3], [1, 4], [3, 5], [2, 5], [1, 5]]
        );
        // Without E there are 6 pairs and the threshold is 0.05/6 = 0.00833: B-D (0.00928)
        // still does not differ, the rest as before.
        assert_eq!(
            rank_intervals(&peers[..4]),
            vec![[1, 2], [1, 3], [3, 4], [2, 4]]
        );
    }

    /// One review per unit (a checklist): no unit can be told from another.
    #[test]
    fn rank_intervals_single_observations() {
        let peers: Vec<Moments> = [4.8, 3.1, 2.0, 4.9]
            .iter()
            .map(|&x| moments(&[x]))
            .collect();
        assert_eq!(rank_intervals(&peers), vec![[1, 4]; 4]);
        assert_eq!(rank_intervals(&peers[..1]), vec![[1, 1]]);
        assert_eq!(rank_intervals(&[]), Vec::<[u32; 2]>::new());
        assert_eq!(rank_intervals(&[moments(&[1.0, 2.0])]), vec![[1, 1]]);
    }

    /// Ties: P and Q hold the same answers (t = 0, p = 1), R is constant at 1.0 with
    /// n = 10. SciPy 1.17.1 `ttest_ind(P, R, equal_var=False)`: t = 13.0, df = 7, p = 3.71e-06,
    /// below 0.05/3. So P and Q share [1, 2] and R is [3, 3]. Three constant groups with the
    /// same value have no test at all and share [1, 3].
    #[test]
    fn rank_intervals_with_ties() {
        let p = [5., 4., 4., 3., 5., 4., 5., 4.];
        let peers = [moments(&p), moments(&p), moments(&[1.0; 10])];
        let w = welch(&peers[0], &peers[2]).unwrap();
        assert_rel(w.t, 13.0, 1e-12, "t");
        assert_rel(w.p_value, 3.7094782959364525e-06, 1e-10, "p");
        assert_eq!(welch(&peers[0], &peers[1]).unwrap().p_value, 1.0);
        assert_eq!(rank_intervals(&peers), vec![[1, 2], [1, 2], [3, 3]]);
        let constant = [moments(&[3.0; 3]), moments(&[3.0; 2]), moments(&[3.0; 5])];
        assert_eq!(rank_intervals(&constant), vec![[1, 3]; 3]);
    }
}
