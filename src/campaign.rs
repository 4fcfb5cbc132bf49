//! Campaign operations: creating one from a template and a set of units, opening and closing it,
//! and the checks every path that stores responses goes through.

use crate::db::CampaignId;
use std::collections::HashSet;

use crate::db::campaigns::{Campaign, CampaignStatus, NewCampaign};
use crate::db::templates::TemplateStoreError;
use crate::db::{self, write_tx, DbConn, DbError};
use crate::template::{Kind, Template};

#[derive(Debug, thiserror::Error)]
pub enum CampaignError {
    #[error("campaign {0} does not exist")]
    Unknown(CampaignId),
    #[error("template '{key}'{} is not imported; run `kinerja template import FILE` first", version.map(|v| format!(" version {v}")).unwrap_or_default())]
    UnknownTemplate { key: String, version: Option<i32> },
    #[error("unknown unit{} {}; run `kinerja units import FILE.csv` first", if .0.len() > 1 { "s" } else { "" }, .0.join(", "))]
    UnknownUnits(Vec<String>),
    #[error("the organisation has no units yet; run `kinerja units import FILE.csv` first")]
    NoUnits,
    #[error("{0} must not be empty")]
    Empty(&'static str),
    #[error("--min-responses must be at least 1 (got {0})")]
    MinResponses(i64),
    #[error(
        "campaign {0} is closed and accepts no responses; `kinerja campaign open {0}` reopens it"
    )]
    Closed(CampaignId),
    #[error("campaign {0} is not open yet; `kinerja campaign open {0}` opens it")]
    NotOpen(CampaignId),
    #[error(transparent)]
    Template(#[from] TemplateStoreError),
    #[error(transparent)]
    Db(#[from] DbError),
}

/// What an organizer asks for with `campaign create`.
pub struct CampaignRequest<'a> {
    pub template_key: &'a str,
    pub template_version: Option<i32>,
    pub period: &'a str,
    pub title: &'a str,
    /// Unit codes; None covers every unit.
    pub units: Option<Vec<String>>,
    /// The anonymity threshold; None takes the instrument's default.
    pub min_responses: Option<i64>,
    pub draft: bool,
    /// The last day (UTC) links can be answered.
    pub closes_on: Option<chrono::NaiveDate>,
    /// Who respondents write to about the campaign (pages and emails show it).
    pub contact: Option<crate::domain::EmailAddress>,
    /// Days after the invitation on which `serve` sends reminders.
    pub reminders: crate::domain::ReminderDays,
}

/// A campaign's name for people: its title, followed by its period in parentheses unless the
/// title already holds it ("SFO 2026", not "SFO 2026 (2026)"; "Survei SFO (2026)").
pub fn title_with_period(title: &str, period: &str) -> String {
    let period = period.trim();
    if period.is_empty() || title.contains(period) {
        title.to_owned()
    } else {
        format!("{title} ({period})")
    }
}

/// The default anonymity threshold: five respondents for surveys (the common floor of employee
/// survey tools), one review for checklists (reviews are not anonymous).
pub fn default_min_responses(kind: Kind) -> i64 {
    match kind {
        Kind::Survey => 5,
        Kind::Checklist => 1,
    }
}

pub fn create(conn: &mut DbConn, request: &CampaignRequest) -> Result<CampaignId, CampaignError> {
    create_then(conn, request, |_, _| Ok(()))
}

