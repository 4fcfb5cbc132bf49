//! What a campaign sends: invitation and reminder emails with their links, and result
//! summaries for organizers and unit heads.

use crate::db::{CampaignId, MessageId, UnitId};
use std::collections::HashMap;

use super::messages::{ranking, unit_page, LinkMail};
use super::{enqueue, MailError, MessageKind};
use crate::campaign::CampaignError;
use crate::db::campaigns::{Campaign, CampaignStatus};
use crate::db::invitations::{self, Invitation};
use crate::db::{self, write_tx, DbConn};
use crate::template::{Kind, Template};

#[derive(Debug, thiserror::Error)]
pub enum OutreachError {
    #[error(transparent)]
    Campaign(#[from] CampaignError),
    #[error(transparent)]
    Mail(#[from] MailError),
    #[error(transparent)]
    Results(#[from] crate::results::ResultsError),
    #[error(transparent)]
    Db(#[from] db::DbError),
}

/// What link emails of one campaign need to know.
pub struct LinkContext {
    pub campaign: Campaign,
    pub template: Template,
    unit_names: HashMap<UnitId, String>,
    base_url: String,
}

impl LinkContext {
    pub fn load(
        conn: &mut DbConn,
        campaign_id: CampaignId,
        public_url: &str,
    ) -> Result<LinkContext, OutreachError> {
        let campaign = crate::campaign::get(conn, campaign_id)?;
        let template = db::templates::get(conn, campaign.template_id)?
            .template()
            .map_err(CampaignError::from)?;
        let unit_names = db::campaigns::units(conn, campaign_id)?
            .into_iter()
            .map(|u| (u.unit_id, u.name))
            .collect();
        Ok(LinkContext {
            campaign,
            template,
            unit_names,
            base_url: public_url.trim_end_matches('/').to_owned(),
        })
    }

    pub fn link(&self, token: &str) -> String {
        format!("{}/r/{token}", self.base_url)
    }

    /// Queues the email carrying `token` to the invitee.
    pub fn enqueue_link(
        &self,
        conn: &mut DbConn,
        kind: MessageKind,
        invitation: &Invitation,
        token: &str,
    ) -> Result<MessageId, MailError> {
        let lang = invitation.lang;
        let link = self.link(token);
        let message = LinkMail {
            kind,
            lang,
            to: invitation.email.as_str(),
            name: invitation.name.as_deref(),
            campaign_id: self.campaign.id,
            invitation_id: invitation.id,
            campaign_title: &self.campaign.title,
            period: &self.campaign.period,
            instrument_title: self.template.title.get(lang),
            unit_name: self
                .unit_names
                .get(&invitation.unit_id)
                .map(String::as_str)
                .unwrap_or(""),
            closes_on: self.campaign.closes_on,
            checklist: self.template.kind() == Kind::Checklist,
            link: &link,
        }
        .render();
        enqueue(conn, &message)
    }
}

/// Reminds every invitee of the campaign who has not submitted and was not reminded in the
/// last `min_days` days, with a new link (only hashes of the first are kept). For surveys the
/// list comes from the invitations' used flag alone, never from responses. Returns how many.
pub fn remind(
    conn: &mut DbConn,
    campaign_id: CampaignId,
    min_days: u32,
    public_url: &str,
) -> Result<usize, OutreachError> {
    let context = LinkContext::load(conn, campaign_id, public_url)?;
    match context.campaign.status {
        CampaignStatus::Open => {}
        CampaignStatus::Closed => return Err(CampaignError::Closed(campaign_id).into()),
        CampaignStatus::Draft => return Err(CampaignError::NotOpen(campaign_id).into()),
    }
    let now = db::now();
    let quiet_since = now - chrono::Duration::days(i64::from(min_days));
    write_tx(conn, |conn| {
        let due = invitations::due_for_reminder(conn, campaign_id, quiet_since)?;
        for id in &due {
            let Some(invitation) = invitations::get(conn, *id)? else {
                continue;
            };
            let token = crate::token::generate();
            invitations::add_token(conn, *id, &token.sha256)?;
            context.enqueue_link(conn, MessageKind::Reminder, &invitation, &token.token)?;
            invitations::mark_reminded(conn, *id, now)?;
        }
        Ok(due.len())
    })
}

/// Who got a summary.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SummaryReport {
    pub organizers: usize,
    pub unit_heads: usize,
}

/// Queues the ranking for each organizer and, with `unit_heads`, each unit's own page for the
/// head recorded for it (`head_email` in the units file).
pub fn send_summary(
    conn: &mut DbConn,
    campaign_id: CampaignId,
    organizers: &[crate::domain::EmailAddress],
    unit_heads: bool,
) -> Result<SummaryReport, OutreachError> {
    let results = crate::results::compute(conn, campaign_id)?;
    let previous = previous_results(conn, &results)?;
    let heads: HashMap<String, String> = if unit_heads {
        db::units::head_emails(conn)?
    } else {
        HashMap::new()
    };
    write_tx(conn, |conn| {
        let mut report = SummaryReport::default();
        for to in organizers {
            enqueue(conn, &ranking(&results, to.as_str()))?;
            report.organizers += 1;
        }
        for unit in &results.units {
            if let Some(head) = heads.get(&unit.code) {
                let before = previous
                    .as_ref()
                    .and_then(|p| p.units.iter().find(|u| u.code == unit.code));
                enqueue(conn, &unit_page(&results, unit, before, head))?;
                report.unit_heads += 1;
            }
        }
        Ok(report)
    })
}

/// The results of the latest earlier campaign of the same template, if there is one.
fn previous_results(
    conn: &mut DbConn,
    results: &crate::results::CampaignResults,
) -> Result<Option<crate::results::CampaignResults>, OutreachError> {
    let earlier = db::campaigns::list(conn)?
        .into_iter()
        .filter(|c| {
            c.template_key == results.campaign.template.id && c.campaign.id < results.campaign.id
        })
        .map(|c| c.campaign.id)
        .max();
    Ok(match earlier {
        Some(id) => Some(crate::results::compute(conn, id)?),
        None => None,
    })
}
