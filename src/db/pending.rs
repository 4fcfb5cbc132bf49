//! Sealed survey answers waiting for release, the campaigns' sealed data keys, and the server
//! key's fingerprint. Nothing here is readable without the server key.

use diesel::prelude::*;

use super::schema::{campaign_keys, campaigns, pending_answers, server_key};
use super::types::{CampaignId, CampaignStatus, UnitId};
use super::{DbConn, DbError};

/// The fingerprint of the key this database was set up with; the first caller records its own.
/// Returns the stored one.
pub fn claim_key_fingerprint(conn: &mut DbConn, fingerprint: &str) -> Result<String, DbError> {
    super::write_tx(conn, |conn| {
        let stored: Option<String> = server_key::table
            .find(1)
            .select(server_key::fingerprint)
            .first(conn)
            .optional()?;
        if let Some(stored) = stored {
            return Ok(stored);
        }
        let inserted = match conn {
            // Another instance may record its fingerprint at the same moment; the first wins.
            DbConn::Pg(c) => diesel::insert_into(server_key::table)
                .values((
                    server_key::id.eq(1),
                    server_key::fingerprint.eq(fingerprint),
                ))
                .on_conflict_do_nothing()
                .execute(c)?,
            DbConn::Sqlite(c) => diesel::insert_into(server_key::table)
                .values((
                    server_key::id.eq(1),
                    server_key::fingerprint.eq(fingerprint),
                ))
                .execute(c)?,
        };
        if inserted == 1 {
            return Ok(fingerprint.to_owned());
        }
        Ok(server_key::table
            .find(1)
            .select(server_key::fingerprint)
            .first(conn)?)
    })
}

/// The campaign's status, read under a lock that a concurrent `close` waits for (PostgreSQL:
/// a shared advisory lock that [`lock_campaign_for_close`] takes exclusively; SQLite's write
/// transaction already excludes it): answers sealed in this transaction are then either
/// released by that close or refused. Not a row lock: `FOR SHARE` / `FOR KEY SHARE` write the
/// lockers into the campaign's row (a WAL record per group, and a MultiXact once two groups
/// overlap, which every later reader of the row resolved: 4% of PostgreSQL's CPU under load).
/// An advisory lock lives in memory only, and groups holding it shared run side by side.
pub fn campaign_status_locked(
    conn: &mut DbConn,
    campaign: CampaignId,
) -> Result<Option<CampaignStatus>, DbError> {
    if let DbConn::Pg(c) = conn {
        advisory_lock(c, Advisory::Open, campaign, Mode::Shared)?;
    }
    Ok(campaigns::table
        .find(campaign)
        .select(campaigns::status)
        .first(conn)
        .optional()?)
}

/// What an advisory lock guards, per campaign (the first of PostgreSQL's two keys; "knj" and a
/// number, so that kinerja's locks never meet another application's in a shared database).
#[derive(Clone, Copy)]
enum Advisory {
    /// Writing answers while the campaign is open (shared) against closing it (exclusive).
    Open = 0x6b6e_6a01,
    /// Releasing pending answers: one at a time.
    Release = 0x6b6e_6a02,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Shared,
    Exclusive,
}

/// Takes a transaction-scoped advisory lock on the campaign, waiting for it.
fn advisory_lock(
    c: &mut diesel::PgConnection,
    what: Advisory,
    campaign: CampaignId,
    mode: Mode,
) -> Result<(), DbError> {
    // A campaign id beyond 2^31 shares its lock with another campaign: a harmless wait.
    let key = (campaign.0 & 0x7fff_ffff) as i32;
    let query = match mode {
        Mode::Shared => "SELECT pg_advisory_xact_lock_shared($1, $2)",
        Mode::Exclusive => "SELECT pg_advisory_xact_lock($1, $2)",
    };
    diesel::sql_query(query)
        .bind::<diesel::sql_types::Integer, _>(what as i32)
        .bind::<diesel::sql_types::Integer, _>(key)
        .execute(c)?;
    Ok(())
}

/// Makes releases of this campaign take turns for the rest of the transaction (PostgreSQL: an
/// advisory lock; SQLite's write transaction excludes every other writer already), so that two
/// writers or two instances never release the same pending answers: the second waits, then
/// counts again. Groups being written do not wait for it.
pub fn lock_campaign(conn: &mut DbConn, campaign: CampaignId) -> Result<(), DbError> {
    if let DbConn::Pg(c) = conn {
        advisory_lock(c, Advisory::Release, campaign, Mode::Exclusive)?;
    }
    Ok(())
}

/// Closing: waits for a release in flight ([`lock_campaign`]), then for every group that read
/// the campaign open ([`campaign_status_locked`]), and holds both until the transaction ends;
/// groups that come later wait and then read it closed. In this order only, which a release
/// never takes the other way round.
pub fn lock_campaign_for_close(conn: &mut DbConn, campaign: CampaignId) -> Result<(), DbError> {
    if let DbConn::Pg(c) = conn {
        advisory_lock(c, Advisory::Release, campaign, Mode::Exclusive)?;
        advisory_lock(c, Advisory::Open, campaign, Mode::Exclusive)?;
    }
    Ok(())
}

