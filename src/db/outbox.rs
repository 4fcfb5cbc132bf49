//! The email outbox: messages are written in the transaction that causes them and delivered
//! later by a sender that claims them with a lease.

use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::ExecuteCopyFromDsl;

use super::schema::{campaigns, outbox};
use super::types::{CampaignId, InvitationId, MessageId, OutboxStatus};
use super::{write_tx, DbConn, DbError};

/// A message as it is queued.
pub struct NewMessage<'a> {
    pub campaign_id: Option<CampaignId>,
    pub invitation_id: Option<InvitationId>,
    pub kind: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub body_text: &'a str,
    pub body_html: &'a str,
    pub message_id: &'a str,
}

/// A message claimed for delivery.
#[derive(Clone, Debug)]
pub struct Claimed {
    pub id: MessageId,
    /// What it is for (`MessageKind::as_str`).
    pub kind: String,
    pub recipient: String,
    pub subject: String,
    pub body_text: Option<String>,
    pub body_html: Option<String>,
    pub message_id: String,
    pub attempts: i32,
    /// The title and contact of the campaign it belongs to, if any: read when it is sent, so
    /// that no copy of them waits in the queue.
    pub campaign_title: Option<String>,
    pub campaign_contact: Option<String>,
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = outbox)]
struct ClaimedRow {
    id: MessageId,
    kind: String,
    recipient: String,
    subject: String,
    body_text: Option<String>,
    body_html: Option<String>,
    message_id: String,
    attempts: i32,
}

pub fn enqueue(conn: &mut DbConn, message: &NewMessage) -> Result<MessageId, DbError> {
    let now = super::now();
    Ok(diesel::insert_into(outbox::table)
        .values((
            outbox::campaign_id.eq(message.campaign_id),
            outbox::invitation_id.eq(message.invitation_id),
            outbox::kind.eq(message.kind),
            outbox::recipient.eq(message.recipient),
            outbox::subject.eq(message.subject),
            outbox::body_text.eq(message.body_text),
            outbox::body_html.eq(message.body_html),
            outbox::message_id.eq(message.message_id),
            outbox::status.eq(OutboxStatus::Queued),
            outbox::attempts.eq(0),
            outbox::next_attempt_at.eq(now),
            outbox::created_at.eq(now),
        ))
        .returning(outbox::id)
        .get_result(conn)?)
}

#[derive(Insertable)]
#[diesel(table_name = outbox, treat_none_as_default_value = false)]
struct MessageInsert<'a> {
    campaign_id: Option<CampaignId>,
    invitation_id: Option<InvitationId>,
    kind: &'a str,
    recipient: &'a str,
    subject: &'a str,
    body_text: &'a str,
    body_html: &'a str,
    message_id: &'a str,
    status: OutboxStatus,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    created_at: NaiveDateTime,
}

/// Messages per SQLite INSERT: 12 bound variables each, under the 32,766 limit.
const MESSAGES_PER_STATEMENT: usize = 2_700;
/// Messages per PostgreSQL COPY: each carries two bodies of a few KiB, so this bounds the
/// memory of one encoded batch.
const MESSAGES_PER_COPY: usize = 5_000;

