//! Reading organizer files (unit trees, response sheets) into validated domain values. Every
//! problem is reported with its line and column; nothing is stored unless the whole file is valid.

pub mod invitations;
pub mod responses;
pub mod units;

use crate::db::{CampaignId, UnitId};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::io::Read;

/// How many problems are listed before the rest are only counted: enough to fix a file, not
/// a million lines of noise.
const MAX_LISTED: usize = 50;

/// The longest cell any organizer file may hold. Every real cell (a name, an address, an
/// answer) is far shorter; a longer one is a broken file or an attack, and must not reach the
/// database or be echoed back whole.
pub const MAX_CELL_BYTES: usize = 10 * 1024;
/// Unit and person names, in characters: longer ones break every table and email.
pub const MAX_NAME_CHARS: usize = 200;
/// Unit codes, in characters.
pub const MAX_CODE_CHARS: usize = 64;
pub use crate::domain::quoted;

/// Checks every cell of a record against what no organizer file holds: a NUL character
/// (PostgreSQL refuses it in text, SQLite would store it and cut it later) or a cell over
/// [`MAX_CELL_BYTES`]. False (with the problems added) when the record must be skipped.
fn check_cells(
    record: &csv::StringRecord,
    columns: &[String],
    line: u64,
    issues: &mut InputIssues,
) -> bool {
    let mut fine = true;
    for (at, cell) in record.iter().enumerate() {
        let column = columns.get(at).map(String::as_str);
        if cell.contains('\0') {
            issues.add(line, column, "contains a NUL character");
            fine = false;
        } else if cell.len() > MAX_CELL_BYTES {
            issues.add(
                line,
                column,
                format!(
                    "is {} KB long; a cell holds at most {} KB",
                    cell.len().div_ceil(1024),
                    MAX_CELL_BYTES / 1024
                ),
            );
            fine = false;
        }
    }
    fine
}

/// Adds a problem when a trimmed name or code is longer than `max` characters.
fn check_length(
    value: &str,
    max: usize,
    line: u64,
    column: &str,
    issues: &mut InputIssues,
) -> bool {
    let length = value.chars().count();
    if length > max {
        issues.add(
            line,
            Some(column),
            format!("is {length} characters long; at most {max}"),
        );
        return false;
    }
    true
}

/// One problem in an input file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputIssue {
    /// 1-based line in the file; the header is line 1.
    pub line: u64,
    /// The column (header name) concerned, if any.
    pub column: Option<String>,
    pub message: String,
}

impl fmt::Display for InputIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(column) => write!(
                f,
                "line {}, column '{}': {}",
                self.line, column, self.message
            ),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// Every problem found in one file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct InputIssues {
    pub file: String,
    pub issues: Vec<InputIssue>,
    /// Problems found beyond the listed ones.
    pub unlisted: usize,
}

impl InputIssues {
    pub fn new(file: &str) -> InputIssues {
        InputIssues {
            file: file.to_owned(),
            ..InputIssues::default()
        }
    }

    pub fn add(&mut self, line: u64, column: Option<&str>, message: impl Into<String>) {
        if self.issues.len() < MAX_LISTED {
            self.issues.push(InputIssue {
                line,
                column: column.map(str::to_owned),
                message: message.into(),
            });
        } else {
            self.unlisted += 1;
        }
    }

    pub fn is_empty(&self) -> bool {
        self.issues.is_empty()
    }

    pub fn total(&self) -> usize {
        self.issues.len() + self.unlisted
    }

    /// `Err(self)` when anything was found, problems in line order.
    pub fn into_result(mut self) -> Result<(), InputIssues> {
        if self.is_empty() {
            Ok(())
        } else {
            self.issues.sort_by_key(|issue| issue.line);
            Err(self)
        }
    }
}

