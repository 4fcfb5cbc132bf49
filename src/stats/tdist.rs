//! Student's t quantiles and the t-based confidence interval of a mean.

use statrs::distribution::{Continuous, ContinuousCDF, Normal, StudentsT};
use std::f64::consts::PI;

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

/// From this many degrees of freedom on, the tail beyond |x| >= 1 (up to w1 = 0.3) comes from
/// the asymptotic expansion in [`large_df_both_tails`]; it needs a = df/2 >= 15, the bound
/// Boost and TOMS 708 use for it.
const EXPANSION_MIN_DF: f64 = 30.0;

/// Where the expansion stops being used: w1 = x²/(df+x²) >= 0.3 makes its series in
/// (ln w2)² converge slowly, and there the continued fraction has no cancellation.
const EXPANSION_MAX_W1: f64 = 0.3;

/// P(T > x) for x >= 0 (`NaN` for a `NaN` argument), via the regularised incomplete beta
/// function: P(|T| < x) = I_w1(1/2, df/2) with w1 = x²/(df+x²), and P(|T| > x) =
/// I_w2(df/2, 1/2) with w2 = df/(df+x²) = 1 - w1.
///
/// Each region uses the evaluation that keeps relative precision there:
/// - near the centre (`w1 < 3/(df+5)`): 1/2 - I_w1(1/2, df/2)/2 by the continued fraction;
///   the result is near 1/2, where an absolute error of an ulp is fine;
/// - in the tail for df >= 30, |x| >= 1 and w1 < 0.3: I_w2(df/2, 1/2)/2 by DiDonato & Morris's
///   expansion in erfc ([`large_df_both_tails`]);
/// - in the rest of the tail: I_w2(df/2, 1/2)/2 by the continued fraction.
///
/// statrs's `beta_reg` is not used because it loses precision as df grows, which Welch tests
/// of two large groups need (two groups of a million answers give df ≈ 2e6): it takes the
/// prefactor Γ(a+b)/(Γ(a)Γ(b)) as a difference of `ln_gamma` values of size df·ln(df), which
/// cancels to 4e-10 relative error at df = 1e6 (2e-7 at 1e7), and its continued fraction for w2
/// within O(1/df) of 1 subtracts nearly equal numbers. Here the log-gamma difference comes from
/// its asymptotic series ([`ln_gamma_ratio_half`]), the powers from `ln_1p`, and the large-df tail
/// from an expansion that has neither problem. Against SciPy 1.17.1 `t.sf` the relative error
/// is below 2e-13 over df from 1e-3 to 1e12 and x from 1e-6 to 1e6 (results down to 1e-300).
fn upper_tail(x: f64, df: f64) -> f64 {
    if x.is_nan() || df.is_nan() {
        return f64::NAN;
    }
    if x == 0.0 {
        return 0.5;
    }
    if x == f64::INFINITY {
        return 0.0;
    }
    let half_df = df / 2.0;
    // r = x²/df and its reciprocal, each formed without squaring x, so that neither overflows
    // before it has to.
    let r = (x / df) * x;
    let inv_r = (df / x) / x;
    // ln(1 + r) = -ln(w2), exact to an ulp; beyond f64::MAX, from the logarithms.
    let ln_1p_r = if r.is_finite() {
        r.ln_1p()
    } else {
        2.0 * x.ln() - df.ln()
    };
    let w1 = 1.0 / (1.0 + inv_r);
    if df >= EXPANSION_MIN_DF && x >= 1.0 && w1 < EXPANSION_MAX_W1 {
        return 0.5 * large_df_both_tails(half_df, ln_1p_r);
    }
    // ln of w2^(df/2) w1^(1/2) / B(df/2, 1/2), the prefactor common to both continued fractions.
    let ln_w1 = -inv_r.ln_1p();
    let ln_prefactor =
        ln_gamma_ratio_half(half_df) - 0.5 * PI.ln() - half_df * ln_1p_r + 0.5 * ln_w1;
    let prefactor = ln_prefactor.exp();
    if w1 < 3.0 / (df + 5.0) {
        // I_w1(1/2, df/2) = prefactor * cf / (1/2).
        0.5 - prefactor * beta_continued_fraction(0.5, half_df, w1)
    } else {
        // I_w2(df/2, 1/2) = prefactor * cf / (df/2).
        let w2 = 1.0 / (1.0 + r);
        0.5 * prefactor * beta_continued_fraction(half_df, 0.5, w2) / half_df
    }
}

