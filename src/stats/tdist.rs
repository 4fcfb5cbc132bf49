//! Student's t quantiles and the t-based confidence interval of a mean.

use statrs::distribution::{Continuous, ContinuousCDF, Normal, StudentsT};
use statrs::function::beta::checked_beta_reg;

/// The expansion used for large df (see [`cornish_fisher`]) is trusted when
/// `df >= CF_MIN_DF` and `df >= CF_Z2_FACTOR * z²`: its truncation error then stays below
/// about 2e-14 relative (checked against SciPy 1.17.1 `t.ppf` over p from 1e-300 to 1/2).
/// Everywhere else the t CDF is inverted numerically.
const CF_MIN_DF: f64 = 1000.0;
/// See [`CF_MIN_DF`].
const CF_Z2_FACTOR: f64 = 100.0;

/// Below this many degrees of freedom the answer is `NaN`: `df / x²` underflows in the tail
/// probability for x up to [`MAX_FINITE_QUANTILE`] once df is below about 2e-8, and the
/// results were verified (against mpmath) only down to 1e-6. Nothing in survey statistics
/// comes near it; df is n - 1 >= 1 there.
const MIN_DF: f64 = 1e-6;

/// Quantiles larger than this are reported as infinite: beyond it `x²` overflows in the CDF.
/// Only reachable with df below about 2 and p far in a tail (for df = 1, p < 3e-151).
const MAX_FINITE_QUANTILE: f64 = 1e150;

/// Student's t quantile: the value q with P(T_df <= q) = p. Uses statrs `StudentsT`.
///
/// statrs supplies the density (`StudentsT::pdf`), the regularised incomplete beta function
/// and the normal quantile; the inversion itself is done here, because statrs 0.18's own
/// `StudentsT::inverse_cdf` is not fit for purpose: it is inaccurate for large df
/// (t(0.975, 999 999) comes out as 1.959848 instead of 1.959966, t(0.975, 1e7) as 1.83),
/// wrong near p = 1/2, and in the far tails its root finder loops forever (df = 999,
/// p = 1e-100) or panics (p = 1e-300).
///
/// Method: for large df relative to the quantile, the Cornish-Fisher expansion around the
/// normal quantile; otherwise a safeguarded Newton iteration on the t tail probability.
/// Against SciPy 1.17.1's `t.ppf` (and mpmath where SciPy itself fails) the relative error
/// is below 2e-12 over df from 1e-6 to 1e7 and beyond, and p from 1e-300 to 1 - 1e-16; only
/// within about 1e-8 of p = 1/2, where q itself is tiny, is the error absolute instead
/// (about 1e-16).
///
/// Edge cases, chosen so that a bad argument shows up as `NaN` rather than a panic:
/// - `p` outside `[0, 1]` or `NaN`, or `df` not `> 0` (including `NaN`): `NaN`;
/// - `0 < df < 1e-6`: `NaN` (outside the range where the result was verified);
/// - `p == 0` / `p == 1`: `-∞` / `+∞`; also `±∞` when `|q|` would exceed 1e150 (tiny df
///   with p far in a tail);
/// - `df == +∞`: the standard normal quantile, the limit of t as df grows.
pub fn t_quantile(p: f64, df: f64) -> f64 {
    if !(0.0..=1.0).contains(&p) || df.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if df < MIN_DF {
        return f64::NAN;
    }
    if p == 0.5 {
        return 0.0;
    }
    // Work with the smaller tail probability: `1 - p` is exact for p >= 0.5 (Sterbenz), and
    // the tail keeps full relative precision where `p` itself would round to 1.
    let (tail, sign) = if p < 0.5 { (p, -1.0) } else { (1.0 - p, 1.0) };
    if tail == 0.0 {
        return sign * f64::INFINITY;
    }
    let z = normal_upper_quantile(tail);
    let magnitude = if df >= CF_MIN_DF && df >= CF_Z2_FACTOR * z * z {
        cornish_fisher(z, df)
    } else {
        invert_upper_tail(tail, df, z)
    };
    sign * magnitude
}

/// The standard normal upper-tail quantile: z with P(Z > z) = tail.
fn normal_upper_quantile(tail: f64) -> f64 {
    -Normal::standard().inverse_cdf(tail)
}

/// t quantile from the normal quantile `z` of the same tail probability: the Cornish-Fisher
/// expansion of t in powers of 1/df, Abramowitz & Stegun, Handbook of Mathematical Functions,
/// formula 26.7.5 (four terms). With df = +∞ every correction vanishes and this is `z`.
fn cornish_fisher(z: f64, df: f64) -> f64 {
    let z2 = z * z;
    let g1 = (z2 + 1.0) * z / 4.0;
    let g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0;
    let g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0;
    let g4 = ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) * z / 92160.0;
    z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df
}

