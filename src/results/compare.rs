//! Periods: each unit's change since an earlier campaign of the same template.

use std::collections::HashMap;
use std::str::FromStr;

use super::{CampaignInfo, CampaignResults, Change, ResultsError};
use crate::db::{self, CampaignId, DbConn};
use crate::stats::{hedges_g, welch};

/// Which earlier campaign `change` is measured against.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Compare {
    /// The latest campaign of the same template key created before this one, if any.
    #[default]
    Previous,
    /// No comparison.
    None,
    Campaign(CampaignId),
}

impl FromStr for Compare {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim() {
            "none" => Ok(Compare::None),
            "previous" => Ok(Compare::Previous),
            other => other
                .parse::<i64>()
                .map(|id| Compare::Campaign(CampaignId(id)))
                .map_err(|_| format!("'{other}' is neither a campaign id nor 'none'")),
        }
    }
}

/// The campaign to compare with, checked: it exists, is another campaign, and uses the same
/// template key (any version: the dimensions may change, the overall score stays comparable).
pub(super) fn resolve(
    conn: &mut DbConn,
    campaign: &CampaignInfo,
    compare: Compare,
) -> Result<Option<CampaignId>, ResultsError> {
    resolve_for(conn, campaign.id, &campaign.template.id, compare)
}

/// [`resolve`] for a campaign known by its id and template key.
pub(super) fn resolve_for(
    conn: &mut DbConn,
    id: CampaignId,
    key: &str,
    compare: Compare,
) -> Result<Option<CampaignId>, ResultsError> {
    match compare {
        Compare::None => Ok(None),
        Compare::Previous => Ok(db::campaigns::of_template_key(conn, key)?
            .into_iter()
            .map(|c| c.id)
            .filter(|earlier| *earlier < id)
            .max()),
        Compare::Campaign(other) if other == id => Err(ResultsError::CompareWithItself(other)),
        Compare::Campaign(other) => {
            let earlier =
                db::campaigns::get(conn, other)?.ok_or(ResultsError::UnknownCampaign(other))?;
            let other_key = db::templates::get(conn, earlier.template_id)?.key;
            if other_key != key {
                return Err(ResultsError::CompareOtherTemplate {
                    id,
                    key: key.to_owned(),
                    other,
                    other_key,
                });
            }
            Ok(Some(other))
        }
    }
}

/// Adds `change` to every unit published in both campaigns (matched by code) with at least
/// two respondents on each side.
pub(super) fn apply(results: &mut CampaignResults, before: &CampaignResults) {
    results.campaign.compared_with = Some(before.campaign.id);
    let earlier: HashMap<&str, &super::Figures> = before
        .units
        .iter()
        .filter(|u| !u.figures.suppressed)
        .map(|u| (u.code.as_str(), &u.figures))
        .collect();
    for unit in &mut results.units {
        if unit.figures.suppressed {
            continue;
        }
        let Some(then) = earlier.get(unit.code.as_str()) else {
            continue;
        };
        let (Some(previous_score), Some(test)) =
            (then.score, welch(&unit.figures.overall, &then.overall))
        else {
            continue;
        };
        unit.change = Some(Change {
            campaign: before.campaign.id,
            previous_score,
            difference: test.difference,
            ci95: test.ci95,
            p_value: test.p_value,
            hedges_g: hedges_g(&unit.figures.overall, &then.overall),
            significant: test.p_value < 0.05,
        });
    }
}
