//! Student's t quantiles and the t-based confidence interval of a mean.

use statrs::distribution::{ContinuousCDF, Normal, StudentsT};

/// Student's t quantile: the value q with P(T_df <= q) = p. Uses statrs `StudentsT`.
///
/// Edge cases, chosen so that a bad argument shows up as `NaN` rather than a panic inside
/// statrs (whose `inverse_cdf` asserts on `p` outside `[0, 1]`):
/// - `p` outside `[0, 1]` or `NaN`, or `df` not `> 0` (including `NaN`): `NaN`;
/// - `p == 0` / `p == 1`: `-∞` / `+∞`;
/// - `df == +∞`: the standard normal quantile, the limit of t as df grows (statrs's t inverse
///   goes through the incomplete beta function, which does not accept an infinite parameter).
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if p == 0.0 {
        return f64::NEG_INFINITY;
    }
    if p == 1.0 {
        return f64::INFINITY;
    }
    if df.is_infinite() {
        return Normal::standard().inverse_cdf(p);
    }
    match StudentsT::new(0.0, 1.0, df) {
        Ok(t) => t.inverse_cdf(p),
        // Unreachable given the checks above; kept total rather than unwrapping.
        Err(_) => f64::NAN,
    }
}

/// Two-sided 95% confidence interval of a mean: `mean ± t(0.975, n-1) * sd / sqrt(n)`, where
/// `sd` is the sample standard deviation (n-1 denominator). `None` when `n < 2`, because with a
/// single observation there is no estimate of spread and the t distribution has no degrees of
/// freedom.
pub fn ci95(mean: f64, sd: f64, n: u64) -> Option<(f64, f64)> {
    if n < 2 {
        return None;
    }
    let n = n as f64;
    let half = t_quantile(0.975, n - 1.0) * sd / n.sqrt();
    Some((mean - half, mean + half))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Critical values t(0.975, df) as printed, to 3 decimals, in standard t tables:
    /// - df 1, 6, 9, 29: NIST/SEMATECH e-Handbook of Statistical Methods, section 1.3.6.7.2
    ///   "Critical Values of the Student's t Distribution", column 0.025 (upper tail);
    /// - df 120: E. S. Pearson & H. O. Hartley, "Biometrika Tables for Statisticians", vol. 1,
    ///   Table 12 (rows 1-30, 40, 60, 120, inf), the table most textbook appendices reprint.
    /// 2.4469 for df 6 is the 4-decimal value of the same quantile (SciPy gives 2.44691185).
    #[test]
    fn t_quantile_matches_published_table() {
        let table = [
            (1.0, 12.706),
            (6.0, 2.447),
            (9.0, 2.262),
            (29.0, 2.045),
            (120.0, 1.980),
        ];
        for (df, tabled) in table {
            let q = t_quantile(0.975, df);
            assert!(
                (q - tabled).abs() <= 0.0005,
                "t(0.975, {df}) = {q}, table says {tabled}"
            );
        }
        // Four-decimal value often quoted for df = 6.
        assert!((t_quantile(0.975, 6.0) - 2.4469).abs() <= 0.00005);
    }

    /// Full-precision reference values from SciPy 1.17.1, `scipy.stats.t.ppf(p, df)`.
    #[test]
    fn t_quantile_matches_scipy_closely() {
        let reference = [
            (0.975, 1.0, 12.706204736174694),
            (0.975, 6.0, 2.4469118511449786),
            (0.975, 9.0, 2.262157162798205),
            (0.975, 29.0, 2.045229642132703),
            (0.975, 120.0, 1.9799304050824402),
            (0.05, 4.0, -2.131846786326651),
        ];
        for (p, df, expected) in reference {
            let q = t_quantile(p, df);
            assert!(
                (q - expected).abs() <= 1e-9 * expected.abs(),
                "t({p}, {df}) = {q}, scipy says {expected}"
            );
        }
        assert_eq!(t_quantile(0.5, 3.0), 0.0);
    }

    #[test]
    fn t_quantile_edge_cases() {
        assert!(t_quantile(-0.1, 5.0).is_nan());
        assert!(t_quantile(1.1, 5.0).is_nan());
        assert!(t_quantile(f64::NAN, 5.0).is_nan());
        assert!(t_quantile(0.975, 0.0).is_nan());
        assert!(t_quantile(0.975, -3.0).is_nan());
        assert!(t_quantile(0.975, f64::NAN).is_nan());
        assert_eq!(t_quantile(0.0, 5.0), f64::NEG_INFINITY);
        assert_eq!(t_quantile(1.0, 5.0), f64::INFINITY);
        // z(0.975) = 1.959963984540054 (scipy.stats.norm.ppf(0.975)).
        assert!((t_quantile(0.975, f64::INFINITY) - 1.959963984540054).abs() < 1e-12);
        // Converges towards the normal quantile for very large df.
        let big = t_quantile(0.975, 1e7);
        assert!((big - 1.959963984540054).abs() < 1e-6, "{big}");
    }

    /// Worked example: the ten values 4.2, 3.8, 4.5, 4.0, 3.6, 4.9, 4.1, 3.9, 4.4, 4.6 have
    /// mean 4.2 and sample SD 0.4 (Python 3.11 `statistics.mean` / `statistics.stdev`), and
    /// t(0.975, 9) = 2.262157162798205, so the half-width is 2.262157... * 0.4 / sqrt(10)
    /// = 0.28614276... The interval (3.9138572376117344, 4.486142762388266) is what
    /// `scipy.stats.t.interval(0.95, 9, loc=4.2, scale=0.4/sqrt(10))` (SciPy 1.17.1) returns.
    #[test]
    fn ci95_worked_example() {
        let (lo, hi) = ci95(4.2, 0.4, 10).unwrap();
        assert!((lo - 3.9138572376117344).abs() < 1e-12, "{lo}");
        assert!((hi - 4.486142762388266).abs() < 1e-12, "{hi}");
    }

    #[test]
    fn ci95_needs_two_observations() {
        assert_eq!(ci95(4.0, 0.0, 0), None);
        assert_eq!(ci95(4.0, 0.0, 1), None);
        // Zero spread gives a degenerate interval, not None: the data did determine it.
        assert_eq!(ci95(4.0, 0.0, 2), Some((4.0, 4.0)));
        // n = 2: df = 1, half-width 12.706204736174694 * 1 / sqrt(2) (scipy t.ppf(0.975, 1)).
        let (lo, hi) = ci95(0.0, 1.0, 2).unwrap();
        let half = 12.706204736174694 / 2f64.sqrt();
        assert!((lo + half).abs() < 1e-9 && (hi - half).abs() < 1e-9);
    }
}
