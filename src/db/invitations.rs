//! Invitations: personal links to a campaign, for one unit. The response they lead to is not
//! linked back to them (for surveys); they only record that they were used.

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::ExecuteCopyFromDsl;

use super::schema::{drafts, invitation_tokens, invitations};
use super::types::{CampaignId, InvitationId, UnitId};
use super::{DbConn, DbError};
use crate::domain::{EmailAddress, Lang};

pub use super::types::InvitationState;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = invitations)]
pub struct Invitation {
    pub id: InvitationId,
    pub campaign_id: CampaignId,
    pub unit_id: UnitId,
    #[diesel(deserialize_as = String)]
    pub email: EmailAddress,
    pub name: Option<String>,
    #[diesel(deserialize_as = String)]
    pub lang: Lang,
    pub state: InvitationState,
}

/// A line to invite: written with [`insert_many`].
pub struct NewInvitation<'a> {
    pub campaign_id: CampaignId,
    pub unit_id: UnitId,
    pub email: &'a EmailAddress,
    pub name: Option<&'a str>,
    pub lang: Lang,
    pub token_sha256: &'a str,
}

/// Unused invitations of the campaign invited by `invited_before` and not reminded since
/// `quiet_since`, in id order (`kinerja remind`: nobody is reminded within `--min-days` of their
/// invitation, nor of their last reminder).
pub fn due_for_reminder(
    conn: &mut DbConn,
    campaign_id: CampaignId,
    invited_before: chrono::NaiveDateTime,
    quiet_since: chrono::NaiveDateTime,
) -> Result<Vec<InvitationId>, DbError> {
    Ok(remindable(campaign_id, invited_before, quiet_since)
        .order(invitations::id)
        .select(invitations::id)
        .load(conn)?)
}

/// Unused invitations of the campaign invited by `invited_before` and not reminded since
/// `quiet_since`: those a reminder may go to, by hand or on schedule.
fn remindable(
    campaign_id: CampaignId,
    invited_before: chrono::NaiveDateTime,
    quiet_since: chrono::NaiveDateTime,
) -> invitations::BoxedQuery<'static, super::MultiBackend> {
    invitations::table
        .filter(invitations::campaign_id.eq(campaign_id))
        .filter(invitations::state.eq(InvitationState::Active))
        .filter(invitations::created_at.le(invited_before))
        .filter(
            invitations::reminded_at
                .is_null()
                .or(invitations::reminded_at.le(quiet_since)),
        )
        .into_boxed()
}

/// How many invitations of the campaign are unused (still active).
pub fn count_active(conn: &mut DbConn, campaign_id: CampaignId) -> Result<i64, DbError> {
    Ok(invitations::table
        .filter(invitations::campaign_id.eq(campaign_id))
        .filter(invitations::state.eq(InvitationState::Active))
        .count()
        .get_result(conn)?)
}

pub fn mark_reminded(
    conn: &mut DbConn,
    id: InvitationId,
    at: chrono::NaiveDateTime,
) -> Result<(), DbError> {
    diesel::update(invitations::table.find(id))
        .set(invitations::reminded_at.eq(at))
        .execute(conn)?;
    Ok(())
}

/// An unused invitation whose next scheduled reminder is due.
#[derive(Clone, Debug)]
pub struct ScheduledDue {
    pub invitation: Invitation,
    /// The scheduled reminders it has had (or passed): the due one is the next.
    pub reminders_done: i32,
    pub created_at: chrono::NaiveDateTime,
}

/// Up to `limit` unused invitations of the campaign, in id order, that have had `done`
/// scheduled reminders and were invited by `invited_before` (so reminder number `done` is
/// due), and were not reminded since `quiet_since`. A read: the caller claims each one with
/// [`advance_schedule`] in its write transaction, after which it is no longer due.
pub fn due_by_schedule(
    conn: &mut DbConn,
    campaign_id: CampaignId,
    done: i32,
    invited_before: chrono::NaiveDateTime,
    quiet_since: chrono::NaiveDateTime,
    limit: i64,
) -> Result<Vec<ScheduledDue>, DbError> {
    let rows: Vec<(Invitation, i32, chrono::NaiveDateTime)> =
        remindable(campaign_id, invited_before, quiet_since)
            .filter(invitations::reminders_done.eq(done))
            .order(invitations::id)
            .limit(limit)
            .select((
                Invitation::as_select(),
                invitations::reminders_done,
                invitations::created_at,
            ))
            .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(invitation, reminders_done, created_at)| ScheduledDue {
            invitation,
            reminders_done,
            created_at,
        })
        .collect())
}