/// P(T > x) for x >= 0, via the regularised incomplete beta function.
///
/// P(|T| < x) = I_w1(1/2, df/2) with w1 = x²/(df+x²), and P(|T| > x) = I_w2(df/2, 1/2) with
/// w2 = df/(df+x²). statrs evaluates `I_w(a, b)` by a continued fraction, switching to
/// `1 - I_(1-w)(b, a)` when `w >= (a+1)/(a+b+2)`; that switch recomputes `1 - w` and loses
/// the digits that matter (it is what makes statrs's own t CDF inaccurate). So of the two
/// identities, pick the one statrs evaluates directly, each with its argument computed
/// without cancellation: near the centre the first (the result is near 1/2, where an
/// absolute error of an ulp is fine), in the tail the second (the result is small and keeps
/// its relative precision).
fn upper_tail(x: f64, df: f64) -> f64 {
    let x2 = x * x;
    let denom = df + x2;
    let w1 = x2 / denom;
    let result = if w1 < 3.0 / (df + 5.0) {
        checked_beta_reg(0.5, df / 2.0, w1).map(|central| 0.5 - 0.5 * central)
    } else {
        checked_beta_reg(df / 2.0, 0.5, df / denom).map(|both_tails| 0.5 * both_tails)
    };
    // Arguments are in range by construction for finite x <= MAX_FINITE_QUANTILE.
    result.unwrap_or(f64::NAN)
}

/// The x >= 0 with P(T > x) = tail, for 0 < tail < 1/2; `z` is the normal quantile of the
/// same tail, used for the starting point.
///
/// Newton's method on ln P(T > x), which behaves well both near the centre and in the
/// polynomial tails, kept inside a bracket [lo, hi] that always contains the root and falling
/// back to bisection whenever a Newton step would leave it. Every loop is bounded, so no
/// input can make it spin.
fn invert_upper_tail(tail: f64, df: f64, z: f64) -> f64 {
    let Ok(density) = StudentsT::new(0.0, 1.0, df) else {
        return f64::NAN;
    };
    if upper_tail(MAX_FINITE_QUANTILE, df) > tail {
        return f64::INFINITY;
    }
    // Invariant: P(T > lo) > tail >= P(T > hi).
    let mut lo = 0.0_f64;
    let mut hi = MAX_FINITE_QUANTILE;
    // A starting point that is close for moderate df; the bracket takes care of the rest.
    let guess = cornish_fisher(z, df.max(3.0));
    let mut x = if guess.is_finite() && guess > lo && guess < hi {
        guess
    } else {
        1.0
    };
    // Bisection on the logarithm takes about 60 steps from the full bracket down to a factor
    // of 4, then about 55 on the value down to an ulp; Newton normally needs a handful.
    for _ in 0..300 {
        let q = upper_tail(x, df);
        // The tail probability is known to about an ulp of `tail`; closer than that, further
        // steps only chase rounding noise.
        if (q - tail).abs() <= f64::EPSILON * tail {
            return x;
        }
        if q > tail {
            lo = x;
        } else {
            hi = x;
        }
        // d/dx ln Q(x) = -pdf(x) / Q(x); ln(q / tail) is computed as ln_1p of the relative
        // difference, which is exact when q and tail are close.
        let log_ratio = ((q - tail) / tail).ln_1p();
        let newton = x + log_ratio * q / density.pdf(x);
        let next = if newton.is_finite() && newton > lo && newton < hi {
            newton
        } else {
            midpoint_in(lo, hi)
        };
        if (next - x).abs() <= 2.0 * f64::EPSILON * x || hi - lo <= 2.0 * f64::EPSILON * hi {
            return next;
        }
        x = next;
    }
    x
}

/// A point strictly inside (lo, hi) for bisection: the geometric mean when the bracket spans
/// orders of magnitude (so that the far tail takes logarithmically many steps), else the
/// arithmetic one.
fn midpoint_in(lo: f64, hi: f64) -> f64 {
    if lo == 0.0 {
        if hi > 4.0 {
            hi.sqrt()
        } else {
            hi / 2.0
        }
    } else if hi > 4.0 * lo {
        lo.sqrt() * hi.sqrt()
    } else {
        lo.midpoint(hi)
    }
}