/// ln Γ(a + 1/2) - ln Γ(a), for a > 0.
///
/// For a >= 16 from its asymptotic series (derived with SymPy's `series` of
/// `loggamma(a + 1/2) - loggamma(a)` at a = ∞):
/// `1/2 ln a - 1/(8a) + 1/(192a³) - 1/(640a⁵) + 17/(14336a⁷) - 31/(18432a⁹) +
/// 691/(180224a¹¹) - 5461/(425984a¹³)`; the first omitted term is below 1e-19 there.
/// Below 16, from a + k >= 16 by the recurrence `L(a) = L(a+1) - ln(1 + 1/(2a))` (from
/// Γ(a+1) = a Γ(a)). The difference of two `ln_gamma` values would lose about
/// a·ln(a)·1e-16 to cancellation (1e-9 at a = 1e6).
fn ln_gamma_ratio_half(a: f64) -> f64 {
    let mut a = a;
    let mut shift = 0.0;
    while a < 16.0 {
        shift += (0.5 / a).ln_1p();
        a += 1.0;
    }
    let inv = 1.0 / a;
    let inv2 = inv * inv;
    let series = inv
        * (-1.0 / 8.0
            + inv2
                * (1.0 / 192.0
                    + inv2
                        * (-1.0 / 640.0
                            + inv2
                                * (17.0 / 14336.0
                                    + inv2
                                        * (-31.0 / 18432.0
                                            + inv2
                                                * (691.0 / 180224.0
                                                    + inv2 * (-5461.0 / 425984.0)))))));
    0.5 * a.ln() + series - shift
}

/// The continued fraction of the regularised incomplete beta function, Numerical Recipes
/// (3rd ed.) section 6.4 evaluated by the modified Lentz method: `I_x(a, b) = prefactor *
/// cf / a` with prefactor `x^a (1-x)^b / B(a, b)`. Converges quickly for
/// `x < (a+1)/(a+b+2)`, which the caller guarantees; the iteration count is bounded all the
/// same, so no input can make it spin.
fn beta_continued_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let guard = |v: f64| if v.abs() < TINY { TINY } else { v };
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 / guard(1.0 - qab * x / qap);
    let mut fraction = d;
    for m in 1..=1000 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        // Even step.
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 / guard(1.0 + aa * d);
        c = guard(1.0 + aa / c);
        fraction *= d * c;
        // Odd step.
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 / guard(1.0 + aa * d);
        c = guard(1.0 + aa / c);
        let step = d * c;
        fraction *= step;
        if (step - 1.0).abs() <= f64::EPSILON / 2.0 {
            break;
        }
    }
    fraction
}

/// I_w2(a, 1/2) for a >= 15 and w2 close to 1, given a = df/2 and ln(1 + r) = -ln(w2): both
/// tails of the t distribution beyond |x|.
///
/// DiDonato & Morris (1992), "Algorithm 708: significant digit computation of the incomplete
/// beta function ratios", ACM TOMS 18(3), routine BGRAT (equations 9 to 9.6; also Boost's
/// `beta_small_b_large_a_series`), with b = 1/2, where the incomplete gamma function in it is
/// Q(1/2, u) = erfc(√u) ([`upper_gamma_half`]). The leading term is
/// erfc(√u) Γ(a+1/2) / (Γ(a) √T) with T = a - 1/4 and u = T ln(1 + r), the normal tail of
/// √(2u), and the series corrects it in powers of (ln w2 / 2)² and 1/T², terms that shrink as
/// df grows instead of cancelling as the continued fraction's do.
fn large_df_both_tails(a: f64, ln_1p_r: f64) -> f64 {
    const B: f64 = 0.5;
    const TERMS: usize = 30;
    let t_big = a + (B - 1.0) / 2.0;
    let u = t_big * ln_1p_r;
    let sqrt_u = u.sqrt();
    // Γ(a + b) / (Γ(a) T^b).
    let ratio = (ln_gamma_ratio_half(a) - B * t_big.ln()).exp();
    let leading = ratio * upper_gamma_half(u);
    // u^b e^(-u) / Γ(b): the scale of the J_n below. Once it underflows, the tail is below
    // e^-700 and the leading term is all that is left of it.
    let scale = sqrt_u * (-u).exp() / PI.sqrt();
    if scale < f64::MIN_POSITIVE {
        return leading;
    }
    let prefix = ratio * scale;
    let mut j = leading / prefix;
    let mut sum = leading;
    let half_ln_w2_sq = (ln_1p_r / 2.0) * (ln_1p_r / 2.0);
    let mut ln_power = 1.0;
    let four_t2 = 4.0 * t_big * t_big;
    let mut b2n = B;
    // p[n] of equation 9.4, and 1/(2k+1)! alongside.
    let mut p = [0.0_f64; TERMS];
    let mut inv_odd_factorial = [0.0_f64; TERMS + 1];
    p[0] = 1.0;
    inv_odd_factorial[0] = 1.0;
    for n in 1..TERMS {
        let nf = n as f64;
        inv_odd_factorial[n] = inv_odd_factorial[n - 1] / ((2.0 * nf) * (2.0 * nf + 1.0));
        let mut pn = 0.0;
        for m in 1..n {
            pn += (m as f64 * B - nf) * p[n - m] * inv_odd_factorial[m];
        }
        p[n] = pn / nf + (B - 1.0) * inv_odd_factorial[n];
        // J_n from J_(n-1), equation 9.6.
        j = (b2n * (b2n + 1.0) * j + (u + b2n + 1.0) * ln_power) / four_t2;
        ln_power *= half_ln_w2_sq;
        b2n += 2.0;
        let term = prefix * p[n] * j;
        sum += term;
        if term.abs() <= f64::EPSILON / 2.0 * sum.abs() {
            break;
        }
    }
    sum
}

