//! What the console pages show, built from results, progress and the audit log: rows of
//! printed values and the coordinates of their inline SVG figures (computed here, so that the
//! templates print numbers only and every text goes through askama's escaping).

use std::collections::{HashMap, HashSet};

use super::texts::ConsoleTexts;
use crate::results::columns::{clip_to_scale, ShownInterval};
use crate::results::{CampaignResults, Suppression, UnitResult};
use crate::template::Lang;

/// The width of the SVG figures' drawing area, in viewBox units.
pub const BAR_WIDTH: f64 = 160.0;

/// What every console page needs: texts, who is signed in, the forms' anti-forgery token.
pub struct Frame {
    pub t: &'static ConsoleTexts,
    pub lang: Lang,
    pub who: String,
    pub csrf: String,
    pub admin: bool,
    /// An admin without a scope: may change templates and the unit tree.
    pub unscoped_admin: bool,
    /// What the last action did (`?done=`), shown once above the page.
    pub notice: Option<String>,
    /// This page in the other language.
    pub switch: String,
}

impl Frame {
    /// `path` with the page's language kept (Indonesian needs nothing).
    pub fn href(&self, path: &str) -> String {
        with_lang(path, self.lang)
    }

    /// A unit's page in a campaign.
    pub fn unit_href(&self, campaign: impl std::fmt::Display, code: &str) -> String {
        self.href(&format!(
            "/console/campaigns/{campaign}/units/{}",
            encode(code)
        ))
    }

    /// A campaign's ranking of the units below `code`.
    pub fn under_href(&self, campaign: impl std::fmt::Display, code: &str) -> String {
        self.href(&format!(
            "/console/campaigns/{campaign}?under={}",
            encode(code)
        ))
    }
}

/// Percent-encodes all but unreserved characters: unit codes are free text.
pub fn encode(text: &str) -> String {
    crate::domain::percent_encode(text)
}

pub fn with_lang(path: &str, lang: Lang) -> String {
    match lang {
        Lang::Id => path.to_owned(),
        Lang::En => {
            let sep = if path.contains('?') { '&' } else { '?' };
            format!("{path}{sep}lang=en")
        }
    }
}

pub fn two(x: f64) -> String {
    format!("{x:.2}")
}

pub fn percent(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

/// Where `value` falls on `[lo, hi]`, as an x coordinate of a bar.
fn x_of(value: f64, lo: f64, hi: f64) -> f64 {
    if hi <= lo {
        return 0.0;
    }
    ((value - lo) / (hi - lo)).clamp(0.0, 1.0) * BAR_WIDTH
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

pub struct CampaignRow {
    pub id: i64,
    pub title: String,
    pub period: String,
    pub template: String,
    pub status: &'static str,
    pub responses: i64,
    pub rate: String,
}

pub struct ProgressRow {
    pub code: String,
    pub name: String,
    pub invited: i64,
    pub submitted: i64,
    pub rate: String,
    /// The bar's length (0 when nobody was invited).
    pub bar: f64,
}

/// A confidence interval on the campaign's scale: the interval from `lo` to `hi`, the value
/// at `x`.
pub struct Interval {
    pub lo: f64,
    pub hi: f64,
    pub x: f64,
    pub title: String,
}

pub struct Cell {
    pub text: String,
    /// A colour class from the mean's place on the scale, or "sup" for a withheld figure.
    pub class: &'static str,
    pub title: String,
}

pub struct RankRow {
    pub code: String,
    pub name: String,
    pub n: u64,
    /// The reason no figure is shown, if none is.
    pub withheld: Option<&'static str>,
    pub score: String,
    /// Clipped to the scale, a clipped bound marked.
    pub ci: String,
    /// Whether `ci` was clipped: the page then explains the mark.
    pub ci_clipped: bool,
    pub ci_bar: Option<Interval>,
    pub rank: String,
    pub rank_bar: Option<Interval>,
    pub change: String,
    pub change_title: String,
    pub children: usize,
    pub cells: Vec<Cell>,
}

pub struct LevelTab {
    pub level: u32,
    pub count: usize,
    pub current: bool,
}

fn withheld_reason(t: &ConsoleTexts, by: Option<Suppression>) -> &'static str {
    match by {
        Some(Suppression::Complement) => t.suppressed_complement,
        _ => t.suppressed_threshold,
    }
}

fn withheld_short(t: &ConsoleTexts, by: Option<Suppression>) -> &'static str {
    match by {
        Some(Suppression::Complement) => t.complement_short,
        _ => t.threshold_short,
    }
}

const HEAT: [&str; 10] = ["h0", "h1", "h2", "h3", "h4", "h5", "h6", "h7", "h8", "h9"];

/// The scale scores are on: a survey's bounds, a checklist's 0-100.
pub fn scale_of(results: &CampaignResults) -> (f64, f64) {
    let [lo, hi] = results.campaign.score_bounds();
    (lo, hi)
}