impl fmt::Display for InputIssues {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, issue) in self.issues.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{}: {}", self.file, issue)?;
        }
        if self.unlisted > 0 {
            write!(
                f,
                "\n{}: ... and {} more problems",
                self.file, self.unlisted
            )?;
        }
        write!(
            f,
            "\n{}: {} problem{} found; nothing was stored",
            self.file,
            self.total(),
            if self.total() == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for InputIssues {}

#[cfg(test)]
mod tests {
    #[test]
    fn the_header_line_decides_the_delimiter() {
        assert_eq!(super::detect_delimiter(b"unit,a,b\nX;1;2"), b',');
        assert_eq!(super::detect_delimiter(b"unit;a;b\r\nX;1;2"), b';');
        assert_eq!(super::detect_delimiter(b"unit\ta\tb"), b'\t');
        assert_eq!(super::detect_delimiter(b"code,name,parent_code"), b',');
        assert_eq!(super::detect_delimiter(b""), b',');
    }
}

/// A CSV reader for an organizer's file. Spreadsheets in Indonesian (and many other) locales
/// save "CSV" with semicolons, because the comma is their decimal mark; the header line decides.
pub(crate) fn csv_reader<R: std::io::Read>(reader: R) -> csv::Reader<std::io::BufReader<R>> {
    use std::io::BufRead as _;
    let mut buffered = std::io::BufReader::with_capacity(1 << 16, reader);
    let delimiter = buffered.fill_buf().map(detect_delimiter).unwrap_or(b',');
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(false)
        .from_reader(buffered)
}

/// The most frequent of comma, semicolon and tab on the first line (comma on a tie).
fn detect_delimiter(head: &[u8]) -> u8 {
    let first_line = head.split(|b| *b == b'\n').next().unwrap_or(head);
    let count = |d: u8| first_line.iter().filter(|b| **b == d).count();
    [b';', b'\t']
        .into_iter()
        .filter(|d| count(*d) > count(b','))
        .max_by_key(|d| count(*d))
        .unwrap_or(b',')
}

/// A CSV file whose header passed the checks of [`open_checked`].
struct CheckedCsv<R: std::io::Read> {
    reader: csv::Reader<std::io::BufReader<R>>,
    columns: Vec<String>,
}

impl<R: std::io::Read> CheckedCsv<R> {
    /// Where a column is, if the file has it.
    fn at(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }
}

/// Whether a header cell names the column `name`. Spreadsheets and people write headers as
/// they like (`Email;Unit`, `EMAIL`), and no two of kinerja's column names differ only in
/// case, so case and surrounding spaces do not count.
pub(crate) fn header_is(cell: &str, name: &str) -> bool {
    cell.trim().eq_ignore_ascii_case(name)
}

/// Opens a CSV file and checks its header: every required column present, none unknown or
/// repeated (in any case: `Email` is `email`). None (with the problems added) when the header
/// is wrong. The columns are kept under their own names, so `at` finds them whatever the file
/// wrote.
fn open_checked<R: std::io::Read>(
    reader: R,
    required: &[&str],
    optional: &[&str],
    issues: &mut InputIssues,
) -> Option<CheckedCsv<R>> {
    let mut reader = csv_reader(reader);
    let columns: Vec<String> = match reader.headers() {
        Ok(header) => header
            .iter()
            .map(|cell| {
                required
                    .iter()
                    .chain(optional)
                    .find(|name| header_is(cell, name))
                    .map_or_else(|| cell.trim().to_owned(), |name| (*name).to_owned())
            })
            .collect(),
        Err(e) => {
            csv_issue(issues, &e);
            return None;
        }
    };
    let mut expected = required.join(",");
    if !optional.is_empty() {
        expected = format!("{expected} and optionally {}", optional.join(","));
    }
    for (i, name) in columns.iter().enumerate() {
        if !required.contains(&name.as_str()) && !optional.contains(&name.as_str()) {
            issues.add(
                1,
                Some(name),
                format!("unknown column; expected {expected}"),
            );
        } else if columns[..i].contains(name) {
            issues.add(1, Some(name), "column appears twice");
        }
    }
    for column in required {
        if !columns.iter().any(|c| c == column) {
            issues.add(
                1,
                None,
                format!("missing column '{column}'; expected {expected}"),
            );
        }
    }
    issues.is_empty().then_some(CheckedCsv { reader, columns })
}

/// The line a CSV record starts on (1-based; the header is line 1).
fn record_line(record: &csv::StringRecord) -> u64 {
    record.position().map(|p| p.line()).unwrap_or(0)
}

/// Adds a CSV reader error (bad UTF-8, unbalanced quotes...) with its line.
fn csv_issue(issues: &mut InputIssues, error: &csv::Error) {
    let line = error.position().map(|p| p.line()).unwrap_or(0);
    let message = match error.kind() {
        csv::ErrorKind::Utf8 { .. } => "is not valid UTF-8 text".to_owned(),
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("has {len} fields where the header has {expected_len}"),
        _ => format!("is not valid CSV: {error}"),
    };
    issues.add(line, None, message);
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{0}")]
    Input(InputIssues),
    #[error(
        "{file}: this file (SHA-256 {sha256_prefix}…) was already imported into campaign {campaign} on {at} UTC; importing it again would count its answers twice (--allow-duplicate if that is really wanted)"
    )]
    AlreadyImported {
        file: String,
        campaign: CampaignId,
        sha256_prefix: String,
        at: String,
    },
    #[error(transparent)]
    Campaign(#[from] crate::campaign::CampaignError),
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
}

