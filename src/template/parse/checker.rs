//! The span-aware walker every part of a template is checked with: typed reads of TOML values
//! that report a problem (at the value's offset) instead of failing, the shared shape of
//! dimensions and sections, and the collection of the problems into [`TemplateIssue`]s.

use std::collections::HashMap;

use serde_spanned::Spanned;
use toml::de::{DeTable, DeValue};

use super::TemplateIssue;
use crate::template::model::{ItemGroup, Localized};

pub(super) type Value<'i> = Spanned<DeValue<'i>>;

/// A TOML table being checked: where it starts (for "missing field" problems) and how to
/// name it in messages, e.g. "dimension 'clarity' (dimensions[0])".
pub(super) struct Obj<'a, 'i> {
    pub table: &'a DeTable<'i>,
    pub at: usize,
    pub what: String,
}

impl<'a, 'i> Obj<'a, 'i> {
    pub fn get(&self, key: &str) -> Option<&'a Value<'i>> {
        self.table.get(key)
    }
}

/// An element of an array of tables, with its location.
pub(super) struct Element<'a, 'i> {
    pub table: &'a DeTable<'i>,
    pub at: usize,
    /// Position in the array (counting elements that are not tables too).
    pub index: usize,
}

/// What tells a survey's dimensions and a checklist's sections apart in a file.
pub(super) struct GroupShape {
    /// The template kind they belong to, "survey" or "checklist".
    pub kind: &'static str,
    /// "dimension" or "section".
    pub noun: &'static str,
    /// The template's array of them, "dimensions" or "sections".
    pub key: &'static str,
    /// The weight of a group that gives none; `None` when `weight` is required.
    pub default_weight: Option<f64>,
    /// The fields an item may have.
    pub item_fields: &'static [&'static str],
}

/// Where an id was first used, to report duplicates.
pub(super) type Seen = HashMap<String, usize>;

const ID_RULE: &str = "ids may contain only letters A-Z and a-z, digits 0-9, '_', '.' and '-' \
                       (they become CSV column headers and URL parts)";

/// Checks one template file, collecting every problem (byte offset, message) rather than
/// stopping at the first, so that an organizer sees them all at once.
pub(super) struct Checker<'s> {
    source: &'s str,
    issues: Vec<(usize, String)>,
}

