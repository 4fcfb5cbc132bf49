//! Presenting results: a table for people (published precision, two decimals), JSON with full
//! precision for programs, CSV and XLSX for spreadsheets (full precision). Which columns the
//! table, the CSV and the XLSX have, and how each number is written, is `columns`.

use std::fmt::Write as _;

use super::columns::{
    clipped_note, csv_records, people_table, spreadsheet_text, two_decimals, Align, GroupNames,
};
use super::trend::Trend;
use super::{CampaignResults, UnitResult};
use crate::template::Lang;

/// The formats of `kinerja results`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
    /// A workbook: binary, so it goes to a file.
    Xlsx,
}

/// The formats that are text (the series of `results trend` has no workbook).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum TextFormat {
    Table,
    Json,
    Csv,
}

impl Format {
    /// The same format as text, if it is one.
    pub fn text(self) -> Option<TextFormat> {
        match self {
            Format::Table => Some(TextFormat::Table),
            Format::Json => Some(TextFormat::Json),
            Format::Csv => Some(TextFormat::Csv),
            Format::Xlsx => None,
        }
    }
}

/// The results as a file's bytes: text formats in UTF-8; `lang` names the XLSX's sheets and
/// words its "About" sheet (the other formats have one language each).
pub fn export(
    results: &CampaignResults,
    format: Format,
    lang: Lang,
) -> Result<Vec<u8>, super::xlsx::XlsxError> {
    match format.text() {
        Some(text) => Ok(render(results, text).into_bytes()),
        None => super::xlsx::xlsx(results, lang),
    }
}

pub fn render(results: &CampaignResults, format: TextFormat) -> String {
    match format {
        TextFormat::Table => table(results),
        TextFormat::Json => {
            let mut text = serde_json::to_string_pretty(results)
                .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
            text.push('\n');
            text
        }
        TextFormat::Csv => csv(results),
    }
}

