//! Responses: the compact answer rows, written in bulk and read back as a stream.

use diesel::prelude::*;

use super::schema::responses;
use super::{per_backend, DbConn, DbError};

#[derive(Insertable)]
#[diesel(table_name = responses)]
struct NewResponseRow<'a> {
    campaign_id: i64,
    unit_id: i64,
    answers: &'a [u8],
    submitted_on: chrono::NaiveDate,
}

/// One validated response waiting to be stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewResponse {
    pub unit_id: i64,
    pub answers: Vec<u8>,
}

/// PostgreSQL allows 65,535 bind parameters per statement; 4 per row.
const ROWS_PER_STATEMENT: usize = 10_000;

/// Inserts the responses (call inside a write transaction). Only the day is stored: a finer
/// time would let someone match a response to the moment an invitation was used.
pub fn insert_all(
    conn: &mut DbConn,
    campaign_id: i64,
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
        stored += per_backend!(conn, |c| diesel::insert_into(responses::table)
            .values(&values)
            .execute(c))?;
    }
    Ok(stored)
}

/// Calls `visit(unit_id, answers)` for every response of the campaign, streaming rows so that
/// memory stays flat however many there are.
pub fn for_each(
    conn: &mut DbConn,
    campaign_id: i64,
    mut visit: impl FnMut(i64, &[u8]),
) -> Result<u64, DbError> {
    let rows = responses::table
        .filter(responses::campaign_id.eq(campaign_id))
        .select((responses::unit_id, responses::answers))
        .load_iter::<(i64, Vec<u8>), diesel::connection::DefaultLoadingMode>(conn)?;
    let mut count = 0;
    for row in rows {
        let (unit_id, answers) = row?;
        visit(unit_id, &answers);
        count += 1;
    }
    Ok(count)
}

pub fn count(conn: &mut DbConn, campaign_id: i64) -> Result<i64, DbError> {
    Ok(responses::table
        .filter(responses::campaign_id.eq(campaign_id))
        .count()
        .get_result(conn)?)
}