/// [`create`], running `then` with the new id in the same transaction (the console and the
/// API record the audit line there).
pub fn create_then(
    conn: &mut DbConn,
    request: &CampaignRequest,
    then: impl FnOnce(&mut DbConn, CampaignId) -> Result<(), DbError>,
) -> Result<CampaignId, CampaignError> {
    if request.period.trim().is_empty() {
        return Err(CampaignError::Empty("--period"));
    }
    if request.title.trim().is_empty() {
        return Err(CampaignError::Empty("--title"));
    }
    write_tx(conn, |conn| {
        let stored = db::templates::find(conn, request.template_key, request.template_version)?
            .ok_or_else(|| CampaignError::UnknownTemplate {
                key: request.template_key.to_owned(),
                version: request.template_version,
            })?;
        let kind = stored.template()?.kind();
        let min_responses = request
            .min_responses
            .unwrap_or_else(|| default_min_responses(kind));
        let min_responses = i32::try_from(min_responses)
            .ok()
            .filter(|m| *m >= 1)
            .ok_or(CampaignError::MinResponses(min_responses))?;
        let all_units = db::units::all(conn)?;
        if all_units.is_empty() {
            return Err(CampaignError::NoUnits);
        }
        let covered = match &request.units {
            None => all_units.iter().collect::<Vec<_>>(),
            Some(codes) => select_units(&all_units, codes)?,
        };
        let new = NewCampaign {
            template_id: stored.id,
            period: request.period.trim(),
            title: request.title.trim(),
            min_responses,
            status: if request.draft {
                CampaignStatus::Draft
            } else {
                CampaignStatus::Open
            },
            closes_on: request.closes_on,
            contact: request.contact.as_ref().map(|c| c.as_str()),
            reminder_days: &request.reminders.to_string(),
        };
        let id = db::campaigns::create(conn, &new, &covered, &all_units)?;
        then(conn, id)?;
        Ok(id)
    })
}

fn select_units<'u>(
    all_units: &'u [db::units::Unit],
    codes: &[String],
) -> Result<Vec<&'u db::units::Unit>, CampaignError> {
    let wanted: Vec<&str> = codes
        .iter()
        .map(|c| c.trim())
        .filter(|c| !c.is_empty())
        .collect();
    if wanted.is_empty() {
        return Err(CampaignError::Empty("--units"));
    }
    let unknown: Vec<String> = wanted
        .iter()
        .filter(|c| !all_units.iter().any(|u| u.code == **c))
        .map(|c| (*c).to_owned())
        .collect();
    if !unknown.is_empty() {
        return Err(CampaignError::UnknownUnits(unknown));
    }
    let wanted: HashSet<&str> = wanted.into_iter().collect();
    Ok(all_units
        .iter()
        .filter(|u| wanted.contains(u.code.as_str()))
        .collect())
}

pub fn get(conn: &mut DbConn, id: CampaignId) -> Result<Campaign, CampaignError> {
    db::campaigns::get(conn, id)?.ok_or(CampaignError::Unknown(id))
}

pub fn set_status(
    conn: &mut DbConn,
    id: CampaignId,
    status: CampaignStatus,
) -> Result<(), CampaignError> {
    set_status_then(conn, id, status, |_| Ok(()))
}

/// [`set_status`], running `then` in the same transaction (the console and the API record the
/// audit line there).
pub fn set_status_then(
    conn: &mut DbConn,
    id: CampaignId,
    status: CampaignStatus,
    then: impl FnOnce(&mut DbConn) -> Result<(), DbError>,
) -> Result<(), CampaignError> {
    write_tx(conn, |conn| {
        get(conn, id)?;
        db::campaigns::set_status(conn, id, status)?;
        then(conn)?;
        Ok(())
    })
}

/// The campaign, unless it is closed: links may be sent before a campaign opens.
pub fn accepting_invitations(conn: &mut DbConn, id: CampaignId) -> Result<Campaign, CampaignError> {
    let campaign = get(conn, id)?;
    if campaign.status == CampaignStatus::Closed {
        return Err(CampaignError::Closed(id));
    }
    Ok(campaign)
}

/// The campaign and its template, if it accepts responses now.
pub fn accepting_responses(
    conn: &mut DbConn,
    id: CampaignId,
) -> Result<(Campaign, Template), CampaignError> {
    let campaign = get(conn, id)?;
    match campaign.status {
        CampaignStatus::Open => {}
        CampaignStatus::Closed => return Err(CampaignError::Closed(id)),
        CampaignStatus::Draft => return Err(CampaignError::NotOpen(id)),
    }
    let template = db::templates::get(conn, campaign.template_id)?.template()?;
    Ok((campaign, template))
}

#[cfg(test)]
mod tests {
    use super::title_with_period;

    #[test]
    fn the_period_is_named_once() {
        assert_eq!(title_with_period("SFO 2026", "2026"), "SFO 2026");
        assert_eq!(title_with_period("Survei SFO", "2026"), "Survei SFO (2026)");
        assert_eq!(
            title_with_period("Reviu semester I 2026", "2026-S1"),
            "Reviu semester I 2026 (2026-S1)"
        );
        assert_eq!(title_with_period("Survei SFO", " "), "Survei SFO");
    }
}
