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
    /// A count; `None` where the set it counts does not exist (a unit's own responses).
    Count(Option<u64>),
    /// A unit without a rank (suppressed, or without a score).
    Rank(Option<u32>),
    Flag(bool),
    Number(Option<f64>),
    /// A 95% confidence interval; the CSV writes its bounds as two columns.
    Interval(Option<[f64; 2]>),
    /// The 95% confidence interval of a figure on the campaign's scale (a score, a
    /// dimension's mean): people read it clipped to the scale ([`ShownInterval`]), the CSV
    /// and the XLSX exact.
    ScaleInterval(Option<[f64; 2]>),
    /// A rank interval; the CSV writes its bounds as two columns.
    Ranks(Option<[u32; 2]>),
    /// A difference people read with its sign ("+0.12").
    Signed(Option<f64>),
    /// A p-value: people read three decimals, or "<0.001".
    PValue(Option<f64>),
}

impl<'a> Value<'a> {
    /// Published precision: two decimals, "-" for a figure that does not exist. Indonesian
    /// writes the decimal comma (3,85), English the point (3.85). An interval on the scale is
    /// written exact here; [`Value::for_people_on`] clips it.
    pub fn for_people(&self, lang: Lang) -> String {
        self.for_people_on(lang, None)
    }

    /// [`Value::for_people`], with a [`Value::ScaleInterval`] clipped to `scale` (the
    /// campaign's [`super::CampaignInfo::score_bounds`]) and its clipped bounds marked.
    pub fn for_people_on(&self, lang: Lang, scale: Option<[f64; 2]>) -> String {
        match self {
            Value::ScaleInterval(Some(ci)) => match scale {
                Some(scale) => clip_to_scale(*ci, scale).for_people(lang),
                None => Value::Interval(Some(*ci)).for_people(lang),
            },
            Value::ScaleInterval(None) => "-".to_owned(),
            Value::Text(text) => text.to_string(),
            Value::Count(n) => n.map_or_else(|| "-".to_owned(), |n| n.to_string()),
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

    /// The cells of a flat export (CSV, XLSX): an interval gives two.
    fn into_cells(self, cells: &mut Vec<Cell<'a>>) {
        let number = |x: Option<f64>| x.map_or(Cell::Empty, Cell::Number);
        let integer = |x: Option<u64>| x.map_or(Cell::Empty, Cell::Integer);
        match self {
            Value::Text(text) => cells.push(Cell::Text(text)),
            Value::Count(n) => cells.push(integer(n)),
            Value::Rank(rank) => cells.push(integer(rank.map(u64::from))),
            Value::Flag(flag) => cells.push(Cell::Flag(flag)),
            Value::Number(x) | Value::Signed(x) | Value::PValue(x) => cells.push(number(x)),
            Value::Ranks(ranks) => {
                cells.push(integer(ranks.map(|r| u64::from(r[0]))));
                cells.push(integer(ranks.map(|r| u64::from(r[1]))));
            }
            Value::Interval(ci) | Value::ScaleInterval(ci) => {
                cells.push(number(ci.map(|c| c[0])));
                cells.push(number(ci.map(|c| c[1])));
            }
        }
    }
}

/// The mark after a confidence bound that people see clipped to the scale.
pub const CLIPPED_MARK: &str = "*";

/// The footnote of [`CLIPPED_MARK`]. (Templates pass the language by reference.)
pub fn clipped_note(lang: impl std::borrow::Borrow<Lang>) -> &'static str {
    match lang.borrow() {
        Lang::Id => "* batas selang kepercayaan 95% dipotong pada ujung skala; JSON dan CSV memuat nilai persisnya",
        Lang::En => "* 95% CI bound clipped to the scale; JSON and CSV hold the exact interval",
    }
}

/// A 95% confidence interval as people read it. A mean of answers on a 1-5 scale cannot lie
/// outside 1-5, but the t interval of a small group that answered 5 often reaches past 5
/// ("4.12–5.31"): people read that as a possible score of 5.31. So each bound is clipped to
/// the scale, and a clipped bound is marked ("4.12–5.00*", [`clipped_note`]). The JSON, the
/// CSV and the XLSX keep the exact interval for programs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ShownInterval {
    pub bounds: [f64; 2],
    /// Whether the low and the high bound were clipped.
    pub clipped: [bool; 2],
}