/// Two-sided 95% confidence interval of a mean: `mean ± t(0.975, n-1) * sd / sqrt(n)`, where
/// `sd` is the sample standard deviation (n-1 denominator). `None` when `n < 2`, because with a
/// single observation there is no estimate of spread and the t distribution has no degrees of
/// freedom. A non-finite `mean` or `sd` gives non-finite bounds (it is not hidden as `None`).
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
    ///
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

    /// Full-precision reference values from SciPy 1.17.1, `scipy.stats.t.ppf(p, df)`,
    /// including the regimes where statrs's own `inverse_cdf` goes wrong (large df, far
    /// tails, close to p = 1/2) and both sides of the switch to the Cornish-Fisher expansion.
    #[test]
    fn t_quantile_matches_scipy_closely() {
        let reference = [
            (0.975, 1.0, 12.706204736174694),
            (0.975, 2.5, 3.5746548420036817),
            (0.975, 6.0, 2.4469118511449786),
            (0.975, 9.0, 2.262157162798205),
            (0.975, 29.0, 2.045229642132703),
            (0.975, 120.0, 1.9799304050824402),
            (0.05, 4.0, -2.131846786326651),
            (0.6, 1.0, 0.32491969623290634),
            (0.975, 999.0, 1.9623414611334493),
            (0.975, 1000.0, 1.9623390808264083),
            (0.975, 999_999.0, 1.9599663568164791),
            (0.975, 1e7, 1.959964221767205),
            (0.975, 1e9, 1.959963986912325),
            (1e-100, 999.0, -23.933539701995954),
            (1e-300, 999.0, -54.31421111534781),
            (0.5000001, 120.0, 2.511855798496305e-07),
        ];
        for (p, df, expected) in reference {
            let q = t_quantile(p, df);
            assert!(
                (q - expected).abs() <= 1e-11 * expected.abs(),
                "t({p}, {df}) = {q}, scipy says {expected}"
            );
        }
        assert_eq!(t_quantile(0.5, 3.0), 0.0);
    }

    /// Symmetry and monotonicity over a grid, which also exercises every branch for hangs.
    #[test]
    fn t_quantile_is_symmetric_and_increasing() {
        for df in [0.5, 1.0, 2.0, 7.5, 30.0, 500.0, 999.0, 1000.0, 5e4, 1e8] {
            let mut previous = f64::NEG_INFINITY;
            for k in 1..200 {
                let p = k as f64 / 200.0;
                let q = t_quantile(p, df);
                assert!(q > previous, "df {df}: t({p}) = {q} <= {previous}");
                // Not exact: 1 - (1 - p) need not equal p in binary.
                let mirrored = -t_quantile(1.0 - p, df);
                assert!((q - mirrored).abs() <= 1e-12 * q.abs(), "df {df}, p {p}");
                previous = q;
            }
        }
    }

    #[test]
    fn t_quantile_edge_cases() {
        assert!(t_quantile(-0.1, 5.0).is_nan());
        assert!(t_quantile(1.1, 5.0).is_nan());
        assert!(t_quantile(f64::NAN, 5.0).is_nan());
        assert!(t_quantile(0.975, 0.0).is_nan());
        assert!(t_quantile(0.975, -3.0).is_nan());
        assert!(t_quantile(0.975, f64::NAN).is_nan());
        assert!(t_quantile(0.975, 1e-7).is_nan());
        assert!(t_quantile(0.5, 1e-300).is_nan());
        assert_eq!(t_quantile(0.0, 5.0), f64::NEG_INFINITY);
        assert_eq!(t_quantile(1.0, 5.0), f64::INFINITY);
        // z(0.975) = 1.959963984540054 (scipy.stats.norm.ppf(0.975)).
        assert!((t_quantile(0.975, f64::INFINITY) - 1.959963984540054).abs() < 1e-12);
        // Quantiles beyond 1e150 are reported as infinite. For df = 1 (Cauchy) the quantile
        // is tan(pi (p - 1/2)), about -1/(pi p) = -3.2e299 at p = 1e-300.
        assert_eq!(t_quantile(1e-300, 1.0), f64::NEG_INFINITY);
        assert_eq!(t_quantile(1.0 - 1e-16, 0.05), f64::INFINITY);
        // Subnormal tail probabilities still give a finite answer for moderate df.
        assert!(t_quantile(1e-310, 30.0).is_finite());
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

    /// A million respondents: df = 999 999, where statrs's `inverse_cdf` would be off in the
    /// fourth decimal. t(0.975, 999999) = 1.9599663568164791 (SciPy 1.17.1 `t.ppf`).
    #[test]
    fn ci95_for_a_million_respondents() {
        let (lo, hi) = ci95(4.0, 1.0, 1_000_000).unwrap();
        let half = 1.9599663568164791 / 1000.0;
        assert!((lo - (4.0 - half)).abs() < 1e-13, "{lo}");
        assert!((hi - (4.0 + half)).abs() < 1e-13, "{hi}");
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
