//! Commands that bring organizer files in: templates, units and responses.

use crate::db::{CampaignId, UnitId};
use std::collections::HashMap;
use std::path::PathBuf;

use anyhow::bail;

use super::open_file;
use crate::db::templates::ImportOutcome;
use crate::db::{self, DbConn};
use crate::template::{load_template_file, Instrument, Template};

fn describe(template: &Template) -> String {
    match &template.instrument {
        Instrument::Survey(s) => format!(
            "survey '{}' v{}: {} dimensions, {} items, scale {}..{}",
            template.key,
            template.version,
            s.dimensions.len(),
            s.dimensions.iter().map(|d| d.items.len()).sum::<usize>(),
            s.scale.min,
            s.scale.max
        ),
        Instrument::Checklist(c) => format!(
            "checklist '{}' v{}: {} sections, {} items",
            template.key,
            template.version,
            c.sections.len(),
            c.sections.iter().map(|s| s.items.len()).sum::<usize>()
        ),
    }
}

/// Loads each file, printing its errors; the templates that are valid, with their sources.
fn load_all(files: &[PathBuf]) -> (Vec<(PathBuf, Template, String)>, usize) {
    let mut valid = Vec::new();
    let mut failed = 0;
    for path in files {
        match load_template_file(path) {
            Ok((template, source)) => valid.push((path.clone(), template, source)),
            Err(e) => {
                eprintln!("{e}");
                failed += 1;
            }
        }
    }
    (valid, failed)
}

pub fn validate_templates(files: &[PathBuf]) -> anyhow::Result<()> {
    let (valid, failed) = load_all(files);
    for (path, template, _) in &valid {
        println!("{}: ok ({})", path.display(), describe(template));
    }
    if failed > 0 {
        bail!("{failed} of {} template files have errors", files.len());
    }
    Ok(())
}

pub fn import_templates(conn: &mut DbConn, files: &[PathBuf]) -> anyhow::Result<()> {
    let (valid, mut failed) = load_all(files);
    for (path, template, source) in &valid {
        match db::templates::import(conn, template, source) {
            Ok(outcome) => {
                let what = match outcome {
                    ImportOutcome::Created(_) => "imported",
                    ImportOutcome::Unchanged(_) => "unchanged",
                    ImportOutcome::Replaced(_) => "replaced (no campaign used it yet)",
                };
                println!("{}: {what} ({})", path.display(), describe(template));
            }
            Err(e) => {
                eprintln!("{}: {e}", path.display());
                failed += 1;
            }
        }
    }
    if failed > 0 {
        bail!(
            "{failed} of {} template files were not imported",
            files.len()
        );
    }
    Ok(())
}

pub fn list_templates(conn: &mut DbConn) -> anyhow::Result<()> {
    println!("{:<32} {:>7}  {:<9}  title", "id", "version", "kind");
    for stored in db::templates::list(conn)? {
        let title = stored.template()?.title.en;
        println!(
            "{:<32} {:>7}  {:<9}  {title}",
            stored.key, stored.version, stored.kind
        );
    }
    Ok(())
}

pub fn import_units(conn: &mut DbConn, path: &std::path::Path) -> anyhow::Result<()> {
    let reader = open_file(path)?;
    let counts = crate::import::units::import_units(conn, &path.display().to_string(), reader)?;
    println!(
        "{}: {} units created, {} updated, {} unchanged",
        path.display(),
        counts.created,
        counts.updated,
        counts.unchanged
    );
    Ok(())
}

pub fn list_units(conn: &mut DbConn) -> anyhow::Result<()> {
    let units = db::units::all(conn)?;
    let mut children: HashMap<Option<UnitId>, Vec<&db::units::Unit>> = HashMap::new();
    for unit in &units {
        children.entry(unit.parent_id).or_default().push(unit);
    }
    fn print_level(
        children: &HashMap<Option<UnitId>, Vec<&db::units::Unit>>,
        parent: Option<UnitId>,
        depth: usize,
    ) {
        for unit in children.get(&parent).into_iter().flatten() {
            println!("{}{}  {}", "  ".repeat(depth), unit.code, unit.name);
            print_level(children, Some(unit.id), depth + 1);
        }
    }
    print_level(&children, None, 0);
    Ok(())
}

pub fn import_responses(
    conn: &mut DbConn,
    campaign: CampaignId,
    path: &std::path::Path,
) -> anyhow::Result<()> {
    let reader = open_file(path)?;
    let stored = crate::import::responses::import_responses(
        conn,
        campaign,
        &path.display().to_string(),
        reader,
    )?;
    println!(
        "{}: {stored} responses stored in campaign {campaign}",
        path.display()
    );
    Ok(())
}

/// `kinerja invite`'s choices.
pub struct InviteOptions {
    /// Revoke earlier unused links of the same people and units.
    pub reissue: bool,
    /// Queue an invitation email per line, in the same transaction as the links.
    pub send_email: bool,
    /// Where respondents reach the server: the links are `{public_url}/r/{token}`.
    pub public_url: String,
}

pub fn invite(
    conn: &mut DbConn,
    campaign: CampaignId,
    path: &std::path::Path,
    options: &InviteOptions,
) -> anyhow::Result<()> {
    let reader = open_file(path)?;
    let file = path.display().to_string();
    let links = if options.send_email {
        crate::mail::campaign::invite(
            conn,
            campaign,
            &file,
            reader,
            options.reissue,
            &options.public_url,
        )?
    } else {
        crate::import::invitations::invite(conn, campaign, &file, reader, options.reissue)?
    };
    let base = options.public_url.trim_end_matches('/');
    for link in &links {
        println!(
            "{}\t{}\t{base}/r/{}",
            link.row.email, link.row.unit_code, link.token
        );
    }
    let emails = if options.send_email {
        "; invitation emails queued (`kinerja mail send` or a running `kinerja serve` delivers them)"
    } else {
        ""
    };
    eprintln!(
        "{}: {} links issued for campaign {campaign}{emails}",
        path.display(),
        links.len()
    );
    Ok(())
}
