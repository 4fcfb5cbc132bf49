//! Commands that bring organizer files in: templates, units and responses.

use std::collections::HashMap;
use std::io::Write as _;
use std::path::PathBuf;

use anyhow::bail;
use clap::Args;

use super::{open_file, Console};
use crate::db::templates::ImportOutcome;
use crate::db::{self, CampaignId, DbConn, UnitId};
use crate::domain::count;
use crate::template::{load_template_file, Kind, Template};

fn describe(template: &Template) -> String {
    let groups = template.groups();
    let kind = template.kind();
    let (one, many) = match kind {
        Kind::Survey => ("dimension", "dimensions"),
        Kind::Checklist => ("section", "sections"),
    };
    let scale = template
        .scale()
        .map(|s| format!(", scale {}..{}", s.min, s.max))
        .unwrap_or_default();
    format!(
        "{} '{}' v{}: {}, {}{scale}",
        kind.as_str(),
        template.key,
        template.version,
        count(groups.len(), one, many),
        count(
            groups.iter().map(|g| g.items.len()).sum::<usize>(),
            "item",
            "items"
        ),
    )
}

/// The templates that are valid, with their paths and sources, and how many files failed.
type Loaded = (Vec<(PathBuf, Template, String)>, usize);

/// Loads each file, printing its errors.
fn load_all(files: &[PathBuf], console: &mut Console) -> anyhow::Result<Loaded> {
    let mut valid = Vec::new();
    let mut failed = 0;
    for path in files {
        match load_template_file(path) {
            Ok((template, source)) => valid.push((path.clone(), template, source)),
            Err(e) => {
                writeln!(console.err, "{e}")?;
                failed += 1;
            }
        }
    }
    Ok((valid, failed))
}

#[derive(Debug, Args)]
pub struct TemplateValidateArgs {
    /// Template files (TOML), e.g. survey_templates/*.toml.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
}

pub fn validate_templates(args: TemplateValidateArgs, console: &mut Console) -> anyhow::Result<()> {
    let files = &args.files;
    let (valid, failed) = load_all(files, console)?;
    for (path, template, _) in &valid {
        writeln!(
            console.out,
            "{}: ok ({})",
            path.display(),
            describe(template)
        )?;
    }
    if failed > 0 {
        bail!(
            "{failed} of {} {} errors",
            count(files.len(), "template file", "template files"),
            if failed == 1 { "has" } else { "have" }
        );
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct TemplateImportArgs {
    /// Template files (TOML), e.g. survey_templates/*.toml; each is imported or refused on
    /// its own.
    #[arg(value_name = "FILE", required = true)]
    files: Vec<PathBuf>,
}

pub fn import_templates(
    conn: &mut DbConn,
    args: TemplateImportArgs,
    console: &mut Console,
) -> anyhow::Result<()> {
    let files = &args.files;
    let (valid, mut failed) = load_all(files, console)?;
    for (path, template, source) in &valid {
        match db::templates::import(conn, template, source) {
            Ok(outcome) => {
                let what = match outcome {
                    ImportOutcome::Created(_) => "imported",
                    ImportOutcome::Unchanged(_) => "unchanged",
                    ImportOutcome::Replaced(_) => "replaced (no campaign used it yet)",
                };
                writeln!(
                    console.out,
                    "{}: {what} ({})",
                    path.display(),
                    describe(template)
                )?;
            }
            Err(e) => {
                writeln!(console.err, "{}: {e}", path.display())?;
                failed += 1;
            }
        }
    }
    if failed > 0 {
        bail!(
            "{failed} of {} {} not imported",
            count(files.len(), "template file", "template files"),
            if failed == 1 { "was" } else { "were" }
        );
    }
    Ok(())
}

pub fn list_templates(conn: &mut DbConn, console: &mut Console) -> anyhow::Result<()> {
    writeln!(
        console.out,
        "{:<32} {:>7}  {:<9}  title",
        "id", "version", "kind"
    )?;
    for stored in db::templates::list(conn)? {
        let title = stored.template()?.title.en;
        writeln!(
            console.out,
            "{:<32} {:>7}  {:<9}  {title}",
            stored.key, stored.version, stored.kind
        )?;
    }
    Ok(())
}

#[derive(Debug, Args)]
pub struct UnitsImportArgs {
    /// CSV with header code,name,parent_code and optionally head_email (any case; comma,
    /// semicolon or tab separated); an empty parent_code makes a root.
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

pub fn import_units(
    conn: &mut DbConn,
    args: UnitsImportArgs,
    console: &mut Console,
) -> anyhow::Result<()> {
    let path = &args.file;
    let reader = open_file(path)?;
    let counts = crate::import::units::import_units(conn, &path.display().to_string(), reader)?;
    writeln!(
        console.out,
        "{}: {} created, {} updated, {} unchanged",
        path.display(),
        count(counts.created, "unit", "units"),
        counts.updated,
        counts.unchanged
    )?;
    Ok(())
}

pub fn list_units(conn: &mut DbConn, console: &mut Console) -> anyhow::Result<()> {
    let units = db::units::all(conn)?;
    let mut children: HashMap<Option<UnitId>, Vec<&db::units::Unit>> = HashMap::new();
    for unit in &units {
        children.entry(unit.parent_id).or_default().push(unit);
    }
    fn print_level(
        children: &HashMap<Option<UnitId>, Vec<&db::units::Unit>>,
        parent: Option<UnitId>,
        depth: usize,
        out: &mut impl std::io::Write,
    ) -> std::io::Result<()> {
        for unit in children.get(&parent).into_iter().flatten() {
            // The head receives the unit's summary (`summary send --unit-heads`).
            let head = unit
                .head_email
                .as_deref()
                .map(|email| format!("  (head: {email})"))
                .unwrap_or_default();
            writeln!(
                out,
                "{}{}  {}{head}",
                "  ".repeat(depth),
                unit.code,
                unit.name
            )?;
            print_level(children, Some(unit.id), depth + 1, out)?;
        }
        Ok(())
    }
    print_level(&children, None, 0, &mut console.out)?;
    Ok(())
}

#[derive(Debug, Args)]
pub struct ResponsesImportArgs {
    /// The campaign the answers belong to (see `kinerja campaign list`).
    #[arg(long, value_name = "ID")]
    campaign: CampaignId,
    /// Import the file even if the same file (by SHA-256) was imported into this campaign
    /// before: its answers are then counted twice.
    #[arg(long)]
    allow_duplicate: bool,
    /// CSV with header unit,<item id>... (any case), one respondent or review per line.
    #[arg(value_name = "FILE")]
    file: PathBuf,
}

pub fn import_responses(
    conn: &mut DbConn,
    args: ResponsesImportArgs,
    console: &mut Console,
) -> anyhow::Result<()> {
    let (campaign, path) = (args.campaign, &args.file);
    let reader = open_file(path)?;
    let stored = crate::import::responses::import_responses(
        conn,
        campaign,
        &path.display().to_string(),
        reader,
        args.allow_duplicate,
    )?;
    writeln!(
        console.out,
        "{}: {} stored in campaign {campaign}",
        path.display(),
        count(stored, "response", "responses")
    )?;
    Ok(())
}
