//! `kinerja campaign ...`

use super::{CampaignCommand, ProgressFormat};
use crate::campaign::{self, CampaignRequest};
use crate::db::campaigns::CampaignStatus;
use crate::db::CampaignId;
use crate::db::DatabaseUrl;
use crate::db::{self, DbConn};

pub fn run(conn: &mut DbConn, url: &DatabaseUrl, command: CampaignCommand) -> anyhow::Result<()> {
    match command {
        CampaignCommand::Create {
            template,
            template_version,
            period,
            title,
            units,
            min_responses,
            draft,
            closes,
        } => {
            let request = CampaignRequest {
                template_key: &template,
                template_version,
                period: &period,
                title: &title,
                units,
                min_responses,
                draft,
                closes_on: closes,
            };
            let id = campaign::create(conn, &request)?;
            let created = campaign::get(conn, id)?;
            let units = db::campaigns::units(conn, id)?.len();
            let closes = created
                .closes_on
                .map(|d| format!(", links work until {d} (UTC)"))
                .unwrap_or_default();
            println!(
                "created campaign {id} '{}' ({}), {} units, min responses {}, {}{closes}",
                created.title, created.period, units, created.min_responses, created.status
            );
            println!("{id}");
            Ok(())
        }
        CampaignCommand::List => list(conn),
        CampaignCommand::Progress { id, format } => progress(conn, id, format),
        CampaignCommand::Open { id } => change_status(conn, id, CampaignStatus::Open),
        CampaignCommand::Close { id } => close(conn, url, id),
    }
}

fn change_status(conn: &mut DbConn, id: CampaignId, status: CampaignStatus) -> anyhow::Result<()> {
    campaign::set_status(conn, id, status)?;
    println!("campaign {id} is {status}");
    Ok(())
}

/// Closing releases every pending answer and destroys the campaign's data key.
fn close(conn: &mut DbConn, url: &DatabaseUrl, id: CampaignId) -> anyhow::Result<()> {
    let key = crate::pending::server_key(conn, url)?;
    let released = crate::pending::close(conn, &key, id)?;
    println!("campaign {id} is closed");
    // The line above is what scripts read; the release is worth a note beside it.
    eprintln!("{released} pending answers released");
    Ok(())
}

fn list(conn: &mut DbConn) -> anyhow::Result<()> {
    println!(
        "{:>4}  {:<24}  {:<10}  {:<7}  {:>5}  {:>9}  title",
        "id", "template", "period", "status", "units", "responses"
    );
    for row in db::campaigns::list(conn)? {
        let c = &row.campaign;
        println!(
            "{:>4}  {:<24}  {:<10}  {:<7}  {:>5}  {:>9}  {}",
            c.id,
            format!("{} v{}", row.template_key, row.template_version),
            c.period,
            c.status.as_str(),
            row.units,
            row.responses,
            c.title
        );
    }
    Ok(())
}

/// One unit's line of `campaign progress`.
#[derive(serde::Serialize)]
struct UnitProgress {
    code: String,
    name: String,
    invited: i64,
    submitted: i64,
    /// submitted / invited; null when nobody was invited.
    response_rate: Option<f64>,
}

fn progress(conn: &mut DbConn, id: CampaignId, format: ProgressFormat) -> anyhow::Result<()> {
    campaign::get(conn, id)?;
    let counts: std::collections::HashMap<_, _> = db::invitations::progress(conn, id)?
        .into_iter()
        .map(|p| (p.unit_id, (p.invited, p.used)))
        .collect();
    let units: Vec<UnitProgress> = db::campaigns::units(conn, id)?
        .into_iter()
        .map(|u| {
            let (invited, submitted) = counts.get(&u.unit_id).copied().unwrap_or((0, 0));
            UnitProgress {
                code: u.code,
                name: u.name,
                invited,
                submitted,
                response_rate: (invited > 0).then(|| submitted as f64 / invited as f64),
            }
        })
        .collect();
    match format {
        ProgressFormat::Json => {
            let json = serde_json::json!({ "campaign": id, "units": units });
            println!("{}", serde_json::to_string_pretty(&json)?);
        }
        ProgressFormat::Table => {
            let width = units
                .iter()
                .map(|u| u.code.chars().count())
                .max()
                .unwrap_or(4)
                .max(4);
            println!(
                "{:<width$}  {:>7}  {:>9}  {:>5}  name",
                "unit", "invited", "submitted", "rate"
            );
            for u in &units {
                let rate = u
                    .response_rate
                    .map(|r| format!("{:.0}%", r * 100.0))
                    .unwrap_or_else(|| "-".to_owned());
                println!(
                    "{:<width$}  {:>7}  {:>9}  {:>5}  {}",
                    u.code, u.invited, u.submitted, rate, u.name
                );
            }
            let invited: i64 = units.iter().map(|u| u.invited).sum();
            let submitted: i64 = units.iter().map(|u| u.submitted).sum();
            println!("{:<width$}  {:>7}  {:>9}", "total", invited, submitted);
        }
    }
    Ok(())
}
