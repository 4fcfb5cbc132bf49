//! Presenting results: a table for people (published precision, two decimals), JSON with full
//! precision for programs, CSV for spreadsheets (full precision). Which columns the table and
//! the CSV have, and how each number is written, is `columns`.

use std::fmt::Write as _;

use super::columns::{csv_records, people_table, Align};
use super::CampaignResults;
use crate::template::Lang;

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
    let table = people_table(&results.units, &c.dimensions, Lang::En);
    let rows: Vec<Vec<String>> = table
        .rows
        .into_iter()
        .map(|row| {
            row.into_iter()
                .map(|cell| cell.unwrap_or_else(|| "suppressed".to_owned()))
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
    out
}

fn csv(results: &CampaignResults) -> String {
    let mut writer = csv::Writer::from_writer(Vec::new());
    for record in csv_records(&results.units, &results.campaign.dimensions) {
        // Writing to a Vec cannot fail.
        let _ = writer.write_record(&record);
    }
    writer
        .into_inner()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_default()
}
