//! `responses import`: a CSV with header `unit,<item id>...`, one respondent (or review) per
//! line. Paper and offline answers enter here, so it streams: each line is validated and
//! packed to one byte per item, and only a fully valid file is handed to storage.

use crate::db::CampaignId;
use std::io::Read;

use super::{
    check_cells, csv_issue, csv_reader, header_is, quoted, record_line, InputIssues, UnitDirectory,
};
use crate::db::responses::NewResponse;
use crate::results::Scorer;
use crate::template::answers::NOT_ANSWERED;
use crate::template::{AnswerCodec, Template};

/// Reads and validates every line; on success, the responses ready to store.
pub fn read_responses_csv(
    file: &str,
    reader: impl Read,
    template: &Template,
    units: &UnitDirectory,
) -> Result<Vec<NewResponse>, InputIssues> {
    let mut issues = InputIssues::new(file);
    let codec = AnswerCodec::new(template);
    let scorer = Scorer::new(template);
    let mut csv = csv_reader(reader);
    let header = match csv.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            csv_issue(&mut issues, &e);
            return Err(issues);
        }
    };
    let header_names: Vec<String> = header.iter().map(|c| c.trim().to_owned()).collect();
    let columns = match map_columns(&header, &codec, &mut issues) {
        Some(c) if issues.is_empty() => c,
        _ => return Err(issues),
    };
    let mut rows = Vec::new();
    let mut record = csv::StringRecord::new();
    let mut group_scores = vec![None; scorer.group_count()];
    loop {
        match csv.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                csv_issue(&mut issues, &e);
                // A broken quote can swallow the rest of the file; stop at the first.
                if !matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. }) {
                    break;
                }
                continue;
            }
        }
        let line = record_line(&record);
        if !check_cells(&record, &header_names, line, &mut issues) {
            continue;
        }
        let unit_code = record.get(0).unwrap_or("").trim();
        let unit_id = match units.in_campaign.get(unit_code) {
            Some(id) => Some(*id),
            None => {
                let reason = if unit_code.is_empty() {
                    "is empty".to_owned()
                } else if units.known.contains(unit_code) {
                    format!(
                        "unit {} is not in campaign {}",
                        quoted(unit_code),
                        units.campaign_id
                    )
                } else {
                    format!("unknown unit {}", quoted(unit_code))
                };
                issues.add(line, Some("unit"), reason);
                None
            }
        };
        let mut answers = vec![NOT_ANSWERED; codec.item_count()];
        let mut valid = true;
        for (at, item) in columns.iter().enumerate() {
            let raw = record.get(at + 1).unwrap_or("");
            match codec.encode(*item, raw) {
                Ok(code) => answers[*item] = code,
                Err(e) => {
                    issues.add(line, Some(codec.item_id(*item)), e.to_string());
                    valid = false;
                }
            }
        }
        if valid && scorer.score_into(&answers, &mut group_scores).is_none() {
            issues.add(
                line,
                None,
                "nothing to score: every answer is empty or not applicable",
            );
            valid = false;
        }
        if let (Some(unit_id), true, true) = (unit_id, valid, issues.is_empty()) {
            rows.push(NewResponse { unit_id, answers });
        }
    }
    issues.into_result().map(|()| rows)
}

/// The item a header cell names: its exact id, else the one item whose id it matches in
/// another case (`Q1` for `q1`). Ids may differ only in case, and then only the exact one
/// counts.
fn item_column(codec: &AnswerCodec, name: &str) -> Option<usize> {
    codec.index_of(name).or_else(|| {
        let mut same = (0..codec.item_count()).filter(|&i| header_is(name, codec.item_id(i)));
        match (same.next(), same.next()) {
            (Some(index), None) => Some(index),
            _ => None,
        }
    })
}

/// Maps each column after `unit` to its item index, reporting unknown, repeated and missing
/// required columns on line 1.
fn map_columns(
    header: &csv::StringRecord,
    codec: &AnswerCodec,
    issues: &mut InputIssues,
) -> Option<Vec<usize>> {
    let names: Vec<&str> = header.iter().map(str::trim).collect();
    if !names.first().is_some_and(|first| header_is(first, "unit")) {
        issues.add(1, names.first().copied(), "the first column must be 'unit'");
        return None;
    }
    let mut columns = Vec::with_capacity(names.len() - 1);
    let mut seen = vec![false; codec.item_count()];
    for name in &names[1..] {
        match item_column(codec, name) {
            Some(index) if seen[index] => issues.add(1, Some(name), "column appears twice"),
            Some(index) => {
                seen[index] = true;
                columns.push(index);
            }
            None => issues.add(
                1,
                Some(name),
                "unknown column: not an item of this template",
            ),
        }
    }
    for (index, present) in seen.iter().enumerate() {
        if !present && !codec.is_optional(index) {
            issues.add(
                1,
                None,
                format!(
                    "missing column for required item '{}'",
                    codec.item_id(index)
                ),
            );
        }
    }
    Some(columns)
}

/// Imports a response file into an open campaign, in one transaction: every line is stored, or
/// none when any line is wrong. A file whose SHA-256 was already imported into the campaign is
/// refused unless `allow_duplicate`. Returns the number of responses stored.
pub fn import_responses(
    conn: &mut crate::db::DbConn,
    campaign_id: CampaignId,
    file: &str,
    reader: impl Read,
    allow_duplicate: bool,
) -> Result<usize, super::ImportError> {
    import_responses_then(conn, campaign_id, file, reader, allow_duplicate, |_, _| {
        Ok(())
    })
}

/// [`import_responses`], running `then` with the number stored in the same transaction (the
/// console and the API record the audit line there).
pub fn import_responses_then(
    conn: &mut crate::db::DbConn,
    campaign_id: CampaignId,
    file: &str,
    reader: impl Read,
    allow_duplicate: bool,
    then: impl FnOnce(&mut crate::db::DbConn, usize) -> Result<(), crate::db::DbError>,
) -> Result<usize, super::ImportError> {
    let (_, template) = crate::campaign::accepting_responses(conn, campaign_id)?;
    let directory = UnitDirectory::load(conn, campaign_id)?;
    let mut hashing = super::HashingReader::new(reader);
    let rows = read_responses_csv(file, &mut hashing, &template, &directory)?;
    let sha256 = hashing.finish().map_err(|e| {
        let mut issues = super::InputIssues::new(file);
        issues.add(0, None, format!("cannot be read: {e}"));
        issues
    })?;
    let today = chrono::Utc::now().date_naive();
    crate::db::write_tx(conn, |conn| {
        // The campaign may have been closed while the file was being read.
        crate::campaign::accepting_responses(conn, campaign_id)?;
        if !allow_duplicate {
            if let Some(at) = crate::db::responses::imported_at(conn, campaign_id, &sha256)? {
                return Err(super::ImportError::AlreadyImported {
                    file: file.to_owned(),
                    campaign: campaign_id,
                    sha256_prefix: sha256[..12].to_owned(),
                    at: at.format("%Y-%m-%d %H:%M").to_string(),
                });
            }
        }
        let stored = crate::db::responses::insert_all(conn, campaign_id, today, &rows)?;
        crate::db::responses::record_import(conn, campaign_id, &sha256, file, stored)?;
        then(conn, stored)?;
        Ok(stored)
    })
}
