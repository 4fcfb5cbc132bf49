//! Pure statistics for the survey results: descriptive figures of a group ([`Moments`],
//! [`Summary`]), the t-based confidence interval of a mean ([`ci95`], [`t_quantile`]),
//! Cronbach's alpha, the comparison of two groups (Welch's t-test [`welch`], Hedges' g
//! [`hedges_g`]), confidence sets for ranks among peers ([`rank_intervals`]), and the rounding
//! and ranking rules of a published table ([`round_half_away`], [`competition_ranks`]).
//!
//! Nothing here does I/O or knows about templates or the database; every function is a plain
//! function of its arguments, so the results layer can be tested against published values.
//!
//! Conventions shared by the whole module:
//! - Variances and standard deviations are *sample* figures (denominator `n - 1`), which is what
//!   survey reports, SPSS and R's `sd()` print.
//! - "Not enough data" is `None`, never `NaN`, so a missing figure cannot silently flow into
//!   arithmetic and then into a report.
//! - Streaming accumulators ([`Moments`], [`AlphaAccumulator`]) use Welford's update and Chan et
//!   al.'s merge, which stay accurate on data with a large common offset where the textbook
//!   `Σx² - (Σx)²/n` formula cancels catastrophically. The mean of [`Moments`] comes from a
//!   compensated sum instead, so that a published two-decimal mean does not depend on the
//!   order of the responses.

mod alpha;
mod compare;
mod moments;
mod order;
mod rounding;
mod tdist;

pub use alpha::{cronbach_alpha, AlphaAccumulator};
pub use compare::{hedges_g, rank_intervals, welch, Welch};
pub use moments::{Moments, Summary};
pub use order::{competition_ranks, median};
pub use rounding::{published_hundredths, round_half_away};
pub use tdist::{ci95, t_quantile};
