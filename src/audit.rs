//! The audit log: who did what, when, to which object. Every change an organizer makes (and
//! every change made at the command line, as `cli`) is recorded in the transaction that makes
//! it, so a change and its line commit together or not at all.
//!
//! Conventions, for the lines to read alike whoever writes them:
//! - `action`: `<object kind>.<verb>`, lower case (the constants below; the console and API
//!   add theirs, e.g. `campaign.open`, `units.import`).
//! - `object`: `<object kind> <identity>`: `organizer ani@example.go.id`, `token ci-export`,
//!   `campaign 3` (see [`organizer_object`], [`token_object`]).
//! - `detail`: optional `key=value` words (`role=admin scope=KW-ACEH`); never a secret.

use chrono::{NaiveDate, NaiveDateTime};

use crate::access::Principal;
use crate::db::{self, DbConn, DbError};
use crate::domain::EmailAddress;

pub use crate::db::audit::Entry;

pub const ORGANIZER_ADD: &str = "organizer.add";
pub const ORGANIZER_REMOVE: &str = "organizer.remove";
pub const ORGANIZER_PASSWORD: &str = "organizer.password";
/// The organizer set their password through their one-time link.
pub const ORGANIZER_PASSWORD_LINK: &str = "organizer.password_link";
pub const TOKEN_CREATE: &str = "token.create";
pub const TOKEN_REVOKE: &str = "token.revoke";

/// Who acted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor<'a> {
    /// The server's operator at the command line (recorded as `cli`).
    Cli,
    /// An organizer, through the console or the API (recorded by email).
    Organizer(&'a EmailAddress),
}

impl Actor<'_> {
    /// As recorded: the organizer's email, or `cli`.
    pub fn as_str(&self) -> &str {
        match self {
            Actor::Cli => "cli",
            Actor::Organizer(email) => email.as_str(),
        }
    }
}

impl<'a> From<&'a Principal> for Actor<'a> {
    fn from(principal: &'a Principal) -> Actor<'a> {
        Actor::Organizer(&principal.email)
    }
}

/// The object of an action on an organizer.
pub fn organizer_object(email: &EmailAddress) -> String {
    format!("organizer {email}")
}

/// The object of an action on an API token.
pub fn token_object(name: &str) -> String {
    format!("token {name}")
}

/// Records one action, now (UTC, to the second). Call it inside the transaction of the
/// change it records.
pub fn record(
    conn: &mut DbConn,
    actor: Actor<'_>,
    action: &str,
    object: &str,
    detail: Option<&str>,
) -> Result<(), DbError> {
    record_at(conn, db::now(), actor, action, object, detail)
}

/// [`record`] at a given time.
pub fn record_at(
    conn: &mut DbConn,
    at: NaiveDateTime,
    actor: Actor<'_>,
    action: &str,
    object: &str,
    detail: Option<&str>,
) -> Result<(), DbError> {
    db::audit::insert(conn, at, actor.as_str(), action, object, detail)?;
    Ok(())
}

/// The log from the start of `since` (a UTC day) on, or all of it; oldest first.
pub fn list(conn: &mut DbConn, since: Option<NaiveDate>) -> Result<Vec<Entry>, DbError> {
    db::audit::list(conn, since.map(|day| day.and_time(chrono::NaiveTime::MIN)))
}
