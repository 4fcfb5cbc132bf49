//! `invite`: a CSV with header `email,unit` and optional `name,lang`; each line gets a new
//! personal link. All lines or none, like every import.

use crate::db::{CampaignId, InvitationId, UnitId};
use std::collections::HashMap;
use std::io::Read;

use super::{
    check_cells, check_length, csv_issue, open_checked, quoted, record_line, ImportError,
    InputIssues, UnitDirectory, MAX_NAME_CHARS,
};
use crate::db::invitations::{self, CurrentInvitation, InvitationState, NewInvitation};
use crate::db::{write_tx, DbConn, DbError};
use crate::domain::{EmailAddress, Lang};
use crate::token::NewToken;

const REQUIRED: [&str; 2] = ["email", "unit"];
const OPTIONAL: [&str; 2] = ["name", "lang"];

/// One validated line of an invitation file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InviteRow {
    pub line: u64,
    /// Lower-cased, so that one person is one address.
    pub email: EmailAddress,
    pub unit_code: String,
    pub unit_id: UnitId,
    pub name: Option<String>,
    pub lang: Lang,
}

/// A link made for one line: show it to the organizer, then forget it (only its hash is kept).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IssuedLink {
    pub row: InviteRow,
    pub invitation_id: InvitationId,
    pub token: String,
}

pub fn read_invitations_csv(
    file: &str,
    reader: impl Read,
    units: &UnitDirectory,
) -> Result<Vec<InviteRow>, InputIssues> {
    let mut issues = InputIssues::new(file);
    let Some(mut csv) = open_checked(reader, &REQUIRED, &OPTIONAL, &mut issues) else {
        return Err(issues);
    };
    let (email_at, unit_at, name_at, lang_at) = (
        csv.at("email"),
        csv.at("unit"),
        csv.at("name"),
        csv.at("lang"),
    );
    let mut rows = Vec::new();
    let mut first_line: HashMap<(EmailAddress, String), u64> = HashMap::new();
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
        let cell = |at: Option<usize>| {
            at.and_then(|i| record.get(i))
                .unwrap_or("")
                .trim()
                .to_owned()
        };
        let email = EmailAddress::parse(&cell(email_at))
            .map_err(|e| issues.add(line, Some("email"), e.to_string()));
        let unit_code = cell(unit_at);
        let unit_id = units
            .resolve(&unit_code)
            .map_err(|reason| issues.add(line, Some("unit"), reason));
        let lang_text = cell(lang_at);
        let lang = if lang_text.is_empty() {
            Some(Lang::Id)
        } else {
            Lang::parse(&lang_text)
        };
        if lang.is_none() {
            issues.add(
                line,
                Some("lang"),
                format!("{} is not a language: use id or en", quoted(&lang_text)),
            );
        }
        if let Ok(email) = &email {
            if let Some(first) = first_line.insert((email.clone(), unit_code.clone()), line) {
                issues.add(
                    line,
                    Some("email"),
                    format!("{email} is invited to unit {unit_code} twice (first on line {first})"),
                );
            }
        }
        let name = cell(name_at);
        let name_fits = check_length(&name, MAX_NAME_CHARS, line, "name", &mut issues);
        if let (Ok(email), Ok(unit_id), Some(lang), true) = (email, unit_id, lang, name_fits) {
            rows.push(InviteRow {
                line,
                email,
                unit_code,
                unit_id,
                name: (!name.is_empty()).then_some(name),
                lang,
            });
        }
    }
    issues.into_result().map(|()| rows)
}

/// A line of an invitation file left out by [`InvitationFile::skip_existing`]: its person
/// already has a link to its unit in the campaign.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedLine {
    pub line: u64,
    pub email: EmailAddress,
    pub unit_code: String,
    /// The earlier link was used: they have answered.
    pub answered: bool,
}

/// A validated invitation file, ready to be issued.
pub struct InvitationFile {
    campaign_id: CampaignId,
    file: String,
    rows: Vec<InviteRow>,
    /// One new token per row, made before any transaction: pure computation, which on SQLite
    /// would otherwise hold the write lock (and every submission) while it lasts.
    tokens: Vec<NewToken>,
}

