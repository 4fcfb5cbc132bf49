//! Parsing and validation of the template TOML contract.
//!
//! A template file is parsed into toml's span-preserving document tree (`DeTable`) and then
//! walked by hand, so that every problem is reported with the line and column of the
//! offending value and so that all problems of a file are collected in one pass (a serde
//! derive would stop at the first one). Only a TOML syntax error stops the parse early.
//!
//! The contract, in short:
//!
//! ```toml
//! id = "team-climate"          # [A-Za-z0-9_.-]+
//! version = 1                  # positive integer
//! kind = "survey"              # or "checklist"
//! title = { id = "…", en = "…" }
//!
//! [scale]                      # survey only
//! min = 1
//! max = 5                      # min < max, at most 254 points
//! labels = { id = […], en = […] }   # optional, one label per point
//!
//! [[dimensions]]               # survey only, at least one
//! id = "clarity"
//! title = "…"
//! weight = 1.0                 # optional, default 1, > 0
//! [[dimensions.items]]         # at least one
//! id = "clarity-goals"         # unique in the template
//! text = { id = "…", en = "…" }
//! reverse = false              # optional
//! required = true              # optional
//!
//! [[sections]]                 # checklist only, at least one
//! id = "storage"
//! title = "…"
//! weight = 40                  # > 0
//! [[sections.items]]           # at least one
//! id = "storage-index"
//! text = "…"
//! evidence = "…"               # optional
//! points = 50                  # > 0
//! options = [                  # ids unique in the item, at least one scored option
//!   { id = "ya", label = "…", score = 1.0 },       # fraction 0..=1 of the points
//!   { id = "na", label = "…", na = true },         # not applicable
//! ]
//! ```
//!
//! A localized text is either a plain string (both languages) or a table with `id` and/or
//! `en` (a missing language falls back to the other one).

mod checker;
mod checklist;
mod survey;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::Path;

use toml::de::{DeTable, DeValue};

use self::checker::{issue_at, one_of, Checker, Obj};
use super::model::{Checklist, Instrument, Kind, Localized, Template};

/// Most points a scale may have: an answer is stored in one byte, with one value to spare.
pub const MAX_SCALE_POINTS: i64 = 254;

