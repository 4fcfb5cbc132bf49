//! The checklist part of a template: its sections of items, each with points and options
//! that score a fraction of them or mark the item not applicable.

use toml::de::{DeTable, DeValue};

use super::checker::{is_empty_array, Checker, Element, GroupShape, Obj, Seen};
use crate::template::model::{Checklist, ChecklistItem, ChecklistOption, Localized, OptionValue};

const SECTIONS: GroupShape = GroupShape {
    kind: "checklist",
    noun: "section",
    key: "sections",
    default_weight: None,
    item_fields: &["id", "text", "evidence", "points", "options"],
};

impl Checker<'_> {
    pub(super) fn checklist(&mut self, root: &Obj<'_, '_>, kind_at: usize) -> Checklist {
        let sections = self.groups(root, kind_at, &SECTIONS, Self::checklist_item);
        Checklist { sections }
    }

    /// A checklist item, its `id` and unknown fields already checked.
    fn checklist_item(&mut self, id: String, obj: Obj<'_, '_>, path: &str) -> ChecklistItem {
        let text = self.text_field(&obj, "text", true);
        let evidence = self.text_field(&obj, "evidence", false);
        let points = self
            .required(&obj, "points")
            .and_then(|value| self.positive(value, "points", &obj.what));

        let mut options = Vec::new();
        if let Some(value) = self.required(&obj, "options") {
            if let Some(elements) = self.tables(
                value,
                "options",
                &obj.what,
                "options = [{ id = ..., label = ..., score = ... }, ...]",
            ) {
                let mut option_ids = Seen::new();
                let scope = format!("within {}", obj.what);
                for option in &elements {
                    let path = format!("{path}.options[{}]", option.index);
                    options.push(self.option(option, &path, &mut option_ids, &scope));
                }
                if is_empty_array(value) {
                    self.report(
                        value.span().start,
                        format!(
                            "`options` of {} is empty: an item needs at least one option \
                             with a `score`",
                            obj.what
                        ),
                    );
                } else if !elements.is_empty() && elements.iter().all(|o| is_na(o.table)) {
                    self.report(
                        value.span().start,
                        format!(
                            "{} has no scored option: all its options are `na = true`; at \
                             least one option needs a `score`",
                            obj.what
                        ),
                    );
                }
            }
        }

        ChecklistItem {
            id,
            text: text.unwrap_or_else(|| Localized::same("")),
            evidence,
            points: points.unwrap_or(0.0),
            options,
        }
    }

    fn option(
        &mut self,
        element: &Element<'_, '_>,
        path: &str,
        option_ids: &mut Seen,
        scope: &str,
    ) -> ChecklistOption {
        let (id, obj) = self.element(
            element,
            "option",
            path,
            (option_ids, scope),
            &["id", "label", "score", "na"],
        );
        let label = self.text_field(&obj, "label", true);
        let na = self.boolean(&obj, "na").unwrap_or(false);
        let score_value = obj.get("score");
        let score = score_value.and_then(|value| {
            let score = self.number(value, "score", &obj.what)?;
            if (0.0..=1.0).contains(&score) {
                Some(score)
            } else {
                let written = self.written(value);
                self.report(
                    value.span().start,
                    format!(
                        "`score` of {} must be between 0 and 1 (a fraction of the item's \
                         points), found {written}",
                        obj.what
                    ),
                );
                None
            }
        });
        let value = match (score_value, na) {
            (Some(_), true) => {
                self.report(
                    obj.at,
                    format!(
                        "{} has both `score` and `na = true`: give only one of them",
                        obj.what
                    ),
                );
                None
            }
            (None, false) => {
                // `na = false` on its own says nothing either.
                self.report(
                    obj.at,
                    format!(
                        "{} has neither `score` nor `na = true`: give one of them",
                        obj.what
                    ),
                );
                None
            }
            (None, true) => Some(OptionValue::NotApplicable),
            (Some(_), false) => score.map(OptionValue::Score),
        };
        ChecklistOption {
            id,
            label: label.unwrap_or_else(|| Localized::same("")),
            value: value.unwrap_or(OptionValue::NotApplicable),
        }
    }
}

/// Whether an option table says `na = true`.
fn is_na(table: &DeTable<'_>) -> bool {
    matches!(
        table.get("na").map(|value| value.get_ref()),
        Some(DeValue::Boolean(true))
    )
}