impl InvitationFile {
    pub fn campaign_id(&self) -> CampaignId {
        self.campaign_id
    }

    /// The file's lines, checked.
    pub fn rows(&self) -> &[InviteRow] {
        &self.rows
    }

    /// Leaves out the lines whose person already has a link (active or used) to the same unit
    /// in the campaign, and returns them in line order: running a grown file again invites
    /// only its new lines. The lookup is the one [`issue`] makes (a few indexed queries for the
    /// whole file, never one per line). [`issue`] checks again in its transaction, so a line
    /// that someone else invites in between refuses the file rather than making a second link.
    pub fn skip_existing(&mut self, conn: &mut DbConn) -> Result<Vec<SkippedLine>, DbError> {
        let earlier = Earlier::load(conn, self.campaign_id, &self.rows)?;
        let mut skipped = Vec::new();
        let mut keep = Vec::with_capacity(self.rows.len());
        for row in &self.rows {
            let mut found = earlier.of(row).peekable();
            keep.push(found.peek().is_none());
            if found.peek().is_some() {
                skipped.push(SkippedLine {
                    line: row.line,
                    email: row.email.clone(),
                    unit_code: row.unit_code.clone(),
                    answered: found.any(|i| i.state == InvitationState::Used),
                });
            }
        }
        // Rows and their tokens stay pairs.
        let mut kept = keep.iter();
        self.rows.retain(|_| kept.next().copied().unwrap_or(false));
        let mut kept = keep.iter();
        self.tokens
            .retain(|_| kept.next().copied().unwrap_or(false));
        Ok(skipped)
    }
}

/// The campaign's current invitations (active or used) of a file's addresses, loaded in a
/// few indexed queries for the whole file.
struct Earlier(HashMap<String, Vec<CurrentInvitation>>);

impl Earlier {
    fn load(
        conn: &mut DbConn,
        campaign_id: CampaignId,
        rows: &[InviteRow],
    ) -> Result<Earlier, DbError> {
        let mut emails: Vec<&str> = rows.iter().map(|r| r.email.as_str()).collect();
        emails.sort_unstable();
        emails.dedup();
        let mut by_email: HashMap<String, Vec<CurrentInvitation>> = HashMap::new();
        for invitation in invitations::find_current_for_emails(conn, campaign_id, &emails)? {
            by_email
                .entry(invitation.email.clone())
                .or_default()
                .push(invitation);
        }
        Ok(Earlier(by_email))
    }

    /// Those of the line's person to the line's unit.
    fn of<'a>(&'a self, row: &'a InviteRow) -> impl Iterator<Item = &'a CurrentInvitation> {
        self.0
            .get(row.email.as_str())
            .into_iter()
            .flatten()
            .filter(|invitation| invitation.unit_id == row.unit_id)
    }
}

/// Reads and checks an invitation file for a campaign that accepts invitations; stores
/// nothing.
pub fn read(
    conn: &mut DbConn,
    campaign_id: CampaignId,
    file: &str,
    reader: impl Read,
) -> Result<InvitationFile, ImportError> {
    crate::campaign::accepting_invitations(conn, campaign_id)?;
    let directory = UnitDirectory::load(conn, campaign_id)?;
    let rows = read_invitations_csv(file, reader, &directory)?;
    let tokens = rows.iter().map(|_| crate::token::generate()).collect();
    Ok(InvitationFile {
        campaign_id,
        file: file.to_owned(),
        rows,
        tokens,
    })
}

