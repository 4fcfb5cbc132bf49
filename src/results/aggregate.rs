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
    /// How often each survey item got each stored answer code; empty for checklists.
    pub(super) items: ItemCounts,
}

/// Per survey item, how many respondents gave each answer: one flat table of items × codes,
/// so that the streaming pass adds one counter per item and a merge is one loop.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ItemCounts {
    /// Codes per item: the scale's points plus "not answered" (code 0).
    stride: usize,
    counts: Vec<u32>,
}

impl ItemCounts {
    fn new(items: usize, points: usize) -> ItemCounts {
        let stride = points + 1;
        ItemCounts {
            stride,
            counts: vec![0; items * stride],
        }
    }

    /// Counts one response's stored answers (one code per item).
    #[inline]
    fn push(&mut self, answers: &[u8]) {
        if self.stride == 0 {
            return;
        }
        for (row, &code) in self.counts.chunks_exact_mut(self.stride).zip(answers) {
            // A stored code is at most the scale's points; anything else cannot be stored,
            // and is skipped rather than trusted as an index.
            if let Some(count) = row.get_mut(usize::from(code)) {
                *count += 1;
            }
        }
    }

    fn merge(&mut self, other: &ItemCounts) {
        for (mine, theirs) in self.counts.iter_mut().zip(&other.counts) {
            *mine = mine.saturating_add(*theirs);
        }
    }

    /// The number of items counted (0 for a checklist or a withheld figure set).
    pub fn len(&self) -> usize {
        self.counts.len().checked_div(self.stride).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Item `item`'s counts by stored code: `[0]` is "not answered", `[j]` the scale's j-th
    /// point (`min + j - 1`).
    pub fn item(&self, item: usize) -> &[u32] {
        self.counts
            .get(item * self.stride..(item + 1) * self.stride)
            .unwrap_or(&[])
    }
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
        self.items.merge(&other.items);
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
            items: scorer
                .scale_points()
                .map_or_else(ItemCounts::default, |points| {
                    ItemCounts::new(scorer.item_count(), points)
                }),
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
        unit.items.push(answers);
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