impl<'s> Checker<'s> {
    pub(super) fn new(source: &'s str) -> Checker<'s> {
        Checker {
            source,
            issues: Vec::new(),
        }
    }

    /// The checked value when nothing was reported, otherwise every problem in file order.
    pub(super) fn finish<T>(mut self, value: T) -> Result<T, Vec<TemplateIssue>> {
        if self.issues.is_empty() {
            return Ok(value);
        }
        // Stable: issues at the same place keep the order they were found in.
        self.issues.sort_by_key(|(offset, _)| *offset);
        let source = self.source;
        Err(self
            .issues
            .into_iter()
            .map(|(offset, message)| issue_at(source, offset, message))
            .collect())
    }

    pub(super) fn report(&mut self, offset: usize, message: String) {
        self.issues.push((offset, message));
    }

    fn line_of(&self, offset: usize) -> usize {
        line_column(self.source, offset).0
    }

    /// "integer `5`", "string `\"x\"`", "table": what a value is, for "found ..." messages.
    pub(super) fn describe(&self, value: &Value<'_>) -> String {
        let kind = value.get_ref().type_str();
        match value.get_ref() {
            DeValue::Array(_) | DeValue::Table(_) => kind.to_owned(),
            _ => match self.source.get(value.span()) {
                Some(text) if !text.is_empty() => {
                    let text = text.trim();
                    let short: String = text.chars().take(40).collect();
                    let ellipsis = if short.len() < text.len() { "…" } else { "" };
                    format!("{kind} `{short}{ellipsis}`")
                }
                _ => kind.to_owned(),
            },
        }
    }

    /// The value as written in the file, for messages ("found -1").
    pub(super) fn written(&self, value: &Value<'_>) -> String {
        self.source
            .get(value.span())
            .map_or_else(String::new, |text| text.trim().to_owned())
    }

    pub(super) fn wrong_type(&mut self, value: &Value<'_>, key: &str, what: &str, expected: &str) {
        let found = self.describe(value);
        self.report(
            value.span().start,
            format!("`{key}` of {what} must be {expected}, found {found}"),
        );
    }

    pub(super) fn required<'a, 'i>(
        &mut self,
        obj: &Obj<'a, 'i>,
        key: &str,
    ) -> Option<&'a Value<'i>> {
        let value = obj.get(key);
        if value.is_none() {
            self.report(obj.at, format!("{} has no `{key}`", obj.what));
        }
        value
    }

    pub(super) fn unknown_fields(&mut self, obj: &Obj<'_, '_>, allowed: &[&str]) {
        for (key, _) in obj.table.iter() {
            let name: &str = key.get_ref();
            if !allowed.contains(&name) {
                self.report(
                    key.span().start,
                    format!(
                        "unknown field `{name}` in {}; expected {}",
                        obj.what,
                        one_of(allowed)
                    ),
                );
            }
        }
    }

    pub(super) fn string<'a>(
        &mut self,
        value: &'a Value<'_>,
        key: &str,
        what: &str,
    ) -> Option<&'a str> {
        match value.get_ref() {
            DeValue::String(text) => Some(text.as_ref()),
            _ => {
                self.wrong_type(value, key, what, "a string");
                None
            }
        }
    }

    pub(super) fn integer(&mut self, value: &Value<'_>, key: &str, what: &str) -> Option<i64> {
        match value.get_ref() {
            DeValue::Integer(int) => match i64::from_str_radix(int.as_str(), int.radix()) {
                Ok(n) => Some(n),
                Err(_) => {
                    let written = self.written(value);
                    self.report(
                        value.span().start,
                        format!("`{key}` of {what} is too large, found {written}"),
                    );
                    None
                }
            },
            _ => {
                self.wrong_type(value, key, what, "an integer");
                None
            }
        }
    }

    /// An integer or float, which must be finite.
    pub(super) fn number(&mut self, value: &Value<'_>, key: &str, what: &str) -> Option<f64> {
        let number = match value.get_ref() {
            DeValue::Integer(int) => i64::from_str_radix(int.as_str(), int.radix())
                .map(|n| n as f64)
                .ok()
                .or_else(|| int.as_str().parse::<f64>().ok()),
            DeValue::Float(float) => Some(parse_float(float.as_str())),
            _ => {
                self.wrong_type(value, key, what, "a number");
                return None;
            }
        };
        match number {
            Some(n) if n.is_finite() => Some(n),
            _ => {
                let written = self.written(value);
                self.report(
                    value.span().start,
                    format!("`{key}` of {what} must be a finite number, found {written}"),
                );
                None
            }
        }
    }

    /// A number that must be greater than zero (weights and points).
    pub(super) fn positive(&mut self, value: &Value<'_>, key: &str, what: &str) -> Option<f64> {
        let n = self.number(value, key, what)?;
        if n > 0.0 {
            Some(n)
        } else {
            let written = self.written(value);
            self.report(
                value.span().start,
                format!("`{key}` of {what} must be greater than 0, found {written}"),
            );
            None
        }
    }

    pub(super) fn boolean(&mut self, obj: &Obj<'_, '_>, key: &str) -> Option<bool> {
        let value = obj.get(key)?;
        match value.get_ref() {
            DeValue::Boolean(b) => Some(*b),
            _ => {
                self.wrong_type(value, key, &obj.what, "true or false");
                None
            }
        }
    }

    /// A localized text: a non-empty string, or a table with a non-empty `id` and/or `en`.
    pub(super) fn localized(
        &mut self,
        value: &Value<'_>,
        key: &str,
        what: &str,
    ) -> Option<Localized> {
        match value.get_ref() {
            DeValue::String(text) => {
                if text.trim().is_empty() {
                    self.report(value.span().start, format!("`{key}` of {what} is empty"));
                    None
                } else {
                    Some(Localized::same(text))
                }
            }
            DeValue::Table(table) => {
                let obj = Obj {
                    table,
                    at: value.span().start,
                    what: format!("`{key}` of {what}"),
                };
                self.unknown_fields(&obj, &["id", "en"]);
                if !table.contains_key("id") && !table.contains_key("en") {
                    self.report(
                        value.span().start,
                        format!("`{key}` of {what} is empty: give its `id` and/or `en` text"),
                    );
                    return None;
                }
                let mut ok = true;
                let mut texts = [None, None];
                for (slot, lang) in texts.iter_mut().zip(["id", "en"]) {
                    let Some(v) = table.get(lang) else { continue };
                    let subkey = format!("{key}.{lang}");
                    match self.string(v, &subkey, what) {
                        Some(text) if text.trim().is_empty() => {
                            self.report(v.span().start, format!("`{subkey}` of {what} is empty"));
                            ok = false;
                        }
                        Some(text) => *slot = Some(text.to_owned()),
                        None => ok = false,
                    }
                }
                match texts {
                    _ if !ok => None,
                    [Some(id), Some(en)] => Some(Localized { id, en }),
                    [Some(one), None] | [None, Some(one)] => Some(Localized::same(&one)),
                    [None, None] => None,
                }
            }
            _ => {
                self.wrong_type(
                    value,
                    key,
                    what,
                    "a string or a table { id = \"...\", en = \"...\" }",
                );
                None
            }
        }
    }

    pub(super) fn text_field(
        &mut self,
        obj: &Obj<'_, '_>,
        key: &str,
        required: bool,
    ) -> Option<Localized> {
        let value = if required {
            self.required(obj, key)?
        } else {
            obj.get(key)?
        };
        self.localized(value, key, &obj.what)
    }

    /// An array of tables (`[[key]]` or `key = [{...}, ...]`), each element with its location;
    /// `header` shows how to write one in the "wrong type" message.
    pub(super) fn tables<'a, 'i>(
        &mut self,
        value: &'a Value<'i>,
        key: &str,
        what: &str,
        header: &str,
    ) -> Option<Vec<Element<'a, 'i>>> {
        let DeValue::Array(array) = value.get_ref() else {
            self.wrong_type(value, key, what, &format!("an array of tables ({header})"));
            return None;
        };
        let mut elements = Vec::with_capacity(array.len());
        for (index, element) in array.iter().enumerate() {
            match element.get_ref() {
                DeValue::Table(table) => elements.push(Element {
                    table,
                    at: element.span().start,
                    index,
                }),
                _ => {
                    let found = self.describe(element);
                    self.report(
                        element.span().start,
                        format!("`{key}` of {what} must hold only tables, found {found}"),
                    );
                }
            }
        }
        Some(elements)
    }

    /// Checks the `id` of a table; returns it (empty when missing or invalid) and the name
    /// of the table for further messages, e.g. "dimension 'clarity' (dimensions[0])".
    pub(super) fn id(
        &mut self,
        table: &DeTable<'_>,
        at: usize,
        noun: &str,
        path: &str,
        seen: Option<(&mut Seen, &str)>,
    ) -> (String, String) {
        let Some(value) = table.get("id") else {
            self.report(at, format!("{path} has no `id`"));
            return (String::new(), path.to_owned());
        };
        let Some(id) = self.string(value, "id", path) else {
            return (String::new(), path.to_owned());
        };
        if id.is_empty() {
            self.report(value.span().start, format!("`id` of {path} is empty"));
            return (String::new(), path.to_owned());
        }
        // The template's own id needs no path: "template 'sfo'".
        let place = if noun == "template" {
            String::new()
        } else {
            format!(" ({path})")
        };
        let what = format!("{noun} '{id}'{place}");
        if let Some(bad) = id.chars().find(|&c| !is_id_char(c)) {
            self.report(
                value.span().start,
                format!("{noun} id '{id}'{place} contains {bad:?}: {ID_RULE}"),
            );
            return (String::new(), what);
        }
        if let Some((seen, scope)) = seen {
            let offset = value.span().start;
            if let Some(&first) = seen.get(id) {
                let line = self.line_of(first);
                self.report(
                    offset,
                    format!(
                        "duplicate {noun} id '{id}'{place}: already used at line {line}; \
                         {noun} ids must be unique {scope}"
                    ),
                );
            } else {
                seen.insert(id.to_owned(), offset);
            }
        }
        (id.to_owned(), what)
    }

    /// An element of an array of tables that has an `id`: checks the id (unique in `seen`'s
    /// scope, "in the template" or "within ...") and the element's fields; returns the id and
    /// the table named for further messages.
    pub(super) fn element<'a, 'i>(
        &mut self,
        element: &Element<'a, 'i>,
        noun: &str,
        path: &str,
        seen: (&mut Seen, &str),
        fields: &[&str],
    ) -> (String, Obj<'a, 'i>) {
        let (id, what) = self.id(element.table, element.at, noun, path, Some(seen));
        let obj = Obj {
            table: element.table,
            at: element.at,
            what,
        };
        self.unknown_fields(&obj, fields);
        (id, obj)
    }

    /// The dimensions of a survey or the sections of a checklist: the array `shape.key` of
    /// the template, required and not empty. Each group's own fields and each item's `id` (unique
    /// in the template) and field names are checked here, the rest of an item by `item`, which
    /// gets its id, its table and its path.
    pub(super) fn groups<'a, 'i, I>(
        &mut self,
        root: &Obj<'a, 'i>,
        kind_at: usize,
        shape: &GroupShape,
        mut item: impl FnMut(&mut Self, String, Obj<'a, 'i>, &str) -> I,
    ) -> Vec<ItemGroup<I>> {
        let GroupShape {
            kind, noun, key, ..
        } = shape;
        let Some(value) = root.get(key) else {
            self.report(
                kind_at,
                format!("a {kind} has no `{key}`: add at least one [[{key}]] table"),
            );
            return Vec::new();
        };
        let Some(elements) = self.tables(value, key, "the template", &format!("[[{key}]]")) else {
            return Vec::new();
        };
        if is_empty_array(value) {
            self.report(
                value.span().start,
                format!("`{key}` is empty: a {kind} needs at least one {noun}"),
            );
        }
        let mut group_ids = Seen::new();
        let mut item_ids = Seen::new();
        elements
            .iter()
            .map(|element| self.group(element, shape, &mut group_ids, &mut item_ids, &mut item))
            .collect()
    }

    fn group<'a, 'i, I>(
        &mut self,
        element: &Element<'a, 'i>,
        shape: &GroupShape,
        group_ids: &mut Seen,
        item_ids: &mut Seen,
        item: &mut impl FnMut(&mut Self, String, Obj<'a, 'i>, &str) -> I,
    ) -> ItemGroup<I> {
        let path = format!("{}[{}]", shape.key, element.index);
        let (id, obj) = self.element(
            element,
            shape.noun,
            &path,
            (group_ids, "in the template"),
            &["id", "title", "weight", "items"],
        );
        let title = self.text_field(&obj, "title", true);
        let weight = match (obj.get("weight"), shape.default_weight) {
            (Some(value), _) => self.positive(value, "weight", &obj.what),
            (None, Some(default)) => Some(default),
            (None, None) => {
                // Reports the missing field.
                self.required(&obj, "weight");
                None
            }
        };
        let header = format!("[[{}.items]]", shape.key);
        let items = self
            .items(&obj, &format!("a {}", shape.noun), &header)
            .unwrap_or_default()
            .iter()
            .map(|element| {
                let item_path = format!("{path}.items[{}]", element.index);
                let (id, obj) = self.element(
                    element,
                    "item",
                    &item_path,
                    (item_ids, "in the template"),
                    shape.item_fields,
                );
                item(self, id, obj, &item_path)
            })
            .collect();
        ItemGroup {
            id,
            title: title.unwrap_or_else(|| Localized::same("")),
            weight: weight.unwrap_or(0.0),
            items,
        }
    }

    /// The `items` of a dimension or section: required, an array of tables, not empty.
    fn items<'a, 'i>(
        &mut self,
        obj: &Obj<'a, 'i>,
        noun: &str,
        header: &str,
    ) -> Option<Vec<Element<'a, 'i>>> {
        let value = self.required(obj, "items")?;
        let elements = self.tables(value, "items", &obj.what, header)?;
        if is_empty_array(value) {
            self.report(
                value.span().start,
                format!(
                    "`items` of {} is empty: {noun} needs at least one item",
                    obj.what
                ),
            );
        }
        Some(elements)
    }
}

