//! The survey part of a template: its scale (with labels) and its dimensions of Likert items.

use toml::de::DeValue;

use super::checker::{Checker, GroupShape, Obj, Value};
use super::MAX_SCALE_POINTS;
use crate::template::model::{Localized, Scale, Survey, SurveyItem};

const DIMENSIONS: GroupShape = GroupShape {
    kind: "survey",
    noun: "dimension",
    key: "dimensions",
    default_weight: Some(1.0),
    item_fields: &["id", "text", "reverse", "required"],
};

impl Checker<'_> {
    pub(super) fn survey(&mut self, root: &Obj<'_, '_>, kind_at: usize) -> Survey {
        let scale = match root.get("scale") {
            None => {
                self.report(
                    kind_at,
                    "a survey has no `scale`: add a [scale] table with `min` and `max`".to_owned(),
                );
                None
            }
            Some(value) => match value.get_ref() {
                DeValue::Table(table) => self.scale(&Obj {
                    table,
                    at: value.span().start,
                    what: "the scale".to_owned(),
                }),
                _ => {
                    self.wrong_type(value, "scale", "the template", "a table ([scale])");
                    None
                }
            },
        };

        let dimensions = self.groups(root, kind_at, &DIMENSIONS, |checker, id, obj, _path| {
            checker.survey_item(id, obj)
        });

        Survey {
            scale: scale.unwrap_or(Scale {
                min: 0,
                max: 0,
                labels: None,
            }),
            dimensions,
        }
    }

    fn scale(&mut self, obj: &Obj<'_, '_>) -> Option<Scale> {
        self.unknown_fields(obj, &["min", "max", "labels"]);
        let bound = |checker: &mut Self, key: &str| -> Option<(i32, usize)> {
            let value = checker.required(obj, key)?;
            let n = checker.integer(value, key, &obj.what)?;
            match i32::try_from(n) {
                Ok(n) => Some((n, value.span().start)),
                Err(_) => {
                    checker.report(
                        value.span().start,
                        format!(
                            "`{key}` of the scale must be between {} and {}, found {n}",
                            i32::MIN,
                            i32::MAX
                        ),
                    );
                    None
                }
            }
        };
        let min = bound(self, "min");
        let max = bound(self, "max");
        // Number of points, when min and max are both valid.
        let points = match (min, max) {
            (Some((min, min_at)), Some((max, max_at))) => {
                let points = i64::from(max) - i64::from(min) + 1;
                if min >= max {
                    self.report(
                        min_at,
                        format!("scale min ({min}) must be less than max ({max})"),
                    );
                    None
                } else if points > MAX_SCALE_POINTS {
                    self.report(
                        max_at,
                        format!(
                            "scale from {min} to {max} has {points} points; at most \
                             {MAX_SCALE_POINTS} are allowed (an answer must fit one byte)"
                        ),
                    );
                    None
                } else {
                    Some(points as usize)
                }
            }
            _ => None,
        };
        let labels = match obj.get("labels") {
            None => None,
            Some(value) => Some(self.labels(value, points)?),
        };
        let (min, max) = (min?.0, max?.0);
        points?;
        Some(Scale { min, max, labels })
    }

    /// Scale labels: `{ id = [...], en = [...] }` (one language may be left out), or an
    /// array of localized texts. `points` is known when the scale itself is valid.
    fn labels(&mut self, value: &Value<'_>, points: Option<usize>) -> Option<Vec<Localized>> {
        let what = "the scale";
        let check_count = |checker: &mut Self, at: usize, key: &str, count: usize| -> bool {
            match points {
                Some(points) if points != count => {
                    checker.report(
                        at,
                        format!(
                            "`{key}` of the scale has {count} label{} but the scale has \
                             {points} points; give one label per point",
                            if count == 1 { "" } else { "s" }
                        ),
                    );
                    false
                }
                _ => true,
            }
        };
        match value.get_ref() {
            DeValue::Table(table) => {
                let obj = Obj {
                    table,
                    at: value.span().start,
                    what: "`labels` of the scale".to_owned(),
                };
                self.unknown_fields(&obj, &["id", "en"]);
                if !table.contains_key("id") && !table.contains_key("en") {
                    self.report(
                        value.span().start,
                        "`labels` of the scale is empty: give its `id` and/or `en` lists"
                            .to_owned(),
                    );
                    return None;
                }
                let mut ok = true;
                let mut lists: [Option<Vec<String>>; 2] = [None, None];
                for (slot, lang) in lists.iter_mut().zip(["id", "en"]) {
                    let Some(list) = table.get(lang) else {
                        continue;
                    };
                    let key = format!("labels.{lang}");
                    let DeValue::Array(array) = list.get_ref() else {
                        self.wrong_type(list, &key, what, "an array of strings");
                        ok = false;
                        continue;
                    };
                    let mut texts = Vec::with_capacity(array.len());
                    for (index, element) in array.iter().enumerate() {
                        let element_key = format!("{key}[{index}]");
                        match self.string(element, &element_key, what) {
                            Some(text) if text.trim().is_empty() => {
                                self.report(
                                    element.span().start,
                                    format!("`{element_key}` of the scale is empty"),
                                );
                                ok = false;
                            }
                            Some(text) => texts.push(text.to_owned()),
                            None => ok = false,
                        }
                    }
                    ok &= check_count(self, list.span().start, &key, array.len());
                    *slot = Some(texts);
                }
                if !ok {
                    return None;
                }
                match lists {
                    [Some(id), Some(en)] => Some(
                        id.into_iter()
                            .zip(en)
                            .map(|(id, en)| Localized { id, en })
                            .collect(),
                    ),
                    [Some(one), None] | [None, Some(one)] => {
                        Some(one.iter().map(|text| Localized::same(text)).collect())
                    }
                    [None, None] => None,
                }
            }
            DeValue::Array(array) => {
                let mut ok = true;
                let mut labels = Vec::with_capacity(array.len());
                for (index, element) in array.iter().enumerate() {
                    match self.localized(element, &format!("labels[{index}]"), what) {
                        Some(label) => labels.push(label),
                        None => ok = false,
                    }
                }
                ok &= check_count(self, value.span().start, "labels", array.len());
                ok.then_some(labels)
            }
            _ => {
                self.wrong_type(
                    value,
                    "labels",
                    what,
                    "a table { id = [...], en = [...] } or an array of texts",
                );
                None
            }
        }
    }

    /// A survey item, its `id` and unknown fields already checked.
    fn survey_item(&mut self, id: String, obj: Obj<'_, '_>) -> SurveyItem {
        let text = self.text_field(&obj, "text", true);
        let reverse = self.boolean(&obj, "reverse").unwrap_or(false);
        let required = self.boolean(&obj, "required").unwrap_or(true);
        SurveyItem {
            id,
            text: text.unwrap_or_else(|| Localized::same("")),
            reverse,
            required,
        }
    }
}