/// Queues many messages at once (call inside the transaction of what causes them): binary COPY
/// on PostgreSQL, multi-row INSERTs on SQLite. Returns how many were queued.
pub fn enqueue_many(conn: &mut DbConn, messages: &[NewMessage]) -> Result<usize, DbError> {
    let now = super::now();
    let rows: Vec<MessageInsert> = messages
        .iter()
        .map(|m| MessageInsert {
            campaign_id: m.campaign_id,
            invitation_id: m.invitation_id,
            kind: m.kind,
            recipient: m.recipient,
            subject: m.subject,
            body_text: m.body_text,
            body_html: m.body_html,
            message_id: m.message_id,
            status: OutboxStatus::Queued,
            attempts: 0,
            next_attempt_at: now,
            created_at: now,
        })
        .collect();
    let mut queued = 0;
    match conn {
        DbConn::Pg(c) => {
            for chunk in rows.chunks(MESSAGES_PER_COPY) {
                queued += diesel::copy_from(outbox::table)
                    .from_insertable(chunk)
                    .execute(c)?;
            }
        }
        DbConn::Sqlite(c) => {
            for chunk in rows.chunks(MESSAGES_PER_STATEMENT) {
                queued += diesel::insert_into(outbox::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
    }
    Ok(queued)
}

/// Deletes the still-queued messages of one kind to one recipient (what they said no longer
/// holds); how many.
pub fn cancel_queued(conn: &mut DbConn, kind: &str, recipient: &str) -> Result<usize, DbError> {
    Ok(diesel::delete(
        outbox::table
            .filter(outbox::kind.eq(kind))
            .filter(outbox::recipient.eq(recipient))
            .filter(outbox::status.eq(OutboxStatus::Queued)),
    )
    .execute(conn)?)
}

/// Claims up to `limit` queued messages due by `due_by` with an id above `after` (a pass
/// moves forward, so it tries each message at most once), for `lease`: no other sender
/// (thread, process or instance) gets them until the lease runs out. PostgreSQL skips rows
/// another sender is claiming at the same moment (`FOR UPDATE SKIP LOCKED`); SQLite
/// serialises claims with its write lock (`BEGIN IMMEDIATE`), so the select and the update
/// of one claim see no other writer in between.
pub fn claim(
    conn: &mut DbConn,
    due_by: NaiveDateTime,
    after: MessageId,
    lease: chrono::Duration,
    limit: i64,
) -> Result<Vec<Claimed>, DbError> {
    let now = super::now();
    write_tx(conn, |conn| {
        let due = outbox::table
            .filter(outbox::id.gt(after))
            .filter(outbox::status.eq(OutboxStatus::Queued))
            .filter(outbox::next_attempt_at.le(due_by))
            .filter(
                outbox::locked_until
                    .is_null()
                    .or(outbox::locked_until.lt(now)),
            )
            .order(outbox::id)
            .limit(limit)
            .select(outbox::id);
        let ids: Vec<MessageId> = match conn {
            DbConn::Pg(c) => due.for_update().skip_locked().load(c)?,
            DbConn::Sqlite(c) => due.load(c)?,
        };
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        diesel::update(outbox::table.filter(outbox::id.eq_any(&ids)))
            .set(outbox::locked_until.eq(now + lease))
            .execute(conn)?;
        let rows: Vec<(ClaimedRow, Option<String>, Option<String>)> = outbox::table
            .left_join(campaigns::table)
            .filter(outbox::id.eq_any(&ids))
            .order(outbox::id)
            .select((
                ClaimedRow::as_select(),
                campaigns::title.nullable(),
                campaigns::contact.nullable(),
            ))
            .load(conn)?;
        Ok(rows
            .into_iter()
            .map(|(row, campaign_title, campaign_contact)| Claimed {
                id: row.id,
                kind: row.kind,
                recipient: row.recipient,
                subject: row.subject,
                body_text: row.body_text,
                body_html: row.body_html,
                message_id: row.message_id,
                attempts: row.attempts,
                campaign_title,
                campaign_contact,
            })
            .collect())
    })
}

/// Delivered: the body, which may hold a link, is erased.
pub fn mark_sent(conn: &mut DbConn, id: MessageId) -> Result<(), DbError> {
    let now = super::now();
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq(OutboxStatus::Sent),
            outbox::sent_at.eq(now),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::body_text.eq(None::<String>),
            outbox::body_html.eq(None::<String>),
            outbox::locked_until.eq(None::<NaiveDateTime>),
            outbox::last_error.eq(None::<String>),
        ))
        .execute(conn)?;
    Ok(())
}

/// A failed attempt: retried at `retry_at`, or failed for good when that is None.
pub fn mark_failed(
    conn: &mut DbConn,
    id: MessageId,
    error: &str,
    retry_at: Option<NaiveDateTime>,
) -> Result<(), DbError> {
    let status = if retry_at.is_some() {
        OutboxStatus::Queued
    } else {
        OutboxStatus::Failed
    };
    diesel::update(outbox::table.find(id))
        .set((
            outbox::status.eq(status),
            outbox::attempts.eq(outbox::attempts + 1),
            outbox::last_error.eq(error),
            outbox::next_attempt_at.eq(retry_at.unwrap_or_else(super::now)),
            outbox::locked_until.eq(None::<NaiveDateTime>),
        ))
        .execute(conn)?;
    Ok(())
}

/// How many messages have one status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Queryable)]
pub struct StatusCount {
    pub status: OutboxStatus,
    pub messages: i64,
}

/// Counts by status, for one campaign or all.
pub fn counts(
    conn: &mut DbConn,
    campaign_id: Option<CampaignId>,
) -> Result<Vec<StatusCount>, DbError> {
    let mut query = outbox::table
        .group_by(outbox::status)
        .select((outbox::status, diesel::dsl::count_star()))
        .into_boxed();
    if let Some(campaign) = campaign_id {
        query = query.filter(outbox::campaign_id.eq(campaign));
    }
    Ok(query.load(conn)?)
}

/// Messages that met one error: failed for good, or waiting for another attempt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorGroup {
    pub error: String,
    pub failed: i64,
    pub waiting: i64,
    /// The earliest next attempt of the waiting ones.
    pub next_attempt_at: Option<NaiveDateTime>,
}