/// Records a scheduled reminder (call in the transaction that queues it): the invitation has
/// now had `to` of them, and was reminded `at`. Only if it is still unused and still at
/// `from`: false when another pass (another server on the same PostgreSQL database) or a
/// submission got there first. On PostgreSQL the second of two concurrent updates waits for
/// the first transaction, then finds `reminders_done` changed and updates nothing; SQLite's
/// write transaction admits one writer at a time. Either way a reminder is queued once.
pub fn advance_schedule(
    conn: &mut DbConn,
    id: InvitationId,
    from: i32,
    to: i32,
    at: chrono::NaiveDateTime,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        invitations::table
            .find(id)
            .filter(invitations::state.eq(InvitationState::Active))
            .filter(invitations::reminders_done.eq(from)),
    )
    .set((
        invitations::reminders_done.eq(to),
        invitations::reminded_at.eq(at),
    ))
    .execute(conn)?;
    Ok(changed == 1)
}

#[derive(Insertable)]
#[diesel(table_name = invitations, treat_none_as_default_value = false)]
struct InvitationInsert<'a> {
    id: InvitationId,
    campaign_id: CampaignId,
    unit_id: UnitId,
    email: &'a str,
    name: Option<&'a str>,
    lang: &'static str,
    state: InvitationState,
    created_at: chrono::NaiveDateTime,
}

#[derive(Insertable)]
#[diesel(table_name = invitation_tokens, treat_none_as_default_value = false)]
struct TokenInsert<'a> {
    token_sha256: &'a str,
    invitation_id: InvitationId,
}

/// Invitation rows per SQLite INSERT: 8 bound variables each, under the 32,766 limit.
const INVITATIONS_PER_STATEMENT: usize = 4_000;
/// Token rows per SQLite INSERT: 2 bound variables each.
const TOKENS_PER_STATEMENT: usize = 16_000;
/// Rows per PostgreSQL COPY: bounds the memory of one encoded batch, nothing else.
const ROWS_PER_COPY: usize = 20_000;