/// The regularised upper incomplete gamma function Q(1/2, u) = erfc(√u), for u >= 0.
///
/// Not statrs's `erfc`, whose relative error is about 1e-10 (against mpmath: 1.0e-10 at 0.5,
/// 4e-11 at 2). Numerical Recipes (3rd ed.) section 6.2: below u = 1.5 as 1 - P(1/2, u) by
/// P's power series (P <= 0.92 there, so the subtraction costs at most a digit), from 1.5 on by
/// the continued fraction for Q (modified Lentz). Relative error below 1e-13 against mpmath
/// for u from 1e-12 to 700 (the error of `exp(-u)` dominates for large u); a Python
/// prototype needed at most 66 iterations, and the loops are bounded regardless.
fn upper_gamma_half(u: f64) -> f64 {
    const TINY: f64 = 1e-300;
    if u.is_nan() {
        return f64::NAN;
    }
    if u <= 0.0 {
        return 1.0;
    }
    if u == f64::INFINITY {
        return 0.0;
    }
    // u^(1/2) e^-u / Γ(1/2), the factor common to both forms.
    let front = u.sqrt() * (-u).exp() / PI.sqrt();
    if u < 1.5 {
        // P(1/2, u) = front / (1/2) * Σ u^n / ((3/2)(5/2)...(n + 1/2)).
        let (mut term, mut sum, mut denominator) = (1.0, 1.0, 0.5);
        for _ in 0..200 {
            denominator += 1.0;
            term *= u / denominator;
            sum += term;
            if term <= sum * f64::EPSILON / 2.0 {
                break;
            }
        }
        return 1.0 - 2.0 * front * sum;
    }
    if front == 0.0 {
        return 0.0;
    }
    let guard = |v: f64| if v.abs() < TINY { TINY } else { v };
    let mut b = u + 0.5;
    let mut c = 1.0 / TINY;
    let mut d = 1.0 / b;
    let mut fraction = d;
    for i in 1..=300 {
        let i = f64::from(i);
        let an = -i * (i - 0.5);
        b += 2.0;
        d = 1.0 / guard(an * d + b);
        c = guard(b + an / c);
        let step = d * c;
        fraction *= step;
        if (step - 1.0).abs() <= f64::EPSILON / 2.0 {
            break;
        }
    }
    front * fraction
}

