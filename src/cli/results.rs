//! `kinerja results` and `kinerja results trend`.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::Console;
use crate::db::{CampaignId, DbConn};
use crate::domain::Lang;
use crate::results::{Compare, Format, RowFilter, TextFormat};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true, subcommand_negates_reqs = true)]
pub struct ResultsArgs {
    #[command(subcommand)]
    command: Option<ResultsCommand>,
    /// The campaign whose results to show (see `kinerja campaign list`).
    #[arg(long, value_name = "ID", required = true)]
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
    /// table: for people, two decimals, the tree indented; json, csv and xlsx: full
    /// precision (xlsx is a workbook: it needs --output).
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
    /// Write to this file (created readable by its owner only) instead of standard output.
    #[arg(long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// The workbook's language (sheet names, the About sheet): id or en.
    #[arg(long, value_name = "id|en", default_value = "id", value_parser = super::mail::parse_lang)]
    lang: Lang,
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
    /// table: for people, scores to two decimals with the rank; json and csv: full precision.
    #[arg(long, value_enum, default_value = "table")]
    format: TextFormat,
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
    // Checked before the work: a workbook on a terminal is unreadable bytes.
    if args.format == Format::Xlsx && args.output.is_none() {
        anyhow::bail!("--format xlsx writes a workbook: give the file with --output FILE");
    }
    let mut results = crate::results::compute(conn, campaign, args.compare.unwrap_or_default())?;
    crate::results::filter_rows(
        &mut results,
        &RowFilter {
            level: args.level,
            under: args.under,
        },
    )?;
    let bytes = crate::results::export(&results, args.format, args.lang)?;
    match &args.output {
        Some(path) => write_private(path, &bytes)
            .map_err(|e| anyhow::anyhow!("--output {}: {e}", path.display()))?,
        None => console.out.write_all(&bytes)?,
    }
    Ok(())
}

/// Writes the file readable by its owner only (0600): results name units and, for small
/// ones, figures that are not meant for everyone on the server. An existing file is replaced
/// and made 0600 as well.
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    // Not a pipe or a device (`--output /dev/stdout`): those keep their own modes.
    let regular = file.metadata()?.is_file();
    #[cfg(unix)]
    if regular {
        use std::os::unix::fs::PermissionsExt;
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    file.write_all(bytes)?;
    if regular {
        file.sync_all()?;
    }
    Ok(())
}