/// Clips `ci` to `[min, max]`.
pub fn clip_to_scale([lo, hi]: [f64; 2], [min, max]: [f64; 2]) -> ShownInterval {
    ShownInterval {
        bounds: [lo.clamp(min, max), hi.clamp(min, max)],
        clipped: [lo < min, hi > max],
    }
}

impl ShownInterval {
    pub fn any_clipped(&self) -> bool {
        self.clipped[0] || self.clipped[1]
    }

    /// "3.90–5.00*" (English), "3,90–5,00*" (Indonesian).
    pub fn for_people(&self, lang: Lang) -> String {
        let bound = |at: usize| {
            let mark = if self.clipped[at] { CLIPPED_MARK } else { "" };
            format!("{}{mark}", two_decimals(self.bounds[at], lang))
        };
        format!("{}–{}", bound(0), bound(1))
    }
}

/// One cell of a flat export, typed: the CSV writes it as text, the XLSX as a number, a
/// boolean or a string.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell<'a> {
    Text(Cow<'a, str>),
    /// A count or a rank.
    Integer(u64),
    /// A figure, at full precision.
    Number(f64),
    Flag(bool),
    /// A figure that does not exist or is withheld.
    Empty,
}

impl Cell<'_> {
    /// The CSV's text: numbers at full precision (Rust's shortest representation that reads
    /// back as the same f64), text made safe for spreadsheets.
    pub fn for_csv(&self) -> Cow<'_, str> {
        match self {
            Cell::Text(text) => spreadsheet_text(text),
            Cell::Integer(n) => Cow::Owned(n.to_string()),
            Cell::Number(x) => Cow::Owned(x.to_string()),
            Cell::Flag(flag) => Cow::Owned(flag.to_string()),
            Cell::Empty => Cow::Borrowed(""),
        }
    }
}

