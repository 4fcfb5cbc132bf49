//! `invite`: a CSV with header `email,unit` and optional `name,lang`; each line gets a new
//! personal link. All lines or none, like every import.

use crate::db::{CampaignId, InvitationId, UnitId};
use std::collections::HashMap;
use std::io::Read;

use super::{csv_issue, open_checked, record_line, ImportError, InputIssues, UnitDirectory};
use crate::db::invitations::{self, InvitationState, NewInvitation};
use crate::db::{write_tx, DbConn};
use crate::domain::{EmailAddress, Lang};

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
                format!("'{lang_text}' is not a language: use id or en"),
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
        if let (Ok(email), Ok(unit_id), Some(lang)) = (email, unit_id, lang) {
            let name = cell(name_at);
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

/// A validated invitation file, ready to be issued.
pub struct InvitationFile {
    campaign_id: CampaignId,
    file: String,
    rows: Vec<InviteRow>,
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
    Ok(InvitationFile {
        campaign_id,
        file: file.to_owned(),
        rows,
    })
}

/// Issues a link for every line of the file, inside the caller's transaction (so that the
/// caller can queue the emails carrying the links in it too), and returns them. A person
/// already invited to the same unit is refused unless `reissue`, which revokes the old link;
/// a link already used is never reissued (that would allow a second answer).
pub fn issue(
    conn: &mut DbConn,
    invitations: InvitationFile,
    reissue: bool,
) -> Result<Vec<IssuedLink>, ImportError> {
    let InvitationFile {
        campaign_id,
        file,
        rows,
    } = invitations;
    let mut issues = InputIssues::new(&file);
    let mut links = Vec::with_capacity(rows.len());
    for row in rows {
        for earlier in invitations::find_current(conn, campaign_id, row.unit_id, &row.email)? {
            match earlier.state {
                InvitationState::Used => issues.add(
                    row.line,
                    Some("email"),
                    format!("{} has already answered for unit {}; a new link would allow a second answer", row.email, row.unit_code),
                ),
                _ if !reissue => issues.add(
                    row.line,
                    Some("email"),
                    format!("{} is already invited to unit {}; use --reissue to revoke that link and send a new one", row.email, row.unit_code),
                ),
                _ => invitations::revoke(conn, earlier.id)?,
            }
        }
        let token = crate::token::generate();
        let invitation_id = invitations::insert(
            conn,
            &NewInvitation {
                campaign_id,
                unit_id: row.unit_id,
                email: &row.email,
                name: row.name.as_deref(),
                lang: row.lang,
                token_sha256: &token.sha256,
            },
        )?;
        links.push(IssuedLink {
            row,
            invitation_id,
            token: token.token,
        });
    }
    issues.into_result()?;
    Ok(links)
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
    write_tx(conn, |conn| issue(conn, invitations, reissue))
}