/// Issues a link for every line of the file, inside the caller's transaction (so that the
/// caller can queue the emails carrying the links in it too), and returns them. A person
/// already invited to the same unit is refused unless `reissue`, which revokes the old link;
/// a link already used is never reissued (that would allow a second answer).
///
/// Set-based, so that a line costs the same however many invitations exist: the campaign's
/// current invitations of the file's addresses come in a few indexed queries, re-invitations
/// are checked in memory, and invitations and tokens are written in bulk. Before, each line
/// ran its own lookup and inserts (60,000 lines took 21-42 s on SQLite, and 20,000 more on top
/// of 82,000 took 54 s).
pub fn issue(
    conn: &mut DbConn,
    invitations: InvitationFile,
    reissue: bool,
) -> Result<Vec<IssuedLink>, ImportError> {
    let InvitationFile {
        campaign_id,
        file,
        rows,
        tokens,
    } = invitations;
    refuse_or_revoke_earlier(conn, campaign_id, &file, &rows, reissue)?;
    let new: Vec<NewInvitation> = rows
        .iter()
        .zip(&tokens)
        .map(|(row, token)| NewInvitation {
            campaign_id,
            unit_id: row.unit_id,
            email: &row.email,
            name: row.name.as_deref(),
            lang: row.lang,
            token_sha256: &token.sha256,
        })
        .collect();
    let ids = invitations::insert_many(conn, &new)?;
    Ok(rows
        .into_iter()
        .zip(ids)
        .zip(tokens)
        .map(|((row, invitation_id), token)| IssuedLink {
            row,
            invitation_id,
            token: token.token,
        })
        .collect())
}

/// Checks every line against the invitations that already count for the same person and
/// unit: a used one refuses the line, an active one refuses it too unless `reissue`, which
/// revokes it. Every refused line is reported; nothing is revoked unless no line is refused.
fn refuse_or_revoke_earlier(
    conn: &mut DbConn,
    campaign_id: CampaignId,
    file: &str,
    rows: &[InviteRow],
    reissue: bool,
) -> Result<(), ImportError> {
    let earlier = Earlier::load(conn, campaign_id, rows)?;
    let mut issues = InputIssues::new(file);
    let answered = |issues: &mut InputIssues, row: &InviteRow| {
        issues.add(
            row.line,
            Some("email"),
            format!(
                "{} has already answered for unit {}; a new link would allow a second answer",
                row.email, row.unit_code
            ),
        )
    };
    // Which line each revoked invitation belongs to, to report one that turns out to be used.
    let mut revoked_for: HashMap<InvitationId, &InviteRow> = HashMap::new();
    for row in rows {
        for invitation in earlier.of(row) {
            match invitation.state {
                InvitationState::Used => answered(&mut issues, row),
                _ if !reissue => issues.add(
                    row.line,
                    Some("email"),
                    format!(
                        "{} is already invited to unit {}; use --reissue to revoke that link and send a new one, or --skip-existing to invite only the file's other lines",
                        row.email, row.unit_code
                    ),
                ),
                _ => {
                    revoked_for.insert(invitation.id, row);
                }
            }
        }
    }
    if issues.is_empty() && !revoked_for.is_empty() {
        let mut ids: Vec<InvitationId> = revoked_for.keys().copied().collect();
        ids.sort_unstable();
        // On SQLite the write lock keeps every submission out since the lookup; on PostgreSQL
        // one may have used a link in between, and that line is refused after all.
        for id in invitations::revoke_active(conn, &ids)? {
            if let Some(row) = revoked_for.get(&id) {
                answered(&mut issues, row);
            }
        }
    }
    Ok(issues.into_result()?)
}

/// [`issue`] in a transaction of its own, queuing nothing.
pub fn issue_in_transaction(
    conn: &mut DbConn,
    invitations: InvitationFile,
    reissue: bool,
) -> Result<Vec<IssuedLink>, ImportError> {
    write_tx(conn, |conn| issue(conn, invitations, reissue))
}

/// Reads the file and issues its links in one transaction, queuing nothing.
pub fn invite(
    conn: &mut DbConn,
    campaign_id: CampaignId,
    file: &str,
    reader: impl Read,
    reissue: bool,
) -> Result<Vec<IssuedLink>, ImportError> {
    let invitations = read(conn, campaign_id, file, reader)?;
    issue_in_transaction(conn, invitations, reissue)
}