/// A text cell as every CSV kinerja writes holds it: one that a spreadsheet would run as a
/// formula (it starts with `=`, `+`, `-`, `@`, a tab or a carriage return) gets a leading `'`,
/// which Excel and LibreOffice show as text and which a person reading the file recognises.
/// Only text goes through here: numbers (a negative bound, a change) are written as they are.
/// Unit names come from the organisation's CSV, which anyone who can edit that file controls;
/// `=HYPERLINK(...)` or `=cmd|...` would otherwise run on an organizer's desk.
pub fn spreadsheet_text(text: &str) -> Cow<'_, str> {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
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
    /// Also names the unit on each dimension's sheet of the XLSX.
    pub identifies: bool,
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
        identifies: false,
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
        identifies: false,
    },
    UnitColumn {
        label: None,
        csv: CsvHeader::One("rank_in_parent"),
        value: |u| Value::Rank(u.rank_in_parent),
        suppressed: WhenSuppressed::Shown,
        align: Align::Right,
        indent: false,
        identifies: false,
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
        identifies: false,
    },
    UnitColumn {
        label: None,
        csv: CsvHeader::One("code"),
        value: |u| Value::Text(Cow::Borrowed(&u.code)),
        suppressed: WhenSuppressed::Shown,
        align: Align::Left,
        indent: false,
        identifies: true,
    },
    UnitColumn {
        label: None,
        csv: CsvHeader::One("name"),
        value: |u| Value::Text(Cow::Borrowed(&u.name)),
        suppressed: WhenSuppressed::Shown,
        align: Align::Left,
        indent: false,
        identifies: true,
    },
    UnitColumn {
        label: None,
        csv: CsvHeader::One("parent_code"),
        value: |u| Value::Text(Cow::Borrowed(u.parent_code.as_deref().unwrap_or(""))),
        suppressed: WhenSuppressed::Shown,
        align: Align::Left,
        indent: false,
        identifies: true,
    },
    UnitColumn {
        label: None,
        csv: CsvHeader::One("level"),
        value: |u| Value::Count(Some(u64::from(u.level))),
        suppressed: WhenSuppressed::Shown,
        align: Align::Right,
        indent: false,
        identifies: true,
    },
    UnitColumn {
        label: Some(Label { id: "n", en: "n" }),
        csv: CsvHeader::One("n"),
        value: |u| Value::Count(Some(u.figures.n)),
        suppressed: WhenSuppressed::Shown,
        align: Align::Right,
        indent: false,
        identifies: false,
    },
    UnitColumn {
        label: None,
        csv: CsvHeader::One("suppressed"),
        value: |u| Value::Flag(u.figures.suppressed),
        suppressed: WhenSuppressed::Shown,
        align: Align::Right,
        indent: false,
        identifies: false,
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
        identifies: true,
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
        identifies: false,
    },
    UnitColumn {
        label: None,
        csv: CsvHeader::One("sd"),
        value: |u| Value::Number(u.figures.sd),
        suppressed: WhenSuppressed::Blank,
        align: Align::Right,
        indent: false,
        identifies: false,
    },
    UnitColumn {
        label: Some(Label {
            id: "SK 95%",
            en: "95% CI",
        }),
        csv: CsvHeader::Bounds("ci95"),
        value: |u| Value::ScaleInterval(u.figures.ci95),
        suppressed: WhenSuppressed::Blank,
        align: Align::Right,
        indent: false,
        identifies: false,
    },
    UnitColumn {
        label: None,
        csv: CsvHeader::One("own_n"),
        value: |u| Value::Count(u.own.as_ref().map(|o| o.n)),
        suppressed: WhenSuppressed::Shown,
        align: Align::Right,
        indent: false,
        identifies: false,
    },
    UnitColumn {
        label: None,
        csv: CsvHeader::One("own_score"),
        value: |u| Value::Number(u.own.as_ref().and_then(|o| o.score)),
        suppressed: WhenSuppressed::Shown,
        align: Align::Right,
        indent: false,
        identifies: false,
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
        identifies: false,
    },
    UnitColumn {
        label: Some(Label { id: "p", en: "p" }),
        csv: CsvHeader::One("change_p_value"),
        value: |u| Value::PValue(u.change.as_ref().map(|c| c.p_value)),
        suppressed: WhenSuppressed::Blank,
        align: Align::Right,
        indent: false,
        identifies: false,
    },
    UnitColumn {
        label: None,
        csv: CsvHeader::One("change_previous_score"),
        value: |u| Value::Number(u.change.as_ref().map(|c| c.previous_score)),
        suppressed: WhenSuppressed::Blank,
        align: Align::Right,
        indent: false,
        identifies: false,
    },
    UnitColumn {
        label: None,
        csv: CsvHeader::Bounds("change_ci95"),
        value: |u| Value::Interval(u.change.as_ref().map(|c| c.ci95)),
        suppressed: WhenSuppressed::Blank,
        align: Align::Right,
        indent: false,
        identifies: false,
    },
    UnitColumn {
        label: None,
        csv: CsvHeader::One("change_hedges_g"),
        value: |u| Value::Number(u.change.as_ref().and_then(|c| c.hedges_g)),
        suppressed: WhenSuppressed::Blank,
        align: Align::Right,
        indent: false,
        identifies: false,
    },
];

/// The columns of each dimension or section, in CSV order.
pub const GROUP_COLUMNS: &[GroupColumn] = &[
    GroupColumn {
        label: None,
        csv: CsvHeader::One("n"),
        value: |d| Value::Count(Some(d.n)),
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
        value: |d| Value::ScaleInterval(d.ci95),
    },
    GroupColumn {
        label: None,
        csv: CsvHeader::One("alpha"),
        value: |d| Value::Number(d.alpha),
    },
    GroupColumn {
        label: None,
        csv: CsvHeader::One("alpha_n"),
        value: |d| Value::Count(Some(d.alpha_n)),
    },
];

/// How a table for people heads the columns of each dimension or section.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupNames {
    /// By id (`leadership`): short, for the fixed-width terminal table.
    Ids,
    /// By title in the table's language ("Kepemimpinan"), for people who do not know the ids.
    Titles,
}

