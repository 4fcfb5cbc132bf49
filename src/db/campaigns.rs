//! Campaigns: one template put to a set of units for one period.

use diesel::prelude::*;
use std::collections::{HashMap, HashSet};

use super::schema::{campaign_units, campaigns, responses, templates};
use super::types::{CampaignId, TemplateId, UnitId};
use super::units::Unit;
use super::{DbConn, DbError};

pub use super::types::CampaignStatus;

#[derive(Clone, Debug, Queryable, Selectable)]
#[diesel(table_name = campaigns)]
pub struct Campaign {
    pub id: CampaignId,
    pub template_id: TemplateId,
    pub period: String,
    pub title: String,
    pub min_responses: i32,
    pub status: CampaignStatus,
    pub created_at: chrono::NaiveDateTime,
    /// The last day links can be answered, if the organizer set one.
    pub closes_on: Option<chrono::NaiveDate>,
    /// The address respondents write to about the campaign (a valid address when set).
    pub contact: Option<String>,
    /// Days after the invitation on which reminders go out, as `ReminderDays` prints them.
    pub reminder_days: String,
}

impl Campaign {
    /// The reminder schedule; a stored value that no longer parses counts as none.
    pub fn reminders(&self) -> crate::domain::ReminderDays {
        crate::domain::ReminderDays::parse(&self.reminder_days).unwrap_or_default()
    }
}

/// A unit as it was when the campaign was created.
#[derive(Clone, Debug, PartialEq, Eq, Queryable, Selectable)]
#[diesel(table_name = campaign_units)]
pub struct CampaignUnit {
    pub unit_id: UnitId,
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
    /// A unit the campaign was created for (it has links and responses); the others are its
    /// ancestors, in the snapshot for their roll-up figures only.
    pub covered: bool,
}

pub struct NewCampaign<'a> {
    pub template_id: TemplateId,
    pub period: &'a str,
    pub title: &'a str,
    pub min_responses: i32,
    pub status: CampaignStatus,
    pub closes_on: Option<chrono::NaiveDate>,
    pub contact: Option<&'a str>,
    pub reminder_days: &'a str,
}