/// A 95% CI as the pages print it: clipped to the scale, a clipped bound marked (as the
/// command line's table and the emails print it; the downloads keep it exact).
pub fn shown_ci(results: &CampaignResults, ci: [f64; 2]) -> ShownInterval {
    clip_to_scale(ci, results.campaign.score_bounds())
}

/// Ranked units per level over the whole campaign: the length of the rank axis.
pub fn ranked_per_level(results: &CampaignResults) -> HashMap<u32, u32> {
    let mut counts = HashMap::new();
    for unit in &results.units {
        if unit.rank.is_some() {
            *counts.entry(unit.level).or_insert(0) += 1;
        }
    }
    counts
}

pub fn rank_row(
    t: &ConsoleTexts,
    results: &CampaignResults,
    unit: &UnitResult,
    ranked: &HashMap<u32, u32>,
    children: usize,
) -> RankRow {
    let (lo, hi) = scale_of(results);
    let figures = &unit.figures;
    let withheld = figures
        .suppressed
        .then(|| withheld_reason(t, figures.suppressed_by));
    let score = figures.score.map(two).unwrap_or_default();
    let shown = figures.ci95.map(|ci| shown_ci(results, ci));
    // The pages write the decimal point in both languages.
    let ci = shown.map(|ci| ci.for_people(Lang::En)).unwrap_or_default();
    let ci_bar = match (figures.score, shown) {
        (Some(s), Some(shown)) if !figures.suppressed => Some(Interval {
            lo: round1(x_of(shown.bounds[0], lo, hi)),
            hi: round1(x_of(shown.bounds[1], lo, hi)),
            x: round1(x_of(s, lo, hi)),
            title: format!("{} {} ({} {ci})", t.score, two(s), t.ci95),
        }),
        _ => None,
    };
    let peers = ranked.get(&unit.level).copied().unwrap_or(0);
    let rank = unit
        .rank
        .map(|r| format!("{r} / {peers}"))
        .unwrap_or_default();
    let rank_bar = match (unit.rank, unit.rank_interval) {
        (Some(r), Some([a, b])) => {
            let top = f64::from(peers.max(1));
            Some(Interval {
                lo: round1(x_of(f64::from(a), 1.0, top)),
                hi: round1(x_of(f64::from(b), 1.0, top)),
                x: round1(x_of(f64::from(r), 1.0, top)),
                title: format!("{} {r} ({} {a}–{b})", t.rank, t.rank_interval),
            })
        }
        _ => None,
    };
    let (change, change_title) = match &unit.change {
        Some(c) => (
            format!(
                "{}{}{}",
                if c.difference >= 0.0 { "+" } else { "" },
                two(c.difference),
                if c.significant { " *" } else { "" }
            ),
            format!(
                "{} {}; p = {:.3}; {}",
                t.previous,
                two(c.previous_score),
                c.p_value,
                if c.significant {
                    t.significant
                } else {
                    t.not_significant
                }
            ),
        ),
        None => (String::new(), String::new()),
    };
    let cells = results
        .campaign
        .dimensions
        .iter()
        .enumerate()
        .map(|(i, dim)| {
            if figures.suppressed {
                return Cell {
                    text: withheld_short(t, figures.suppressed_by).to_owned(),
                    class: "sup",
                    title: withheld_reason(t, figures.suppressed_by).to_owned(),
                };
            }
            let mean = figures
                .dimensions
                .get(i)
                .filter(|d| d.id == dim.id)
                .and_then(|d| d.mean);
            match mean {
                Some(m) => {
                    let bucket = ((x_of(m, lo, hi) / BAR_WIDTH) * 10.0).floor() as usize;
                    Cell {
                        text: two(m),
                        class: HEAT[bucket.min(9)],
                        title: String::new(),
                    }
                }
                None => Cell {
                    text: "–".to_owned(),
                    class: "none",
                    title: String::new(),
                },
            }
        })
        .collect();
    RankRow {
        code: unit.code.clone(),
        name: unit.name.clone(),
        n: figures.n,
        withheld,
        score,
        ci,
        ci_clipped: shown.is_some_and(|ci| ci.any_clipped()),
        ci_bar,
        rank,
        rank_bar,
        change,
        change_title,
        children,
        cells,
    }
}

/// The number of visible children of each visible unit.
pub fn child_counts<'a>(units: impl Iterator<Item = &'a UnitResult>) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for unit in units {
        if let Some(parent) = &unit.parent_code {
            *counts.entry(parent.clone()).or_insert(0) += 1;
        }
    }
    counts
}

