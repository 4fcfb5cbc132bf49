//! `kinerja campaign ...`

use super::CampaignCommand;
use crate::campaign::{self, CampaignRequest};
use crate::db::campaigns::CampaignStatus;
use crate::db::{self, DbConn};

pub fn run(conn: &mut DbConn, command: CampaignCommand) -> anyhow::Result<()> {
    match command {
        CampaignCommand::Create {
            template,
            template_version,
            period,
            title,
            units,
            min_responses,
            draft,
        } => {
            let request = CampaignRequest {
                template_key: &template,
                template_version,
                period: &period,
                title: &title,
                units,
                min_responses,
                draft,
            };
            let id = campaign::create(conn, &request)?;
            let created = campaign::get(conn, id)?;
            let units = db::campaigns::units(conn, id)?.len();
            println!(
                "created campaign {id} '{}' ({}), {} units, min responses {}, {}",
                created.title, created.period, units, created.min_responses, created.status
            );
            println!("{id}");
            Ok(())
        }
        CampaignCommand::List => list(conn),
        CampaignCommand::Open { id } => change_status(conn, id, CampaignStatus::Open),
        CampaignCommand::Close { id } => change_status(conn, id, CampaignStatus::Closed),
    }
}

fn change_status(conn: &mut DbConn, id: i64, status: CampaignStatus) -> anyhow::Result<()> {
    campaign::set_status(conn, id, status)?;
    println!("campaign {id} is {status}");
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
