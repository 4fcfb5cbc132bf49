//! Rounding as a published table does it.
//!
//! Scores are stored as binary doubles, and most decimal fractions are not representable:
//! the double nearest 2.675 is 2.67499999999999982..., and `-1.005 * 100.0` evaluates to
//! -100.49999999999999. Rounding those exactly (as `format!("{:.2}")` does) yields 2.67 and
//! -1.00, while the report's readers, checking with a spreadsheet's ROUND or by hand from the
//! decimal figures, expect 2.68 and -1.01. We therefore round *the decimal number the double
//! stands for*: nudge the scaled value away from zero by far less than any real difference
//! between scores, but by more than binary representation and scaling error, then round half
//! away from zero.

/// Nudge applied to the scaled value, in units of the last decimal place kept.
///
/// 1e-9 of a unit is far above the representation error of a score (about 1e-16 relative)
/// and far below any difference a respondent's answers can make.
const NUDGE_UNITS: f64 = 1e-9;

/// Nudge relative to the scaled value itself, for magnitudes where one unit in the last place
/// of an f64 exceeds `NUDGE_UNITS` (above about 1e7 units) and a fixed nudge would vanish.
const NUDGE_RELATIVE: f64 = 4.0 * f64::EPSILON;

/// Rounds an already scaled value (e.g. hundredths) to an integer, half away from zero, after
/// nudging it away from zero (see the module documentation).
fn nudged_round(scaled: f64) -> f64 {
    let nudge = NUDGE_UNITS.max(scaled.abs() * NUDGE_RELATIVE);
    (scaled + nudge.copysign(scaled)).round()
}

/// Rounds to `decimals` places, half away from zero, the way a published table (or a spreadsheet's
/// ROUND) does: 4.445 -> 4.45 even though the binary double 4.445 is slightly below it. Do this by
/// nudging by a relative epsilon (about 1e-9 of a unit in the last place kept) before rounding.
///
/// (Of the examples, it is 2.675 and 1.005 whose doubles actually lie below the half; 4.445's
/// double is slightly above it. All three round up in magnitude here.)
///
/// Details:
/// - Non-finite `x` is returned unchanged.
/// - Values too large to have any digit at that place (|x · 10^decimals| ≥ 2^52) are returned
///   unchanged, as is everything when 10^decimals overflows.
/// - A result of zero is always +0.0, so a tiny negative score is not published as "-0.00".
/// - The division by 10^decimals is correctly rounded, so the result is the double nearest the
///   intended decimal (4.45 prints as "4.45").
pub fn round_half_away(x: f64, decimals: u32) -> f64 {
    if !x.is_finite() {
        return x;
    }
    // 10^400 is already infinite; clamping keeps the cast to i32 lossless.
    let scale = 10f64.powi(decimals.min(400) as i32);
    let scaled = x * scale;
    if !scaled.is_finite() || scaled.abs() >= 4_503_599_627_370_496.0 {
        // 2^52: every double this large is an integer, there is nothing to round.
        return x;
    }
    let rounded = nudged_round(scaled) / scale;
    if rounded == 0.0 {
        0.0
    } else {
        rounded
    }
}