/// Whether a value is an array without elements (`[]`).
pub(super) fn is_empty_array(value: &Value<'_>) -> bool {
    matches!(value.get_ref(), DeValue::Array(array) if array.is_empty())
}

fn is_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')
}

/// TOML floats as written (underscores already removed by the parser), including the
/// special values `inf`, `+inf`, `-inf`, `nan`, `+nan`, `-nan`.
fn parse_float(text: &str) -> f64 {
    match text.parse::<f64>() {
        Ok(n) => n,
        Err(_) if text.contains("inf") => {
            if text.starts_with('-') {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            }
        }
        Err(_) => f64::NAN,
    }
}

/// "`a`, `b` or `c`".
pub(super) fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, [first])) => format!("{first} or {last}"),
        Some((last, rest)) => format!("one of {} or {last}", rest.join(", ")),
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(super) fn line_column(source: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(source.len());
    let before = source.as_bytes().get(..offset).unwrap_or_default();
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |newline| newline + 1);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = match source.get(line_start..offset) {
        // A byte order mark is invisible in editors: not a column.
        Some(text) => text.trim_start_matches('\u{feff}').chars().count() + 1,
        // Not on a character boundary (should not happen with parser spans): count bytes.
        None => offset - line_start + 1,
    };
    (line, column)
}

pub(super) fn issue_at(source: &str, offset: usize, message: String) -> TemplateIssue {
    let (line, column) = line_column(source, offset);
    TemplateIssue {
        line,
        column,
        message,
    }
}
