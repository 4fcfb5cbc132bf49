//! `kinerja results trend`: a unit's score and rank over the campaigns of one template, the
//! series behind "4.77 (4) 2012, 4.89 (1) 2013, 4.45 (1) 2014".

use serde::Serialize;

use super::{compute, Compare, ResultsError};
use crate::db::{self, CampaignId, DbConn};

#[derive(Clone, Debug, Serialize)]
pub struct TrendCampaign {
    pub id: CampaignId,
    pub period: String,
    pub title: String,
}

/// One unit in one campaign, with exactly the figures `results` publishes for it there.
#[derive(Clone, Debug, Serialize)]
pub struct TrendRow {
    pub campaign: CampaignId,
    pub period: String,
    pub code: String,
    pub name: String,
    pub level: u32,
    pub n: u64,
    pub suppressed: bool,
    pub score: Option<f64>,
    pub rank: Option<u32>,
    pub rank_interval: Option<[u32; 2]>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Trend {
    pub template: String,
    /// In creation order.
    pub campaigns: Vec<TrendCampaign>,
    /// By campaign (creation order), then as `results` lists the units.
    pub rows: Vec<TrendRow>,
}

#[derive(Debug, thiserror::Error)]
pub enum TrendError {
    #[error("template '{0}' has no campaigns")]
    NoCampaigns(String),
    #[error("unit '{unit}' is in no campaign of template '{template}'")]
    UnknownUnit { template: String, unit: String },
    #[error(transparent)]
    Results(#[from] ResultsError),
    #[error(transparent)]
    Db(#[from] db::DbError),
}

/// The series of every campaign of `template_key`, for one unit or the units of one level.
pub fn trend(
    conn: &mut DbConn,
    template_key: &str,
    unit: Option<&str>,
    level: Option<u32>,
) -> Result<Trend, TrendError> {
    let campaigns = db::campaigns::of_template_key(conn, template_key)?;
    if campaigns.is_empty() {
        return Err(TrendError::NoCampaigns(template_key.to_owned()));
    }
    let mut trend = Trend {
        template: template_key.to_owned(),
        campaigns: Vec::new(),
        rows: Vec::new(),
    };
    for campaign in campaigns {
        let results = compute(conn, campaign.id, Compare::None)?;
        trend.rows.extend(
            results
                .units
                .into_iter()
                .filter(|u| unit.is_none_or(|code| u.code == code))
                .filter(|u| level.is_none_or(|l| u.level == l))
                .map(|u| TrendRow {
                    campaign: campaign.id,
                    period: campaign.period.clone(),
                    code: u.code,
                    name: u.name,
                    level: u.level,
                    n: u.figures.n,
                    suppressed: u.figures.suppressed,
                    score: u.figures.score,
                    rank: u.rank,
                    rank_interval: u.rank_interval,
                }),
        );
        trend.campaigns.push(TrendCampaign {
            id: campaign.id,
            period: campaign.period,
            title: campaign.title,
        });
    }
    if let (Some(code), true) = (unit, trend.rows.is_empty()) {
        return Err(TrendError::UnknownUnit {
            template: template_key.to_owned(),
            unit: code.to_owned(),
        });
    }
    Ok(trend)
}
