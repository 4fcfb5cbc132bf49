//! `kinerja results` and `kinerja results trend`.

use std::io::Write as _;

use clap::{Args, Subcommand};

use super::Console;
use crate::db::{CampaignId, DbConn};
use crate::results::{Compare, Format, RowFilter};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ResultsArgs {
    #[command(subcommand)]
    command: Option<ResultsCommand>,
    /// The campaign whose results to show (see `kinerja campaign list`).
    #[arg(long, required = true)]
    campaign: Option<CampaignId>,
    /// Show only the units of this level of the tree (the root is 0; figures do not change).
    #[arg(long, value_name = "N")]
    level: Option<u32>,
    /// Show only this unit and the units below it (figures do not change).
    #[arg(long, value_name = "CODE")]
    under: Option<String>,
    /// The earlier campaign to measure each unit's change against, or `none`. Default: the
    /// latest campaign of the same template created before this one.
    #[arg(long, value_name = "ID|none")]
    compare: Option<Compare>,
    /// table: for people, two decimals, the tree indented; json and csv: full precision.
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

#[derive(Debug, Subcommand)]
enum ResultsCommand {
    /// Score and rank of units over every campaign of a template, in creation order.
    Trend(TrendArgs),
}

#[derive(Debug, Args)]
struct TrendArgs {
    /// The template's key (its `id` in the TOML file), e.g. sfo.
    #[arg(long, value_name = "KEY")]
    template: String,
    /// Only this unit.
    #[arg(long, value_name = "CODE")]
    unit: Option<String>,
    /// Only the units of this level of the tree (the root is 0).
    #[arg(long, value_name = "N")]
    level: Option<u32>,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

pub fn run(conn: &mut DbConn, args: ResultsArgs, console: &mut Console) -> anyhow::Result<()> {
    if let Some(ResultsCommand::Trend(trend)) = args.command {
        let series = crate::results::trend::trend(
            conn,
            &trend.template,
            trend.unit.as_deref(),
            trend.level,
        )?;
        write!(
            console.out,
            "{}",
            crate::results::render_trend(&series, trend.format)
        )?;
        return Ok(());
    }
    let campaign = args
        .campaign
        .ok_or_else(|| anyhow::anyhow!("--campaign ID is required"))?;
    let mut results = crate::results::compute(conn, campaign, args.compare.unwrap_or_default())?;
    crate::results::filter_rows(
        &mut results,
        &RowFilter {
            level: args.level,
            under: args.under,
        },
    )?;
    write!(
        console.out,
        "{}",
        crate::results::render(&results, args.format)
    )?;
    Ok(())
}
