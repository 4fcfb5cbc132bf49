//! Console sessions: the SHA-256 of the cookie's value, the session's anti-forgery token, and
//! when it was last used. The rules (8 hours idle, touched at most once a minute) are
//! `crate::access`'s; this module takes them as arguments, and the time as `now`, so that
//! tests can move the clock.

use chrono::{Duration, NaiveDateTime};
use diesel::prelude::*;

use super::organizers::{organizer_columns, Organizer};
use super::schema::{organizers, sessions};
use super::types::OrganizerId;
use super::{DbConn, DbError};

pub fn create(
    conn: &mut DbConn,
    id_sha256: &str,
    organizer_id: OrganizerId,
    csrf_token: &str,
    now: NaiveDateTime,
) -> Result<(), DbError> {
    diesel::insert_into(sessions::table)
        .values((
            sessions::id_sha256.eq(id_sha256),
            sessions::organizer_id.eq(organizer_id),
            sessions::csrf_token.eq(csrf_token),
            sessions::created_at.eq(now),
            sessions::last_seen_at.eq(now),
        ))
        .execute(conn)?;
    Ok(())
}

/// A live session's organizer and anti-forgery token. A session last seen `idle` or longer
/// before `now` is over: it is deleted and None returned. Otherwise `last_seen_at` moves to
/// `now` when it is at least `touch_every` old, so a busy session writes once a minute rather
/// than on every request (this is the only write; on SQLite, call it where a write may wait
/// for the lock).
pub fn touch(
    conn: &mut DbConn,
    id_sha256: &str,
    now: NaiveDateTime,
    idle: Duration,
    touch_every: Duration,
) -> Result<Option<(Organizer, String)>, DbError> {
    let found = sessions::table
        .inner_join(organizers::table)
        .filter(sessions::id_sha256.eq(id_sha256))
        .select((
            organizer_columns(),
            sessions::csrf_token,
            sessions::last_seen_at,
        ))
        .first::<(Organizer, String, NaiveDateTime)>(conn)
        .optional()?;
    let Some((organizer, csrf, last_seen)) = found else {
        return Ok(None);
    };
    if now - last_seen >= idle {
        delete(conn, id_sha256)?;
        return Ok(None);
    }
    if now - last_seen >= touch_every {
        diesel::update(sessions::table.find(id_sha256))
            .set(sessions::last_seen_at.eq(now))
            .execute(conn)?;
    }
    Ok(Some((organizer, csrf)))
}

/// When a session was last seen (for tests and housekeeping).
pub fn last_seen(conn: &mut DbConn, id_sha256: &str) -> Result<Option<NaiveDateTime>, DbError> {
    Ok(sessions::table
        .find(id_sha256)
        .select(sessions::last_seen_at)
        .first(conn)
        .optional()?)
}

pub fn delete(conn: &mut DbConn, id_sha256: &str) -> Result<(), DbError> {
    diesel::delete(sessions::table.find(id_sha256)).execute(conn)?;
    Ok(())
}

/// Ends every session of an organizer (their password changed).
pub fn delete_for_organizer(
    conn: &mut DbConn,
    organizer_id: OrganizerId,
) -> Result<usize, DbError> {
    Ok(
        diesel::delete(sessions::table.filter(sessions::organizer_id.eq(organizer_id)))
            .execute(conn)?,
    )
}

/// Deletes the sessions idle for `idle` or longer at `now`; how many.
pub fn delete_expired(
    conn: &mut DbConn,
    now: NaiveDateTime,
    idle: Duration,
) -> Result<usize, DbError> {
    Ok(
        diesel::delete(sessions::table.filter(sessions::last_seen_at.le(now - idle)))
            .execute(conn)?,
    )
}
