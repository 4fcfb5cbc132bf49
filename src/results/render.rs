//! Presenting results: a table for people (published precision, two decimals), JSON with full
//! precision for programs, CSV for spreadsheets (full precision).

use std::fmt::Write as _;

use super::{CampaignResults, UnitResult};
use crate::stats::round_half_away;

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

pub fn render(results: &CampaignResults, format: Format) -> String {
    match format {
        Format::Table => table(results),
        Format::Json => {
            let mut text = serde_json::to_string_pretty(results)
                .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
            text.push('\n');
            text
        }
        Format::Csv => csv(results),
    }
}

fn two_decimals(x: f64) -> String {
    format!("{:.2}", round_half_away(x, 2))
}

fn opt2(x: Option<f64>) -> String {
    x.map(two_decimals).unwrap_or_else(|| "-".to_owned())
}

fn full(x: Option<f64>) -> String {
    x.map(|v| v.to_string()).unwrap_or_default()
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
        "Campaign {} — {} ({}), template {} v{}, {}; {} responses{threshold}",
        c.id, c.title, c.period, c.template.id, c.template.version, c.status, c.responses,
    );
    let mut header = vec![
        "Rank".to_owned(),
        "Unit".to_owned(),
        "n".to_owned(),
        "Score".to_owned(),
        "95% CI".to_owned(),
    ];
    header.extend(c.dimensions.iter().map(|d| d.id.clone()));
    let rows: Vec<Vec<String>> = results
        .units
        .iter()
        .map(|u| table_row(u, c.dimensions.len()))
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|col| {
            rows.iter()
                .map(|r| r[col].chars().count())
                .chain(std::iter::once(header[col].chars().count()))
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| -> String {
        let mut text = String::new();
        for (col, cell) in cells.iter().enumerate() {
            let pad = widths[col].saturating_sub(cell.chars().count());
            if col > 0 {
                text.push_str("  ");
            }
            // The unit name reads best left-aligned, figures right-aligned.
            if col == 1 {
                text.push_str(cell);
                text.push_str(&" ".repeat(pad));
            } else {
                text.push_str(&" ".repeat(pad));
                text.push_str(cell);
            }
        }
        text.trim_end().to_owned()
    };
    let _ = writeln!(out, "{}", line(&header));
    for row in &rows {
        let _ = writeln!(out, "{}", line(row));
    }
    out
}

fn table_row(unit: &UnitResult, dimensions: usize) -> Vec<String> {
    let label = format!("{} ({})", unit.name, unit.code);
    if unit.suppressed {
        let mut row = vec![
            "-".to_owned(),
            label,
            unit.n.to_string(),
            "suppressed".to_owned(),
            String::new(),
        ];
        row.extend(std::iter::repeat_n(String::new(), dimensions));
        return row;
    }
    let ci = unit
        .ci95
        .map(|[lo, hi]| format!("{}–{}", two_decimals(lo), two_decimals(hi)))
        .unwrap_or_else(|| "-".to_owned());
    let mut row = vec![
        unit.rank
            .map(|r| r.to_string())
            .unwrap_or_else(|| "-".to_owned()),
        label,
        unit.n.to_string(),
        opt2(unit.score),
        ci,
    ];
    row.extend(unit.dimensions.iter().map(|d| opt2(d.mean)));
    row
}

fn csv(results: &CampaignResults) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let mut header: Vec<String> = [
        "rank",
        "code",
        "name",
        "parent_code",
        "n",
        "suppressed",
        "score",
        "sd",
        "ci95_low",
        "ci95_high",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    for d in &results.campaign.dimensions {
        for field in ["n", "mean", "sd", "ci95_low", "ci95_high", "alpha"] {
            header.push(format!("{}_{}", d.id, field));
        }
    }
    let dimension_count = results.campaign.dimensions.len();
    let mut records = vec![header];
    for u in &results.units {
        let mut record = vec![
            u.rank.map(|r| r.to_string()).unwrap_or_default(),
            u.code.clone(),
            u.name.clone(),
            u.parent_code.clone().unwrap_or_default(),
            u.n.to_string(),
            u.suppressed.to_string(),
            full(u.score),
            full(u.sd),
            full(u.ci95.map(|c| c[0])),
            full(u.ci95.map(|c| c[1])),
        ];
        if u.dimensions.is_empty() {
            record.extend(std::iter::repeat_n(String::new(), dimension_count * 6));
        }
        for d in &u.dimensions {
            record.extend([
                d.n.to_string(),
                full(d.mean),
                full(d.sd),
                full(d.ci95.map(|c| c[0])),
                full(d.ci95.map(|c| c[1])),
                full(d.alpha),
            ]);
        }
        records.push(record);
    }
    for record in &records {
        // Writing to a Vec cannot fail.
        let _ = writer.write_record(record);
    }
    writer
        .into_inner()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default()
}
