//! Scoring one respondent's (or one review's) stored answers: the exact rules of the issue.
//!
//! Survey: a reverse-coded answer x counts as `min + max - x`; a dimension scores the mean of
//! the respondent's answered items in it; the overall score is the weight-averaged mean of the
//! dimensions the respondent has. Checklist: a section scores
//! `100 * sum(points * option score) / sum(points)` over its applicable items; the total is the
//! weight-averaged mean of the sections with any applicable item.

use std::ops::Range;

use crate::template::answers::NOT_ANSWERED;
use crate::template::{Instrument, OptionValue, Template};

#[derive(Clone, Debug)]
struct Group {
    weight: f64,
    items: Range<usize>,
}

#[derive(Clone, Debug)]
enum Rules {
    Survey {
        min: i32,
        max: i32,
        reverse: Vec<bool>,
    },
    Checklist {
        points: Vec<f64>,
        /// Per item, the value of each option in order.
        options: Vec<Vec<OptionValue>>,
    },
}

/// The scoring rules of one template, precomputed for fast repeated use.
#[derive(Clone, Debug)]
pub struct Scorer {
    groups: Vec<Group>,
    rules: Rules,
}

/// Consecutive item ranges from each group's (weight, item count), in template order.
fn groups_of(groups: impl Iterator<Item = (f64, usize)>) -> Vec<Group> {
    let mut start = 0;
    groups
        .map(|(weight, len)| {
            let group = Group {
                weight,
                items: start..start + len,
            };
            start += len;
            group
        })
        .collect()
}

impl Scorer {
    pub fn new(template: &Template) -> Scorer {
        match &template.instrument {
            Instrument::Survey(s) => Scorer {
                groups: groups_of(s.dimensions.iter().map(|d| (d.weight, d.items.len()))),
                rules: Rules::Survey {
                    min: s.scale.min,
                    max: s.scale.max,
                    reverse: s
                        .dimensions
                        .iter()
                        .flat_map(|d| d.items.iter().map(|i| i.reverse))
                        .collect(),
                },
            },
            Instrument::Checklist(c) => {
                let items = || c.sections.iter().flat_map(|s| s.items.iter());
                Scorer {
                    groups: groups_of(c.sections.iter().map(|s| (s.weight, s.items.len()))),
                    rules: Rules::Checklist {
                        points: items().map(|i| i.points).collect(),
                        options: items()
                            .map(|i| i.options.iter().map(|o| o.value).collect())
                            .collect(),
                    },
                }
            }
        }
    }

    pub fn group_count(&self) -> usize {
        self.groups.len()
    }

    pub fn is_survey(&self) -> bool {
        matches!(self.rules, Rules::Survey { .. })
    }

    /// The item ranges (in storage order) of each dimension or section.
    pub fn group_items(&self, group: usize) -> Range<usize> {
        self.groups[group].items.clone()
    }

    /// A survey answer's value on the scale, reverse coding applied; None if unanswered or for
    /// checklists.
    pub fn likert_value(&self, item: usize, code: u8) -> Option<f64> {
        match &self.rules {
            Rules::Survey { min, max, reverse } if code != NOT_ANSWERED => {
                let x = min + i32::from(code) - 1;
                Some(f64::from(if reverse[item] { min + max - x } else { x }))
            }
            _ => None,
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
            match &self.rules {
                Rules::Survey { .. } => {
                    if let Some(x) = self.likert_value(item, code) {
                        numerator += x;
                        denominator += 1.0;
                    }
                }
                Rules::Checklist { points, options } => {
                    let chosen = usize::from(code)
                        .checked_sub(1)
                        .and_then(|o| options[item].get(o));
                    if let Some(OptionValue::Score(fraction)) = chosen {
                        numerator += points[item] * fraction;
                        denominator += points[item];
                    }
                }
            }
        }
        let scale = if self.is_survey() { 1.0 } else { 100.0 };
        (denominator > 0.0).then(|| scale * numerator / denominator)
    }
}
