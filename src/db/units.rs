//! The organisation's unit tree.

use std::collections::HashMap;

use diesel::prelude::*;

use super::schema::units;
use super::types::UnitId;
use super::{DbConn, DbError};

#[derive(Clone, Debug, PartialEq, Eq, Queryable)]
pub struct Unit {
    pub id: UnitId,
    pub code: String,
    pub name: String,
    pub parent_id: Option<UnitId>,
    pub head_email: Option<String>,
}

pub fn all(conn: &mut DbConn) -> Result<Vec<Unit>, DbError> {
    Ok(units::table
        .select((
            units::id,
            units::code,
            units::name,
            units::parent_id,
            units::head_email,
        ))
        .order(units::code)
        .load(conn)?)
}

/// Unit code -> the head's address, for the units that have one.
pub fn head_emails(conn: &mut DbConn) -> Result<HashMap<String, String>, DbError> {
    Ok(units::table
        .filter(units::head_email.is_not_null())
        .select((units::code, units::head_email.assume_not_null()))
        .load::<(String, String)>(conn)?
        .into_iter()
        .collect())
}

/// What an import wants a unit to look like.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnitSpec {
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
    /// None when the file has no `head_email` column: the stored one is kept.
    pub head_email: Option<Option<String>>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct UpsertCounts {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

/// Creates or updates the units (call inside a write transaction, after the tree was checked):
/// first every unit exists, then every parent link is set, so rows may come in any order.
pub fn upsert_all(conn: &mut DbConn, specs: &[UnitSpec]) -> Result<UpsertCounts, DbError> {
    let existing: HashMap<String, Unit> = all(conn)?
        .into_iter()
        .map(|u| (u.code.clone(), u))
        .collect();
    let mut ids: HashMap<String, UnitId> =
        existing.iter().map(|(c, u)| (c.clone(), u.id)).collect();
    let now = super::now();
    for spec in specs.iter().filter(|s| !existing.contains_key(&s.code)) {
        let id = diesel::insert_into(units::table)
            .values((
                units::code.eq(&spec.code),
                units::name.eq(&spec.name),
                units::updated_at.eq(now),
            ))
            .returning(units::id)
            .get_result::<UnitId>(conn)?;
        ids.insert(spec.code.clone(), id);
    }
    let mut counts = UpsertCounts::default();
    for spec in specs {
        let parent_id = spec.parent_code.as_ref().map(|p| ids[p]);
        let stored_head = existing.get(&spec.code).and_then(|u| u.head_email.clone());
        let head_email = spec.head_email.clone().unwrap_or(stored_head);
        match existing.get(&spec.code) {
            Some(unit)
                if unit.name == spec.name
                    && unit.parent_id == parent_id
                    && unit.head_email == head_email =>
            {
                counts.unchanged += 1;
                continue;
            }
            Some(_) => counts.updated += 1,
            None => counts.created += 1,
        }
        diesel::update(units::table.find(ids[&spec.code]))
            .set((
                units::name.eq(&spec.name),
                units::parent_id.eq(parent_id),
                units::head_email.eq(&head_email),
                units::updated_at.eq(now),
            ))
            .execute(conn)?;
    }
    Ok(counts)
}

/// Whether a unit with this code exists.
pub fn exists(conn: &mut DbConn, code: &str) -> Result<bool, DbError> {
    Ok(diesel::select(diesel::dsl::exists(
        units::table.filter(units::code.eq(code)),
    ))
    .get_result(conn)?)
}
