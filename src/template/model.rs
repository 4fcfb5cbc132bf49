//! Validated template types. A value of these types always satisfies the template contract
//! (see `parse`), so scoring and storage never re-check it.

use serde::Serialize;

pub use crate::domain::Lang;

/// A text in Indonesian and English. A template may give only one language (or a plain
/// string); the other then falls back to it.
#[derive(Clone, Debug, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Localized {
    pub id: String,
    pub en: String,
}

impl Localized {
    pub fn same(text: &str) -> Localized {
        Localized {
            id: text.to_owned(),
            en: text.to_owned(),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Id => &self.id,
            Lang::En => &self.en,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Survey,
    Checklist,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Survey => "survey",
            Kind::Checklist => "checklist",
        }
    }

    pub fn parse(s: &str) -> Option<Kind> {
        match s {
            "survey" => Some(Kind::Survey),
            "checklist" => Some(Kind::Checklist),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Template {
    /// The template's own id (`id` in the TOML file), e.g. "sfo".
    pub key: String,
    pub version: i32,
    pub title: Localized,
    pub instrument: Instrument,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Instrument {
    Survey(Survey),
    Checklist(Checklist),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Survey {
    pub scale: Scale,
    pub dimensions: Vec<Dimension>,
}

/// An integer agreement scale, `min < max`, with at most 254 points so that an answer fits
/// one byte in storage.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Scale {
    pub min: i32,
    pub max: i32,
    /// One label per scale point, from `min` to `max`, when the template gives them.
    pub labels: Option<Vec<Localized>>,
}

impl Scale {
    pub fn points(&self) -> usize {
        (self.max - self.min + 1) as usize
    }

    pub fn contains(&self, value: i64) -> bool {
        value >= i64::from(self.min) && value <= i64::from(self.max)
    }
}

/// A dimension of a survey or a section of a checklist, with its items.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ItemGroup<I> {
    pub id: String,
    pub title: Localized,
    pub weight: f64,
    pub items: Vec<I>,
}

pub type Dimension = ItemGroup<SurveyItem>;
pub type Section = ItemGroup<ChecklistItem>;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SurveyItem {
    pub id: String,
    pub text: Localized,
    pub reverse: bool,
    pub required: bool,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Checklist {
    pub sections: Vec<Section>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChecklistItem {
    pub id: String,
    pub text: Localized,
    pub evidence: Option<Localized>,
    pub points: f64,
    pub options: Vec<ChecklistOption>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChecklistOption {
    pub id: String,
    pub label: Localized,
    pub value: OptionValue,
}

/// What choosing an option earns: a fraction (0..=1) of the item's points, or nothing at all
/// because the item does not apply (it then leaves both sums of its section).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OptionValue {
    Score(f64),
    NotApplicable,
}

/// A dimension of a survey or a section of a checklist, as scoring, results, forms and the
/// command line see them: the same four things for either kind, in template order.
#[derive(Clone, Debug)]
pub struct Group<'t> {
    pub id: &'t str,
    pub title: &'t Localized,
    pub weight: f64,
    pub items: Vec<Item<'t>>,
}

#[derive(Clone, Debug)]
pub struct Item<'t> {
    pub id: &'t str,
    pub text: &'t Localized,
    pub answer: ItemAnswer<'t>,
}

/// How an item is answered: the one part of an item that differs between the kinds.
#[derive(Clone, Copy, Debug)]
pub enum ItemAnswer<'t> {
    /// A point on the survey's scale, or nothing when the item is optional.
    Scale {
        scale: &'t Scale,
        reverse: bool,
        required: bool,
    },
    /// One of the item's options, each worth a fraction of its points or not applicable.
    Options {
        evidence: Option<&'t Localized>,
        points: f64,
        options: &'t [ChecklistOption],
    },
}

impl<I> ItemGroup<I> {
    /// This group as [`Template::groups`] shows it, each item seen through `item`.
    fn view<'t>(&'t self, item: impl Fn(&'t I) -> Item<'t>) -> Group<'t> {
        Group {
            id: &self.id,
            title: &self.title,
            weight: self.weight,
            items: self.items.iter().map(item).collect(),
        }
    }
}

impl Item<'_> {
    /// Whether the item may be left unanswered.
    pub fn is_optional(&self) -> bool {
        matches!(
            self.answer,
            ItemAnswer::Scale {
                required: false,
                ..
            }
        )
    }
}

impl Template {
    pub fn kind(&self) -> Kind {
        match self.instrument {
            Instrument::Survey(_) => Kind::Survey,
            Instrument::Checklist(_) => Kind::Checklist,
        }
    }

    /// A survey's scale.
    pub fn scale(&self) -> Option<&Scale> {
        match &self.instrument {
            Instrument::Survey(survey) => Some(&survey.scale),
            Instrument::Checklist(_) => None,
        }
    }

