//! Validated template types. A value of these types always satisfies the template contract
//! (see `parse`), so scoring and storage never re-check it.

use serde::Serialize;

pub use crate::domain::Lang;

/// A text in Indonesian and English. A template may give only one language (or a plain
/// string); the other then falls back to it.
#[derive(Clone, Debug, PartialEq, Serialize)]
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

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Dimension {
    pub id: String,
    pub title: Localized,
    pub weight: f64,
    pub items: Vec<SurveyItem>,
}

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
pub struct Section {
    pub id: String,
    pub title: Localized,
    pub weight: f64,
    pub items: Vec<ChecklistItem>,
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

impl Template {
    pub fn kind(&self) -> Kind {
        match self.instrument {
            Instrument::Survey(_) => Kind::Survey,
            Instrument::Checklist(_) => Kind::Checklist,
        }
    }

    /// Item ids in storage order: dimension (or section) order, then item order.
    pub fn item_ids(&self) -> Vec<&str> {
        match &self.instrument {
            Instrument::Survey(s) => s
                .dimensions
                .iter()
                .flat_map(|d| d.items.iter().map(|i| i.id.as_str()))
                .collect(),
            Instrument::Checklist(c) => c
                .sections
                .iter()
                .flat_map(|s| s.items.iter().map(|i| i.id.as_str()))
                .collect(),
        }
    }

    /// Dimension (survey) or section (checklist) ids, in template order.
    pub fn group_ids(&self) -> Vec<&str> {
        match &self.instrument {
            Instrument::Survey(s) => s.dimensions.iter().map(|d| d.id.as_str()).collect(),
            Instrument::Checklist(c) => c.sections.iter().map(|s| s.id.as_str()).collect(),
        }
    }
}
