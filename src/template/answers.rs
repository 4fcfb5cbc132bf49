//! Turning raw answers (a CSV cell, later a form field) into the validated, compact form that is
//! stored: one byte per item in template order, 0 meaning "not answered".
//!
//! Survey answers are stored as `value - min + 1`; checklist answers as `option index + 1`.
//! A template (id, version) is immutable once used, so the positions never shift. This module is
//! the only one that knows the byte format: scoring reads answers back with [`scale_value`] and
//! [`option_index`].

use super::model::{ItemAnswer, Template};

/// The stored byte for an unanswered item.
pub const NOT_ANSWERED: u8 = 0;

/// The value a stored survey answer stands for on a scale starting at `min`; None when the item
/// was not answered.
#[inline]
pub fn scale_value(min: i32, code: u8) -> Option<i32> {
    // A stored code is at most the scale's number of points, so this stays within min..=max.
    (code != NOT_ANSWERED).then(|| min + i32::from(code) - 1)
}

/// The position of the option a stored checklist answer chose; None when not answered.
#[inline]
pub fn option_index(code: u8) -> Option<usize> {
    usize::from(code).checked_sub(1)
}

#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum AnswerError {
    #[error("{} is not a whole number", crate::domain::quoted(.0))]
    NotANumber(String),
    // The value parsed as a number, so it is short.
    #[error("{value} is outside the scale {min}..{max}")]
    OutOfRange { value: String, min: i32, max: i32 },
    #[error("{} is not an option of this item (options: {options})", crate::domain::quoted(.given))]
    UnknownOption { given: String, options: String },
    #[error("an answer is required")]
    MissingRequired,
}

/// How one item's raw answer is checked and encoded.
#[derive(Clone, Debug)]
enum ItemRule {
    Likert { min: i32, max: i32, required: bool },
    Options { ids: Vec<String> },
}

/// The answer rules of every item of a template, index-aligned with [`Template::item_ids`].
#[derive(Clone, Debug)]
pub struct AnswerCodec {
    ids: Vec<String>,
    rules: Vec<ItemRule>,
}

impl AnswerCodec {
    pub fn new(template: &Template) -> AnswerCodec {
        let (ids, rules) = template
            .items()
            .into_iter()
            .map(|item| {
                let rule = match item.answer {
                    ItemAnswer::Scale {
                        scale, required, ..
                    } => ItemRule::Likert {
                        min: scale.min,
                        max: scale.max,
                        required,
                    },
                    ItemAnswer::Options { options, .. } => ItemRule::Options {
                        ids: options.iter().map(|o| o.id.clone()).collect(),
                    },
                };
                (item.id.to_owned(), rule)
            })
            .unzip();
        AnswerCodec { ids, rules }
    }

    pub fn item_count(&self) -> usize {
        self.ids.len()
    }

    pub fn item_id(&self, index: usize) -> &str {
        &self.ids[index]
    }

    pub fn index_of(&self, item_id: &str) -> Option<usize> {
        self.ids.iter().position(|id| id == item_id)
    }

    /// Whether leaving the item out (no column, or an empty cell) is allowed.
    pub fn is_optional(&self, index: usize) -> bool {
        matches!(
            self.rules[index],
            ItemRule::Likert {
                required: false,
                ..
            }
        )
    }

    /// Validates one raw answer (surrounding spaces ignored) and returns its stored byte.
    pub fn encode(&self, index: usize, raw: &str) -> Result<u8, AnswerError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return if self.is_optional(index) {
                Ok(NOT_ANSWERED)
            } else {
                Err(AnswerError::MissingRequired)
            };
        }
        match &self.rules[index] {
            ItemRule::Likert { min, max, .. } => {
                let value: i64 = raw
                    .parse()
                    .map_err(|_| AnswerError::NotANumber(raw.to_owned()))?;
                if value < i64::from(*min) || value > i64::from(*max) {
                    return Err(AnswerError::OutOfRange {
                        value: raw.to_owned(),
                        min: *min,
                        max: *max,
                    });
                }
                // The scale has at most 254 points (checked when the template is parsed).
                Ok((value - i64::from(*min) + 1) as u8)
            }
            ItemRule::Options { ids } => ids
                .iter()
                .position(|id| id == raw)
                .map(|i| (i + 1) as u8)
                .ok_or_else(|| AnswerError::UnknownOption {
                    given: raw.to_owned(),
                    options: ids.join(", "),
                }),
        }
    }

    /// The raw answer a stored byte stands for (the inverse of [`AnswerCodec::encode`]).
    pub fn decode(&self, index: usize, code: u8) -> Option<String> {
        match &self.rules[index] {
            ItemRule::Likert { min, .. } => scale_value(*min, code).map(|value| value.to_string()),
            ItemRule::Options { ids } => ids.get(option_index(code)?).cloned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::parse_template;

    fn codec(source: &str) -> AnswerCodec {
        AnswerCodec::new(&parse_template(source).unwrap_or_else(|issues| panic!("{issues:#?}")))
    }

    #[test]
    fn scale_answers_round_trip_through_their_byte() {
        let codec = codec(include_str!("../../tests/fixtures/team-climate.toml"));
        assert_eq!(codec.item_count(), 5);
        for value in 1..=5 {
            let code = codec.encode(0, &value.to_string()).expect("on the scale");
            assert_eq!(scale_value(1, code), Some(value));
            assert_eq!(codec.decode(0, code), Some(value.to_string()));
        }
        assert_eq!(codec.encode(4, " "), Ok(NOT_ANSWERED));
        assert_eq!(codec.decode(4, NOT_ANSWERED), None);
        assert_eq!(scale_value(1, NOT_ANSWERED), None);
        assert_eq!(codec.encode(0, ""), Err(AnswerError::MissingRequired));
    }

    #[test]
    fn options_round_trip_through_their_byte() {
        let codec = codec(include_str!("../../tests/fixtures/records-review.toml"));
        let backup = codec.index_of("storage-backup").expect("item");
        let code = codec.encode(backup, "mingguan").expect("an option");
        assert_eq!(option_index(code), Some(1));
        assert_eq!(codec.decode(backup, code).as_deref(), Some("mingguan"));
        assert_eq!(option_index(NOT_ANSWERED), None);
        assert!(matches!(
            codec.encode(backup, "kadang"),
            Err(AnswerError::UnknownOption { .. })
        ));
    }
}
