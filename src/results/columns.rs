//! The one list of what is shown of a unit's result: each column's headers, where its value
//! comes from and how its number is written. The table (`kinerja results`), the CSV and the
//! summary emails are all drawn from [`UNIT_COLUMNS`] and [`GROUP_COLUMNS`], so a new
//! statistic is one entry here.
//!
//! People read published precision (two decimals, rounded half away from zero, as the ministry
//! ranks); programs read the CSV at full precision.

use std::borrow::Cow;

use super::{DimensionResult, GroupInfo, Suppression, UnitResult};
use crate::domain::Lang;
use crate::stats::round_half_away;

/// A column header for people, in both languages.
#[derive(Clone, Copy, Debug)]
pub struct Label {
    pub id: &'static str,
    pub en: &'static str,
}

impl Label {
    pub fn get(self, lang: Lang) -> &'static str {
        match lang {
            Lang::Id => self.id,
            Lang::En => self.en,
        }
    }
}

/// One value of a unit's result, before it is written for people or for the CSV.
#[derive(Clone, Debug, PartialEq)]
pub enum Value<'a> {
    Text(Cow<'a, str>),
    Count(u64),
    /// A unit without a rank (suppressed, or without a score).
    Rank(Option<u32>),
    Flag(bool),
    Number(Option<f64>),
    /// A 95% confidence interval; the CSV writes its bounds as two columns.
    Interval(Option<[f64; 2]>),
    /// A rank interval; the CSV writes its bounds as two columns.
    Ranks(Option<[u32; 2]>),
    /// A difference people read with its sign ("+0.12").
    Signed(Option<f64>),
    /// A p-value: people read three decimals, or "<0.001".
    PValue(Option<f64>),
}

impl Value<'_> {
    /// Published precision: two decimals, "-" for a figure that does not exist. Indonesian
    /// writes the decimal comma (3,85), English the point (3.85).
    pub fn for_people(&self, lang: Lang) -> String {
        match self {
            Value::Text(text) => text.to_string(),
            Value::Count(n) => n.to_string(),
            Value::Rank(rank) => rank.map_or_else(|| "-".to_owned(), |r| r.to_string()),
            Value::Flag(flag) => match (lang, flag) {
                (Lang::Id, true) => "ya",
                (Lang::Id, false) => "tidak",
                (Lang::En, true) => "yes",
                (Lang::En, false) => "no",
            }
            .to_owned(),
            Value::Number(x) => x.map_or_else(|| "-".to_owned(), |x| two_decimals(x, lang)),
            Value::Interval(ci) => ci.map_or_else(
                || "-".to_owned(),
                |[lo, hi]| format!("{}–{}", two_decimals(lo, lang), two_decimals(hi, lang)),
            ),
            Value::Ranks(ranks) => match ranks {
                None => "-".to_owned(),
                Some([lo, hi]) if lo == hi => lo.to_string(),
                Some([lo, hi]) => format!("{lo}–{hi}"),
            },
            Value::PValue(p) => match p {
                None => "-".to_owned(),
                Some(p) if *p < 0.001 => match lang {
                    Lang::Id => "<0,001".to_owned(),
                    Lang::En => "<0.001".to_owned(),
                },
                Some(p) => {
                    let text = format!("{:.3}", crate::stats::round_half_away(*p, 3));
                    match lang {
                        Lang::Id => text.replace('.', ","),
                        Lang::En => text,
                    }
                }
            },
            Value::Signed(x) => x.map_or_else(
                || "-".to_owned(),
                |x| {
                    let text = two_decimals(x, lang);
                    if text.starts_with('-') || text.trim_start_matches(['0', ',', '.']).is_empty()
                    {
                        text
                    } else {
                        format!("+{text}")
                    }
                },
            ),
        }
    }

    /// Full precision, empty for a figure that does not exist; an interval gives two cells.
    fn for_csv(&self, cells: &mut Vec<String>) {
        let full = |x: Option<f64>| x.map(|v| v.to_string()).unwrap_or_default();
        match self {
            Value::Text(text) => cells.push(text.to_string()),
            Value::Count(n) => cells.push(n.to_string()),
            Value::Rank(rank) => cells.push(rank.map(|r| r.to_string()).unwrap_or_default()),
            Value::Flag(flag) => cells.push(flag.to_string()),
            Value::Number(x) | Value::Signed(x) | Value::PValue(x) => cells.push(full(*x)),
            Value::Ranks(ranks) => {
                cells.push(ranks.map(|r| r[0].to_string()).unwrap_or_default());
                cells.push(ranks.map(|r| r[1].to_string()).unwrap_or_default());
            }
            Value::Interval(ci) => {
                cells.push(full(ci.map(|c| c[0])));
                cells.push(full(ci.map(|c| c[1])));
            }
        }
    }
}

