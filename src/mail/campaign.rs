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
            minutes: self.template.estimated_minutes(),
            contact: self.campaign.contact.as_deref(),
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

/// What [`remind`] did.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Reminded {
    /// Reminders queued.
    pub queued: usize,
    /// Invitees who have not submitted and were not reminded: invited, or last reminded,
    /// within the quiet days.
    pub waiting: usize,
}

/// Reminds every invitee of the campaign who has not submitted and was neither invited nor
/// reminded in the last `min_days` days, with a new link (only hashes of the first are kept).
/// For surveys the list comes from the invitations' used flag alone, never from responses.
pub fn remind(
    conn: &mut DbConn,
    campaign_id: CampaignId,
    min_days: u32,
    public_url: &str,
) -> Result<Reminded, OutreachError> {
    let context = LinkContext::load(conn, campaign_id, public_url)?;
    match context.campaign.status {
        CampaignStatus::Open => {}
        CampaignStatus::Closed => return Err(CampaignError::Closed(campaign_id).into()),
        CampaignStatus::Draft => return Err(CampaignError::NotOpen(campaign_id).into()),
    }
    let now = db::now();
    let quiet_since = now - chrono::Duration::days(i64::from(min_days));
    write_tx(conn, |conn| {
        // The same quiet time from the invitation as from a reminder: someone invited an hour
        // ago has not forgotten yet.
        let due = invitations::due_for_reminder(conn, campaign_id, quiet_since, quiet_since)?;
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
        let unanswered =
            usize::try_from(invitations::count_active(conn, campaign_id)?).unwrap_or(usize::MAX);
        Ok(Reminded {
            queued: due.len(),
            waiting: unanswered.saturating_sub(due.len()),
        })
    })
}

/// A scheduled reminder read and written, not yet queued: see [`due_scheduled_reminders`].
pub struct DueReminder {
    invitation_id: InvitationId,
    /// The scheduled reminders the invitation had when it was read...
    from: i32,
    /// ...and those it will have had once this one is queued.
    to: i32,
    token_sha256: String,
    message: OutgoingMessage,
}

/// Scheduled reminders per batch: one read, then one write transaction. SQLite admits one
/// writer at a time and submissions wait for it, so the messages are written before the
/// transaction and each transaction stays short.
pub const SCHEDULED_BATCH: usize = 200;

/// Nobody gets two reminders within this many hours, whatever the schedule and `kinerja
/// remind` did: a scheduled one waits until this long after the last.
const HOURS_BETWEEN_REMINDERS: i64 = 24;

/// Up to `limit` reminders of the campaigns' schedules (`campaign create --reminders 3,7`) due
/// at `now`, each with its new link and message: an unused invitation of an open campaign, not
/// past its closing day, gets reminder n once `now` reaches its invitation time plus the n-th
/// day, and it has had fewer than n + 1. A read; [`queue_scheduled_reminders`] queues them.
/// Only the invitation's own state counts (unused or not), as for `kinerja remind`.
pub fn due_scheduled_reminders(
    conn: &mut DbConn,
    public_url: &str,
    now: chrono::NaiveDateTime,
    limit: usize,
) -> Result<Vec<DueReminder>, OutreachError> {
    let mut found = Vec::new();
    let quiet_since = now - chrono::Duration::hours(HOURS_BETWEEN_REMINDERS);
    for campaign in db::campaigns::open_with_reminders(conn, now.date())? {
        let schedule = campaign.reminders();
        let days = schedule.days();
        let mut context = None;
        for (done, day) in days.iter().enumerate() {
            let room = limit.saturating_sub(found.len());
            if room == 0 {
                return Ok(found);
            }
            let invited_before = now - chrono::Duration::days(i64::from(*day));
            let due = invitations::due_by_schedule(
                conn,
                campaign.id,
                i32::try_from(done).unwrap_or(i32::MAX),
                invited_before,
                quiet_since,
                i64::try_from(room).unwrap_or(i64::MAX),
            )?;
            if due.is_empty() {
                continue;
            }
            // Loaded once per campaign, and only for one with something due.
            if context.is_none() {
                context = Some(LinkContext::load(conn, campaign.id, public_url)?);
            }
            let Some(context) = context.as_ref() else {
                continue;
            };
            for due in due {
                // Every day of the schedule already reached counts as had: an invitation due
                // for several at once (after a server was down) gets one reminder, not a burst.
                let reached = days
                    .iter()
                    .filter(|d| due.created_at + chrono::Duration::days(i64::from(**d)) <= now)
                    .count();
                let token = crate::token::generate();
                let message = context.link_message(
                    LinkKind::Reminder,
                    &Invitee::from(&due.invitation),
                    &token.token,
                )?;
                found.push(DueReminder {
                    invitation_id: due.invitation.id,
                    from: due.reminders_done,
                    to: i32::try_from(reached).unwrap_or(i32::MAX),
                    token_sha256: token.sha256,
                    message,
                });
            }
        }
    }
    Ok(found)
}

/// Queues reminders read by [`due_scheduled_reminders`] in one write transaction: each one's
/// invitation records it (`reminders_done`, `reminded_at`), gets its new link, and the message
/// goes to the outbox, together. An invitation used, or reminded by another pass (another
/// server), since it was read is skipped: the conditional update is what makes a reminder go
/// once. Returns how many were queued.
pub fn queue_scheduled_reminders(
    conn: &mut DbConn,
    due: Vec<DueReminder>,
    now: chrono::NaiveDateTime,
) -> Result<usize, OutreachError> {
    if due.is_empty() {
        return Ok(0);
    }
    write_tx(conn, |conn| {
        let mut messages = Vec::with_capacity(due.len());
        for reminder in due {
            if invitations::advance_schedule(
                conn,
                reminder.invitation_id,
                reminder.from,
                reminder.to,
                now,
            )? {
                invitations::add_token(conn, reminder.invitation_id, &reminder.token_sha256)?;
                messages.push(reminder.message);
            }
        }
        enqueue_many(conn, &messages)?;
        Ok(messages.len())
    })
}

/// Every scheduled reminder due at `now`, in batches, until none is left; how many were
/// queued. What each pass of `serve`'s mail sender does before delivering (there each batch's
/// read and write take their own turn of the pool). Every invitation read is either queued or
/// no longer due by the time its batch is written, so this ends.
pub fn send_scheduled_reminders(
    conn: &mut DbConn,
    public_url: &str,
    now: chrono::NaiveDateTime,
) -> Result<usize, OutreachError> {
    let mut queued = 0;
    loop {
        let due = due_scheduled_reminders(conn, public_url, now, SCHEDULED_BATCH)?;
        let read = due.len();
        queued += queue_scheduled_reminders(conn, due, now)?;
        if read < SCHEDULED_BATCH {
            return Ok(queued);
        }
    }
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
    let campaign = crate::campaign::get(conn, campaign_id)?;
    // Counting used invitations, as `campaign progress` does: a count is not an answer.
    let (invited, submitted) = invitations::progress(conn, campaign_id)?
        .iter()
        .fold((0, 0), |(invited, used), unit| {
            (invited + unit.invited, used + unit.used)
        });
    let facts = messages::CampaignFacts {
        status: campaign.status,
        closes_on: campaign.closes_on,
        invited: u64::try_from(invited).unwrap_or(0),
        submitted: u64::try_from(submitted).unwrap_or(0),
    };
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
            let content = messages::ranking(&results, &facts, lang, campaign_page.as_deref())?;
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
