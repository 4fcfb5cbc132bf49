//! Scoring one respondent's (or one review's) stored answers: the exact rules of the issue.
//!
//! Survey: a reverse-coded answer x counts as `min + max - x`; a dimension scores the mean of
//! the respondent's answered items in it; the overall score is the weight-averaged mean of the
//! dimensions the respondent has. Checklist: a section scores
//! `100 * sum(points * option score) / sum(points)` over its applicable items; the total is the
//! weight-averaged mean of the sections with any applicable item.

use std::ops::Range;

use crate::template::answers::{option_index, scale_value, NOT_ANSWERED};
use crate::template::{ItemAnswer, Kind, OptionValue, Template};

#[derive(Clone, Debug)]
struct Group {
    weight: f64,
    items: Range<usize>,
}

/// How one item's stored answer scores.
#[derive(Clone, Debug)]
enum ItemRule {
    /// A survey item: its value on the scale, reversed when reverse-coded.
    Likert { min: i32, max: i32, reverse: bool },
    /// A checklist item: its points, and what each option (in order) earns of them.
    Options {
        points: f64,
        values: Vec<OptionValue>,
    },
}

/// The scoring rules of one template, precomputed for fast repeated use.
#[derive(Clone, Debug)]
pub struct Scorer {
    groups: Vec<Group>,
    /// Index-aligned with the stored answers.
    items: Vec<ItemRule>,
    /// Survey groups score on the scale, checklist groups as percentages.
    survey: bool,
}

/// A survey answer's value, reverse coding applied; None if unanswered.
#[inline]
fn likert(min: i32, max: i32, reverse: bool, code: u8) -> Option<f64> {
    let x = scale_value(min, code)?;
    let (min, max) = (i64::from(min), i64::from(max));
    Some((if reverse { min + max - x } else { x }) as f64)
}

impl Scorer {
    pub fn new(template: &Template) -> Scorer {
        let template_groups = template.groups();
        let mut start = 0;
        let groups = template_groups
            .iter()
            .map(|g| {
                let group = Group {
                    weight: g.weight,
                    items: start..start + g.items.len(),
                };
                start += g.items.len();
                group
            })
            .collect();
        let items = template_groups
            .iter()
            .flat_map(|g| &g.items)
            .map(|item| match item.answer {
                ItemAnswer::Scale { scale, reverse, .. } => ItemRule::Likert {
                    min: scale.min,
                    max: scale.max,
                    reverse,
                },
                ItemAnswer::Options {
                    points, options, ..
                } => ItemRule::Options {
                    points,
                    values: options.iter().map(|o| o.value).collect(),
                },
            })
            .collect();
        Scorer {
            groups,
            items,
            survey: template.kind() == Kind::Survey,
        }
    }

    pub fn group_count(&self) -> usize {
        self.groups.len()
    }

    pub fn is_survey(&self) -> bool {
        self.survey
    }

    /// The item ranges (in storage order) of each dimension or section.
    pub fn group_items(&self, group: usize) -> Range<usize> {
        self.groups[group].items.clone()
    }

    /// A survey answer's value on the scale, reverse coding applied; None if unanswered or for
    /// checklists.
    pub fn likert_value(&self, item: usize, code: u8) -> Option<f64> {
        match self.items[item] {
            ItemRule::Likert { min, max, reverse } => likert(min, max, reverse, code),
            ItemRule::Options { .. } => None,
        }
    }

    /// Fills `groups` with each dimension's (section's) score and returns the overall score;
    /// None where the respondent has nothing to score.
    pub fn score_into(&self, answers: &[u8], groups: &mut [Option<f64>]) -> Option<f64> {
        let mut weighted = 0.0;
        let mut weights = 0.0;
        for (g, group) in self.groups.iter().enumerate() {
            let score = self.group_score(group, answers);
            groups[g] = score;
            if let Some(score) = score {
                weighted += group.weight * score;
                weights += group.weight;
            }
        }
        (weights > 0.0).then(|| weighted / weights)
    }

    fn group_score(&self, group: &Group, answers: &[u8]) -> Option<f64> {
        let mut numerator = 0.0;
        let mut denominator = 0.0;
        for item in group.items.clone() {
            let code = answers.get(item).copied().unwrap_or(NOT_ANSWERED);
            match &self.items[item] {
                ItemRule::Likert { min, max, reverse } => {
                    if let Some(x) = likert(*min, *max, *reverse, code) {
                        numerator += x;
                        denominator += 1.0;
                    }
                }
                ItemRule::Options { points, values } => {
                    let chosen = option_index(code).and_then(|o| values.get(o));
                    if let Some(OptionValue::Score(fraction)) = chosen {
                        numerator += points * fraction;
                        denominator += points;
                    }
                }
            }
        }
        let scale = if self.survey { 1.0 } else { 100.0 };
        (denominator > 0.0).then(|| scale * numerator / denominator)
    }
}