/// The levels present among the visible units, with their counts.
pub fn level_tabs(visible: &[&UnitResult], current: Option<u32>) -> Vec<LevelTab> {
    let mut counts: std::collections::BTreeMap<u32, usize> = Default::default();
    for unit in visible {
        *counts.entry(unit.level).or_insert(0) += 1;
    }
    counts
        .into_iter()
        .map(|(level, count)| LevelTab {
            level,
            count,
            current: Some(level) == current,
        })
        .collect()
}

/// The level shown when none is asked for: the first with more than one visible unit (a
/// ranking of one is no ranking), else the first.
pub fn default_level(visible: &[&UnitResult]) -> Option<u32> {
    let tabs = level_tabs(visible, None);
    tabs.iter()
        .find(|tab| tab.count > 1)
        .or(tabs.first())
        .map(|tab| tab.level)
}

pub struct ProfileRow {
    pub title: String,
    pub mean: String,
    pub median: String,
    /// The unit's bar length and the median's x, when there are figures.
    pub bar: Option<f64>,
    pub tick: Option<f64>,
}

fn median(mut values: Vec<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    Some(if values.len().is_multiple_of(2) {
        (values[mid - 1] + values[mid]) / 2.0
    } else {
        values[mid]
    })
}

/// The unit's dimension means against the median of the other published units of its level.
pub fn profile(results: &CampaignResults, unit: &UnitResult, lang: Lang) -> Vec<ProfileRow> {
    let (lo, hi) = scale_of(results);
    let peers: Vec<&UnitResult> = results
        .units
        .iter()
        .filter(|u| u.level == unit.level && u.code != unit.code && !u.figures.suppressed)
        .collect();
    results
        .campaign
        .dimensions
        .iter()
        .map(|dim| {
            let mean_of = |u: &UnitResult| {
                u.figures
                    .dimensions
                    .iter()
                    .find(|d| d.id == dim.id)
                    .and_then(|d| d.mean)
            };
            let mean = (!unit.figures.suppressed).then(|| mean_of(unit)).flatten();
            let median = median(peers.iter().filter_map(|u| mean_of(u)).collect());
            ProfileRow {
                title: dim.title.get(lang).to_owned(),
                mean: mean.map(two).unwrap_or_default(),
                median: median.map(two).unwrap_or_default(),
                bar: mean.map(|m| round1(x_of(m, lo, hi))),
                tick: median.map(|m| round1(x_of(m, lo, hi))),
            }
        })
        .collect()
}

pub struct TrendPoint {
    pub period: String,
    pub campaign: i64,
    pub n: u64,
    pub score: String,
    pub rank: String,
    pub rank_interval: String,
    pub withheld: bool,
    /// The point on the line, when there is a score.
    pub point: Option<(f64, f64)>,
}

/// The trend chart's height in viewBox units (its width is [`BAR_WIDTH`] * 2).
pub const TREND_HEIGHT: f64 = 80.0;

pub fn trend_points(
    rows: &[crate::results::trend::TrendRow],
    (lo, hi): (f64, f64),
) -> (Vec<TrendPoint>, String) {
    let count = rows.len();
    let width = BAR_WIDTH * 2.0;
    let points: Vec<TrendPoint> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let x = if count > 1 {
                10.0 + (width - 20.0) * i as f64 / (count - 1) as f64
            } else {
                width / 2.0
            };
            let point = row.score.map(|s| {
                let y = TREND_HEIGHT - 5.0 - x_of(s, lo, hi) / BAR_WIDTH * (TREND_HEIGHT - 10.0);
                (round1(x), round1(y))
            });
            TrendPoint {
                period: row.period.clone(),
                campaign: row.campaign.0,
                n: row.n,
                score: row.score.map(two).unwrap_or_default(),
                rank: row.rank.map(|r| r.to_string()).unwrap_or_default(),
                rank_interval: row
                    .rank_interval
                    .map(|[a, b]| format!("{a}–{b}"))
                    .unwrap_or_default(),
                withheld: row.suppressed,
                point,
            }
        })
        .collect();
    let line = points
        .iter()
        .filter_map(|p| p.point)
        .map(|(x, y)| format!("{x},{y}"))
        .collect::<Vec<_>>()
        .join(" ");
    (points, line)
}

/// Codes in the scope among a campaign's units; None when the scope is everything.
pub fn visible_codes(
    units: &[crate::db::campaigns::CampaignUnit],
    scope: Option<&str>,
) -> Option<HashSet<String>> {
    let root = scope?;
    let scope = crate::access::Scope::from_edges(
        units
            .iter()
            .map(|u| (u.code.as_str(), u.parent_code.as_deref())),
        root,
    );
    Some(
        units
            .iter()
            .filter(|u| scope.allows(&u.code))
            .map(|u| u.code.clone())
            .collect(),
    )
}

/// Shades of the distribution bars, from the scale's low end to its high end.
const SHADES: usize = 7;

