//! Invitations: personal links to a campaign, for one unit. The response they lead to is not
//! linked back to them (for surveys); they only record that they were used.

use diesel::prelude::*;

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

pub struct NewInvitation<'a> {
    pub campaign_id: CampaignId,
    pub unit_id: UnitId,
    pub email: &'a EmailAddress,
    pub name: Option<&'a str>,
    pub lang: Lang,
    pub token_sha256: &'a str,
}

/// Creates the invitation with its first link (call inside a write transaction).
pub fn insert(conn: &mut DbConn, new: &NewInvitation) -> Result<InvitationId, DbError> {
    let id = diesel::insert_into(invitations::table)
        .values((
            invitations::campaign_id.eq(new.campaign_id),
            invitations::unit_id.eq(new.unit_id),
            invitations::email.eq(new.email.as_str()),
            invitations::name.eq(new.name),
            invitations::lang.eq(new.lang.code()),
            invitations::state.eq(InvitationState::Active),
            invitations::created_at.eq(super::now()),
        ))
        .returning(invitations::id)
        .get_result(conn)?;
    add_token(conn, id, new.token_sha256)?;
    Ok(id)
}

/// Unused invitations of the campaign not reminded since `quiet_since`, in id order.
pub fn due_for_reminder(
    conn: &mut DbConn,
    campaign_id: CampaignId,
    quiet_since: chrono::NaiveDateTime,
) -> Result<Vec<InvitationId>, DbError> {
    Ok(invitations::table
        .filter(invitations::campaign_id.eq(campaign_id))
        .filter(invitations::state.eq(InvitationState::Active))
        .filter(
            invitations::reminded_at
                .is_null()
                .or(invitations::reminded_at.le(quiet_since)),
        )
        .order(invitations::id)
        .select(invitations::id)
        .load(conn)?)
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
    Ok(invitation_tokens::table
        .inner_join(invitations::table.inner_join(campaigns::table))
        .filter(invitation_tokens::token_sha256.eq(sha256))
        .select((
            Invitation::as_select(),
            super::campaigns::Campaign::as_select(),
        ))
        .first(conn)
        .optional()?)
}

/// Like [`find_with_campaign`], with the link's sealed draft if it has one: the form view needs
/// all three, and one round trip instead of two is most of its cost on PostgreSQL.
#[allow(clippy::type_complexity)]
pub fn find_with_campaign_and_draft(
    conn: &mut DbConn,
    sha256: &str,
) -> Result<Option<(Invitation, super::campaigns::Campaign, Option<Vec<u8>>)>, DbError> {
    use super::schema::campaigns;
    Ok(invitation_tokens::table
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
        .first(conn)
        .optional()?)
}

/// Invitations of this person for this unit that still count (active or used).
pub fn find_current(
    conn: &mut DbConn,
    campaign_id: CampaignId,
    unit_id: UnitId,
    email: &EmailAddress,
) -> Result<Vec<Invitation>, DbError> {
    Ok(invitations::table
        .filter(invitations::campaign_id.eq(campaign_id))
        .filter(invitations::unit_id.eq(unit_id))
        .filter(invitations::email.eq(email.as_str()))
        .filter(invitations::state.ne(InvitationState::Revoked))
        .select(Invitation::as_select())
        .load(conn)?)
}

pub fn revoke(conn: &mut DbConn, id: InvitationId) -> Result<(), DbError> {
    diesel::update(invitations::table.find(id))
        .set(invitations::state.eq(InvitationState::Revoked))
        .execute(conn)?;
    diesel::delete(drafts::table.find(id)).execute(conn)?;
    Ok(())
}

/// Marks an active invitation used; false when it was not active any more (already used by a
/// concurrent submission, or revoked). This conditional update is what makes a link work once,
/// across threads and server instances.
pub fn mark_used(conn: &mut DbConn, id: InvitationId) -> Result<bool, DbError> {
    let changed = diesel::update(
        invitations::table
            .find(id)
            .filter(invitations::state.eq(InvitationState::Active)),
    )
    .set(invitations::state.eq(InvitationState::Used))
    .execute(conn)?;
    Ok(changed == 1)
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
    diesel::delete(drafts::table.find(invitation_id)).execute(conn)?;
    Ok(())
}
