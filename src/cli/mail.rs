//! `kinerja mail ...` and `kinerja summary send`

use std::io::Write as _;
use std::sync::Arc;

use clap::Args;

use super::Console;
use crate::db::{self, CampaignId, DatabaseUrl, DbConn, OutboxStatus};
use crate::domain::Lang;
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
    #[arg(long)]
    campaign: Option<CampaignId>,
}

pub fn status(conn: &mut DbConn, args: StatusArgs, console: &mut Console) -> anyhow::Result<()> {
    let campaign = args.campaign;
    print_counts(conn, campaign, console)?;
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
            "#{} {} '{}' after {} attempt{}, {when}: {}",
            trouble.id,
            trouble.recipient,
            trouble.subject,
            trouble.attempts,
            if trouble.attempts == 1 { "" } else { "s" },
            trouble.last_error.unwrap_or_default()
        )?;
    }
    Ok(())
}

// Summaries carry figures and at most a link to the console, so unlike `invite` and `remind`
// they do not require `--public-url`.
#[derive(Debug, Args)]
pub struct SummaryArgs {
    #[arg(long)]
    campaign: CampaignId,
    /// Organizers' addresses, comma-separated.
    #[arg(long, value_delimiter = ',')]
    to: Vec<crate::domain::EmailAddress>,
    /// Also each unit's head (head_email in the units file).
    #[arg(long)]
    unit_heads: bool,
    /// The summaries' language, id or en (organizers and heads have no recorded one).
    #[arg(long, default_value = "id", value_parser = parse_lang)]
    lang: Lang,
    /// The address organizers reach `kinerja serve` at, e.g. https://survei.example.go.id:
    /// each summary then links to its page in the console. Optional.
    #[arg(long, env = "KINERJA_PUBLIC_URL")]
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
    writeln!(
        console.out,
        "summaries queued for campaign {campaign}: {} organizers, {} unit heads",
        report.organizers, report.unit_heads
    )?;
    Ok(())
}