/// The table for people: headers and one row of cells per unit, in one language. A cell is
/// `None` where a suppressed unit's figures would be: each presentation words that itself.
/// Used by `kinerja results` (English) and the organizers' summary email.
pub struct PeopleTable {
    pub headers: Vec<String>,
    pub align: Vec<Align>,
    /// The column naming the unit (indented by its depth in the table's tree).
    pub name_column: usize,
    /// The first column of the dimensions' or sections' figures; those before are the unit's.
    pub group_start: usize,
    pub rows: Vec<Vec<Option<String>>>,
    /// Per row, why its figures are withheld, if they are.
    pub withheld: Vec<Option<Suppression>>,
    /// Whether a shown interval was clipped to the scale: the presentation then adds
    /// [`clipped_note`].
    pub clipped: bool,
}

/// `scale`: the bounds of the campaign's figures ([`super::CampaignInfo::score_bounds`]),
/// which shown intervals are clipped to.
pub fn people_table(
    units: &[&UnitResult],
    groups: &[GroupInfo],
    scale: [f64; 2],
    lang: Lang,
    names: GroupNames,
) -> PeopleTable {
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
    let name_column = unit_columns.iter().position(|(c, _)| c.indent).unwrap_or(0);
    let group_start = headers.len();
    for group in groups {
        let name = match names {
            GroupNames::Ids => group.id.as_str(),
            GroupNames::Titles => group.title.get(lang),
        };
        for (_, label) in &group_columns {
            headers.push(match label.get(lang) {
                "" => name.to_owned(),
                suffix => format!("{name} {suffix}"),
            });
            align.push(Align::Right);
        }
    }
    let top = units.iter().map(|u| u.level).min().unwrap_or(0);
    let mut clipped = false;
    let mut shown = |value: Value| {
        if let Value::ScaleInterval(Some(ci)) = value {
            clipped |= clip_to_scale(ci, scale).any_clipped();
        }
        value.for_people_on(lang, Some(scale))
    };
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
                            shown((column.value)(unit))
                        )),
                        _ => Some(shown((column.value)(unit))),
                    },
                )
                .collect();
            for g in 0..groups.len() {
                for (column, _) in &group_columns {
                    // A suppressed unit has no group figures at all: blank, not "-".
                    row.push(Some(match unit.figures.dimensions.get(g) {
                        Some(d) if !unit.figures.suppressed => shown((column.value)(d)),
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
        name_column,
        group_start,
        rows,
        withheld: units.iter().map(|u| u.figures.suppressed_by).collect(),
        clipped,
    }
}

/// Which of the unit's columns a flat export takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnitPart {
    /// Every column with a CSV header: the CSV, the XLSX's ranking sheet.
    All,
    /// Those that name the unit (`identifies`): the XLSX's sheet of each dimension.
    Identity,
}

impl UnitPart {
    fn takes(self, column: &UnitColumn) -> bool {
        column.csv != CsvHeader::None && (self == UnitPart::All || column.identifies)
    }
}

/// The flat headers of the unit's columns (as in the CSV).
pub fn unit_headers(part: UnitPart) -> Vec<String> {
    let mut headers = Vec::new();
    for column in UNIT_COLUMNS.iter().filter(|c| part.takes(c)) {
        column.csv.push("", &mut headers);
    }
    headers
}

/// A unit's cells under [`unit_headers`]. A suppressed unit's withheld columns are empty
/// whatever its figures hold, as in the table.
pub fn unit_cells(unit: &UnitResult, part: UnitPart) -> Vec<Cell<'_>> {
    let mut cells = Vec::new();
    for column in UNIT_COLUMNS.iter().filter(|c| part.takes(c)) {
        if unit.figures.suppressed && column.suppressed != WhenSuppressed::Shown {
            cells.extend(std::iter::repeat_n(Cell::Empty, column.csv.width()));
        } else {
            (column.value)(unit).into_cells(&mut cells);
        }
    }
    cells
}

/// The flat headers of one group's columns, each after `prefix` (`"{id}_"` in the CSV).
pub fn group_headers(prefix: &str) -> Vec<String> {
    let mut headers = Vec::new();
    for column in GROUP_COLUMNS {
        column.csv.push(prefix, &mut headers);
    }
    headers
}

/// A unit's cells of its `g`th group under [`group_headers`]: all empty for a suppressed unit.
pub fn group_cells(unit: &UnitResult, g: usize) -> Vec<Cell<'_>> {
    match unit.figures.dimensions.get(g) {
        Some(d) if !unit.figures.suppressed => {
            let mut cells = Vec::new();
            for column in GROUP_COLUMNS.iter().filter(|c| c.csv != CsvHeader::None) {
                (column.value)(d).into_cells(&mut cells);
            }
            cells
        }
        _ => vec![Cell::Empty; GROUP_COLUMNS.iter().map(|c| c.csv.width()).sum()],
    }
}

