//! Organizer accounts and their one-time password links. Rules (who may do what, password
//! strength, token shapes) live in `crate::access`; this module only stores.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::{api_tokens, organizers, password_setups, sessions};
use super::types::{OrganizerId, Role};
use super::{DbConn, DbError};

/// An organizer as stored, without the password hash (which only sign-in reads).
#[derive(Clone, Debug, PartialEq, Eq, Queryable)]
pub struct Organizer {
    pub id: OrganizerId,
    /// Lower case (checked by the table).
    pub email: String,
    pub name: Option<String>,
    pub role: Role,
    /// The unit code whose subtree the organizer may see; None: everything.
    pub scope_unit_code: Option<String>,
    pub has_password: bool,
    pub created_at: NaiveDateTime,
}

pub(super) type OrganizerColumns = (
    organizers::id,
    organizers::email,
    organizers::name,
    organizers::role,
    organizers::scope_unit_code,
    diesel::dsl::IsNotNull<organizers::password_hash>,
    organizers::created_at,
);

/// The columns of an [`Organizer`], for queries here and in the token and session modules.
pub(super) fn organizer_columns() -> OrganizerColumns {
    (
        organizers::id,
        organizers::email,
        organizers::name,
        organizers::role,
        organizers::scope_unit_code,
        organizers::password_hash.is_not_null(),
        organizers::created_at,
    )
}

/// What `insert` stores.
pub struct NewOrganizer<'a> {
    pub email: &'a str,
    pub name: Option<&'a str>,
    pub role: Role,
    pub scope_unit_code: Option<&'a str>,
    pub password_hash: Option<&'a str>,
}

pub fn insert(conn: &mut DbConn, new: &NewOrganizer) -> Result<OrganizerId, DbError> {
    Ok(diesel::insert_into(organizers::table)
        .values((
            organizers::email.eq(new.email),
            organizers::name.eq(new.name),
            organizers::role.eq(new.role),
            organizers::scope_unit_code.eq(new.scope_unit_code),
            organizers::password_hash.eq(new.password_hash),
            organizers::created_at.eq(super::now()),
        ))
        .returning(organizers::id)
        .get_result(conn)?)
}

/// The organizer with this (lower-case) address.
pub fn find_by_email(conn: &mut DbConn, email: &str) -> Result<Option<Organizer>, DbError> {
    Ok(organizers::table
        .filter(organizers::email.eq(email))
        .select(organizer_columns())
        .first(conn)
        .optional()?)
}

pub fn get(conn: &mut DbConn, id: OrganizerId) -> Result<Option<Organizer>, DbError> {
    Ok(organizers::table
        .find(id)
        .select(organizer_columns())
        .first(conn)
        .optional()?)
}

/// The organizer with this address and their password hash (None until one is set).
pub fn with_password_hash(
    conn: &mut DbConn,
    email: &str,
) -> Result<Option<(Organizer, Option<String>)>, DbError> {
    Ok(organizers::table
        .filter(organizers::email.eq(email))
        .select((organizer_columns(), organizers::password_hash))
        .first(conn)
        .optional()?)
}

pub fn set_password_hash(
    conn: &mut DbConn,
    id: OrganizerId,
    password_hash: &str,
) -> Result<(), DbError> {
    diesel::update(organizers::table.find(id))
        .set(organizers::password_hash.eq(password_hash))
        .execute(conn)?;
    Ok(())
}

/// Deletes the organizer with their tokens, sessions and password links (call inside a write
/// transaction).
pub fn delete(conn: &mut DbConn, id: OrganizerId) -> Result<(), DbError> {
    diesel::delete(api_tokens::table.filter(api_tokens::organizer_id.eq(id))).execute(conn)?;
    diesel::delete(sessions::table.filter(sessions::organizer_id.eq(id))).execute(conn)?;
    diesel::delete(password_setups::table.filter(password_setups::organizer_id.eq(id)))
        .execute(conn)?;
    diesel::delete(organizers::table.find(id)).execute(conn)?;
    Ok(())
}

/// An organizer with how many API tokens they hold.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Listed {
    pub organizer: Organizer,
    pub tokens: i64,
}

/// Every organizer, by email.
pub fn list(conn: &mut DbConn) -> Result<Vec<Listed>, DbError> {
    let tokens: std::collections::HashMap<OrganizerId, i64> = api_tokens::table
        .group_by(api_tokens::organizer_id)
        .select((api_tokens::organizer_id, diesel::dsl::count_star()))
        .load::<(OrganizerId, i64)>(conn)?
        .into_iter()
        .collect();
    Ok(organizers::table
        .order(organizers::email)
        .select(organizer_columns())
        .load::<Organizer>(conn)?
        .into_iter()
        .map(|organizer| Listed {
            tokens: tokens.get(&organizer.id).copied().unwrap_or(0),
            organizer,
        })
        .collect())
}

/// Stores a one-time password link (its token's SHA-256).
pub fn insert_setup(
    conn: &mut DbConn,
    organizer_id: OrganizerId,
    token_sha256: &str,
    expires_at: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(password_setups::table)
        .values((
            password_setups::token_sha256.eq(token_sha256),
            password_setups::organizer_id.eq(organizer_id),
            password_setups::expires_at.eq(expires_at),
        ))
        .execute(conn)?;
    Ok(())
}

/// The organizer a password link is for, while it is unused and `now` is before its expiry.
pub fn setup_organizer(
    conn: &mut DbConn,
    token_sha256: &str,
    now: NaiveDateTime,
) -> Result<Option<Organizer>, DbError> {
    Ok(password_setups::table
        .inner_join(organizers::table)
        .filter(password_setups::token_sha256.eq(token_sha256))
        .filter(password_setups::expires_at.gt(now))
        .select(organizer_columns())
        .first(conn)
        .optional()?)
}

/// Uses up a password link: deletes it (and the organizer's other links, and every expired
/// one) and returns its organizer, or None if it is unknown, used or expired at `now`. The
/// delete decides, so of two concurrent uses only one gets the organizer.
pub fn take_setup(
    conn: &mut DbConn,
    token_sha256: &str,
    now: NaiveDateTime,
) -> Result<Option<OrganizerId>, DbError> {
    let taken: Option<OrganizerId> = diesel::delete(
        password_setups::table
            .filter(password_setups::token_sha256.eq(token_sha256))
            .filter(password_setups::expires_at.gt(now)),
    )
    .returning(password_setups::organizer_id)
    .get_result(conn)
    .optional()?;
    if let Some(id) = taken {
        diesel::delete(password_setups::table.filter(password_setups::organizer_id.eq(id)))
            .execute(conn)?;
    }
    diesel::delete(password_setups::table.filter(password_setups::expires_at.le(now)))
        .execute(conn)?;
    Ok(taken)
}

/// Moves a password link's expiry (tests of expiry use it instead of waiting a day).
pub fn set_setup_expiry(
    conn: &mut DbConn,
    token_sha256: &str,
    expires_at: NaiveDateTime,
) -> Result<bool, DbError> {
    let changed = diesel::update(
        password_setups::table.filter(password_setups::token_sha256.eq(token_sha256)),
    )
    .set(password_setups::expires_at.eq(expires_at))
    .execute(conn)?;
    Ok(changed > 0)
}