/// Creates the invitations, each with its first link, in bulk (call inside a write
/// transaction); returns their ids in the order given.
///
/// The ids are chosen before the rows are written, so that tokens (and the caller's outbox
/// rows) can refer to them without reading anything back: on PostgreSQL they are drawn from
/// the identity's sequence, which concurrent writers share safely, and the rows go in by
/// binary COPY; on SQLite the write transaction (`BEGIN IMMEDIATE`) holds the only write lock,
/// so the ids after the current maximum are free (what `INTEGER PRIMARY KEY` would pick) and
/// the rows go in as multi-row INSERTs.
pub fn insert_many(conn: &mut DbConn, new: &[NewInvitation]) -> Result<Vec<InvitationId>, DbError> {
    if new.is_empty() {
        return Ok(Vec::new());
    }
    let count = i64::try_from(new.len()).unwrap_or(i64::MAX);
    let ids: Vec<InvitationId> = match conn {
        // The sequence's name is looked up once (a materialized CTE is never inlined): as
        // nextval's argument it is looked up per row (measured: 180-260 ms for 60,000 ids,
        // against 30 ms).
        DbConn::Pg(c) => diesel::sql_query(
            "WITH s AS MATERIALIZED \
             (SELECT pg_get_serial_sequence('invitations', 'id')::regclass AS seq) \
             SELECT nextval(s.seq) AS id FROM s, generate_series(1, $1)",
        )
        .bind::<diesel::sql_types::BigInt, _>(count)
        .load::<NextId>(c)?
        .into_iter()
        .map(|row| InvitationId(row.id))
        .collect(),
        DbConn::Sqlite(c) => {
            // The new rows land all over the address and token-hash indexes; with SQLite's
            // default 2 MiB page cache the transaction spills dirty pages to the WAL and reads
            // them back. 64 MiB for this connection (a limit, allocated only as used) took
            // 60,000 links into a campaign of 120,000 from 1.7-2.0 s to 0.9-1.3 s (2 busy
            // cores, noisy).
            c.batch_execute("PRAGMA cache_size = -65536")?;
            let max: Option<i64> = invitations::table
                .select(diesel::dsl::max(invitations::id))
                .first(c)?;
            let first = max.unwrap_or(0) + 1;
            (first..first + count).map(InvitationId).collect()
        }
    };
    let created_at = super::now();
    let rows: Vec<InvitationInsert> = new
        .iter()
        .zip(&ids)
        .map(|(n, &id)| InvitationInsert {
            id,
            campaign_id: n.campaign_id,
            unit_id: n.unit_id,
            email: n.email.as_str(),
            name: n.name,
            lang: n.lang.code(),
            state: InvitationState::Active,
            created_at,
        })
        .collect();
    let tokens: Vec<TokenInsert> = new
        .iter()
        .zip(&ids)
        .map(|(n, &id)| TokenInsert {
            token_sha256: n.token_sha256,
            invitation_id: id,
        })
        .collect();
    match conn {
        // Binary COPY: measured about 4 times faster than multi-row INSERTs for responses.
        DbConn::Pg(c) => {
            for chunk in rows.chunks(ROWS_PER_COPY) {
                diesel::copy_from(invitations::table)
                    .from_insertable(chunk)
                    .execute(c)?;
            }
            for chunk in tokens.chunks(ROWS_PER_COPY) {
                diesel::copy_from(invitation_tokens::table)
                    .from_insertable(chunk)
                    .execute(c)?;
            }
        }
        DbConn::Sqlite(c) => {
            for chunk in rows.chunks(INVITATIONS_PER_STATEMENT) {
                diesel::insert_into(invitations::table)
                    .values(chunk)
                    .execute(c)?;
            }
            for chunk in tokens.chunks(TOKENS_PER_STATEMENT) {
                diesel::insert_into(invitation_tokens::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
    }
    Ok(ids)
}

#[derive(QueryableByName)]
struct NextId {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
}

/// Gives the invitation one more valid link.
pub fn add_token(
    conn: &mut DbConn,
    invitation_id: InvitationId,
    token_sha256: &str,
) -> Result<(), DbError> {
    diesel::insert_into(invitation_tokens::table)
        .values((
            invitation_tokens::token_sha256.eq(token_sha256),
            invitation_tokens::invitation_id.eq(invitation_id),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn get(conn: &mut DbConn, id: InvitationId) -> Result<Option<Invitation>, DbError> {
    Ok(invitations::table
        .find(id)
        .select(Invitation::as_select())
        .first(conn)
        .optional()?)
}

/// The invitation a link belongs to, with its campaign, in one query (a form view is a few
/// round trips, and each one counts under load).
pub fn find_with_campaign(
    conn: &mut DbConn,
    sha256: &str,
) -> Result<Option<(Invitation, super::campaigns::Campaign)>, DbError> {
    use super::schema::campaigns;
    macro_rules! query {
        () => {
            invitation_tokens::table
                .inner_join(invitations::table.inner_join(campaigns::table))
                .filter(invitation_tokens::token_sha256.eq(sha256))
                .select((
                    Invitation::as_select(),
                    super::campaigns::Campaign::as_select(),
                ))
        };
    }
    // On the backend's own connection: through the multi-backend one, diesel cannot cache the
    // statement by type and builds its SQL on every call (measured: 13% of a form view's CPU).
    Ok(match conn {
        DbConn::Sqlite(c) => query!().first(c).optional()?,
        DbConn::Pg(c) => query!().first(c).optional()?,
    })
}

/// Like [`find_with_campaign`], with the link's sealed draft if it has one: the form view needs
/// all three, and one round trip instead of two is most of its cost on PostgreSQL.
#[allow(clippy::type_complexity)]
pub fn find_with_campaign_and_draft(
    conn: &mut DbConn,
    sha256: &str,
) -> Result<Option<(Invitation, super::campaigns::Campaign, Option<Vec<u8>>)>, DbError> {
    use super::schema::campaigns;
    macro_rules! query {
        () => {
            invitation_tokens::table
                .inner_join(
                    invitations::table
                        .inner_join(campaigns::table)
                        .left_join(drafts::table),
                )
                .filter(invitation_tokens::token_sha256.eq(sha256))
                .select((
                    Invitation::as_select(),
                    super::campaigns::Campaign::as_select(),
                    drafts::sealed.nullable(),
                ))
        };
    }
    // The backend's own connection, as in `find_with_campaign`.
    Ok(match conn {
        DbConn::Sqlite(c) => query!().first(c).optional()?,
        DbConn::Pg(c) => query!().first(c).optional()?,
    })
}

/// An invitation that still counts (active or used), as a re-invitation check needs it.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = invitations)]
pub struct CurrentInvitation {
    pub id: InvitationId,
    pub unit_id: UnitId,
    /// As stored: lower-cased, like every address read from a file.
    pub email: String,
    pub state: InvitationState,
}

/// Addresses per lookup query. SQLite binds each one (at most 32,766 variables per statement);
/// PostgreSQL sends the chunk as one array (`= ANY($2)`).
const EMAILS_PER_QUERY: usize = 10_000;

/// The invitations of the campaign that still count (active or used) for any of `emails`, in
/// a few queries whatever the number of addresses. Each address is an index lookup on
/// (campaign_id, email, unit_id), so the cost follows the number of addresses asked about, not
/// the number of invitations the campaign already holds.
pub fn find_current_for_emails(
    conn: &mut DbConn,
    campaign_id: CampaignId,
    emails: &[&str],
) -> Result<Vec<CurrentInvitation>, DbError> {
    let mut found = Vec::new();
    for chunk in emails.chunks(EMAILS_PER_QUERY) {
        found.extend(
            invitations::table
                .filter(invitations::campaign_id.eq(campaign_id))
                .filter(invitations::email.eq_any(chunk))
                .filter(invitations::state.ne(InvitationState::Revoked))
                .select(CurrentInvitation::as_select())
                .load(conn)?,
        );
    }
    Ok(found)
}

/// Ids per UPDATE/DELETE of [`revoke_active`], under SQLite's bound-variable limit.
const IDS_PER_STATEMENT: usize = 10_000;

/// Revokes those of `ids` that are still active and deletes their drafts (call inside a write
/// transaction). Returns the ids that were *not* revoked because they are no longer active:
/// on PostgreSQL a submission may have used one since it was read, and a used link must never
/// be replaced.
pub fn revoke_active(
    conn: &mut DbConn,
    ids: &[InvitationId],
) -> Result<Vec<InvitationId>, DbError> {
    let mut revoked = 0;
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        revoked += diesel::update(
            invitations::table
                .filter(invitations::id.eq_any(chunk))
                .filter(invitations::state.eq(InvitationState::Active)),
        )
        .set(invitations::state.eq(InvitationState::Revoked))
        .execute(conn)?;
    }
    let mut not_revoked = Vec::new();
    if revoked < ids.len() {
        for chunk in ids.chunks(IDS_PER_STATEMENT) {
            not_revoked.extend(
                invitations::table
                    .filter(invitations::id.eq_any(chunk))
                    .filter(invitations::state.ne(InvitationState::Revoked))
                    .select(invitations::id)
                    .load::<InvitationId>(conn)?,
            );
        }
    }
    for chunk in ids.chunks(IDS_PER_STATEMENT) {
        diesel::delete(drafts::table.filter(drafts::invitation_id.eq_any(chunk))).execute(conn)?;
    }
    Ok(not_revoked)
}

/// Marks an active invitation used; false when it was not active any more (already used by a
/// concurrent submission, or revoked). This conditional update is what makes a link work once,
/// across threads and server instances.
pub fn mark_used(conn: &mut DbConn, id: InvitationId) -> Result<bool, DbError> {
    let query = diesel::update(
        invitations::table
            .find(id)
            .filter(invitations::state.eq(InvitationState::Active)),
    )
    .set(invitations::state.eq(InvitationState::Used));
    // The backend's own connection caches the statement by type (see `find_with_campaign`):
    // SQLite runs this once per submission.
    let changed = match conn {
        DbConn::Sqlite(c) => query.execute(c)?,
        DbConn::Pg(c) => query.execute(c)?,
    };
    Ok(changed == 1)
}

/// Marks these active invitations used; returns those that were (an invitation already used
/// or revoked is not). PostgreSQL does it in one statement, SQLite with one prepared statement
/// per invitation (in process, that beats preparing a new statement for every group size).
pub fn mark_used_many(
    conn: &mut DbConn,
    ids: &[InvitationId],
) -> Result<std::collections::HashSet<InvitationId>, DbError> {
    match conn {
        DbConn::Pg(c) => {
            let mut marked = std::collections::HashSet::new();
            for chunk in ids.chunks(10_000) {
                let rows: Vec<InvitationId> = diesel::update(
                    invitations::table
                        .filter(invitations::id.eq_any(chunk))
                        .filter(invitations::state.eq(InvitationState::Active)),
                )
                .set(invitations::state.eq(InvitationState::Used))
                .returning(invitations::id)
                .get_results(c)?;
                marked.extend(rows);
            }
            Ok(marked)
        }
        DbConn::Sqlite(_) => {
            let mut marked = std::collections::HashSet::new();
            for id in ids {
                if mark_used(conn, *id)? {
                    marked.insert(*id);
                }
            }
            Ok(marked)
        }
    }
}

/// Deletes the drafts of these invitations (one statement on PostgreSQL, a prepared one per
/// invitation on SQLite).
pub fn delete_drafts(conn: &mut DbConn, ids: &[InvitationId]) -> Result<(), DbError> {
    match conn {
        DbConn::Pg(c) => {
            for chunk in ids.chunks(10_000) {
                diesel::delete(drafts::table.filter(drafts::invitation_id.eq_any(chunk)))
                    .execute(c)?;
            }
        }
        DbConn::Sqlite(_) => {
            for id in ids {
                delete_draft(conn, *id)?;
            }
        }
    }
    Ok(())
}

/// How far a unit's invitations have come.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnitProgress {
    pub unit_id: UnitId,
    /// Invitations that count (active or used).
    pub invited: i64,
    pub used: i64,
}

/// Per unit of a campaign, in unit id order.
pub fn progress(conn: &mut DbConn, campaign_id: CampaignId) -> Result<Vec<UnitProgress>, DbError> {
    let rows: Vec<(UnitId, InvitationState)> = invitations::table
        .filter(invitations::campaign_id.eq(campaign_id))
        .filter(invitations::state.ne(InvitationState::Revoked))
        .select((invitations::unit_id, invitations::state))
        .load(conn)?;
    let mut counts: std::collections::BTreeMap<UnitId, (i64, i64)> = Default::default();
    for (unit_id, state) in rows {
        let entry = counts.entry(unit_id).or_default();
        entry.0 += 1;
        if state == InvitationState::Used {
            entry.1 += 1;
        }
    }
    Ok(counts
        .into_iter()
        .map(|(unit_id, (invited, used))| UnitProgress {
            unit_id,
            invited,
            used,
        })
        .collect())
}

/// Locks an active invitation's row for the rest of the transaction; false when it is not
/// active any more. A draft is saved under this lock, and a submission marks the invitation
/// used under the same row lock, so a save racing a submit ends one way or the other: never a
/// draft left beside a used invitation, never two inserts of one draft.
pub fn lock_active(conn: &mut DbConn, id: InvitationId) -> Result<bool, DbError> {
    let query = invitations::table
        .find(id)
        .filter(invitations::state.eq(InvitationState::Active))
        .select(invitations::id);
    let found: Option<InvitationId> = match conn {
        DbConn::Pg(c) => query.for_update().first(c).optional()?,
        // The write transaction (BEGIN IMMEDIATE) already excludes every other writer.
        DbConn::Sqlite(c) => query.first(c).optional()?,
    };
    Ok(found.is_some())
}

/// Stores the sealed draft (call under `lock_active`). Only the day is kept.
pub fn save_draft(
    conn: &mut DbConn,
    invitation_id: InvitationId,
    sealed: &[u8],
) -> Result<(), DbError> {
    let today = chrono::Utc::now().date_naive();
    let updated = diesel::update(drafts::table.find(invitation_id))
        .set((drafts::sealed.eq(sealed), drafts::saved_on.eq(today)))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(drafts::table)
            .values((
                drafts::invitation_id.eq(invitation_id),
                drafts::sealed.eq(sealed),
                drafts::saved_on.eq(today),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn load_draft(
    conn: &mut DbConn,
    invitation_id: InvitationId,
) -> Result<Option<Vec<u8>>, DbError> {
    Ok(drafts::table
        .find(invitation_id)
        .select(drafts::sealed)
        .first(conn)
        .optional()?)
}

pub fn delete_draft(conn: &mut DbConn, invitation_id: InvitationId) -> Result<(), DbError> {
    let query = diesel::delete(drafts::table.find(invitation_id));
    // Once per submission on SQLite: the backend's own connection caches it by type.
    match conn {
        DbConn::Sqlite(c) => query.execute(c)?,
        DbConn::Pg(c) => query.execute(c)?,
    };
    Ok(())
}
