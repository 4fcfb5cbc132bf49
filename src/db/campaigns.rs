//! Campaigns: one template put to a set of units for one period.

use std::collections::HashMap;
use std::fmt;

use diesel::prelude::*;

use super::schema::{campaign_units, campaigns, responses, templates};
use super::units::Unit;
use super::{DbConn, DbError};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CampaignStatus {
    /// Created but not yet accepting responses.
    Draft,
    Open,
    Closed,
}

impl CampaignStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CampaignStatus::Draft => "draft",
            CampaignStatus::Open => "open",
            CampaignStatus::Closed => "closed",
        }
    }

    fn from_db(s: &str) -> CampaignStatus {
        match s {
            "open" => CampaignStatus::Open,
            "closed" => CampaignStatus::Closed,
            // The column's CHECK constraint allows nothing else.
            _ => CampaignStatus::Draft,
        }
    }
}

impl fmt::Display for CampaignStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug)]
pub struct Campaign {
    pub id: i64,
    pub template_id: i64,
    pub period: String,
    pub title: String,
    pub min_responses: i32,
    pub status: CampaignStatus,
    pub created_at: chrono::NaiveDateTime,
    /// The last day links can be answered, if the organizer set one.
    pub closes_on: Option<chrono::NaiveDate>,
}

pub(crate) type CampaignRow = (
    i64,
    i64,
    String,
    String,
    i32,
    String,
    chrono::NaiveDateTime,
    Option<chrono::NaiveDate>,
);

impl From<CampaignRow> for Campaign {
    fn from(r: CampaignRow) -> Self {
        Campaign {
            id: r.0,
            template_id: r.1,
            period: r.2,
            title: r.3,
            min_responses: r.4,
            status: CampaignStatus::from_db(&r.5),
            created_at: r.6,
            closes_on: r.7,
        }
    }
}

/// A unit as it was when the campaign was created.
#[derive(Clone, Debug, PartialEq, Eq, Queryable)]
pub struct CampaignUnit {
    pub unit_id: i64,
    pub code: String,
    pub name: String,
    pub parent_code: Option<String>,
}

pub struct NewCampaign<'a> {
    pub template_id: i64,
    pub period: &'a str,
    pub title: &'a str,
    pub min_responses: i32,
    pub status: CampaignStatus,
    pub closes_on: Option<chrono::NaiveDate>,
}

/// Creates the campaign with a snapshot of its units (call inside a write transaction).
/// `all_units` is the whole tree, used to record each unit's parent code.
pub fn create(
    conn: &mut DbConn,
    new: &NewCampaign,
    covered: &[&Unit],
    all_units: &[Unit],
) -> Result<i64, DbError> {
    let id = diesel::insert_into(campaigns::table)
        .values((
            campaigns::template_id.eq(new.template_id),
            campaigns::period.eq(new.period),
            campaigns::title.eq(new.title),
            campaigns::min_responses.eq(new.min_responses),
            campaigns::status.eq(new.status.as_str()),
            campaigns::created_at.eq(super::now()),
            campaigns::closes_on.eq(new.closes_on),
        ))
        .returning(campaigns::id)
        .get_result::<i64>(conn)?;
    let codes: HashMap<i64, &str> = all_units.iter().map(|u| (u.id, u.code.as_str())).collect();
    for unit in covered {
        let parent_code = unit.parent_id.and_then(|p| codes.get(&p).copied());
        diesel::insert_into(campaign_units::table)
            .values((
                campaign_units::campaign_id.eq(id),
                campaign_units::unit_id.eq(unit.id),
                campaign_units::code.eq(&unit.code),
                campaign_units::name.eq(&unit.name),
                campaign_units::parent_code.eq(parent_code),
            ))
            .execute(conn)?;
    }
    Ok(id)
}

pub fn get(conn: &mut DbConn, id: i64) -> Result<Option<Campaign>, DbError> {
    Ok(campaigns::table
        .find(id)
        .first::<CampaignRow>(conn)
        .optional()?
        .map(Campaign::from))
}

pub fn set_status(conn: &mut DbConn, id: i64, status: CampaignStatus) -> Result<(), DbError> {
    diesel::update(campaigns::table.find(id))
        .set(campaigns::status.eq(status.as_str()))
        .execute(conn)?;
    Ok(())
}

pub fn units(conn: &mut DbConn, campaign_id: i64) -> Result<Vec<CampaignUnit>, DbError> {
    Ok(campaign_units::table
        .filter(campaign_units::campaign_id.eq(campaign_id))
        .select((
            campaign_units::unit_id,
            campaign_units::code,
            campaign_units::name,
            campaign_units::parent_code,
        ))
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
    let rows: Vec<(CampaignRow, String, i32)> = campaigns::table
        .inner_join(templates::table)
        .select((
            campaigns::all_columns,
            templates::template_key,
            templates::version,
        ))
        .order(campaigns::id)
        .load(conn)?;
    let unit_counts: HashMap<i64, i64> = campaign_units::table
        .group_by(campaign_units::campaign_id)
        .select((campaign_units::campaign_id, diesel::dsl::count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    let response_counts: HashMap<i64, i64> = responses::table
        .group_by(responses::campaign_id)
        .select((responses::campaign_id, diesel::dsl::count_star()))
        .load::<(i64, i64)>(conn)?
        .into_iter()
        .collect();
    Ok(rows
        .into_iter()
        .map(|(row, template_key, template_version)| {
            let campaign = Campaign::from(row);
            CampaignSummary {
                units: unit_counts.get(&campaign.id).copied().unwrap_or(0),
                responses: response_counts.get(&campaign.id).copied().unwrap_or(0),
                campaign,
                template_key,
                template_version,
            }
        })
        .collect())
}

/// Finds a campaign of the demo or a script by its identity, to stay idempotent.
pub fn find_by_identity(
    conn: &mut DbConn,
    template_id: i64,
    period: &str,
    title: &str,
) -> Result<Option<Campaign>, DbError> {
    Ok(campaigns::table
        .filter(campaigns::template_id.eq(template_id))
        .filter(campaigns::period.eq(period))
        .filter(campaigns::title.eq(title))
        .first::<CampaignRow>(conn)
        .optional()?
        .map(Campaign::from))
}

/// A unit's name in the campaign's snapshot.
pub fn unit_name(
    conn: &mut DbConn,
    campaign_id: i64,
    unit_id: i64,
) -> Result<Option<String>, DbError> {
    Ok(campaign_units::table
        .find((campaign_id, unit_id))
        .select(campaign_units::name)
        .first(conn)
        .optional()?)
}
