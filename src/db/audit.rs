//! The audit log's rows. What is recorded, and by whom, is `crate::audit`'s.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::schema::audit_log;
use super::types::AuditId;
use super::{DbConn, DbError};

pub fn insert(
    conn: &mut DbConn,
    at: NaiveDateTime,
    actor: &str,
    action: &str,
    object: &str,
    detail: Option<&str>,
) -> Result<AuditId, DbError> {
    Ok(diesel::insert_into(audit_log::table)
        .values((
            audit_log::at.eq(at),
            audit_log::actor.eq(actor),
            audit_log::action.eq(action),
            audit_log::object.eq(object),
            audit_log::detail.eq(detail),
        ))
        .returning(audit_log::id)
        .get_result(conn)?)
}

/// One line of the log.
#[derive(Clone, Debug, PartialEq, Eq, Queryable)]
pub struct Entry {
    pub id: AuditId,
    /// UTC, to the second.
    pub at: NaiveDateTime,
    /// The organizer's email, or `cli`.
    pub actor: String,
    pub action: String,
    pub object: String,
    pub detail: Option<String>,
}

/// The log from `since` on (all of it when None), oldest first.
pub fn list(conn: &mut DbConn, since: Option<NaiveDateTime>) -> Result<Vec<Entry>, DbError> {
    let mut query = audit_log::table
        .order((audit_log::at, audit_log::id))
        .select((
            audit_log::id,
            audit_log::at,
            audit_log::actor,
            audit_log::action,
            audit_log::object,
            audit_log::detail,
        ))
        .into_boxed();
    if let Some(since) = since {
        query = query.filter(audit_log::at.ge(since));
    }
    Ok(query.load(conn)?)
}