impl ErrorGroup {
    pub fn messages(&self) -> i64 {
        self.failed + self.waiting
    }
}

/// The errors of messages not delivered (failed, or queued again after a failed attempt) with
/// how many met each, most frequent first (then by text): counted by the database, so a
/// failure of the whole outbox is a few rows, not one per message.
pub fn errors(
    conn: &mut DbConn,
    campaign_id: Option<CampaignId>,
) -> Result<Vec<ErrorGroup>, DbError> {
    let mut query = outbox::table
        .filter(outbox::last_error.is_not_null())
        .filter(outbox::status.ne(OutboxStatus::Sent))
        .group_by((outbox::last_error, outbox::status))
        .select((
            outbox::last_error,
            outbox::status,
            diesel::dsl::count_star(),
            diesel::dsl::min(outbox::next_attempt_at),
        ))
        .into_boxed();
    if let Some(campaign) = campaign_id {
        query = query.filter(outbox::campaign_id.eq(campaign));
    }
    let rows: Vec<(Option<String>, OutboxStatus, i64, Option<NaiveDateTime>)> = query.load(conn)?;
    let mut groups: Vec<ErrorGroup> = Vec::new();
    for (error, status, messages, next) in rows {
        // Errors stored before the sender stopped repeating a cause ("...: no such user: no
        // such user") join the group of their text without the repeat.
        let error = without_repeats(error.as_deref().unwrap_or_default());
        let at = match groups.iter().position(|g| g.error == error) {
            Some(at) => at,
            None => {
                groups.push(ErrorGroup {
                    error,
                    failed: 0,
                    waiting: 0,
                    next_attempt_at: None,
                });
                groups.len() - 1
            }
        };
        let group = &mut groups[at];
        if status == OutboxStatus::Failed {
            group.failed += messages;
        } else {
            group.waiting += messages;
            group.next_attempt_at = match (group.next_attempt_at, next) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
    }
    groups.sort_by(|a, b| {
        b.messages()
            .cmp(&a.messages())
            .then_with(|| a.error.cmp(&b.error))
    });
    Ok(groups)
}

/// A message that could not be delivered, or is still waiting after a failed attempt.
#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = outbox)]
pub struct Trouble {
    pub id: MessageId,
    pub status: OutboxStatus,
    pub recipient: String,
    pub subject: String,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub next_attempt_at: NaiveDateTime,
}

/// Every undelivered message with its error (said once, as in [`errors`]), by id.
pub fn troubles(
    conn: &mut DbConn,
    campaign_id: Option<CampaignId>,
) -> Result<Vec<Trouble>, DbError> {
    let mut query = outbox::table
        .filter(outbox::last_error.is_not_null())
        .filter(outbox::status.ne(OutboxStatus::Sent))
        .order(outbox::id)
        .select(Trouble::as_select())
        .into_boxed();
    if let Some(campaign) = campaign_id {
        query = query.filter(outbox::campaign_id.eq(campaign));
    }
    let mut troubles: Vec<Trouble> = query.load(conn)?;
    for trouble in &mut troubles {
        trouble.last_error = trouble.last_error.as_deref().map(without_repeats);
    }
    Ok(troubles)
}

/// An error text with each ": "-separated part kept once, the first time it comes.
fn without_repeats(error: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in error.split(": ") {
        if !parts.contains(&part) {
            parts.push(part);
        }
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_cause_told_twice_is_kept_once() {
        assert_eq!(
            super::without_repeats("permanent error (550): no such user here: no such user here"),
            "permanent error (550): no such user here"
        );
        assert_eq!(
            super::without_repeats("network error: refused: network error: refused"),
            "network error: refused"
        );
        assert_eq!(super::without_repeats("timeout"), "timeout");
        assert_eq!(super::without_repeats(""), "");
    }
}