/// Two-sided p-value of a t statistic with `df` degrees of freedom: P(|T| >= |t|) =
/// 2 P(T > |t|), taken from the tail itself so that it keeps its relative precision when tiny
/// (1e-30, 1e-200), where `1 - cdf` would round to 0 below 1e-16. `NaN` for a `NaN` argument
/// or a `df` that is not positive and finite.
pub(super) fn t_two_sided_p(t: f64, df: f64) -> f64 {
    if !(df > 0.0 && df.is_finite()) {
        return f64::NAN;
    }
    // Not `f64::min`, which would turn a NaN into 1.
    let p = 2.0 * upper_tail(t.abs(), df);
    if p > 1.0 {
        1.0
    } else {
        p
    }
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

    /// Two-sided p-values against SciPy 1.17.1, each the value of `2 * scipy.stats.t.sf(x, df)`
    /// for the (x, df) on its line, over every branch of [`upper_tail`]: the centre, the
    /// continued fraction in the tail (df < 30, or w1 >= 0.3), and the large-df expansion,
    /// including df ≈ 2e6 (two groups of a million), where statrs's incomplete beta is off by
    /// 1e-9, and p far below 1e-16, where `1 - cdf` would give 0.
    #[test]
    fn two_sided_p_matches_scipy() {
        let reference = [
            (2.0, 2.5, 0.1573914957579659),
            (3.0, 7.3, 0.018980551023133497),
            (1.7320508, 29.0, 0.09389020276758742),
            (12.0, 12.0, 4.835928486645684e-08),
            (1.0, 30.0, 0.3253086154260302),
            (3.5, 30.0, 0.0014768074376442532),
            (40.0, 30.0, 1.3726045194406417e-27),
            (2.0, 100.0, 0.04821217873113365),
            (0.3, 1000.0, 0.7642395041672441),
            (25.0, 1000.0, 1.5203541383321418e-107),
            (1.75, 10000.0, 0.08014898268742614),
            (11.5, 10000.0, 2.0482191812396155e-30),
            (0.1, 1e6, 0.9203443454920432),
            (1.0, 1e6, 0.3173107498335783),
            (1.7320508, 2e6, 0.08326467219138375),
            (2.0, 2e6, 0.04550039887380676),
            (5.0, 2e6, 5.733514637831457e-07),
            (20.0, 2e6, 5.619048183066815e-89),
            (3.0, 1e7, 0.0026998027110371635),
            (11.0, 1e12, 3.8213191632146386e-28),
            (10000.0, 3.0, 2.20531550229581e-12),
        ];
        for (x, df, expected) in reference {
            for t in [x, -x] {
                let p = t_two_sided_p(t, df);
                assert!(
                    (p - expected).abs() <= 1e-12 * expected,
                    "p({t}, {df}) = {p}, scipy says {expected}"
                );
            }
        }
    }

    /// df = 1 is the Cauchy distribution, whose two-sided p is 1 - 2 atan(|t|)/π exactly
    /// (values from mpmath at 30 digits, `float(1 - 2*atan(mpf('1e-6'))/pi)`). Near t = 0
    /// SciPy's own `t.sf(1e-6, 1)` is off by 3e-11, so the closed form is the reference here.
    #[test]
    fn two_sided_p_of_cauchy_and_edges() {
        let p = t_two_sided_p(1e-6, 1.0);
        assert!((p - 0.9999993633802277).abs() <= 1e-15, "{p}");
        let p = t_two_sided_p(0.5, 1.0);
        assert!((p - 0.7048327646991335).abs() <= 1e-15, "{p}");
        assert_eq!(t_two_sided_p(0.0, 5.0), 1.0);
        assert_eq!(t_two_sided_p(f64::INFINITY, 5.0), 0.0);
        assert!(t_two_sided_p(f64::NAN, 5.0).is_nan());
        assert!(t_two_sided_p(1.0, 0.0).is_nan());
        assert!(t_two_sided_p(1.0, f64::INFINITY).is_nan());
        // |t| beyond 1e154, where t² overflows: the Cauchy tail 2/(π t) is still there.
        let p = t_two_sided_p(1e200, 1.0);
        assert!((p - 2.0 / (PI * 1e200)).abs() <= 1e-12 * p, "{p}");
    }

    /// erfc(√u) from mpmath at 30 digits, `float(erfc(sqrt(mpf(u))))`, on both sides of the
    /// switch from the series to the continued fraction at u = 1.5, and far into the tail.
    #[test]
    fn upper_gamma_half_matches_mpmath() {
        let reference = [
            (1e-10, 0.9999887162083294),
            (0.25, 0.4795001221869535),
            (1.4999, 0.08327479603748417),
            (1.5, 0.0832645166635504),
            (2.0, 0.04550026389635842),
            (50.0, 1.523970604832105e-23),
            (700.0, 2.1010145162642176e-306),
        ];
        for (u, expected) in reference {
            let q = upper_gamma_half(u);
            assert!(
                (q - expected).abs() <= 1e-13 * expected,
                "Q(1/2, {u}) = {q}, mpmath says {expected}"
            );
        }
        assert_eq!(upper_gamma_half(0.0), 1.0);
        assert_eq!(upper_gamma_half(f64::INFINITY), 0.0);
        assert!(upper_gamma_half(f64::NAN).is_nan());
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
