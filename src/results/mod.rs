//! Campaign results: stored responses -> per-unit statistics -> ranking -> table, JSON or CSV.

pub mod aggregate;
pub mod columns;
pub mod render;
pub mod score;

use crate::db::{CampaignId, UnitId};
use serde::Serialize;

pub use aggregate::{Aggregator, DimensionResult, UnitLabel, UnitResult};
pub use render::{render, Format};
pub use score::Scorer;

use crate::db::{self, DbConn};
use crate::template::{Localized, Template};

#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    #[error("campaign {0} does not exist")]
    UnknownCampaign(CampaignId),
    #[error(transparent)]
    Template(#[from] db::templates::TemplateStoreError),
    #[error(transparent)]
    Db(#[from] db::DbError),
}

#[derive(Clone, Debug, Serialize)]
pub struct TemplateRef {
    pub id: String,
    pub version: i32,
    pub kind: &'static str,
    pub title: Localized,
}

#[derive(Clone, Debug, Serialize)]
pub struct GroupInfo {
    pub id: String,
    pub title: Localized,
    pub weight: f64,
}

#[derive(Clone, Debug, Serialize)]
pub struct CampaignInfo {
    pub id: CampaignId,
    pub title: String,
    pub period: String,
    pub status: &'static str,
    pub min_responses: i32,
    pub template: TemplateRef,
    /// Scale bounds of a survey (checklist totals run 0-100).
    pub scale: Option<[i32; 2]>,
    /// Dimensions of a survey or sections of a checklist, in template order.
    pub dimensions: Vec<GroupInfo>,
    pub responses: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct CampaignResults {
    pub campaign: CampaignInfo,
    pub units: Vec<UnitResult>,
}

fn group_infos(template: &Template) -> Vec<GroupInfo> {
    template
        .groups()
        .into_iter()
        .map(|g| GroupInfo {
            id: g.id.to_owned(),
            title: g.title.clone(),
            weight: g.weight,
        })
        .collect()
}

/// Computes a campaign's results from its stored responses in one streaming pass.
pub fn compute(
    conn: &mut DbConn,
    campaign_id: CampaignId,
) -> Result<CampaignResults, ResultsError> {
    let campaign =
        db::campaigns::get(conn, campaign_id)?.ok_or(ResultsError::UnknownCampaign(campaign_id))?;
    let stored = db::templates::get(conn, campaign.template_id)?;
    let template = stored.template()?;
    let labels: Vec<UnitLabel> = db::campaigns::units(conn, campaign_id)?
        .into_iter()
        .map(|u| UnitLabel {
            unit_id: u.unit_id,
            code: u.code,
            name: u.name,
            parent_code: u.parent_code,
        })
        .collect();
    let unit_ids: Vec<UnitId> = labels.iter().map(|l| l.unit_id).collect();
    let groups = group_infos(&template);
    let mut aggregator = Aggregator::new(
        Scorer::new(&template),
        groups.iter().map(|g| g.id.clone()).collect(),
        &unit_ids,
    );
    let responses = db::responses::for_each(conn, campaign_id, |unit_id, answers| {
        aggregator.push(unit_id, answers)
    })?;
    let min_responses = u64::try_from(campaign.min_responses).unwrap_or(1);
    let units = aggregator.finish(&labels, min_responses);
    let scale = template.scale().map(|s| [s.min, s.max]);
    Ok(CampaignResults {
        campaign: CampaignInfo {
            id: campaign.id,
            title: campaign.title,
            period: campaign.period,
            status: campaign.status.as_str(),
            min_responses: campaign.min_responses,
            template: TemplateRef {
                id: template.key.clone(),
                version: template.version,
                kind: template.kind().as_str(),
                title: template.title.clone(),
            },
            scale,
            dimensions: groups,
            responses,
        },
        units,
    })
}
