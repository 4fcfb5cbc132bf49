//! API tokens: only each token's SHA-256 is stored; names are unique across organizers.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::organizers::{organizer_columns, Organizer};
use super::schema::{api_tokens, organizers};
use super::types::{ApiTokenId, OrganizerId};
use super::{DbConn, DbError};

pub fn insert(
    conn: &mut DbConn,
    organizer_id: OrganizerId,
    name: &str,
    token_sha256: &str,
) -> Result<ApiTokenId, DbError> {
    Ok(diesel::insert_into(api_tokens::table)
        .values((
            api_tokens::organizer_id.eq(organizer_id),
            api_tokens::name.eq(name),
            api_tokens::token_sha256.eq(token_sha256),
            api_tokens::created_at.eq(super::now()),
        ))
        .returning(api_tokens::id)
        .get_result(conn)?)
}

pub fn name_taken(conn: &mut DbConn, name: &str) -> Result<bool, DbError> {
    Ok(diesel::select(diesel::dsl::exists(
        api_tokens::table.filter(api_tokens::name.eq(name)),
    ))
    .get_result(conn)?)
}

/// Deletes the token with this name; the email of its organizer, or None if there was none.
pub fn delete_by_name(conn: &mut DbConn, name: &str) -> Result<Option<String>, DbError> {
    let owner: Option<String> = api_tokens::table
        .inner_join(organizers::table)
        .filter(api_tokens::name.eq(name))
        .select(organizers::email)
        .first(conn)
        .optional()?;
    if owner.is_some() {
        diesel::delete(api_tokens::table.filter(api_tokens::name.eq(name))).execute(conn)?;
    }
    Ok(owner)
}

/// A token as listed: never its value, which is not stored.
#[derive(Clone, Debug, PartialEq, Eq, Queryable)]
pub struct Listed {
    pub name: String,
    pub organizer_email: String,
    pub created_at: NaiveDateTime,
}

/// Every token, by name.
pub fn list(conn: &mut DbConn) -> Result<Vec<Listed>, DbError> {
    Ok(api_tokens::table
        .inner_join(organizers::table)
        .order(api_tokens::name)
        .select((api_tokens::name, organizers::email, api_tokens::created_at))
        .load(conn)?)
}

/// The organizer holding the token with this SHA-256.
pub fn organizer_of(conn: &mut DbConn, token_sha256: &str) -> Result<Option<Organizer>, DbError> {
    Ok(api_tokens::table
        .inner_join(organizers::table)
        .filter(api_tokens::token_sha256.eq(token_sha256))
        .select(organizer_columns())
        .first(conn)
        .optional()?)
}
