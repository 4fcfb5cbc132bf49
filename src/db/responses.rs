//! Responses: the compact answer rows, written in bulk and read back as a stream.

use diesel::prelude::*;
use diesel::ExecuteCopyFromDsl;

use super::schema::responses;
use super::types::{CampaignId, InvitationId, ResponseId, UnitId};
use super::{DbConn, DbError};

#[derive(Insertable)]
#[diesel(table_name = responses, treat_none_as_default_value = false)]
struct NewResponseRow<'a> {
    campaign_id: CampaignId,
    unit_id: UnitId,
    answers: &'a [u8],
    submitted_on: chrono::NaiveDate,
}

/// One validated response waiting to be stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewResponse {
    pub unit_id: UnitId,
    pub answers: Vec<u8>,
}

/// Rows per statement: SQLite allows 32,766 bound variables in one statement, 4 per row.
const ROWS_PER_STATEMENT: usize = 8_000;

/// Inserts the responses (call inside a write transaction). Only the day is stored: a finer
/// time would let someone match a response to the moment an invitation was used.
pub fn insert_all(
    conn: &mut DbConn,
    campaign_id: CampaignId,
    submitted_on: chrono::NaiveDate,
    rows: &[NewResponse],
) -> Result<usize, DbError> {
    let mut stored = 0;
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let values: Vec<NewResponseRow> = chunk
            .iter()
            .map(|r| NewResponseRow {
                campaign_id,
                unit_id: r.unit_id,
                answers: &r.answers,
                submitted_on,
            })
            .collect();
        stored += match conn {
            // COPY in binary format: four times faster than multi-row INSERTs (measured).
            DbConn::Pg(c) => diesel::copy_from(responses::table)
                .from_insertable(&values)
                .execute(c)?,
            // One multi-row INSERT per chunk (the derive's `treat_none_as_default_value =
            // false` lets diesel write it for SQLite too).
            DbConn::Sqlite(c) => diesel::insert_into(responses::table)
                .values(&values)
                .execute(c)?,
        };
    }
    if stored > 0 {
        super::campaigns::bump_results_version(conn, campaign_id)?;
    }
    Ok(stored)
}

/// Calls `visit(unit_id, answers)` for every response of the campaign, streaming rows so that
/// memory stays flat however many there are.
pub fn for_each(
    conn: &mut DbConn,
    campaign_id: CampaignId,
    mut visit: impl FnMut(UnitId, &[u8]),
) -> Result<u64, DbError> {
    let query = responses::table
        .filter(responses::campaign_id.eq(campaign_id))
        .select((responses::unit_id, responses::answers));
    let mut count = 0;
    let mut visit_row = |row: QueryResult<(UnitId, Vec<u8>)>| -> Result<(), DbError> {
        let (unit_id, answers) = row?;
        visit(unit_id, &answers);
        count += 1;
        Ok(())
    };
    match conn {
        // libpq would otherwise buffer the whole result set in memory.
        DbConn::Pg(c) => {
            for row in query.load_iter::<(UnitId, Vec<u8>), diesel::pg::PgRowByRowLoadingMode>(c)? {
                visit_row(row)?;
            }
        }
        DbConn::Sqlite(c) => {
            for row in
                query.load_iter::<(UnitId, Vec<u8>), diesel::connection::DefaultLoadingMode>(c)?
            {
                visit_row(row)?;
            }
        }
    }
    Ok(count)
}

pub fn count(conn: &mut DbConn, campaign_id: CampaignId) -> Result<i64, DbError> {
    Ok(responses::table
        .filter(responses::campaign_id.eq(campaign_id))
        .count()
        .get_result(conn)?)
}

/// Inserts one response and returns its id (call inside a write transaction).
pub fn insert_one(
    conn: &mut DbConn,
    campaign_id: CampaignId,
    submitted_on: chrono::NaiveDate,
    response: &NewResponse,
) -> Result<ResponseId, DbError> {
    let id = diesel::insert_into(responses::table)
        .values(NewResponseRow {
            campaign_id,
            unit_id: response.unit_id,
            answers: &response.answers,
            submitted_on,
        })
        .returning(responses::id)
        .get_result(conn)?;
    super::campaigns::bump_results_version(conn, campaign_id)?;
    Ok(id)
}

/// Records who reviewed (checklists only: reviews are not anonymous) and their comments.
pub fn record_review(
    conn: &mut DbConn,
    response_id: ResponseId,
    invitation_id: InvitationId,
    comments: &[(String, String)],
) -> Result<(), DbError> {
    use super::schema::{review_comments, review_reviewers};
    diesel::insert_into(review_reviewers::table)
        .values((
            review_reviewers::response_id.eq(response_id),
            review_reviewers::invitation_id.eq(invitation_id),
        ))
        .execute(conn)?;
    for (item_id, comment) in comments {
        diesel::insert_into(review_comments::table)
            .values((
                review_comments::response_id.eq(response_id),
                review_comments::item_id.eq(item_id),
                review_comments::comment.eq(comment),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// When a file with this SHA-256 was last imported into the campaign, if ever.
pub fn imported_at(
    conn: &mut DbConn,
    campaign_id: CampaignId,
    file_sha256: &str,
) -> Result<Option<chrono::NaiveDateTime>, DbError> {
    use super::schema::response_imports as imports;
    Ok(imports::table
        .filter(imports::campaign_id.eq(campaign_id))
        .filter(imports::file_sha256.eq(file_sha256))
        .select(diesel::dsl::max(imports::imported_at))
        .first::<Option<chrono::NaiveDateTime>>(conn)?)
}

/// Records an imported file (call in the transaction that stores its responses).
pub fn record_import(
    conn: &mut DbConn,
    campaign_id: CampaignId,
    file_sha256: &str,
    file_name: &str,
    responses: usize,
) -> Result<(), DbError> {
    use super::schema::response_imports as imports;
    diesel::insert_into(imports::table)
        .values((
            imports::campaign_id.eq(campaign_id),
            imports::file_sha256.eq(file_sha256),
            imports::file_name.eq(file_name),
            imports::responses.eq(i64::try_from(responses).unwrap_or(i64::MAX)),
            imports::imported_at.eq(super::now()),
        ))
        .execute(conn)?;
    Ok(())
}
