//! Invitations: personal links to a campaign, for one unit. The response they lead to is not
//! linked back to them (for surveys); they only record that they were used.

use diesel::prelude::*;

use super::schema::{drafts, invitation_tokens, invitations};
use super::{DbConn, DbError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InvitationState {
    Active,
    Used,
    Revoked,
}

impl InvitationState {
    pub fn as_str(self) -> &'static str {
        match self {
            InvitationState::Active => "active",
            InvitationState::Used => "used",
            InvitationState::Revoked => "revoked",
        }
    }

    fn from_db(s: &str) -> InvitationState {
        match s {
            "used" => InvitationState::Used,
            "revoked" => InvitationState::Revoked,
            _ => InvitationState::Active,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Invitation {
    pub id: i64,
    pub campaign_id: i64,
    pub unit_id: i64,
    pub email: String,
    pub name: Option<String>,
    pub lang: String,
    pub state: InvitationState,
}

type InvitationRow = (i64, i64, i64, String, Option<String>, String, String);

fn columns() -> (
    invitations::id,
    invitations::campaign_id,
    invitations::unit_id,
    invitations::email,
    invitations::name,
    invitations::lang,
    invitations::state,
) {
    (
        invitations::id,
        invitations::campaign_id,
        invitations::unit_id,
        invitations::email,
        invitations::name,
        invitations::lang,
        invitations::state,
    )
}

impl From<InvitationRow> for Invitation {
    fn from(r: InvitationRow) -> Self {
        Invitation {
            id: r.0,
            campaign_id: r.1,
            unit_id: r.2,
            email: r.3,
            name: r.4,
            lang: r.5,
            state: InvitationState::from_db(&r.6),
        }
    }
}

pub struct NewInvitation<'a> {
    pub campaign_id: i64,
    pub unit_id: i64,
    pub email: &'a str,
    pub name: Option<&'a str>,
    pub lang: &'a str,
    pub token_sha256: &'a str,
}

/// Creates the invitation with its first link (call inside a write transaction).
pub fn insert(conn: &mut DbConn, new: &NewInvitation) -> Result<i64, DbError> {
    let id = diesel::insert_into(invitations::table)
        .values((
            invitations::campaign_id.eq(new.campaign_id),
            invitations::unit_id.eq(new.unit_id),
            invitations::email.eq(new.email),
            invitations::name.eq(new.name),
            invitations::lang.eq(new.lang),
            invitations::state.eq(InvitationState::Active.as_str()),
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
    campaign_id: i64,
    quiet_since: chrono::NaiveDateTime,
) -> Result<Vec<i64>, DbError> {
    Ok(invitations::table
        .filter(invitations::campaign_id.eq(campaign_id))
        .filter(invitations::state.eq(InvitationState::Active.as_str()))
        .filter(
            invitations::reminded_at
                .is_null()
                .or(invitations::reminded_at.le(quiet_since)),
        )
        .order(invitations::id)
        .select(invitations::id)
        .load(conn)?)
}

pub fn mark_reminded(conn: &mut DbConn, id: i64, at: chrono::NaiveDateTime) -> Result<(), DbError> {
    diesel::update(invitations::table.find(id))
        .set(invitations::reminded_at.eq(at))
        .execute(conn)?;
    Ok(())
}

/// Gives the invitation one more valid link.
pub fn add_token(conn: &mut DbConn, invitation_id: i64, token_sha256: &str) -> Result<(), DbError> {
    diesel::insert_into(invitation_tokens::table)
        .values((
            invitation_tokens::token_sha256.eq(token_sha256),
            invitation_tokens::invitation_id.eq(invitation_id),
        ))
        .execute(conn)?;
    Ok(())
}

pub fn get(conn: &mut DbConn, id: i64) -> Result<Option<Invitation>, DbError> {
    Ok(invitations::table
        .find(id)
        .select(columns())
        .first::<InvitationRow>(conn)
        .optional()?
        .map(Invitation::from))
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
        .select((columns(), campaigns::all_columns))
        .first::<(InvitationRow, super::campaigns::CampaignRow)>(conn)
        .optional()?
        .map(|(invitation, campaign)| (Invitation::from(invitation), campaign.into())))
}

/// Invitations of this person for this unit that still count (active or used).
pub fn find_current(
    conn: &mut DbConn,
    campaign_id: i64,
    unit_id: i64,
    email: &str,
) -> Result<Vec<Invitation>, DbError> {
    Ok(invitations::table
        .filter(invitations::campaign_id.eq(campaign_id))
        .filter(invitations::unit_id.eq(unit_id))
        .filter(invitations::email.eq(email))
        .filter(invitations::state.ne(InvitationState::Revoked.as_str()))
        .select(columns())
        .load::<InvitationRow>(conn)?
        .into_iter()
        .map(Invitation::from)
        .collect())
}

pub fn revoke(conn: &mut DbConn, id: i64) -> Result<(), DbError> {
    diesel::update(invitations::table.find(id))
        .set(invitations::state.eq(InvitationState::Revoked.as_str()))
        .execute(conn)?;
    diesel::delete(drafts::table.find(id)).execute(conn)?;
    Ok(())
}

/// Marks an active invitation used; false when it was not active any more (already used by a
/// concurrent submission, or revoked). This conditional update is what makes a link work once,
/// across threads and server instances.
pub fn mark_used(conn: &mut DbConn, id: i64) -> Result<bool, DbError> {
    let changed = diesel::update(
        invitations::table
            .find(id)
            .filter(invitations::state.eq(InvitationState::Active.as_str())),
    )
    .set(invitations::state.eq(InvitationState::Used.as_str()))
    .execute(conn)?;
    Ok(changed == 1)
}

/// Per unit of a campaign: (unit id, invitations that count, of which used).
pub fn progress(conn: &mut DbConn, campaign_id: i64) -> Result<Vec<(i64, i64, i64)>, DbError> {
    let rows: Vec<(i64, String)> = invitations::table
        .filter(invitations::campaign_id.eq(campaign_id))
        .filter(invitations::state.ne(InvitationState::Revoked.as_str()))
        .select((invitations::unit_id, invitations::state))
        .load(conn)?;
    let mut counts: std::collections::BTreeMap<i64, (i64, i64)> = Default::default();
    for (unit_id, state) in rows {
        let entry = counts.entry(unit_id).or_default();
        entry.0 += 1;
        if InvitationState::from_db(&state) == InvitationState::Used {
            entry.1 += 1;
        }
    }
    Ok(counts.into_iter().map(|(u, (i, s))| (u, i, s)).collect())
}

pub fn save_draft(
    conn: &mut DbConn,
    invitation_id: i64,
    answers_json: &str,
) -> Result<(), DbError> {
    let now = super::now();
    let updated = diesel::update(drafts::table.find(invitation_id))
        .set((drafts::answers.eq(answers_json), drafts::saved_at.eq(now)))
        .execute(conn)?;
    if updated == 0 {
        diesel::insert_into(drafts::table)
            .values((
                drafts::invitation_id.eq(invitation_id),
                drafts::answers.eq(answers_json),
                drafts::saved_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(())
}

pub fn load_draft(conn: &mut DbConn, invitation_id: i64) -> Result<Option<String>, DbError> {
    Ok(drafts::table
        .find(invitation_id)
        .select(drafts::answers)
        .first(conn)
        .optional()?)
}

pub fn delete_draft(conn: &mut DbConn, invitation_id: i64) -> Result<(), DbError> {
    diesel::delete(drafts::table.find(invitation_id)).execute(conn)?;
    Ok(())
}