/// The CSV records, header first, at full precision, text safe for spreadsheets.
pub fn csv_records(units: &[&UnitResult], groups: &[GroupInfo]) -> Vec<Vec<String>> {
    let mut header = unit_headers(UnitPart::All);
    for group in groups {
        header.extend(group_headers(&format!("{}_", group.id)));
    }
    let mut records = vec![header];
    for unit in units {
        let mut cells = unit_cells(unit, UnitPart::All);
        for g in 0..groups.len() {
            cells.extend(group_cells(unit, g));
        }
        records.push(cells.iter().map(|c| c.for_csv().into_owned()).collect());
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
        Value::Interval(Some([3.6, 4.104])).into_cells(&mut cells);
        Value::Rank(None).into_cells(&mut cells);
        Value::Number(Some(0.1 + 0.2)).into_cells(&mut cells);
        Value::Number(Some(-0.25)).into_cells(&mut cells);
        let csv: Vec<_> = cells.iter().map(|c| c.for_csv()).collect();
        assert_eq!(csv, ["3.6", "4.104", "", "0.30000000000000004", "-0.25"]);
    }

    #[test]
    fn people_read_an_interval_clipped_to_the_scale_with_a_mark_and_exports_read_it_exact() {
        let scale = Some([1.0, 5.0]);
        let past_the_top = Value::ScaleInterval(Some([3.904, 5.3125]));
        assert_eq!(past_the_top.for_people_on(Lang::En, scale), "3.90–5.00*");
        assert_eq!(past_the_top.for_people_on(Lang::Id, scale), "3,90–5,00*");
        assert_eq!(
            Value::ScaleInterval(Some([0.62, 1.9])).for_people_on(Lang::En, scale),
            "1.00*–1.90"
        );
        assert_eq!(
            Value::ScaleInterval(Some([0.5, 5.5])).for_people_on(Lang::En, scale),
            "1.00*–5.00*"
        );
        // Inside the scale, or on its end exactly: nothing to clip, no mark.
        assert_eq!(
            Value::ScaleInterval(Some([3.6, 5.0])).for_people_on(Lang::En, scale),
            "3.60–5.00"
        );
        assert_eq!(
            Value::ScaleInterval(None).for_people_on(Lang::En, scale),
            "-"
        );
        // A difference is not on the scale: never clipped.
        assert_eq!(
            Value::Interval(Some([-0.5, 5.5])).for_people_on(Lang::En, scale),
            "-0.50–5.50"
        );
        let mut cells = Vec::new();
        past_the_top.into_cells(&mut cells);
        let csv: Vec<_> = cells.iter().map(|c| c.for_csv()).collect();
        assert_eq!(csv, ["3.904", "5.3125"]);
        assert!(clip_to_scale([3.9, 5.3], [1.0, 5.0]).any_clipped());
        assert!(!clip_to_scale([3.9, 4.3], [1.0, 5.0]).any_clipped());
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

    #[test]
    fn text_a_spreadsheet_would_run_gets_a_quote_and_numbers_never_do() {
        for hostile in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1)",
            "\tname",
            "\rname",
        ] {
            assert_eq!(spreadsheet_text(hostile), format!("'{hostile}"));
            assert_eq!(
                Cell::Text(Cow::Borrowed(hostile)).for_csv(),
                format!("'{hostile}")
            );
        }
        for plain in ["Unit A", "KPPN Biak", "a=b", " =x", "'quoted", "", "2026"] {
            assert_eq!(spreadsheet_text(plain), plain);
        }
        assert_eq!(Cell::Number(-1.5).for_csv(), "-1.5");
        assert_eq!(Cell::Number(-0.000_1).for_csv(), "-0.0001");
    }
}