/// The published score (2 decimals) as an integer number of hundredths, used for ranking and ties.
///
/// Consistent with [`round_half_away`]: `published_hundredths(x) as f64 / 100.0 ==
/// round_half_away(x, 2)` for finite scores. Comparing these integers instead of the doubles is
/// what makes two scores that print the same tie. `NaN` maps to 0 and ±∞ saturate to
/// `i64::MAX`/`i64::MIN` (Rust's float-to-int cast); callers should not publish such scores.
pub fn published_hundredths(x: f64) -> i64 {
    nudged_round(x * 100.0) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expected values are those of a decimal ROUND half away from zero applied to the decimal
    /// literal, e.g. LibreOffice Calc / Excel `=ROUND(2.675; 2)` = 2.68, `=ROUND(-1.005; 2)`
    /// = -1.01; Python's `decimal.Decimal("2.675").quantize(Decimal("0.01"),
    /// rounding=ROUND_HALF_UP)` = 2.68 gives the same. By contrast Python's `round(2.675, 2)`
    /// is 2.67 because it rounds the exact binary value 2.67499999999999982236431605997495353221893310546875.
    #[test]
    fn rounds_the_decimal_the_user_typed() {
        assert_eq!(round_half_away(4.445, 2), 4.45);
        assert_eq!(round_half_away(4.444999, 2), 4.44);
        assert_eq!(round_half_away(2.675, 2), 2.68);
        assert_eq!(round_half_away(-1.005, 2), -1.01);
        assert_eq!(round_half_away(1.005, 2), 1.01);
        assert_eq!(round_half_away(4.77, 2), 4.77);
        assert_eq!(round_half_away(4.455, 2), 4.46);
        assert_eq!(round_half_away(-2.5, 0), -3.0);
        assert_eq!(round_half_away(2.5, 0), 3.0);
        assert_eq!(round_half_away(0.125, 2), 0.13);
        assert_eq!(round_half_away(1.0005, 3), 1.001);
        assert_eq!(round_half_away(4.56785, 4), 4.5679);
        assert_eq!(round_half_away(1234.5, 0), 1235.0);
        assert_eq!(round_half_away(4.4, 0), 4.0);
        // The naive approaches disagree on these, which is why this function exists.
        assert_eq!(format!("{:.2}", 2.675), "2.67");
        assert_eq!((-1.005f64 * 100.0).round() / 100.0, -1.0);
    }

    #[test]
    fn output_prints_as_the_rounded_decimal() {
        assert_eq!(format!("{}", round_half_away(4.445, 2)), "4.45");
        assert_eq!(format!("{}", round_half_away(2.675, 2)), "2.68");
        assert_eq!(format!("{:.2}", round_half_away(2.675, 2)), "2.68");
    }

    #[test]
    fn edge_cases() {
        assert!(round_half_away(f64::NAN, 2).is_nan());
        assert_eq!(round_half_away(f64::INFINITY, 2), f64::INFINITY);
        assert_eq!(round_half_away(f64::NEG_INFINITY, 2), f64::NEG_INFINITY);
        // No "-0.00".
        let z = round_half_away(-0.001, 2);
        assert_eq!(z, 0.0);
        assert!(z.is_sign_positive());
        assert_eq!(format!("{:.2}", z), "0.00");
        // Nothing left to round, or absurd numbers of decimals.
        assert_eq!(round_half_away(1e300, 2), 1e300);
        assert_eq!(round_half_away(4.445, 400), 4.445);
        assert_eq!(round_half_away(4.445, u32::MAX), 4.445);
        assert_eq!(round_half_away(123456789.125, 2), 123456789.13);
    }

    #[test]
    fn hundredths() {
        assert_eq!(published_hundredths(4.455), 446);
        assert_eq!(published_hundredths(4.445), 445);
        assert_eq!(published_hundredths(2.675), 268);
        assert_eq!(published_hundredths(-1.005), -101);
        assert_eq!(published_hundredths(4.77), 477);
        assert_eq!(published_hundredths(4.776), 478);
        assert_eq!(published_hundredths(4.7749), 477);
        assert_eq!(published_hundredths(4.775), 478);
        assert_eq!(published_hundredths(0.0), 0);
        assert_eq!(published_hundredths(f64::NAN), 0);
    }

    /// `published_hundredths` and `round_half_away(_, 2)` must never disagree, or a table could
    /// show two equal scores with different ranks.
    #[test]
    fn hundredths_agree_with_rounding() {
        for thousandths in -6000..=6000 {
            let x = thousandths as f64 / 1000.0;
            for y in [x, x + 1e-7, x - 1e-7, 5.0 * x / 3.0] {
                assert_eq!(
                    published_hundredths(y) as f64 / 100.0,
                    round_half_away(y, 2),
                    "{y}"
                );
            }
        }
    }
}
