//! Per-unit aggregation in one streaming pass: memory grows with the number of units, never
//! with the number of responses.

use crate::db::UnitId;
use std::collections::HashMap;

use serde::Serialize;

use super::score::Scorer;
use crate::stats::{competition_ranks, AlphaAccumulator, Moments, Summary};

/// One unit's running figures.
#[derive(Clone, Debug)]
struct UnitAccumulator {
    overall: Moments,
    groups: Vec<Moments>,
    /// Cronbach's alpha per survey dimension with at least two items.
    alphas: Vec<Option<AlphaAccumulator>>,
}

/// A unit as the results show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitLabel {
    pub unit_id: UnitId,
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DimensionResult {
    pub id: String,
    pub n: u64,
    pub mean: Option<f64>,
    pub sd: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    pub alpha: Option<f64>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct UnitResult {
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
    pub n: u64,
    /// Below the campaign's anonymity threshold: no figure of this unit is shown anywhere.
    pub suppressed: bool,
    pub score: Option<f64>,
    pub sd: Option<f64>,
    pub ci95: Option<[f64; 2]>,
    pub rank: Option<u32>,
    pub dimensions: Vec<DimensionResult>,
}

pub struct Aggregator {
    scorer: Scorer,
    group_ids: Vec<String>,
    index_of_unit: HashMap<UnitId, usize>,
    units: Vec<UnitAccumulator>,
    group_scores: Vec<Option<f64>>,
    item_values: Vec<f64>,
}

impl Aggregator {
    /// `unit_ids` are the campaign's units; `group_ids` the template's dimension or section ids.
    pub fn new(scorer: Scorer, group_ids: Vec<String>, unit_ids: &[UnitId]) -> Aggregator {
        let empty = UnitAccumulator {
            overall: Moments::new(),
            groups: vec![Moments::new(); scorer.group_count()],
            alphas: (0..scorer.group_count())
                .map(|g| {
                    let items = scorer.group_items(g).len();
                    (scorer.is_survey() && items >= 2).then(|| AlphaAccumulator::new(items))
                })
                .collect(),
        };
        Aggregator {
            group_scores: vec![None; scorer.group_count()],
            item_values: Vec::new(),
            index_of_unit: unit_ids
                .iter()
                .enumerate()
                .map(|(i, id)| (*id, i))
                .collect(),
            units: vec![empty; unit_ids.len()],
            group_ids,
            scorer,
        }
    }

    /// Adds one stored response. Responses of units outside the campaign cannot exist (the
    /// import refuses them) and are ignored.
    pub fn push(&mut self, unit_id: UnitId, answers: &[u8]) {
        let Some(&index) = self.index_of_unit.get(&unit_id) else {
            return;
        };
        let unit = &mut self.units[index];
        let Some(overall) = self.scorer.score_into(answers, &mut self.group_scores) else {
            return;
        };
        unit.overall.push(overall);
        for (g, score) in self.group_scores.iter().enumerate() {
            if let Some(score) = score {
                unit.groups[g].push(*score);
            }
            if let Some(alpha) = unit.alphas[g].as_mut() {
                self.item_values.clear();
                for item in self.scorer.group_items(g) {
                    match answers
                        .get(item)
                        .and_then(|&c| self.scorer.likert_value(item, c))
                    {
                        Some(x) => self.item_values.push(x),
                        None => break,
                    }
                }
                if self.item_values.len() == self.scorer.group_items(g).len() {
                    alpha.push(&self.item_values);
                }
            }
        }
    }

    /// The results of every unit, ranked, in the order they are shown: ranked units by rank
    /// (then code), suppressed ones after them by code.
    pub fn finish(self, labels: &[UnitLabel], min_responses: u64) -> Vec<UnitResult> {
        let mut results: Vec<UnitResult> = labels
            .iter()
            .map(|label| {
                let unit = self
                    .index_of_unit
                    .get(&label.unit_id)
                    .map(|&i| &self.units[i]);
                unit_result(label, unit, &self.group_ids, min_responses)
            })
            .collect();
        let ranked: Vec<usize> = (0..results.len())
            .filter(|&i| !results[i].suppressed && results[i].score.is_some())
            .collect();
        let scores: Vec<f64> = ranked.iter().filter_map(|&i| results[i].score).collect();
        for (&i, rank) in ranked.iter().zip(competition_ranks(&scores)) {
            results[i].rank = Some(rank);
        }
        results.sort_by(|a, b| {
            (a.rank.is_none(), a.rank, &a.code).cmp(&(b.rank.is_none(), b.rank, &b.code))
        });
        results
    }
}

fn ci_pair(summary: &Summary) -> Option<[f64; 2]> {
    summary.ci95.map(|(lo, hi)| [lo, hi])
}

fn unit_result(
    label: &UnitLabel,
    unit: Option<&UnitAccumulator>,
    group_ids: &[String],
    min_responses: u64,
) -> UnitResult {
    let overall = unit
        .map(|u| u.overall.summary())
        .unwrap_or(Moments::new().summary());
    let suppressed = overall.n < min_responses.max(1);
    let mut result = UnitResult {
        code: label.code.clone(),
        name: label.name.clone(),
        parent_code: label.parent_code.clone(),
        n: overall.n,
        suppressed,
        score: None,
        sd: None,
        ci95: None,
        rank: None,
        dimensions: Vec::new(),
    };
    let Some(unit) = unit.filter(|_| !suppressed) else {
        return result;
    };
    result.score = overall.mean;
    result.sd = overall.sd;
    result.ci95 = ci_pair(&overall);
    result.dimensions = group_ids
        .iter()
        .enumerate()
        .map(|(g, id)| {
            let summary = unit.groups[g].summary();
            // A dimension only some respondents answered (its items are optional) must not
            // expose a smaller group than the unit's threshold allows.
            if summary.n < min_responses {
                return DimensionResult {
                    id: id.clone(),
                    n: summary.n,
                    mean: None,
                    sd: None,
                    ci95: None,
                    alpha: None,
                };
            }
            DimensionResult {
                id: id.clone(),
                n: summary.n,
                mean: summary.mean,
                sd: summary.sd,
                ci95: ci_pair(&summary),
                alpha: unit.alphas[g].as_ref().and_then(AlphaAccumulator::alpha),
            }
        })
        .collect();
    result
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::parse_template;

    const TEMPLATE: &str = r#"
id = "t"
version = 1
kind = "survey"
title = "T"
[scale]
min = 1
max = 5
[[dimensions]]
id = "core"
title = "Core"
[[dimensions.items]]
id = "q1"
text = "Q1"
[[dimensions]]
id = "extra"
title = "Extra"
[[dimensions.items]]
id = "q2"
text = "Q2"
required = false
"#;

    #[test]
    fn a_dimension_answered_by_fewer_than_the_threshold_shows_no_figures() {
        let template = parse_template(TEMPLATE).expect("template");
        let ids = vec!["core".to_owned(), "extra".to_owned()];
        let mut aggregator = Aggregator::new(Scorer::new(&template), ids, &[UnitId(7)]);
        // Three respondents; only two answered the optional dimension.
        for answers in [[4u8, 2], [5, 0], [3, 4]] {
            aggregator.push(UnitId(7), &answers);
        }
        let label = UnitLabel {
            unit_id: UnitId(7),
            code: "U".into(),
            name: "Unit".into(),
            parent_code: None,
        };
        let results = aggregator.finish(&[label], 3);
        let unit = &results[0];
        assert_eq!(unit.n, 3);
        // Overall scores: (4 + 2) / 2 = 3, 5, (3 + 4) / 2 = 3.5.
        assert_eq!(unit.score, Some(11.5 / 3.0));
        assert_eq!(unit.dimensions[0].mean, Some(4.0));
        assert_eq!(unit.dimensions[1].n, 2);
        assert_eq!(unit.dimensions[1].mean, None);
        assert_eq!(unit.rank, Some(1));
    }
}