    /// The dimensions (survey) or sections (checklist) with their items, in template order,
    /// which is also the order answers are stored in. Outside the parser, the only place that
    /// walks either kind's own groups: everything else reads them through this.
    pub fn groups(&self) -> Vec<Group<'_>> {
        match &self.instrument {
            Instrument::Survey(survey) => survey
                .dimensions
                .iter()
                .map(|d| {
                    d.view(|item| Item {
                        id: &item.id,
                        text: &item.text,
                        answer: ItemAnswer::Scale {
                            scale: &survey.scale,
                            reverse: item.reverse,
                            required: item.required,
                        },
                    })
                })
                .collect(),
            Instrument::Checklist(checklist) => checklist
                .sections
                .iter()
                .map(|s| {
                    s.view(|item| Item {
                        id: &item.id,
                        text: &item.text,
                        answer: ItemAnswer::Options {
                            evidence: item.evidence.as_ref(),
                            points: item.points,
                            options: &item.options,
                        },
                    })
                })
                .collect(),
        }
    }

    /// Every item in storage order: group order, then item order.
    pub fn items(&self) -> Vec<Item<'_>> {
        self.groups().into_iter().flat_map(|g| g.items).collect()
    }

    /// Item ids in storage order.
    pub fn item_ids(&self) -> Vec<&str> {
        self.items().into_iter().map(|item| item.id).collect()
    }

    /// About how many minutes answering takes, as the form and the emails announce it:
    /// 12 seconds per scale item (about five Likert items a minute, SurveyMonkey's and
    /// Qualtrics' rule of thumb), 40 per checklist item (reading the evidence), and half a
    /// minute to open and send; rounded up, at least one minute.
    pub fn estimated_minutes(&self) -> u32 {
        let seconds: usize = 30
            + self
                .items()
                .iter()
                .map(|item| match item.answer {
                    ItemAnswer::Scale { .. } => 12,
                    ItemAnswer::Options { .. } => 40,
                })
                .sum::<usize>();
        u32::try_from(seconds.div_ceil(60))
            .unwrap_or(u32::MAX)
            .max(1)
    }

    /// Dimension (survey) or section (checklist) ids, in template order.
    pub fn group_ids(&self) -> Vec<&str> {
        self.groups().into_iter().map(|g| g.id).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::template::parse_template;

    fn parsed(source: &str) -> Template {
        parse_template(source).unwrap_or_else(|issues| panic!("{issues:#?}"))
    }

    #[test]
    fn estimated_minutes_count_items() {
        // team-climate: 5 scale items -> 30 + 60 = 90 s -> 2 minutes.
        let survey = parsed(include_str!("../../tests/fixtures/team-climate.toml"));
        assert_eq!(survey.items().len(), 5);
        assert_eq!(survey.estimated_minutes(), 2);
        // SFO: 25 items -> 30 + 300 = 330 s -> 6 minutes.
        let sfo = parsed(include_str!("../../survey_templates/sfo.toml"));
        assert_eq!(sfo.items().len(), 25);
        assert_eq!(sfo.estimated_minutes(), 6);
    }

    #[test]
    fn groups_show_a_survey_with_its_scale_on_every_item() {
        let template = parsed(include_str!("../../tests/fixtures/team-climate.toml"));
        let groups = template.groups();
        let shape: Vec<(&str, &str, f64, usize)> = groups
            .iter()
            .map(|g| (g.id, g.title.en.as_str(), g.weight, g.items.len()))
            .collect();
        assert_eq!(
            shape,
            [
                ("clarity", "Clarity", 1.0, 3),
                ("support", "Support", 2.0, 2)
            ]
        );
        let confused = &groups[0].items[2];
        assert_eq!(confused.id, "clarity-confused");
        assert!(matches!(
            confused.answer,
            ItemAnswer::Scale { scale, reverse: true, required: true } if scale.max == 5
        ));
        let tools = &groups[1].items[1];
        assert_eq!(tools.id, "support-tools");
        assert!(tools.is_optional());
        assert_eq!(template.scale().map(|s| (s.min, s.max)), Some((1, 5)));
    }

    #[test]
    fn groups_show_a_checklist_with_points_options_and_evidence() {
        let template = parsed(include_str!("../../tests/fixtures/records-review.toml"));
        let groups = template.groups();
        let shape: Vec<(&str, f64, usize)> = groups
            .iter()
            .map(|g| (g.id, g.weight, g.items.len()))
            .collect();
        assert_eq!(shape, [("storage", 40.0, 2), ("access", 60.0, 1)]);
        let ItemAnswer::Options {
            evidence,
            points,
            options,
        } = groups[0].items[0].answer
        else {
            panic!("a checklist item is answered with options");
        };
        assert_eq!(evidence.map(|e| e.en.as_str()), Some("Records index"));
        assert_eq!(points, 50.0);
        assert_eq!(options.len(), 2);
        assert!(template.items().iter().all(|item| !item.is_optional()));
        assert_eq!(template.scale(), None);
    }
}
