//! Per-unit aggregation in one streaming pass: memory grows with the number of units, never
//! with the number of responses. What is published of the sums is `tree`'s business.

use crate::db::UnitId;
use std::collections::HashMap;

use super::score::Scorer;
use crate::stats::{AlphaAccumulator, Moments};

/// One unit's running figures: over its own responses while streaming, over its subtree
/// once [`merge`](UnitAccumulator::merge)d up the tree.
#[derive(Clone, Debug)]
pub struct UnitAccumulator {
    pub(super) overall: Moments,
    pub(super) groups: Vec<Moments>,
    /// Cronbach's alpha per survey dimension with at least two items.
    pub(super) alphas: Vec<Option<AlphaAccumulator>>,
}

impl UnitAccumulator {
    /// Adds every response `other` has seen (a unit below this one).
    pub fn merge(&mut self, other: &UnitAccumulator) {
        self.overall.merge(&other.overall);
        for (mine, theirs) in self.groups.iter_mut().zip(&other.groups) {
            mine.merge(theirs);
        }
        for (mine, theirs) in self.alphas.iter_mut().zip(&other.alphas) {
            if let (Some(mine), Some(theirs)) = (mine.as_mut(), theirs.as_ref()) {
                mine.merge(theirs);
            }
        }
    }

    pub fn n(&self) -> u64 {
        self.overall.n()
    }
}

/// A unit of the campaign's snapshot as the results show it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitLabel {
    pub unit_id: UnitId,
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
}

/// Streams a campaign's responses into one accumulator per snapshot unit (its own responses).
pub struct Aggregator {
    scorer: Scorer,
    index_of_unit: HashMap<UnitId, usize>,
    units: Vec<UnitAccumulator>,
    group_scores: Vec<Option<f64>>,
    item_values: Vec<f64>,
}

impl Aggregator {
    /// `unit_ids` are the campaign's snapshot units, in the order [`finish`](Self::finish)
    /// returns them.
    pub fn new(scorer: Scorer, unit_ids: &[UnitId]) -> Aggregator {
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

    /// Each unit's accumulator over its own responses, in the order of `unit_ids`.
    pub fn finish(self) -> Vec<UnitAccumulator> {
        self.units
    }
}