/// One point of a survey scale in the distributions' legend.
pub struct ScalePoint {
    /// The value (or "not answered"), as the table's header prints it.
    pub label: String,
    /// The template's name of the point, if it gives one.
    pub name: String,
    /// `s0`..`s6` along the scale, `na` for "not answered".
    pub class: String,
}

/// One part of an item's stacked bar.
pub struct Segment {
    pub class: String,
    pub x: f64,
    pub width: f64,
    pub title: String,
}

/// One survey item's answers over the unit's subtree.
pub struct ItemRow {
    pub text: String,
    pub answered: u64,
    /// Printed shares in the legend's order (the scale points, then "not answered"); empty
    /// when withheld.
    pub shares: Vec<String>,
    pub segments: Vec<Segment>,
    pub withheld: bool,
}

pub struct Distributions {
    /// The legend: the scale's points, then "not answered".
    pub points: Vec<ScalePoint>,
    pub rows: Vec<ItemRow>,
}

/// The shade class of scale point `j` (0-based) of `points`.
fn shade(j: usize, points: usize) -> String {
    let step = if points > 1 {
        (j * (SHADES - 1) + (points - 1) / 2) / (points - 1)
    } else {
        0
    };
    format!("s{step}")
}

/// Each item's share of every answer among the unit's `n` respondents (its subtree figures).
/// An item answered by fewer than `k` respondents shows no shares: with the unit's n published,
/// the count of those who skipped it would tell how a group smaller than the threshold
/// answered. None for a checklist or a withheld unit (the page says why).
pub fn distributions(
    figures: &crate::results::Figures,
    texts: &[String],
    (min, max): (i32, i32),
    names: &[String],
    k: u64,
    not_answered: &str,
) -> Option<Distributions> {
    if figures.suppressed || figures.items.is_empty() {
        return None;
    }
    let points = usize::try_from(max - min + 1).unwrap_or(0);
    let mut legend: Vec<ScalePoint> = (0..points)
        .map(|j| ScalePoint {
            label: (min + j as i32).to_string(),
            name: names.get(j).cloned().unwrap_or_default(),
            class: shade(j, points),
        })
        .collect();
    legend.push(ScalePoint {
        label: not_answered.to_owned(),
        name: String::new(),
        class: "na".to_owned(),
    });
    let rows = (0..figures.items.len())
        .map(|i| {
            let counts = figures.items.item(i);
            let total: u64 = counts.iter().map(|&c| u64::from(c)).sum();
            let answered = total - counts.first().map_or(0, |&c| u64::from(c));
            let text = texts.get(i).cloned().unwrap_or_default();
            if answered < k.max(1) || total == 0 {
                return ItemRow {
                    text,
                    answered,
                    shares: Vec::new(),
                    segments: Vec::new(),
                    withheld: true,
                };
            }
            // Legend order: codes 1..=points, then code 0 ("not answered").
            let order: Vec<usize> = (1..counts.len()).chain([0]).collect();
            let mut shares = Vec::with_capacity(order.len());
            let mut segments = Vec::new();
            let mut at = 0u64;
            for (slot, &code) in order.iter().enumerate() {
                let count = u64::from(counts[code]);
                let share = count as f64 / total as f64;
                shares.push(percent(share));
                if count > 0 {
                    // Ends from the running sum, so that rounding never leaves a gap.
                    let x = round1(BAR_WIDTH * at as f64 / total as f64);
                    at += count;
                    let end = round1(BAR_WIDTH * at as f64 / total as f64);
                    segments.push(Segment {
                        class: legend[slot].class.clone(),
                        x,
                        width: round1(end - x),
                        title: format!(
                            "{} {}: {} ({count})",
                            legend[slot].label,
                            legend[slot].name,
                            percent(share)
                        )
                        .replace(" :", ":"),
                    });
                }
            }
            ItemRow {
                text,
                answered,
                shares,
                segments,
                withheld: false,
            }
        })
        .collect();
    Some(Distributions {
        points: legend,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn medians_of_odd_and_even_counts() {
        assert_eq!(median(vec![3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(vec![4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(vec![]), None);
    }

    #[test]
    fn positions_on_the_scale() {
        assert_eq!(x_of(3.0, 1.0, 5.0), BAR_WIDTH / 2.0);
        assert_eq!(x_of(7.0, 1.0, 5.0), BAR_WIDTH);
        assert_eq!(x_of(0.0, 1.0, 5.0), 0.0);
        assert_eq!(
            with_lang("/console/?under=A", Lang::En),
            "/console/?under=A&lang=en"
        );
        assert_eq!(with_lang("/console/", Lang::Id), "/console/");
        assert_eq!(encode("KW-ACEH"), "KW-ACEH");
        assert_eq!(encode("a&b c/é"), "a%26b%20c%2F%C3%A9");
    }
}