/// One problem found in a template, at a 1-based line and column (counted in characters).
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateIssue {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for TemplateIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TemplateFileError {
    #[error("{path}: cannot read: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("{}", .issues.iter().map(|i| format!("{}:{}", path, i)).collect::<Vec<_>>().join("\n"))]
    Invalid {
        path: String,
        issues: Vec<TemplateIssue>,
    },
}

/// The largest template file: the SFO survey is 9 KB; a megabyte is a hundred such surveys.
pub const MAX_TEMPLATE_BYTES: usize = 1024 * 1024;
/// Most items a template may have: a form of 500 questions is already far past what anyone
/// answers; the limit keeps the form, its stored answers and its checks small.
pub const MAX_ITEMS: usize = 500;

/// Parses and validates a template; all problems found, in file order, on failure.
pub fn parse_template(source: &str) -> Result<Template, Vec<TemplateIssue>> {
    if source.len() > MAX_TEMPLATE_BYTES {
        return Err(vec![issue_at(
            source,
            0,
            format!(
                "the file is {} KB; a template is at most {} KB",
                source.len().div_ceil(1024),
                MAX_TEMPLATE_BYTES / 1024
            ),
        )]);
    }
    if let Some(offset) = source.find('\0') {
        return Err(vec![issue_at(
            source,
            offset,
            "contains a NUL character".to_owned(),
        )]);
    }
    let template = parse_checked(source)?;
    let items = template.item_ids().len();
    if items > MAX_ITEMS {
        return Err(vec![issue_at(
            source,
            0,
            format!("the template has {items} items; at most {MAX_ITEMS}"),
        )]);
    }
    Ok(template)
}

fn parse_checked(source: &str) -> Result<Template, Vec<TemplateIssue>> {
    let root = match DeTable::parse(source) {
        Ok(root) => root,
        Err(err) => {
            let offset = err.span().map_or(0, |span| span.start);
            let message = format!("invalid TOML: {}", err.message().trim());
            return Err(vec![issue_at(source, offset, message)]);
        }
    };
    let mut checker = Checker::new(source);
    let template = checker.template(root.get_ref());
    checker.finish(template)
}

/// Reads and parses a file: the template and its exact source text (stored alongside it).
pub fn load_template_file(path: &Path) -> Result<(Template, String), TemplateFileError> {
    let shown = path.display().to_string();
    let source = std::fs::read_to_string(path).map_err(|source| TemplateFileError::Read {
        path: shown.clone(),
        source,
    })?;
    match parse_template(&source) {
        Ok(template) => Ok((template, source)),
        Err(issues) => Err(TemplateFileError::Invalid {
            path: shown,
            issues,
        }),
    }
}

impl Checker<'_> {
    fn template(&mut self, root: &DeTable<'_>) -> Template {
        let obj = Obj {
            table: root,
            at: 0,
            what: "the template".to_owned(),
        };

        let key = match self.required(&obj, "id") {
            Some(_) => self.id(root, 0, "template", "the template", None).0,
            None => String::new(),
        };

        let version = self.required(&obj, "version").and_then(|value| {
            let n = match value.get_ref() {
                DeValue::Integer(int) => i64::from_str_radix(int.as_str(), int.radix()).ok(),
                _ => None,
            };
            match n.and_then(|n| i32::try_from(n).ok()) {
                Some(n) if n > 0 => Some(n),
                _ => {
                    let found = self.describe(value);
                    self.report(
                        value.span().start,
                        format!("`version` must be a positive integer, found {found}"),
                    );
                    None
                }
            }
        });

        let kind_value = self.required(&obj, "kind");
        let kind = kind_value.and_then(|value| match value.get_ref() {
            DeValue::String(name) => {
                let kind = Kind::parse(name);
                if kind.is_none() {
                    self.report(
                        value.span().start,
                        format!("unknown kind {name:?}: expected \"survey\" or \"checklist\""),
                    );
                }
                kind
            }
            _ => {
                self.wrong_type(value, "kind", "the template", "\"survey\" or \"checklist\"");
                None
            }
        });
        let title = self.text_field(&obj, "title", true);
        let kind_at = kind_value.map_or(0, |value| value.span().start);
        // Without a valid kind, still check the instrument the file seems to hold.
        let has = |key: &str| root.contains_key(key);
        let shape = kind.or_else(|| {
            let survey = has("scale") || has("dimensions");
            match (survey, has("sections")) {
                (true, false) => Some(Kind::Survey),
                (false, true) => Some(Kind::Checklist),
                _ => None,
            }
        });

        for (field, _) in root.iter() {
            let name: &str = field.get_ref();
            let at = field.span().start;
            match (name, shape) {
                ("id" | "version" | "kind" | "title", _) => {}
                ("scale" | "dimensions", Some(Kind::Survey) | None) => {}
                ("sections", Some(Kind::Checklist) | None) => {}
                ("sections", Some(Kind::Survey)) => self.report(
                    at,
                    "a survey has no `sections` (sections belong to checklists, \
                     kind = \"checklist\"); a survey's items go in [[dimensions]]"
                        .to_owned(),
                ),
                ("scale" | "dimensions", Some(Kind::Checklist)) => self.report(
                    at,
                    format!(
                        "a checklist has no `{name}` (a {} belongs to surveys, \
                         kind = \"survey\"); a checklist's items go in [[sections]]",
                        if name == "scale" {
                            "scale"
                        } else {
                            "dimension"
                        }
                    ),
                ),
                _ => self.report(
                    at,
                    format!(
                        "unknown field `{name}` in the template; expected {}",
                        one_of(&[
                            "id",
                            "version",
                            "kind",
                            "title",
                            "scale",
                            "dimensions",
                            "sections"
                        ])
                    ),
                ),
            }
        }

        let instrument = match shape {
            Some(Kind::Survey) => Instrument::Survey(self.survey(&obj, kind_at)),
            Some(Kind::Checklist) => Instrument::Checklist(self.checklist(&obj, kind_at)),
            None => Instrument::Checklist(Checklist {
                sections: Vec::new(),
            }),
        };

        Template {
            key,
            version: version.unwrap_or(0),
            title: title.unwrap_or_else(|| Localized::same("")),
            instrument,
        }
    }
}
