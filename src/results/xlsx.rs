//! The results as an Excel workbook: a ranking sheet (one row per unit, in tree order, with the
//! CSV's unit columns), one sheet per dimension or section, and an "About" sheet.
//!
//! Cells are typed: figures are numbers at full precision shown with two decimals, counts and
//! ranks are numbers shown as integers, flags are booleans, a figure that does not exist (or is
//! withheld) is an empty cell. Text is always a string cell, never a formula, so a unit named
//! `=HYPERLINK(...)` stays those characters; such a cell also carries Excel's quote prefix, so
//! that editing it in Excel keeps it text.

use std::collections::HashSet;

use rust_xlsxwriter::{Format as CellFormat, Workbook, Worksheet, XlsxError as WriterError};

use super::columns::{
    group_cells, group_headers, spreadsheet_text, unit_cells, unit_headers, Cell, UnitPart,
};
use super::{tree_order, CampaignResults};
use crate::domain::Lang;

#[derive(Debug, thiserror::Error)]
pub enum XlsxError {
    /// The workbook could not be built (e.g. a text over Excel's 32,767 characters).
    #[error("writing the XLSX workbook: {0}")]
    Workbook(#[from] WriterError),
}

/// Excel's limit on a sheet name, in UTF-16 code units.
const SHEET_NAME_MAX: usize = 31;

/// The styles of the workbook's cells.
struct Styles {
    header: CellFormat,
    number: CellFormat,
    integer: CellFormat,
    quoted: CellFormat,
}

impl Styles {
    fn new() -> Styles {
        Styles {
            header: CellFormat::new().set_bold(),
            number: CellFormat::new().set_num_format("0.00"),
            integer: CellFormat::new().set_num_format("0"),
            quoted: CellFormat::new().set_quote_prefix(),
        }
    }
}

/// The workbook's bytes.
pub fn xlsx(results: &CampaignResults, lang: Lang) -> Result<Vec<u8>, XlsxError> {
    let styles = Styles::new();
    let units = tree_order(&results.units);
    let mut workbook = Workbook::new();
    let mut taken = HashSet::new();

    let ranking = workbook.add_worksheet();
    let name = sheet_name(
        match lang {
            Lang::Id => "Peringkat",
            Lang::En => "Ranking",
        },
        &mut taken,
    );
    ranking.set_name(name)?;
    let rows: Vec<Vec<Cell<'_>>> = units.iter().map(|u| unit_cells(u, UnitPart::All)).collect();
    write_table(ranking, &unit_headers(UnitPart::All), &rows, &styles)?;

    // Reserved before the dimensions take theirs, so that a dimension called "about" is the
    // one renamed.
    let about_name = sheet_name(
        match lang {
            Lang::Id => "Tentang",
            Lang::En => "About",
        },
        &mut taken,
    );
    let mut group_sheets = Vec::with_capacity(results.campaign.dimensions.len());
    for (g, group) in results.campaign.dimensions.iter().enumerate() {
        let sheet = workbook.add_worksheet();
        let name = sheet_name(&group.id, &mut taken);
        sheet.set_name(&name)?;
        let mut headers = unit_headers(UnitPart::Identity);
        headers.extend(group_headers(""));
        let rows: Vec<Vec<Cell<'_>>> = units
            .iter()
            .map(|u| {
                let mut cells = unit_cells(u, UnitPart::Identity);
                cells.extend(group_cells(u, g));
                cells
            })
            .collect();
        write_table(sheet, &headers, &rows, &styles)?;
        group_sheets.push(name);
    }

    let about = workbook.add_worksheet();
    about.set_name(about_name)?;
    write_about(about, results, &group_sheets, lang, &styles)?;
    Ok(workbook.save_to_buffer()?)
}

/// A header row (bold, frozen) and the rows under it, each column as wide as what it shows.
fn write_table(
    sheet: &mut Worksheet,
    headers: &[String],
    rows: &[Vec<Cell<'_>>],
    styles: &Styles,
) -> Result<(), XlsxError> {
    for (col, header) in headers.iter().enumerate() {
        sheet.write_string_with_format(0, column(col), header, &styles.header)?;
    }
    for (r, cells) in rows.iter().enumerate() {
        let row = u32::try_from(r + 1).map_err(|_| WriterError::RowColumnLimitError)?;
        for (col, cell) in cells.iter().enumerate() {
            write_cell(sheet, row, column(col), cell, styles)?;
        }
    }
    sheet.set_freeze_panes(1, 0)?;
    // The writer's autofit measures a number's full precision (19 digits); people see two
    // decimals, so the widths are measured here as shown.
    for (col, header) in headers.iter().enumerate() {
        let widest = rows
            .iter()
            .filter_map(|cells| cells.get(col))
            .map(shown_width)
            .chain(std::iter::once(header.chars().count() + 1))
            .max()
            .unwrap_or(0);
        sheet.set_column_width(column(col), (widest.min(60) + 2) as f64)?;
    }
    Ok(())
}

/// About how many characters a cell shows.
fn shown_width(cell: &Cell<'_>) -> usize {
    match cell {
        Cell::Text(text) => text.chars().count(),
        Cell::Integer(n) => n.to_string().len(),
        Cell::Number(x) => format!("{x:.2}").len(),
        Cell::Flag(_) => "FALSE".len(),
        Cell::Empty => 0,
    }
}

fn write_cell(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    cell: &Cell<'_>,
    styles: &Styles,
) -> Result<(), XlsxError> {
    match cell {
        Cell::Text(text) => write_text(sheet, row, col, text, styles)?,
        Cell::Integer(n) => {
            // Counts and ranks are far below 2^53: exact as f64, Excel's only number type.
            sheet.write_number_with_format(row, col, *n as f64, &styles.integer)?;
        }
        Cell::Number(x) => {
            sheet.write_number_with_format(row, col, *x, &styles.number)?;
        }
        Cell::Flag(flag) => {
            sheet.write_boolean(row, col, *flag)?;
        }
        Cell::Empty => {}
    }
    Ok(())
}

/// A string cell; one a spreadsheet would take for a formula if typed (the CSV's rule) also
/// gets the quote prefix, its characters unchanged.
fn write_text(
    sheet: &mut Worksheet,
    row: u32,
    col: u16,
    text: &str,
    styles: &Styles,
) -> Result<(), XlsxError> {
    if text.is_empty() {
        return Ok(());
    }
    if spreadsheet_text(text) != text {
        sheet.write_string_with_format(row, col, text, &styles.quoted)?;
    } else {
        sheet.write_string(row, col, text)?;
    }
    Ok(())
}

/// Column indexes are u16 in the writer; the sheets have a few dozen columns at most.
fn column(index: usize) -> u16 {
    u16::try_from(index).unwrap_or(u16::MAX)
}

/// The campaign, the template, the threshold and what a blank figure means.
fn write_about(
    sheet: &mut Worksheet,
    results: &CampaignResults,
    group_sheets: &[String],
    lang: Lang,
    styles: &Styles,
) -> Result<(), XlsxError> {
    let c = &results.campaign;
    let words = |id: &'static str, en: &'static str| match lang {
        Lang::Id => id,
        Lang::En => en,
    };
    let threshold = match lang {
        Lang::Id => format!(
            "threshold: kurang dari {} respons; hanya n yang ditampilkan",
            c.min_responses
        ),
        Lang::En => format!(
            "threshold: fewer than {} responses; only n is shown",
            c.min_responses
        ),
    };
    let complement = words(
        "complement: respons cukup, tetapi ditahan agar tidak ada kelompok lebih kecil yang dapat dihitung dengan mengurangkan angka yang diterbitkan",
        "complement: enough responses, withheld so that no smaller group can be recovered by subtracting published figures",
    );
    let template = format!(
        "{} v{}: {}",
        c.template.id,
        c.template.version,
        c.template.title.get(lang)
    );
    let rows: Vec<(&str, Cell<'_>)> = vec![
        (
            words("Kampanye", "Campaign"),
            Cell::Integer(u64::try_from(c.id.0).unwrap_or(0)),
        ),
        (words("Judul", "Title"), Cell::Text(c.title.as_str().into())),
        (
            words("Periode", "Period"),
            Cell::Text(c.period.as_str().into()),
        ),
        (words("Templat", "Template"), Cell::Text(template.into())),
        (words("Status", "Status"), Cell::Text(c.status.into())),
        (words("Respons", "Responses"), Cell::Integer(c.responses)),
        (
            "min_responses",
            Cell::Integer(u64::try_from(c.min_responses).unwrap_or(0)),
        ),
        (
            "compared_with",
            c.compared_with.map_or(Cell::Empty, |id| {
                Cell::Integer(u64::try_from(id.0).unwrap_or(0))
            }),
        ),
        (
            "suppressed",
            Cell::Text(
                words(
                    "ya: angka unit ditahan, hanya n yang ditampilkan (sel kosong)",
                    "true: the unit's figures are withheld, only n is shown (empty cells)",
                )
                .into(),
            ),
        ),
        ("suppressed_by", Cell::Text(threshold.into())),
        ("", Cell::Text(complement.into())),
        (
            words("Angka", "Figures"),
            Cell::Text(
                words(
                    "presisi penuh; sel menampilkan dua desimal",
                    "full precision; cells show two decimals",
                )
                .into(),
            ),
        ),
    ];
    let mut r = 0u32;
    for (label, cell) in &rows {
        write_text(sheet, r, 0, label, styles)?;
        write_cell(sheet, r, 1, cell, styles)?;
        r += 1;
    }
    // Which sheet holds which dimension: a sheet's name is the group's id made valid.
    r += 1;
    sheet.write_string_with_format(r, 0, words("Lembar", "Sheet"), &styles.header)?;
    sheet.write_string_with_format(r, 1, words("Dimensi", "Dimension"), &styles.header)?;
    sheet.write_string_with_format(r, 2, words("Bobot", "Weight"), &styles.header)?;
    for (group, sheet_name) in c.dimensions.iter().zip(group_sheets) {
        r += 1;
        write_text(sheet, r, 0, sheet_name, styles)?;
        write_text(sheet, r, 1, group.title.get(lang), styles)?;
        sheet.write_number(r, 2, group.weight)?;
    }
    sheet.set_column_width(0, 16)?;
    sheet.set_column_width(1, 60)?;
    Ok(())
}

/// A valid sheet name, unique in the workbook: Excel forbids `* ? : [ ] \ /`, an apostrophe
/// at either end, more than 31 characters (UTF-16 units), and names that differ only in case;
/// "History" is its own. Template ids are plain, but the workbook must open whatever they hold.
pub fn sheet_name(wanted: &str, taken: &mut HashSet<String>) -> String {
    let clean: String = wanted
        .chars()
        .map(|c| {
            if matches!(c, '*' | '?' | ':' | '[' | ']' | '\\' | '/') || c.is_control() {
                '_'
            } else {
                c
            }
        })
        .collect();
    let mut k = 1usize;
    loop {
        let suffix = if k == 1 {
            String::new()
        } else {
            format!(" ({k})")
        };
        let mut name = String::new();
        let mut units = 0;
        for ch in clean.trim_matches('\'').chars() {
            if units + ch.len_utf16() + suffix.len() > SHEET_NAME_MAX {
                break;
            }
            units += ch.len_utf16();
            name.push(ch);
        }
        let mut name = name.trim_end_matches('\'').to_owned();
        if name.trim().is_empty() {
            name = "_".to_owned();
        }
        name.push_str(&suffix);
        let key = name.to_lowercase();
        if key != "history" && !taken.contains(&key) {
            taken.insert(key);
            return name;
        }
        k += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_and_unique_whatever_the_ids() {
        let mut taken = HashSet::new();
        assert_eq!(sheet_name("Ranking", &mut taken), "Ranking");
        assert_eq!(sheet_name("ranking", &mut taken), "ranking (2)");
        assert_eq!(sheet_name("a/b:c*d?[e]\\f", &mut taken), "a_b_c_d__e__f");
        assert_eq!(sheet_name("'quoted'", &mut taken), "quoted");
        assert_eq!(sheet_name("''", &mut taken), "_");
        assert_eq!(sheet_name("History", &mut taken), "History (2)");
        let long = "kepuasan-layanan-perbendaharaan-negara";
        let first = sheet_name(long, &mut taken);
        assert_eq!(first, "kepuasan-layanan-perbendaharaan");
        assert_eq!(first.len(), 31);
        let second = sheet_name(long, &mut taken);
        assert_eq!(second, "kepuasan-layanan-perbendaha (2)");
        assert_eq!(second.len(), 31);
        // 16 two-unit characters would be 32 UTF-16 units.
        let wide = "😀".repeat(16);
        let name = sheet_name(&wide, &mut taken);
        assert_eq!(name.encode_utf16().count(), 30);
        for name in &taken {
            assert!(
                !name.contains(['*', '?', ':', '[', ']', '\\', '/']),
                "{name}"
            );
        }
    }
}