/// A figure rounded as published, e.g. for a sentence in an email.
pub fn two_decimals(x: f64, lang: Lang) -> String {
    let text = format!("{:.2}", round_half_away(x, 2));
    match lang {
        Lang::Id => text.replace('.', ","),
        Lang::En => text,
    }
}

/// What people see in a column for a unit under the anonymity threshold.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhenSuppressed {
    /// The value itself (labels, n, the absent rank).
    Shown,
    /// An empty cell.
    Blank,
    /// The presentation's own note that figures are withheld ("suppressed" in the table).
    Note,
}

/// How the CSV names a column's cells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CsvHeader {
    /// Not in the CSV (people's combined columns, such as "Name (CODE)").
    None,
    /// One cell.
    One(&'static str),
    /// An interval: `{name}_low` and `{name}_high`.
    Bounds(&'static str),
}

impl CsvHeader {
    fn push(self, prefix: &str, headers: &mut Vec<String>) {
        match self {
            CsvHeader::None => {}
            CsvHeader::One(name) => headers.push(format!("{prefix}{name}")),
            CsvHeader::Bounds(name) => {
                headers.push(format!("{prefix}{name}_low"));
                headers.push(format!("{prefix}{name}_high"));
            }
        }
    }

    fn width(self) -> usize {
        match self {
            CsvHeader::None => 0,
            CsvHeader::One(_) => 1,
            CsvHeader::Bounds(_) => 2,
        }
    }
}

/// How a column sits in a table for people.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// A column of the unit's own figures.
pub struct UnitColumn {
    /// Header for people (table and emails); `None`: CSV only.
    pub label: Option<Label>,
    pub csv: CsvHeader,
    pub value: fn(&UnitResult) -> Value<'_>,
    pub suppressed: WhenSuppressed,
    pub align: Align,
    /// People see it indented by the unit's depth below the shallowest unit of the table, so
    /// a table in tree order reads as the tree.
    pub indent: bool,
}

/// A column repeated for every dimension (survey) or section (checklist), after the unit's.
pub struct GroupColumn {
    /// For people; the header is the group's id, followed by this label unless it is empty.
    /// `None`: CSV only.
    pub label: Option<Label>,
    /// CSV cells are named `{group id}_{name}`.
    pub csv: CsvHeader,
    pub value: fn(&DimensionResult) -> Value<'_>,
}

/// The unit's columns, in CSV order; people see those with a label, in the same order.
pub const UNIT_COLUMNS: &[UnitColumn] = &[
    UnitColumn {
        label: Some(Label {
            id: "Peringkat",
            en: "Rank",
        }),
        csv: CsvHeader::One("rank"),
        value: |u| Value::Rank(u.rank),
        suppressed: WhenSuppressed::Shown,
        align: Align::Right,
        indent: false,
    },
    UnitColumn {
        label: Some(Label {
            id: "Rentang peringkat",
            en: "Rank range",
        }),
        csv: CsvHeader::Bounds("rank_interval"),
        value: |u| Value::Ranks(u.rank_interval),
        suppressed: WhenSuppressed::Blank,
        align: Align::Right,
        indent: false,
    },
    UnitColumn {
        label: None,
        csv: CsvHeader::One("rank_in_parent"),
        value: |u| Value::Rank(u.rank_in_parent),
        suppressed: WhenSuppressed::Shown,
        align: Align::Right,
        indent: false,
    },
    UnitColumn {
        label: Some(Label {
            id: "Unit",
            en: "Unit",
        }),
        csv: CsvHeader::None,
        value: |u| Value::Text(Cow::Owned(format!("{} ({})", u.name, u.code))),
        suppressed: WhenSuppressed::Shown,
        align: Align::Left,
        indent: true,
    },
    UnitColumn {
        label: None,
        csv: CsvHeader::One("code"),
        value: |u| Value::Text(Cow::Borrowed(&u.code)),
        suppressed: WhenSuppressed::Shown,
        align: Align::Left,
        indent: false,
    },
    UnitColumn {
        label: None,
        csv: CsvHeader::One("name"),
        value: |u| Value::Text(Cow::Borrowed(&u.name)),
        suppressed: WhenSuppressed::Shown,
        align: Align::Left,
        indent: false,
    },
    UnitColumn {
        label: None,
        csv: CsvHeader::One("parent_code"),
        value: |u| Value::Text(Cow::Borrowed(u.parent_code.as_deref().unwrap_or(""))),
        suppressed: WhenSuppressed::Shown,
        align: Align::Left,
        indent: false,
    },
    UnitColumn {
        label: None,
        csv: CsvHeader::One("level"),
        value: |u| Value::Count(u64::from(u.level)),
        suppressed: WhenSuppressed::Shown,
        align: Align::Right,
        indent: false,
    },
    UnitColumn {
        label: Some(Label { id: "n", en: "n" }),
        csv: CsvHeader::One("n"),
        value: |u| Value::Count(u.figures.n),
        suppressed: WhenSuppressed::Shown,
        align: Align::Right,
        indent: false,
    },
    UnitColumn {
        label: None,
        csv: CsvHeader::One("suppressed"),
        value: |u| Value::Flag(u.figures.suppressed),
        suppressed: WhenSuppressed::Shown,
        align: Align::Right,
        indent: false,
    },
    UnitColumn {
        label: None,
        csv: CsvHeader::One("suppressed_by"),
        value: |u| {
            Value::Text(Cow::Borrowed(match u.figures.suppressed_by {
                None => "",
                Some(Suppression::Threshold) => "threshold",
                Some(Suppression::Complement) => "complement",
            }))
        },
        suppressed: WhenSuppressed::Shown,
        align: Align::Left,
        indent: false,
    },
    UnitColumn {
        label: Some(Label {
            id: "Skor",
            en: "Score",
        }),
        csv: CsvHeader::One("score"),
        value: |u| Value::Number(u.figures.score),
        suppressed: WhenSuppressed::Note,
        align: Align::Right,
        indent: false,
    },
    UnitColumn {
        label: None,
        csv: CsvHeader::One("sd"),
        value: |u| Value::Number(u.figures.sd),
        suppressed: WhenSuppressed::Blank,
        align: Align::Right,
        indent: false,
    },
    UnitColumn {
        label: Some(Label {
            id: "SK 95%",
            en: "95% CI",
        }),
        csv: CsvHeader::Bounds("ci95"),
        value: |u| Value::Interval(u.figures.ci95),
        suppressed: WhenSuppressed::Blank,
        align: Align::Right,
        indent: false,
    },
    UnitColumn {
        label: None,
        csv: CsvHeader::One("own_n"),
        value: |u| Value::Number(u.own.as_ref().map(|o| o.n as f64)),
        suppressed: WhenSuppressed::Shown,
        align: Align::Right,
        indent: false,
    },
    UnitColumn {
        label: None,
        csv: CsvHeader::One("own_score"),
        value: |u| Value::Number(u.own.as_ref().and_then(|o| o.score)),
        suppressed: WhenSuppressed::Shown,
        align: Align::Right,
        indent: false,
    },
    UnitColumn {
        label: Some(Label {
            id: "Perubahan",
            en: "Change",
        }),
        csv: CsvHeader::One("change_difference"),
        value: |u| Value::Signed(u.change.as_ref().map(|c| c.difference)),
        suppressed: WhenSuppressed::Blank,
        align: Align::Right,
        indent: false,
    },
    UnitColumn {
        label: Some(Label { id: "p", en: "p" }),
        csv: CsvHeader::One("change_p_value"),
        value: |u| Value::PValue(u.change.as_ref().map(|c| c.p_value)),
        suppressed: WhenSuppressed::Blank,
        align: Align::Right,
        indent: false,
    },
    UnitColumn {
        label: None,
        csv: CsvHeader::One("change_previous_score"),
        value: |u| Value::Number(u.change.as_ref().map(|c| c.previous_score)),
        suppressed: WhenSuppressed::Blank,
        align: Align::Right,
        indent: false,
    },
    UnitColumn {
        label: None,
        csv: CsvHeader::Bounds("change_ci95"),
        value: |u| Value::Interval(u.change.as_ref().map(|c| c.ci95)),
        suppressed: WhenSuppressed::Blank,
        align: Align::Right,
        indent: false,
    },
    UnitColumn {
        label: None,
        csv: CsvHeader::One("change_hedges_g"),
        value: |u| Value::Number(u.change.as_ref().and_then(|c| c.hedges_g)),
        suppressed: WhenSuppressed::Blank,
        align: Align::Right,
        indent: false,
    },
];

/// The columns of each dimension or section, in CSV order.
pub const GROUP_COLUMNS: &[GroupColumn] = &[
    GroupColumn {
        label: None,
        csv: CsvHeader::One("n"),
        value: |d| Value::Count(d.n),
    },
    GroupColumn {
        label: Some(Label { id: "", en: "" }),
        csv: CsvHeader::One("mean"),
        value: |d| Value::Number(d.mean),
    },
    GroupColumn {
        label: None,
        csv: CsvHeader::One("sd"),
        value: |d| Value::Number(d.sd),
    },
    GroupColumn {
        label: None,
        csv: CsvHeader::Bounds("ci95"),
        value: |d| Value::Interval(d.ci95),
    },
    GroupColumn {
        label: None,
        csv: CsvHeader::One("alpha"),
        value: |d| Value::Number(d.alpha),
    },
    GroupColumn {
        label: None,
        csv: CsvHeader::One("alpha_n"),
        value: |d| Value::Count(d.alpha_n),
    },
];

/// The table for people: headers and one row of cells per unit, in one language. A cell is
/// `None` where a suppressed unit's figures would be: each presentation words that itself.
/// Used by `kinerja results` (English) and the organizers' summary email.
pub struct PeopleTable {
    pub headers: Vec<String>,
    pub align: Vec<Align>,
    pub rows: Vec<Vec<Option<String>>>,
    /// Per row, why its figures are withheld, if they are.
    pub withheld: Vec<Option<Suppression>>,
}

pub fn people_table(units: &[&UnitResult], groups: &[GroupInfo], lang: Lang) -> PeopleTable {
    let unit_columns: Vec<(&UnitColumn, Label)> = UNIT_COLUMNS
        .iter()
        .filter_map(|c| c.label.map(|label| (c, label)))
        .collect();
    let group_columns: Vec<(&GroupColumn, Label)> = GROUP_COLUMNS
        .iter()
        .filter_map(|c| c.label.map(|label| (c, label)))
        .collect();
    let mut headers: Vec<String> = unit_columns
        .iter()
        .map(|(_, label)| label.get(lang).to_owned())
        .collect();
    let mut align: Vec<Align> = unit_columns.iter().map(|(c, _)| c.align).collect();
    for group in groups {
        for (_, label) in &group_columns {
            headers.push(match label.get(lang) {
                "" => group.id.clone(),
                suffix => format!("{} {suffix}", group.id),
            });
            align.push(Align::Right);
        }
    }
    let top = units.iter().map(|u| u.level).min().unwrap_or(0);
    let rows = units
        .iter()
        .map(|unit| {
            let mut row: Vec<Option<String>> = unit_columns
                .iter()
                .map(
                    |(column, _)| match (unit.figures.suppressed, column.suppressed) {
                        (true, WhenSuppressed::Blank) => Some(String::new()),
                        (true, WhenSuppressed::Note) => None,
                        _ if column.indent => Some(format!(
                            "{}{}",
                            "  ".repeat((unit.level - top) as usize),
                            (column.value)(unit).for_people(lang)
                        )),
                        _ => Some((column.value)(unit).for_people(lang)),
                    },
                )
                .collect();
            for g in 0..groups.len() {
                for (column, _) in &group_columns {
                    // A suppressed unit has no group figures at all: blank, not "-".
                    row.push(Some(match unit.figures.dimensions.get(g) {
                        Some(d) if !unit.figures.suppressed => (column.value)(d).for_people(lang),
                        _ => String::new(),
                    }));
                }
            }
            row
        })
        .collect();
    PeopleTable {
        headers,
        align,
        rows,
        withheld: units.iter().map(|u| u.figures.suppressed_by).collect(),
    }
}

/// The CSV records, header first, at full precision.
pub fn csv_records(units: &[&UnitResult], groups: &[GroupInfo]) -> Vec<Vec<String>> {
    let mut header = Vec::new();
    for column in UNIT_COLUMNS {
        column.csv.push("", &mut header);
    }
    for group in groups {
        for column in GROUP_COLUMNS {
            column.csv.push(&format!("{}_", group.id), &mut header);
        }
    }
    let group_width: usize = GROUP_COLUMNS.iter().map(|c| c.csv.width()).sum();
    let mut records = vec![header];
    for unit in units {
        let mut record = Vec::with_capacity(records[0].len());
        for column in UNIT_COLUMNS {
            if column.csv != CsvHeader::None {
                (column.value)(unit).for_csv(&mut record);
            }
        }
        for g in 0..groups.len() {
            match unit.figures.dimensions.get(g) {
                Some(d) => {
                    for column in GROUP_COLUMNS {
                        if column.csv != CsvHeader::None {
                            (column.value)(d).for_csv(&mut record);
                        }
                    }
                }
                None => record.extend(std::iter::repeat_n(String::new(), group_width)),
            }
        }
        records.push(record);
    }
    records
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_read_two_decimals_in_their_language_and_csv_reads_full_precision() {
        assert_eq!(Value::Number(Some(3.845)).for_people(Lang::En), "3.85");
        assert_eq!(Value::Number(Some(3.845)).for_people(Lang::Id), "3,85");
        assert_eq!(Value::Number(None).for_people(Lang::Id), "-");
        assert_eq!(
            Value::Interval(Some([3.6, 4.104])).for_people(Lang::Id),
            "3,60–4,10"
        );
        assert_eq!(Value::Rank(None).for_people(Lang::En), "-");
        let mut cells = Vec::new();
        Value::Interval(Some([3.6, 4.104])).for_csv(&mut cells);
        Value::Rank(None).for_csv(&mut cells);
        Value::Number(Some(0.1 + 0.2)).for_csv(&mut cells);
        assert_eq!(cells, ["3.6", "4.104", "", "0.30000000000000004"]);
    }

    #[test]
    fn every_csv_column_has_a_distinct_header() {
        let groups = [GroupInfo {
            id: "clarity".to_owned(),
            title: crate::template::Localized::same("Clarity"),
            weight: 1.0,
        }];
        let records = csv_records(&[], &groups);
        let header = &records[0];
        let mut unique = header.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), header.len(), "{header:?}");
        // 23 cells of the unit's own (intervals take two), then 7 of the dimension.
        assert_eq!(header.len(), 23 + 7);
        assert_eq!(header[28], "clarity_alpha");
        assert_eq!(header[29], "clarity_alpha_n");
    }
}