fn table(results: &CampaignResults) -> String {
    let c = &results.campaign;
    let mut out = String::new();
    let threshold = if c.min_responses > 1 {
        format!("; units with n < {} are suppressed", c.min_responses)
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "Campaign {} — {}, template {} v{}, {}; {}{threshold}",
        c.id,
        crate::campaign::title_with_period(&c.title, &c.period),
        c.template.id,
        c.template.version,
        c.status,
        crate::domain::count(c.responses, "response", "responses"),
    );
    if let Some(earlier) = c.compared_with {
        let _ = writeln!(
            out,
            "Change: since campaign {earlier} (Welch's t on respondents' overall scores)."
        );
    }
    let units = tree_order(&results.units);
    let table = people_table(
        &units,
        &c.dimensions,
        c.score_bounds(),
        Lang::En,
        GroupNames::Ids,
    );
    let rows: Vec<Vec<String>> = table
        .rows
        .into_iter()
        .zip(&table.withheld)
        .map(|(row, withheld)| {
            let note = match withheld {
                Some(super::Suppression::Complement) => "suppressed*",
                _ => "suppressed",
            };
            row.into_iter()
                .map(|cell| cell.unwrap_or_else(|| note.to_owned()))
                .collect()
        })
        .collect();
    let widths: Vec<usize> = (0..table.headers.len())
        .map(|col| {
            rows.iter()
                .map(|r| r[col].chars().count())
                .chain(std::iter::once(table.headers[col].chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| -> String {
        let mut text = String::new();
        for (col, cell) in cells.iter().enumerate() {
            let pad = " ".repeat(widths[col].saturating_sub(cell.chars().count()));
            if col > 0 {
                text.push_str("  ");
            }
            // Names read best left-aligned, figures right-aligned.
            match table.align[col] {
                Align::Left => {
                    text.push_str(cell);
                    text.push_str(&pad);
                }
                Align::Right => {
                    text.push_str(&pad);
                    text.push_str(cell);
                }
            }
        }
        text.trim_end().to_owned()
    };
    let _ = writeln!(out, "{}", line(&table.headers));
    for row in &rows {
        let _ = writeln!(out, "{}", line(row));
    }
    if units
        .iter()
        .any(|u| u.figures.suppressed_by == Some(super::Suppression::Complement))
    {
        let _ = writeln!(
            out,
            "suppressed*: enough responses, withheld so that no smaller group can be recovered by subtracting published figures."
        );
    }
    if table.clipped {
        let _ = writeln!(out, "{}.", clipped_note(Lang::En));
    }
    let owns: Vec<&UnitResult> = units.iter().copied().filter(|u| u.own.is_some()).collect();
    if !owns.is_empty() {
        let _ = writeln!(
            out,
            "Own responses of units that also have units below them:"
        );
        for unit in owns {
            if let Some(own) = &unit.own {
                let score = match own.score {
                    Some(score) if !own.suppressed => two_decimals(score, Lang::En),
                    _ => "suppressed".to_owned(),
                };
                let _ = writeln!(
                    out,
                    "  {} ({}): n {}, score {score}",
                    unit.name, unit.code, own.n
                );
            }
        }
    }
    if c.template.kind == "checklist" {
        let _ = writeln!(
            out,
            "Rank range: with one review per unit no two units can be told apart statistically, so every range spans all peers."
        );
    }
    out
}

/// Depth first from the roots, siblings by rank among them (unranked last), then code: the
/// table reads as the organisation's tree.
pub fn tree_order(units: &[UnitResult]) -> Vec<&UnitResult> {
    let codes: std::collections::HashSet<&str> = units.iter().map(|u| u.code.as_str()).collect();
    let mut children: std::collections::HashMap<Option<&str>, Vec<&UnitResult>> =
        std::collections::HashMap::new();
    for unit in units {
        // Rows filtered with --under or --level lose their parents: they start the tree.
        let parent = unit.parent_code.as_deref().filter(|p| codes.contains(p));
        children.entry(parent).or_default().push(unit);
    }
    for siblings in children.values_mut() {
        siblings.sort_by(|a, b| {
            (a.rank_in_parent.is_none(), a.rank_in_parent, &a.code).cmp(&(
                b.rank_in_parent.is_none(),
                b.rank_in_parent,
                &b.code,
            ))
        });
    }
    let mut ordered = Vec::with_capacity(units.len());
    let mut stack: Vec<&UnitResult> = children
        .get(&None)
        .into_iter()
        .flatten()
        .rev()
        .copied()
        .collect();
    while let Some(unit) = stack.pop() {
        ordered.push(unit);
        if let Some(below) = children.get(&Some(unit.code.as_str())) {
            stack.extend(below.iter().rev().copied());
        }
    }
    ordered
}

/// A unit's series over the periods, as a table, JSON or CSV.
pub fn render_trend(trend: &Trend, format: TextFormat) -> String {
    match format {
        TextFormat::Json => {
            let mut text = serde_json::to_string_pretty(trend)
                .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
            text.push('\n');
            text
        }
        TextFormat::Csv => {
            let mut writer = csv::Writer::from_writer(Vec::new());
            let _ = writer.write_record([
                "campaign",
                "period",
                "code",
                "name",
                "level",
                "n",
                "suppressed",
                "score",
                "rank",
                "rank_interval_low",
                "rank_interval_high",
            ]);
            let full = |x: Option<String>| x.unwrap_or_default();
            for row in &trend.rows {
                let _ = writer.write_record([
                    row.campaign.to_string(),
                    spreadsheet_text(&row.period).into_owned(),
                    spreadsheet_text(&row.code).into_owned(),
                    spreadsheet_text(&row.name).into_owned(),
                    row.level.to_string(),
                    row.n.to_string(),
                    row.suppressed.to_string(),
                    full(row.score.map(|s| s.to_string())),
                    full(row.rank.map(|r| r.to_string())),
                    full(row.rank_interval.map(|r| r[0].to_string())),
                    full(row.rank_interval.map(|r| r[1].to_string())),
                ]);
            }
            writer
                .into_inner()
                .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
                .unwrap_or_default()
        }
        TextFormat::Table => trend_table(trend),
    }
}

fn trend_table(trend: &Trend) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Template {}: score (rank among the unit's level) per period",
        trend.template
    );
    // Units in the order they first appear; one column per campaign.
    let mut units: Vec<(&str, &str, u32)> = Vec::new();
    for row in &trend.rows {
        if !units.iter().any(|(code, _, _)| *code == row.code) {
            units.push((&row.code, &row.name, row.level));
        }
    }
    let cell = |code: &str, campaign| {
        trend
            .rows
            .iter()
            .find(|r| r.code == code && r.campaign == campaign)
            .map(|r| match (r.score, r.rank) {
                (Some(score), Some(rank)) if !r.suppressed => {
                    format!("{} ({rank})", two_decimals(score, Lang::En))
                }
                _ => format!("n {}, suppressed", r.n),
            })
            .unwrap_or_else(|| "-".to_owned())
    };
    let mut headers = vec!["Unit".to_owned()];
    headers.extend(trend.campaigns.iter().map(|c| c.period.clone()));
    let mut rows: Vec<Vec<String>> = Vec::new();
    for (code, name, level) in &units {
        let mut row = vec![format!("{}{name} ({code})", "  ".repeat(*level as usize))];
        row.extend(trend.campaigns.iter().map(|c| cell(code, c.id)));
        rows.push(row);
    }
    let widths: Vec<usize> = (0..headers.len())
        .map(|col| {
            rows.iter()
                .map(|r| r[col].chars().count())
                .chain(std::iter::once(headers[col].chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in std::iter::once(&headers).chain(&rows) {
        let mut line = String::new();
        for (col, text) in row.iter().enumerate() {
            let pad = " ".repeat(widths[col].saturating_sub(text.chars().count()));
            if col == 0 {
                line.push_str(text);
                line.push_str(&pad);
            } else {
                line.push_str("  ");
                line.push_str(&pad);
                line.push_str(text);
            }
        }
        let _ = writeln!(out, "{}", line.trim_end());
    }
    // The sentence a ministry publishes, for a single unit.
    if let [(code, name, _)] = units.as_slice() {
        let series: Vec<String> = trend
            .campaigns
            .iter()
            .filter_map(|c| {
                let r = trend
                    .rows
                    .iter()
                    .find(|r| r.code == *code && r.campaign == c.id)?;
                Some(match (r.score, r.rank) {
                    (Some(score), Some(rank)) if !r.suppressed => {
                        format!("{} ({rank}) {}", two_decimals(score, Lang::En), c.period)
                    }
                    _ => format!("suppressed {}", c.period),
                })
            })
            .collect();
        let _ = writeln!(out, "{name}: {}", series.join(", "));
    }
    out
}

fn csv(results: &CampaignResults) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let units: Vec<&UnitResult> = results.units.iter().collect();
    for record in csv_records(&units, &results.campaign.dimensions) {
        // Writing to a Vec cannot fail.
        let _ = writer.write_record(&record);
    }
    writer
        .into_inner()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default()
}
