//! What a campaign sends: invitation and reminder emails with their links, and result
//! summaries for organizers and unit heads.

use crate::db::{CampaignId, InvitationId, MessageId, UnitId};
use std::collections::HashMap;

use super::messages::{self, LinkMail};
use super::{enqueue, enqueue_many, MailError, MessageKind, OutgoingMessage};
use crate::campaign::CampaignError;
use crate::db::campaigns::{Campaign, CampaignStatus};
use crate::db::invitations::{self, Invitation};
use crate::db::{self, write_tx, DbConn};
use crate::domain::{EmailAddress, Lang};
use crate::import::invitations::IssuedLink;
use crate::import::ImportError;
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
    Import(#[from] ImportError),
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

    /// Queues the email of `kind` carrying `token` to the invitee.
    pub fn enqueue_link(
        &self,
        conn: &mut DbConn,
        kind: LinkKind,
        invitee: &Invitee,
        token: &str,
    ) -> Result<MessageId, MailError> {
        enqueue(conn, &self.link_message(kind, invitee, token)?)
    }

    /// The email of `kind` carrying `token` to the invitee, ready to queue (one at a time with
    /// [`enqueue`], many at once with [`enqueue_many`]).
    pub fn link_message(
        &self,
        kind: LinkKind,
        invitee: &Invitee,
        token: &str,
    ) -> Result<OutgoingMessage, MailError> {
        let link = self.link(token);
        let mail = LinkMail {
            lang: invitee.lang,
            name: invitee.name,
            campaign_title: &self.campaign.title,
            period: &self.campaign.period,
            instrument_title: self.template.title.get(invitee.lang),
            unit_name: self
                .unit_names
                .get(&invitee.unit_id)
                .map(String::as_str)
                .unwrap_or(""),
            closes_on: self.campaign.closes_on,
            checklist: self.template.kind() == Kind::Checklist,
            link: &link,
        };
        let (content, kind) = match kind {
            LinkKind::Invitation => (messages::invitation(&mail)?, MessageKind::Invitation),
            LinkKind::Reminder => (messages::reminder(&mail)?, MessageKind::Reminder),
        };
        Ok(content.addressed(
            kind,
            invitee.email.as_str(),
            self.campaign.id,
            Some(invitee.invitation_id),
        ))
    }
}

/// The emails that carry a personal link.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LinkKind {
    Invitation,
    Reminder,
}

/// Who a link email goes to.
pub struct Invitee<'a> {
    pub invitation_id: InvitationId,
    pub email: &'a EmailAddress,
    pub name: Option<&'a str>,
    pub lang: Lang,
    pub unit_id: UnitId,
}

impl<'a> From<&'a Invitation> for Invitee<'a> {
    fn from(invitation: &'a Invitation) -> Self {
        Invitee {
            invitation_id: invitation.id,
            email: &invitation.email,
            name: invitation.name.as_deref(),
            lang: invitation.lang,
            unit_id: invitation.unit_id,
        }
    }
}

impl<'a> From<&'a IssuedLink> for Invitee<'a> {
    fn from(link: &'a IssuedLink) -> Self {
        Invitee {
            invitation_id: link.invitation_id,
            email: &link.row.email,
            name: link.row.name.as_deref(),
            lang: link.row.lang,
            unit_id: link.row.unit_id,
        }
    }
}

/// Issues a link for every line of an invitation file and queues each invitee's invitation
/// email in the same transaction: both are stored, or neither. The emails are written in bulk,
/// like the links.
pub fn invite(
    conn: &mut DbConn,
    campaign_id: CampaignId,
    file: &str,
    reader: impl std::io::Read,
    reissue: bool,
    public_url: &str,
) -> Result<Vec<IssuedLink>, OutreachError> {
    let invitations = crate::import::invitations::read(conn, campaign_id, file, reader)?;
    invite_read_then(conn, invitations, reissue, public_url, |_, _| Ok(()))
}

/// [`invite`] for a file already read (`import::invitations::read`, so that the caller can
/// check its lines first), running `then` with the issued links in the same transaction (the
/// console and the API record the audit line there).
pub fn invite_read_then(
    conn: &mut DbConn,
    invitations: crate::import::invitations::InvitationFile,
    reissue: bool,
    public_url: &str,
    then: impl FnOnce(&mut DbConn, &[IssuedLink]) -> Result<(), db::DbError>,
) -> Result<Vec<IssuedLink>, OutreachError> {
    let campaign_id = invitations.campaign_id();
    let context = LinkContext::load(conn, campaign_id, public_url)?;
    write_tx(conn, |conn| {
        let links = crate::import::invitations::issue(conn, invitations, reissue)?;
        let messages = links
            .iter()
            .map(|link| {
                context.link_message(LinkKind::Invitation, &Invitee::from(link), &link.token)
            })
            .collect::<Result<Vec<_>, _>>()?;
        enqueue_many(conn, &messages)?;
        then(conn, &links)?;
        Ok(links)
    })
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
            context.enqueue_link(
                conn,
                LinkKind::Reminder,
                &Invitee::from(&invitation),
                &token.token,
            )?;
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
/// head recorded for it (`head_email` in the units file), all in `lang`: organizers and
/// heads have no recorded language, so the organizer sending the summary chooses it. With the
/// public address `kinerja serve` is reached at (checked by the caller, no trailing slash),
/// each email links to its page in the console: the campaign's for organizers, the unit's for
/// its head.
pub fn send_summary(
    conn: &mut DbConn,
    campaign_id: CampaignId,
    organizers: &[EmailAddress],
    unit_heads: bool,
    lang: Lang,
    public_url: Option<&str>,
) -> Result<SummaryReport, OutreachError> {
    let results = crate::results::compute(conn, campaign_id, crate::results::Compare::Previous)?;
    let heads: HashMap<String, String> = if unit_heads {
        db::units::head_emails(conn)?
    } else {
        HashMap::new()
    };
    let base = public_url
        .map(|url| url.trim_end_matches('/'))
        .filter(|url| !url.is_empty());
    let campaign_page =
        base.map(|base| format!("{base}/console/campaigns/{}", results.campaign.id));
    write_tx(conn, |conn| {
        let mut report = SummaryReport::default();
        for to in organizers {
            let content = messages::ranking(&results, lang, campaign_page.as_deref())?;
            enqueue(
                conn,
                &content.addressed(MessageKind::Summary, to.as_str(), results.campaign.id, None),
            )?;
            report.organizers += 1;
        }
        for unit in &results.units {
            if let Some(head) = heads.get(&unit.code) {
                let unit_page = campaign_page.as_ref().map(|page| {
                    format!("{page}/units/{}", crate::domain::percent_encode(&unit.code))
                });
                let content = messages::unit_page(&results, unit, lang, unit_page.as_deref())?;
                enqueue(
                    conn,
                    &content.addressed(MessageKind::Summary, head, results.campaign.id, None),
                )?;
                report.unit_heads += 1;
            }
        }
        Ok(report)
    })
}
