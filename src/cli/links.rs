//! `kinerja invite` and `kinerja remind`: the commands that issue personal links.
//!
//! Every link starts with the address respondents reach `kinerja serve` at, and only the
//! organizer knows it, so both commands require `--public-url` (or `KINERJA_PUBLIC_URL`).
//! A default such as the server's own default bind address would queue mail, or print links,
//! that work on no respondent's machine; and mail cannot be recalled once delivered.

use std::io::Write as _;
use std::path::PathBuf;

use anyhow::bail;
use clap::Args;

use super::{open_file, Console, Database};
use crate::db::CampaignId;
use crate::domain::count;

// The `--public-url` of the commands that make links.
#[derive(Debug, Args)]
pub struct PublicUrlArg {
    /// The address respondents reach `kinerja serve` at, e.g. https://survei.example.go.id;
    /// every link starts with it. Required.
    #[arg(long, env = "KINERJA_PUBLIC_URL")]
    public_url: Option<String>,
}

impl PublicUrlArg {
    /// The base of the links without a trailing slash, or an error naming what `command` needs
    /// it for. Checked before anything is stored.
    fn require(&self, command: &str) -> anyhow::Result<String> {
        let Some(url) = self
            .public_url
            .as_deref()
            .map(str::trim)
            .filter(|u| !u.is_empty())
        else {
            bail!(
                "{command} needs --public-url (or KINERJA_PUBLIC_URL): the address respondents \
                 reach `kinerja serve` at, e.g. --public-url https://survei.example.go.id; \
                 every link it makes starts with it"
            );
        };
        parse_public_url(url)
    }
}

/// Checks a public address (http(s)://HOST[:PORT][/PATH], no query or fragment) and returns it
/// without a trailing slash; shared by every command that makes links.
pub(super) fn parse_public_url(url: &str) -> anyhow::Result<String> {
    let host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .map(|rest| rest.split('/').next().unwrap_or(rest));
    let plain = !url.contains(['?', '#']) && !url.chars().any(char::is_whitespace);
    match host {
        Some(host) if !host.is_empty() && plain => Ok(url.trim_end_matches('/').to_owned()),
        _ => bail!(
            "--public-url '{url}' is not a web address: give http(s)://HOST[:PORT][/PATH] \
             without query or fragment, e.g. https://survei.example.go.id"
        ),
    }
}

#[derive(Debug, Args)]
pub struct InviteArgs {
    /// The campaign the links are for (see `kinerja campaign list`).
    #[arg(long, value_name = "ID")]
    campaign: CampaignId,
    /// CSV with header email,unit and optionally name,lang (any case; comma, semicolon or tab
    /// separated).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Revoke earlier unused links of the same people and units and issue new ones.
    #[arg(long, conflicts_with = "skip_existing")]
    reissue: bool,
    /// Leave out the lines whose person already has a link to the same unit (used or not) and
    /// invite the others; the left-out lines are listed. For a file that has grown since the
    /// last run.
    #[arg(long)]
    skip_existing: bool,
    #[command(flatten)]
    public_url: PublicUrlArg,
    /// Only print the links; queue no invitation emails.
    #[arg(long)]
    no_email: bool,
}

/// Issues the links and prints them; `--public-url` is required with `--no-email` too, since
/// printed links are handed out just like mailed ones. The links go to standard output (one
/// `email<TAB>unit<TAB>link` per line, for scripts), what was done and skipped to standard
/// error.
pub fn invite(database: &Database, args: InviteArgs, console: &mut Console) -> anyhow::Result<()> {
    let public_url = args.public_url.require("invite")?;
    let conn = &mut database.connect()?;
    let (campaign, path) = (args.campaign, &args.file);
    let send_email = !args.no_email;
    let name = path.display().to_string();
    let mut file = crate::import::invitations::read(conn, campaign, &name, open_file(path)?)?;
    let skipped = if args.skip_existing {
        file.skip_existing(conn)?
    } else {
        Vec::new()
    };
    // Invitation emails are queued in the same transaction as the links.
    let links = if send_email {
        crate::mail::campaign::invite_read_then(conn, file, args.reissue, &public_url, |_, _| {
            Ok(())
        })?
    } else {
        crate::import::invitations::issue_in_transaction(conn, file, args.reissue)?
    };
    let base = &public_url;
    // Written in blocks: standard output is line-buffered, and 60,000 links would otherwise be
    // 60,000 write calls. A closed pipe is still noted by the console's stream underneath.
    let mut out = std::io::BufWriter::new(&mut console.out);
    for link in &links {
        writeln!(
            out,
            "{}\t{}\t{base}/r/{}",
            link.row.email, link.row.unit_code, link.token
        )?;
    }
    out.flush()?;
    drop(out);
    let mut err = std::io::BufWriter::new(&mut console.err);
    for line in &skipped {
        let why = if line.answered {
            "has already answered for"
        } else {
            "already has a link to"
        };
        writeln!(
            err,
            "{name}: line {}: skipped, {} {why} unit {}",
            line.line, line.email, line.unit_code
        )?;
    }
    let skipped = if args.skip_existing {
        format!(
            ", {} skipped (already invited)",
            count(skipped.len(), "line", "lines")
        )
    } else {
        String::new()
    };
    let emails = if send_email && !links.is_empty() {
        "; invitation emails queued (`kinerja mail send` or a running `kinerja serve` delivers them)"
    } else {
        ""
    };
    writeln!(
        err,
        "{name}: {} issued for campaign {campaign}{skipped}{emails}",
        count(links.len(), "link", "links"),
    )?;
    err.flush()?;
    Ok(())
}

#[derive(Debug, Args)]
pub struct RemindArgs {
    /// The campaign whose invitees to remind (see `kinerja campaign list`).
    #[arg(long, value_name = "ID")]
    campaign: CampaignId,
    /// Skip invitees invited or last reminded within this many days.
    #[arg(long, default_value_t = 3)]
    min_days: u32,
    #[command(flatten)]
    public_url: PublicUrlArg,
}

pub fn remind(database: &Database, args: RemindArgs, console: &mut Console) -> anyhow::Result<()> {
    let public_url = args.public_url.require("remind")?;
    let conn = &mut database.connect()?;
    let campaign = args.campaign;
    let reminded = crate::mail::campaign::remind(conn, campaign, args.min_days, &public_url)?;
    writeln!(
        console.out,
        "{} queued for campaign {campaign}",
        count(reminded.queued, "reminder", "reminders")
    )?;
    // Why the others got none, so that 0 right after `invite` does not look like a fault.
    if reminded.waiting > 0 {
        let days = args.min_days;
        let who = match reminded.waiting {
            1 => "1 invitee who has not answered was".to_owned(),
            n => format!("{n} invitees who have not answered were"),
        };
        writeln!(
            console.err,
            "{who} invited or last reminded less than {} ago: not reminded now \
             (--min-days {days})",
            count(days, "day", "days")
        )?;
    }
    Ok(())
}