/// A reader that hashes what passes through it: the file is read once, for both the import
/// and its SHA-256.
pub struct HashingReader<R> {
    inner: R,
    hasher: sha2::Sha256,
}

impl<R: Read> HashingReader<R> {
    pub fn new(inner: R) -> HashingReader<R> {
        HashingReader {
            inner,
            hasher: sha2::Sha256::default(),
        }
    }

    /// Reads what is left (the CSV reader may stop early), then gives the hex digest.
    pub fn finish(mut self) -> std::io::Result<String> {
        std::io::copy(&mut self, &mut std::io::sink())?;
        use sha2::Digest;
        Ok(self
            .hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect())
    }
}

impl<R: Read> Read for HashingReader<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let read = self.inner.read(buf)?;
        sha2::Digest::update(&mut self.hasher, &buf[..read]);
        Ok(read)
    }
}

impl From<InputIssues> for ImportError {
    fn from(issues: InputIssues) -> Self {
        ImportError::Input(issues)
    }
}

/// The campaign's units, to turn a `unit` cell into a unit id or say why it cannot be one.
pub struct UnitDirectory {
    campaign_id: CampaignId,
    /// Units of the campaign, by code.
    in_campaign: HashMap<String, UnitId>,
    /// Every unit code known to the database, to tell "unknown" from "not in this campaign".
    known: HashSet<String>,
}

impl UnitDirectory {
    /// A directory without a database, for the fuzz tests.
    #[cfg(test)]
    pub(crate) fn for_tests(
        campaign_id: CampaignId,
        in_campaign: HashMap<String, UnitId>,
        known: HashSet<String>,
    ) -> UnitDirectory {
        UnitDirectory {
            campaign_id,
            in_campaign,
            known,
        }
    }

    pub fn load(
        conn: &mut crate::db::DbConn,
        campaign_id: CampaignId,
    ) -> Result<UnitDirectory, crate::db::DbError> {
        Ok(UnitDirectory {
            campaign_id,
            in_campaign: crate::db::campaigns::covered_units(conn, campaign_id)?
                .into_iter()
                .map(|u| (u.code, u.unit_id))
                .collect(),
            known: crate::db::units::all(conn)?
                .into_iter()
                .map(|u| u.code)
                .collect(),
        })
    }

    pub fn resolve(&self, code: &str) -> Result<UnitId, String> {
        let code = code.trim();
        if let Some(id) = self.in_campaign.get(code) {
            return Ok(*id);
        }
        Err(if code.is_empty() {
            "is empty".to_owned()
        } else if self.known.contains(code) {
            format!(
                "unit {} is not in campaign {}",
                quoted(code),
                self.campaign_id
            )
        } else {
            format!("unknown unit {}", quoted(code))
        })
    }
}
