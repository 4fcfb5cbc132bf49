//! Campaign results: stored responses -> per-unit statistics -> ranking -> table, JSON, CSV or
//! XLSX.

pub mod aggregate;
pub mod cache;
pub mod columns;
pub mod compare;
pub mod render;
pub mod score;
pub mod tree;
pub mod trend;
pub mod xlsx;

use crate::db::{CampaignId, UnitId};
use serde::Serialize;

pub use aggregate::{Aggregator, ItemCounts, UnitLabel};
pub use cache::ResultsCache;
pub use compare::Compare;
pub use render::{export, render, render_trend, tree_order, Format, TextFormat};
pub use score::Scorer;
pub use tree::{Change, DimensionResult, Figures, Suppression, UnitResult};
pub use xlsx::{xlsx, XlsxError};

use crate::db::{self, DbConn};
use crate::template::{Localized, Template};

#[derive(Debug, thiserror::Error)]
pub enum ResultsError {
    #[error("campaign {0} does not exist")]
    UnknownCampaign(CampaignId),
    #[error("--compare {0}: a campaign cannot be compared with itself")]
    CompareWithItself(CampaignId),
    #[error("--compare {other}: campaign {other} uses template '{other_key}', campaign {id} uses '{key}'; periods compare only within one template")]
    CompareOtherTemplate {
        id: CampaignId,
        key: String,
        other: CampaignId,
        other_key: String,
    },
    #[error("--under {code}: unit '{code}' is not in campaign {campaign}")]
    UnknownUnit { campaign: CampaignId, code: String },
    #[error(transparent)]
    Template(#[from] db::templates::TemplateStoreError),
    #[error(transparent)]
    Db(#[from] db::DbError),
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TemplateRef {
    pub id: String,
    pub version: i32,
    pub kind: &'static str,
    pub title: Localized,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct GroupInfo {
    pub id: String,
    pub title: Localized,
    pub weight: f64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
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
    /// The earlier campaign each unit's `change` is measured against, if any.
    pub compared_with: Option<CampaignId>,
}

impl CampaignInfo {
    /// The bounds every score and dimension mean lies within: the survey's scale, or a
    /// checklist's 0-100.
    pub fn score_bounds(&self) -> [f64; 2] {
        match self.scale {
            Some([lo, hi]) => [f64::from(lo), f64::from(hi)],
            None => [0.0, 100.0],
        }
    }
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
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

/// Which rows of the results to show; figures never depend on it.
#[derive(Clone, Debug, Default)]
pub struct RowFilter {
    /// Only units of this level (a root is 0).
    pub level: Option<u32>,
    /// Only this unit and the units below it.
    pub under: Option<String>,
}

/// Computes a campaign's results from its stored responses in one streaming pass, and the
/// change since an earlier campaign in one more pass over that campaign's responses.
pub fn compute(
    conn: &mut DbConn,
    campaign_id: CampaignId,
    compare: Compare,
) -> Result<CampaignResults, ResultsError> {
    let mut results = compute_one(conn, campaign_id)?;
    if let Some(earlier) = compare::resolve(conn, &results.campaign, compare)? {
        let before = compute_one(conn, earlier)?;
        compare::apply(&mut results, &before);
    }
    Ok(results)
}

/// Keeps the rows the filter asks for (the figures are those of the whole campaign).
pub fn filter_rows(results: &mut CampaignResults, filter: &RowFilter) -> Result<(), ResultsError> {
    if let Some(code) = &filter.under {
        let codes: std::collections::HashMap<&str, Option<&str>> = results
            .units
            .iter()
            .map(|u| (u.code.as_str(), u.parent_code.as_deref()))
            .collect();
        if !codes.contains_key(code.as_str()) {
            return Err(ResultsError::UnknownUnit {
                campaign: results.campaign.id,
                code: code.clone(),
            });
        }
        let within = |unit: &str| {
            let mut at = Some(unit);
            // A chain is at most as long as the snapshot (Tree::new cuts loops the same way).
            for _ in 0..=codes.len() {
                match at {
                    Some(c) if c == code => return true,
                    Some(c) => at = codes.get(c).copied().flatten(),
                    None => return false,
                }
            }
            false
        };
        let keep: Vec<bool> = results.units.iter().map(|u| within(&u.code)).collect();
        let mut keep = keep.into_iter();
        results.units.retain(|_| keep.next().unwrap_or(false));
    }
    if let Some(level) = filter.level {
        results.units.retain(|u| u.level == level);
    }
    Ok(())
}

fn compute_one(
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
    let mut aggregator = Aggregator::new(Scorer::new(&template), &unit_ids);
    let responses = db::responses::for_each(conn, campaign_id, |unit_id, answers| {
        aggregator.push(unit_id, answers)
    })?;
    let min_responses = u64::try_from(campaign.min_responses).unwrap_or(1);
    let group_ids: Vec<String> = groups.iter().map(|g| g.id.clone()).collect();
    let units = tree::build(&labels, aggregator.finish(), &group_ids, min_responses);
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
            compared_with: None,
        },
        units,
    })
}
