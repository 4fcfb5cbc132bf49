//! `kinerja campaign ...` and `kinerja results`

use std::io::Write as _;

use clap::Args;

use super::Console;
use crate::campaign::{self, CampaignRequest};
use crate::db::campaigns::CampaignStatus;
use crate::db::{self, CampaignId, DatabaseUrl, DbConn};
use crate::domain::count;

#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Template id (the `id` in its TOML file), e.g. sfo.
    #[arg(long, value_name = "KEY")]
    template: String,
    /// Template version; default: the latest imported.
    #[arg(long, value_name = "N")]
    template_version: Option<i32>,
    /// The period the campaign measures, e.g. 2026 or 2026-S1: `results` compares a unit
    /// across the periods of one template.
    #[arg(long, value_name = "PERIOD")]
    period: String,
    /// The name respondents and organizers see, e.g. "Survei SFO 2026" (the period is added
    /// in parentheses where the title does not hold it).
    #[arg(long, value_name = "TEXT")]
    title: String,
    /// Unit codes, comma-separated; default: every unit.
    #[arg(long, value_name = "CODE,...", value_delimiter = ',')]
    units: Option<Vec<String>>,
    /// Anonymity threshold: units with fewer responses show no figures (default 5 for
    /// surveys, 1 for checklists).
    #[arg(long, value_name = "N")]
    min_responses: Option<i64>,
    /// Create it closed to responses until `campaign open`.
    #[arg(long)]
    draft: bool,
    /// The last day (YYYY-MM-DD, UTC) on which links can be answered.
    #[arg(long, value_name = "DATE")]
    closes: Option<chrono::NaiveDate>,
    /// The address respondents write to with questions; shown on the form, on its end pages
    /// and in every email of the campaign.
    #[arg(long, value_name = "EMAIL", value_parser = parse_contact)]
    contact: Option<crate::domain::EmailAddress>,
    /// Reminders that `kinerja serve` sends by itself to those who have not answered, in days
    /// after their invitation, comma-separated (e.g. 3,7).
    #[arg(long, value_name = "DAYS", value_parser = parse_reminders)]
    reminders: Option<crate::domain::ReminderDays>,
}

fn parse_contact(text: &str) -> Result<crate::domain::EmailAddress, String> {
    crate::domain::EmailAddress::parse(text).map_err(|e| e.to_string())
}

fn parse_reminders(text: &str) -> Result<crate::domain::ReminderDays, String> {
    crate::domain::ReminderDays::parse(text).map_err(|e| e.to_string())
}

pub fn create(conn: &mut DbConn, args: CreateArgs, console: &mut Console) -> anyhow::Result<()> {
    let request = CampaignRequest {
        template_key: &args.template,
        template_version: args.template_version,
        period: &args.period,
        title: &args.title,
        units: args.units,
        min_responses: args.min_responses,
        draft: args.draft,
        closes_on: args.closes,
        contact: args.contact,
        reminders: args.reminders.unwrap_or_default(),
    };
    let id = campaign::create(conn, &request)?;
    let created = campaign::get(conn, id)?;
    let units = db::campaigns::covered_units(conn, id)?.len();
    let closes = created
        .closes_on
        .map(|d| format!(", links work until {d} (UTC)"))
        .unwrap_or_default();
    writeln!(
        console.out,
        "created campaign {id} '{}', {}, min responses {}, {}{closes}",
        campaign::title_with_period(&created.title, &created.period),
        count(units, "unit", "units"),
        created.min_responses,
        created.status
    )?;
    writeln!(console.out, "{id}")?;
    Ok(())
}

// `campaign open ID` and `campaign close ID`.
#[derive(Debug, Args)]
pub struct CampaignIdArgs {
    /// The campaign (see `kinerja campaign list`).
    #[arg(value_name = "ID")]
    id: CampaignId,
}

pub fn open(conn: &mut DbConn, args: CampaignIdArgs, console: &mut Console) -> anyhow::Result<()> {
    change_status(conn, args.id, CampaignStatus::Open, console)
}

/// Closing releases every pending answer and destroys the campaign's data key.
pub fn close(
    conn: &mut DbConn,
    url: &DatabaseUrl,
    args: CampaignIdArgs,
    console: &mut Console,
) -> anyhow::Result<()> {
    let id = args.id;
    let key = crate::pending::server_key(conn, url)?;
    let released = crate::pending::close(conn, &key, id)?;
    writeln!(console.out, "campaign {id} is closed")?;
    // The line above is what scripts read; the release is worth a note beside it.
    writeln!(
        console.err,
        "{} released",
        count(released, "pending answer", "pending answers")
    )?;
    Ok(())
}

fn change_status(
    conn: &mut DbConn,
    id: CampaignId,
    status: CampaignStatus,
    console: &mut Console,
) -> anyhow::Result<()> {
    campaign::set_status(conn, id, status)?;
    writeln!(console.out, "campaign {id} is {status}")?;
    Ok(())
}

pub fn list(conn: &mut DbConn, console: &mut Console) -> anyhow::Result<()> {
    writeln!(
        console.out,
        "{:>4}  {:<24}  {:<10}  {:<7}  {:>5}  {:>9}  title",
        "id", "template", "period", "status", "units", "responses"
    )?;
    for row in db::campaigns::list(conn)? {
        let c = &row.campaign;
        writeln!(
            console.out,
            "{:>4}  {:<24}  {:<10}  {:<7}  {:>5}  {:>9}  {}",
            c.id,
            format!("{} v{}", row.template_key, row.template_version),
            c.period,
            c.status.as_str(),
            row.units,
            row.responses,
            c.title
        )?;
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct ProgressArgs {
    /// The campaign (see `kinerja campaign list`).
    #[arg(value_name = "ID")]
    id: CampaignId,
    /// table: for people; json: for programs.
    #[arg(long, value_enum, default_value = "table")]
    format: ProgressFormat,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ProgressFormat {
    Table,
    Json,
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

pub fn progress(
    conn: &mut DbConn,
    args: ProgressArgs,
    console: &mut Console,
) -> anyhow::Result<()> {
    let id = args.id;
    campaign::get(conn, id)?;
    let counts: std::collections::HashMap<_, _> = db::invitations::progress(conn, id)?
        .into_iter()
        .map(|p| (p.unit_id, (p.invited, p.used)))
        .collect();
    let units: Vec<UnitProgress> = db::campaigns::covered_units(conn, id)?
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
    let out = &mut console.out;
    match args.format {
        ProgressFormat::Json => {
            let json = serde_json::json!({ "campaign": id, "units": units });
            writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
        }
        ProgressFormat::Table => {
            let width = units
                .iter()
                .map(|u| u.code.chars().count())
                .max()
                .unwrap_or(4)
                .max(4);
            writeln!(
                out,
                "{:<width$}  {:>7}  {:>9}  {:>5}  name",
                "unit", "invited", "submitted", "rate"
            )?;
            for u in &units {
                let rate = u
                    .response_rate
                    .map(|r| format!("{:.0}%", r * 100.0))
                    .unwrap_or_else(|| "-".to_owned());
                writeln!(
                    out,
                    "{:<width$}  {:>7}  {:>9}  {:>5}  {}",
                    u.code, u.invited, u.submitted, rate, u.name
                )?;
            }
            let invited: i64 = units.iter().map(|u| u.invited).sum();
            let submitted: i64 = units.iter().map(|u| u.submitted).sum();
            writeln!(out, "{:<width$}  {:>7}  {:>9}", "total", invited, submitted)?;
        }
    }
    Ok(())
}