pub fn sealed_campaign_key(
    conn: &mut DbConn,
    campaign: CampaignId,
) -> Result<Option<Vec<u8>>, DbError> {
    Ok(campaign_keys::table
        .find(campaign)
        .select(campaign_keys::sealed_key)
        .first(conn)
        .optional()?)
}

/// Records the campaign's sealed data key unless one exists; returns the one that is stored.
pub fn store_campaign_key(
    conn: &mut DbConn,
    campaign: CampaignId,
    sealed: &[u8],
) -> Result<Vec<u8>, DbError> {
    let values = (
        campaign_keys::campaign_id.eq(campaign),
        campaign_keys::sealed_key.eq(sealed),
    );
    match conn {
        DbConn::Pg(c) => {
            diesel::insert_into(campaign_keys::table)
                .values(values)
                .on_conflict_do_nothing()
                .execute(c)?;
        }
        DbConn::Sqlite(c) => {
            diesel::insert_into(campaign_keys::table)
                .values(values)
                .execute(c)?;
        }
    }
    sealed_campaign_key(conn, campaign)?.ok_or(DbError::Missing("campaign key"))
}

/// Destroys the campaign's data key: pending rows sealed with it in old copies of the database
/// can then never be opened.
pub fn delete_campaign_key(conn: &mut DbConn, campaign: CampaignId) -> Result<(), DbError> {
    diesel::delete(campaign_keys::table.find(campaign)).execute(conn)?;
    Ok(())
}

#[derive(Insertable)]
#[diesel(table_name = pending_answers)]
pub struct NewPending<'a> {
    /// Random: a pending row's id says nothing about when it came.
    pub id: i64,
    pub campaign_id: CampaignId,
    pub unit_id: UnitId,
    pub sealed: &'a [u8],
}

/// Rows per statement: SQLite allows 32,766 bound variables in one statement, 4 per row.
const ROWS_PER_STATEMENT: usize = 8_000;

pub fn insert(conn: &mut DbConn, rows: &[NewPending]) -> Result<(), DbError> {
    match conn {
        // One round trip for the group.
        DbConn::Pg(c) => {
            for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                diesel::insert_into(pending_answers::table)
                    .values(chunk)
                    .execute(c)?;
            }
        }
        // In process, a prepared one-row statement run n times beats parsing a new n-row
        // statement for every group size (perf: SQL parsing was a top cost of submissions).
        DbConn::Sqlite(c) => {
            for row in rows {
                diesel::insert_into(pending_answers::table)
                    .values(row)
                    .execute(c)?;
            }
        }
    }
    Ok(())
}

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = pending_answers)]
pub struct Pending {
    pub id: i64,
    pub unit_id: UnitId,
    pub sealed: Vec<u8>,
}

/// How many answers of each unit of the campaign are pending (a fixed statement, prepared
/// once: at most 2k per unit are ever pending while a campaign is open).
pub fn counts(conn: &mut DbConn, campaign: CampaignId) -> Result<Vec<UnitCount>, DbError> {
    Ok(pending_answers::table
        .filter(pending_answers::campaign_id.eq(campaign))
        .group_by(pending_answers::unit_id)
        .select((pending_answers::unit_id, diesel::dsl::count_star()))
        .load(conn)?)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Queryable)]
pub struct UnitCount {
    pub unit_id: UnitId,
    pub pending: i64,
}

/// Every pending answer of the campaign, or of one unit of it.
pub fn of_campaign(
    conn: &mut DbConn,
    campaign: CampaignId,
    unit: Option<UnitId>,
) -> Result<Vec<Pending>, DbError> {
    let mut query = pending_answers::table
        .filter(pending_answers::campaign_id.eq(campaign))
        .select(Pending::as_select())
        .into_boxed();
    if let Some(unit) = unit {
        query = query.filter(pending_answers::unit_id.eq(unit));
    }
    Ok(query.load(conn)?)
}

/// Every pending answer of these units of the campaign. PostgreSQL: one query for all (a
/// release of a dozen units cost a dozen round trips on the writer's path); SQLite: a cached
/// statement per unit, in process.
pub fn of_units(
    conn: &mut DbConn,
    campaign: CampaignId,
    units: &[UnitId],
) -> Result<Vec<Pending>, DbError> {
    if units.is_empty() {
        return Ok(Vec::new());
    }
    match conn {
        DbConn::Pg(c) => Ok(pending_answers::table
            .filter(pending_answers::campaign_id.eq(campaign))
            .filter(pending_answers::unit_id.eq_any(units))
            .select(Pending::as_select())
            .load(c)?),
        DbConn::Sqlite(_) => {
            let mut rows = Vec::new();
            for unit in units {
                rows.extend(of_campaign(conn, campaign, Some(*unit))?);
            }
            Ok(rows)
        }
    }
}

pub fn delete(conn: &mut DbConn, ids: &[i64]) -> Result<(), DbError> {
    for chunk in ids.chunks(ROWS_PER_STATEMENT) {
        diesel::delete(pending_answers::table.filter(pending_answers::id.eq_any(chunk)))
            .execute(conn)?;
    }
    Ok(())
}

/// Pending answers of the campaign (a count, for the organizer: not an answer).
pub fn count(conn: &mut DbConn, campaign: CampaignId) -> Result<i64, DbError> {
    Ok(pending_answers::table
        .filter(pending_answers::campaign_id.eq(campaign))
        .count()
        .get_result(conn)?)
}