/// Creates the campaign with a snapshot of its units and all their ancestors (call inside a
/// write transaction). `all_units` is the whole tree, used to find the ancestors and record
/// each unit's parent code.
pub fn create(
    conn: &mut DbConn,
    new: &NewCampaign,
    covered: &[&Unit],
    all_units: &[Unit],
) -> Result<CampaignId, DbError> {
    let id = diesel::insert_into(campaigns::table)
        .values((
            campaigns::template_id.eq(new.template_id),
            campaigns::period.eq(new.period),
            campaigns::title.eq(new.title),
            campaigns::min_responses.eq(new.min_responses),
            campaigns::status.eq(new.status),
            campaigns::created_at.eq(super::now()),
            campaigns::closes_on.eq(new.closes_on),
            campaigns::contact.eq(new.contact),
            campaigns::reminder_days.eq(new.reminder_days),
        ))
        .returning(campaigns::id)
        .get_result::<CampaignId>(conn)?;
    let by_id: HashMap<UnitId, &Unit> = all_units.iter().map(|u| (u.id, u)).collect();
    let covered_ids: HashSet<UnitId> = covered.iter().map(|u| u.id).collect();
    // Covered units first, then each one's chain of ancestors up to the root, once each. The
    // `seen` set also ends a chain that loops (the tree import refuses cycles; this is cheap).
    let mut seen: HashSet<UnitId> = HashSet::new();
    let mut rows: Vec<(&Unit, bool)> = Vec::new();
    for unit in covered {
        if seen.insert(unit.id) {
            rows.push((unit, true));
        }
    }
    for unit in covered {
        let mut parent = unit.parent_id;
        while let Some(ancestor) = parent.and_then(|p| by_id.get(&p)) {
            if !seen.insert(ancestor.id) {
                break;
            }
            rows.push((ancestor, covered_ids.contains(&ancestor.id)));
            parent = ancestor.parent_id;
        }
    }
    // One row at a time: a campaign is created once, and its snapshot has a few hundred rows.
    for (unit, covered) in rows {
        let parent_code = unit
            .parent_id
            .and_then(|p| by_id.get(&p))
            .map(|p| p.code.as_str());
        diesel::insert_into(campaign_units::table)
            .values((
                campaign_units::campaign_id.eq(id),
                campaign_units::unit_id.eq(unit.id),
                campaign_units::code.eq(unit.code.as_str()),
                campaign_units::name.eq(unit.name.as_str()),
                campaign_units::parent_code.eq(parent_code),
                campaign_units::covered.eq(covered),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

pub fn get(conn: &mut DbConn, id: CampaignId) -> Result<Option<Campaign>, DbError> {
    Ok(campaigns::table
        .find(id)
        .select(Campaign::as_select())
        .first(conn)
        .optional()?)
}

/// Open campaigns with a reminder schedule whose links still work on `today` (no closing day,
/// or not past it), in id order: those `serve` sends scheduled reminders for.
pub fn open_with_reminders(
    conn: &mut DbConn,
    today: chrono::NaiveDate,
) -> Result<Vec<Campaign>, DbError> {
    Ok(campaigns::table
        .filter(campaigns::status.eq(CampaignStatus::Open))
        .filter(campaigns::reminder_days.ne(""))
        .filter(
            campaigns::closes_on
                .is_null()
                .or(campaigns::closes_on.ge(today)),
        )
        .order(campaigns::id)
        .select(Campaign::as_select())
        .load(conn)?)
}

pub fn set_status(
    conn: &mut DbConn,
    id: CampaignId,
    status: CampaignStatus,
) -> Result<(), DbError> {
    diesel::update(campaigns::table.find(id))
        .set((
            campaigns::status.eq(status),
            campaigns::results_version.eq(campaigns::results_version + 1),
        ))
        .execute(conn)?;
    Ok(())
}

/// Marks the campaign's results as changed (call in the transaction that changes them).
pub fn bump_results_version(conn: &mut DbConn, id: CampaignId) -> Result<(), DbError> {
    diesel::update(campaigns::table.find(id))
        .set(campaigns::results_version.eq(campaigns::results_version + 1))
        .execute(conn)?;
    Ok(())
}

/// The results versions of these campaigns (absent ones are left out).
pub fn results_versions(
    conn: &mut DbConn,
    ids: &[CampaignId],
) -> Result<HashMap<CampaignId, i64>, DbError> {
    Ok(campaigns::table
        .filter(campaigns::id.eq_any(ids))
        .select((campaigns::id, campaigns::results_version))
        .load::<(CampaignId, i64)>(conn)?
        .into_iter()
        .collect())
}

/// The campaign's whole snapshot: covered units and their ancestors, by code.
pub fn units(conn: &mut DbConn, campaign_id: CampaignId) -> Result<Vec<CampaignUnit>, DbError> {
    Ok(campaign_units::table
        .filter(campaign_units::campaign_id.eq(campaign_id))
        .select(CampaignUnit::as_select())
        .order(campaign_units::code)
        .load(conn)?)
}

/// The units the campaign was created for (links, imports, progress), by code.
pub fn covered_units(
    conn: &mut DbConn,
    campaign_id: CampaignId,
) -> Result<Vec<CampaignUnit>, DbError> {
    Ok(campaign_units::table
        .filter(campaign_units::campaign_id.eq(campaign_id))
        .filter(campaign_units::covered.eq(true))
        .select(CampaignUnit::as_select())
        .order(campaign_units::code)
        .load(conn)?)
}

/// One line of `campaign list`.
#[derive(Clone, Debug)]
pub struct CampaignSummary {
    pub campaign: Campaign,
    pub template_key: String,
    pub template_version: i32,
    pub units: i64,
    pub responses: i64,
}

pub fn list(conn: &mut DbConn) -> Result<Vec<CampaignSummary>, DbError> {
    let rows: Vec<(Campaign, String, i32)> = campaigns::table
        .inner_join(templates::table)
        .select((
            Campaign::as_select(),
            templates::template_key,
            templates::version,
        ))
        .order(campaigns::id)
        .load(conn)?;
    let unit_counts: HashMap<CampaignId, i64> = campaign_units::table
        .filter(campaign_units::covered.eq(true))
        .group_by(campaign_units::campaign_id)
        .select((campaign_units::campaign_id, diesel::dsl::count_star()))
        .load::<(CampaignId, i64)>(conn)?
        .into_iter()
        .collect();
    let response_counts: HashMap<CampaignId, i64> = responses::table
        .group_by(responses::campaign_id)
        .select((responses::campaign_id, diesel::dsl::count_star()))
        .load::<(CampaignId, i64)>(conn)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(
            |(campaign, template_key, template_version)| CampaignSummary {
                units: unit_counts.get(&campaign.id).copied().unwrap_or(0),
                responses: response_counts.get(&campaign.id).copied().unwrap_or(0),
                campaign,
                template_key,
                template_version,
            },
        )
        .collect())
}

/// Finds a campaign of the demo or a script by its identity, to stay idempotent.
pub fn find_by_identity(
    conn: &mut DbConn,
    template_id: TemplateId,
    period: &str,
    title: &str,
) -> Result<Option<Campaign>, DbError> {
    Ok(campaigns::table
        .filter(campaigns::template_id.eq(template_id))
        .filter(campaigns::period.eq(period))
        .filter(campaigns::title.eq(title))
        .select(Campaign::as_select())
        .first(conn)
        .optional()?)
}

/// A unit's name in the campaign's snapshot.
pub fn unit_name(
    conn: &mut DbConn,
    campaign_id: CampaignId,
    unit_id: UnitId,
) -> Result<Option<String>, DbError> {
    Ok(campaign_units::table
        .find((campaign_id, unit_id))
        .select(campaign_units::name)
        .first(conn)
        .optional()?)
}

/// Every campaign of a template key (any version), in creation order.
pub fn of_template_key(conn: &mut DbConn, key: &str) -> Result<Vec<Campaign>, DbError> {
    Ok(campaigns::table
        .inner_join(templates::table)
        .filter(templates::template_key.eq(key))
        .select(Campaign::as_select())
        .order(campaigns::id)
        .load(conn)?)
}
