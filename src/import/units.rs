//! `units import`: a CSV with header `code,name,parent_code` (empty parent = root) and an
//! optional `head_email` (who receives the unit's result summary) that builds or updates the
//! unit tree.

use crate::db::UnitId;
use crate::domain::EmailAddress;
use std::collections::{HashMap, HashSet};
use std::io::Read;

use super::{
    check_cells, check_length, csv_issue, open_checked, record_line, InputIssues, MAX_CODE_CHARS,
    MAX_NAME_CHARS,
};
use crate::db::units::{Unit, UnitSpec};

const COLUMNS: [&str; 3] = ["code", "name", "parent_code"];

/// A unit row and the line it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitRow {
    pub line: u64,
    pub spec: UnitSpec,
}

/// Reads the unit rows, checking the header and each cell. A bad header fails at once; problems
/// in cells come back beside the rows, so the tree check can add its own to the same report.
pub fn read_units_csv(
    file: &str,
    reader: impl Read,
) -> Result<(Vec<UnitRow>, InputIssues), InputIssues> {
    let mut issues = InputIssues::new(file);
    let Some(mut csv) = open_checked(reader, &COLUMNS, &["head_email"], &mut issues) else {
        return Err(issues);
    };
    let head_at = csv.at("head_email");
    let position = |name: &str| csv.at(name).unwrap_or(0);
    let (code_at, name_at, parent_at) =
        (position("code"), position("name"), position("parent_code"));
    let mut rows = Vec::new();
    for record in csv.reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                csv_issue(&mut issues, &e);
                continue;
            }
        };
        let line = record_line(&record);
        if !check_cells(&record, &csv.columns, line, &mut issues) {
            continue;
        }
        let cell = |at: usize| record.get(at).unwrap_or("").trim().to_owned();
        let (code, name, parent) = (cell(code_at), cell(name_at), cell(parent_at));
        if code.is_empty() {
            issues.add(line, Some("code"), "is empty");
        }
        if name.is_empty() {
            issues.add(line, Some("name"), "is empty");
        }
        let fits = check_length(&code, MAX_CODE_CHARS, line, "code", &mut issues)
            & check_length(&name, MAX_NAME_CHARS, line, "name", &mut issues)
            & check_length(&parent, MAX_CODE_CHARS, line, "parent_code", &mut issues);
        if !fits {
            continue;
        }
        // An empty cell means "no head"; anything else must be an address the sender takes.
        let head_email = head_at.map(|at| {
            let text = cell(at);
            if text.is_empty() {
                return None;
            }
            EmailAddress::parse(&text)
                .map_err(|e| issues.add(line, Some("head_email"), e.to_string()))
                .ok()
                .map(|a| a.to_string())
        });
        rows.push(UnitRow {
            line,
            spec: UnitSpec {
                code,
                name,
                parent_code: (!parent.is_empty()).then_some(parent),
                head_email,
            },
        });
    }
    Ok((rows, issues))
}

/// Checks that the rows, merged into the existing tree, still form a tree: no duplicate code in
/// the file, every parent known (in the file or already stored), no cycle.
pub fn check_tree(existing: &[Unit], rows: &[UnitRow], issues: &mut InputIssues) {
    let code_of: HashMap<UnitId, &str> = existing.iter().map(|u| (u.id, u.code.as_str())).collect();
    let mut parent_of: HashMap<&str, Option<&str>> = existing
        .iter()
        .map(|u| {
            (
                u.code.as_str(),
                u.parent_id.and_then(|p| code_of.get(&p).copied()),
            )
        })
        .collect();
    let mut first_line: HashMap<&str, u64> = HashMap::new();
    for row in rows {
        let code = row.spec.code.as_str();
        if let Some(first) = first_line.get(code) {
            issues.add(
                row.line,
                Some("code"),
                format!("duplicate code '{code}' (first on line {first})"),
            );
            continue;
        }
        first_line.insert(code, row.line);
        parent_of.insert(code, row.spec.parent_code.as_deref());
    }
    for row in rows {
        let code = row.spec.code.as_str();
        if first_line.get(code) != Some(&row.line) {
            continue;
        }
        match row.spec.parent_code.as_deref() {
            Some(parent) if !parent_of.contains_key(parent) => {
                issues.add(
                    row.line,
                    Some("parent_code"),
                    format!("unknown parent unit '{parent}'"),
                );
            }
            Some(parent) if parent == code => {
                issues.add(
                    row.line,
                    Some("parent_code"),
                    format!("unit '{code}' cannot be its own parent"),
                );
            }
            Some(_) => {
                if let Some(path) = cycle_through(code, &parent_of) {
                    issues.add(
                        row.line,
                        Some("parent_code"),
                        format!("creates a cycle: {path}"),
                    );
                }
            }
            None => {}
        }
    }
}

/// The cycle `code` sits on, written as "A -> B -> A", if walking up from it returns to it.
fn cycle_through(code: &str, parent_of: &HashMap<&str, Option<&str>>) -> Option<String> {
    let mut path = vec![code];
    let mut seen = HashSet::from([code]);
    let mut current = code;
    while let Some(Some(parent)) = parent_of.get(current) {
        path.push(parent);
        if *parent == code {
            return Some(path.join(" -> "));
        }
        if !seen.insert(parent) {
            // A cycle above this unit, reported on the line of a unit that is on it.
            return None;
        }
        current = parent;
    }
    None
}

/// Imports a unit file: all of it, or nothing when any line is wrong.
pub fn import_units(
    conn: &mut crate::db::DbConn,
    file: &str,
    reader: impl Read,
) -> Result<crate::db::units::UpsertCounts, super::ImportError> {
    import_units_then(conn, file, reader, |_, _| Ok(()))
}

/// [`import_units`], running `then` in the same transaction once the units are stored (the
/// console and the API record the audit line there).
pub fn import_units_then(
    conn: &mut crate::db::DbConn,
    file: &str,
    reader: impl Read,
    then: impl FnOnce(
        &mut crate::db::DbConn,
        &crate::db::units::UpsertCounts,
    ) -> Result<(), crate::db::DbError>,
) -> Result<crate::db::units::UpsertCounts, super::ImportError> {
    let (rows, mut issues) = read_units_csv(file, reader)?;
    crate::db::write_tx(conn, |conn| {
        let existing = crate::db::units::all(conn)?;
        check_tree(&existing, &rows, &mut issues);
        issues.into_result()?;
        let specs: Vec<UnitSpec> = rows.into_iter().map(|r| r.spec).collect();
        let counts = crate::db::units::upsert_all(conn, &specs)?;
        then(conn, &counts)?;
        Ok(counts)
    })
}
