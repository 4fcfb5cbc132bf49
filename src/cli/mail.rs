//! `kinerja mail ...` and `kinerja summary send`

use std::io::Write as _;
use std::sync::Arc;

use clap::Args;

use super::Console;
use crate::db::{self, CampaignId, DatabaseUrl, DbConn, OutboxStatus};
use crate::domain::{count, Lang};
use crate::mail::{self, Mailer};

#[derive(Debug, Args)]
pub struct SendArgs {
    /// Also retry messages that are waiting for their next attempt.
    #[arg(long)]
    now: bool,
}

pub fn send(url: &DatabaseUrl, args: SendArgs, console: &mut Console) -> anyhow::Result<()> {
    // One connection: a pass uses the database one step at a time. A larger pool would open
    // its other connections in background threads, and a PostgreSQL connection still opening
    // (TLS negotiation) when this short command exits crashes in OpenSSL's exit handlers.
    let pool = db::Pool::open(url, 1)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    // The SMTP connection pool lives (and is dropped) inside the runtime.
    let sender_pool = pool.clone();
    let (report, via) = runtime.block_on(async move {
        let mailer = Arc::new(Mailer::from_env()?);
        let report = mail::send_due(&sender_pool, mailer.clone(), args.now).await?;
        anyhow::Ok((report, mailer.description().to_owned()))
    })?;
    writeln!(
        console.out,
        "{} sent, {} failed, {} to retry later (via {via})",
        report.sent, report.failed, report.retrying,
    )?;
    let mut conn = pool.get()?;
    print_counts(&mut conn, None, console)
}

fn print_counts(
    conn: &mut DbConn,
    campaign: Option<CampaignId>,
    console: &mut Console,
) -> anyhow::Result<()> {
    let counts = db::outbox::counts(conn, campaign)?;
    let count = |status: OutboxStatus| {
        counts
            .iter()
            .find(|c| c.status == status)
            .map(|c| c.messages)
            .unwrap_or(0)
    };
    writeln!(
        console.out,
        "queued {}, sent {}, failed {}",
        count(OutboxStatus::Queued),
        count(OutboxStatus::Sent),
        count(OutboxStatus::Failed)
    )?;
    Ok(())
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Only the messages of this campaign (see `kinerja campaign list`); default: all.
    #[arg(long, value_name = "ID")]
    campaign: Option<CampaignId>,
    /// Also list every undelivered message: id, recipient, subject, attempts, when it is
    /// retried (or that it failed) and its error; e.g. to correct the refused addresses.
    #[arg(long)]
    messages: bool,
}

/// The counts by status, then the errors of undelivered messages, one line per error with how
/// many messages met it, most frequent first: a server that refuses everyone is one line, not
/// thousands.
pub fn status(conn: &mut DbConn, args: StatusArgs, console: &mut Console) -> anyhow::Result<()> {
    let campaign = args.campaign;
    print_counts(conn, campaign, console)?;
    let errors = db::outbox::errors(conn, campaign)?;
    if errors.is_empty() {
        return Ok(());
    }
    writeln!(console.out, "errors, most frequent first:")?;
    for group in errors {
        let mut what = Vec::new();
        if group.failed > 0 {
            what.push(format!(
                "{} failed",
                count(group.failed, "message", "messages")
            ));
        }
        if group.waiting > 0 {
            let next = group
                .next_attempt_at
                .map(|at| format!(", next attempt {} UTC", at.format("%Y-%m-%d %H:%M")))
                .unwrap_or_default();
            let waiting = if group.failed > 0 {
                format!("{} waiting{next}", group.waiting)
            } else {
                format!(
                    "{} waiting{next}",
                    count(group.waiting, "message", "messages")
                )
            };
            what.push(waiting);
        }
        writeln!(console.out, "  {}: {}", what.join(", "), group.error)?;
    }
    if args.messages {
        writeln!(console.out, "undelivered messages:")?;
        for trouble in db::outbox::troubles(conn, campaign)? {
            let when = if trouble.status == OutboxStatus::Failed {
                "failed".to_owned()
            } else {
                format!(
                    "retry at {} UTC",
                    trouble.next_attempt_at.format("%Y-%m-%d %H:%M")
                )
            };
            writeln!(
                console.out,
                "  #{} {} '{}' after {}, {when}: {}",
                trouble.id,
                trouble.recipient,
                trouble.subject,
                count(trouble.attempts, "attempt", "attempts"),
                trouble.last_error.unwrap_or_default()
            )?;
        }
    }
    Ok(())
}

// Summaries carry figures and at most a link to the console, so unlike `invite` and `remind`
// they do not require `--public-url`.
#[derive(Debug, Args)]
pub struct SummaryArgs {
    /// The campaign whose results to send (see `kinerja campaign list`).
    #[arg(long, value_name = "ID")]
    campaign: CampaignId,
    /// Organizers' addresses, comma-separated: each gets the whole ranking.
    #[arg(long, value_name = "EMAIL,...", value_delimiter = ',')]
    to: Vec<crate::domain::EmailAddress>,
    /// Also each unit's head (head_email in the units file).
    #[arg(long)]
    unit_heads: bool,
    /// The summaries' language, id or en (organizers and heads have no recorded one).
    #[arg(long, value_name = "id|en", default_value = "id", value_parser = parse_lang)]
    lang: Lang,
    /// The address organizers reach `kinerja serve` at, e.g. https://survei.example.go.id:
    /// each summary then links to its page in the console. Optional.
    #[arg(long, value_name = "URL", env = "KINERJA_PUBLIC_URL")]
    public_url: Option<String>,
}

pub(super) fn parse_lang(code: &str) -> Result<Lang, String> {
    Lang::parse(code).ok_or_else(|| format!("'{code}' is not a language: use id or en"))
}

pub fn summary(conn: &mut DbConn, args: SummaryArgs, console: &mut Console) -> anyhow::Result<()> {
    if args.to.is_empty() && !args.unit_heads {
        anyhow::bail!("give --to EMAIL[,EMAIL...] and/or --unit-heads");
    }
    // Checked before anything is queued, as `invite` checks it.
    let public_url = args
        .public_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(super::links::parse_public_url)
        .transpose()?;
    let campaign = args.campaign;
    let report = mail::campaign::send_summary(
        conn,
        campaign,
        &args.to,
        args.unit_heads,
        args.lang,
        public_url.as_deref(),
    )?;
    // Heads are found by the units' head_email; a run that asked for them and found none
    // says how to record one instead of reporting a silent zero.
    let no_heads = format!(
        "no unit of campaign {campaign} has a head_email, so no unit head was sent a summary; \
         to add heads, give the units CSV a head_email column (code,name,parent_code,head_email) \
         and run `kinerja units import FILE.csv`"
    );
    if args.unit_heads && report.unit_heads == 0 && report.organizers == 0 {
        anyhow::bail!("{no_heads}; nothing was queued");
    }
    writeln!(
        console.out,
        "summaries queued for campaign {campaign}: {}, {}",
        count(report.organizers, "organizer", "organizers"),
        count(report.unit_heads, "unit head", "unit heads")
    )?;
    if args.unit_heads && report.unit_heads == 0 {
        writeln!(console.err, "{no_heads}")?;
    }
    Ok(())
}
