//! `kinerja mail`, `kinerja remind`, `kinerja summary`

use crate::db::{CampaignId, OutboxStatus};
use std::sync::Arc;

use crate::db::{self, DatabaseUrl, DbConn};
use crate::domain::Lang;
use crate::mail::{self, Mailer};

pub fn send(url: &DatabaseUrl, now: bool) -> anyhow::Result<()> {
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
    runtime.block_on(async move {
        let mailer = Arc::new(Mailer::from_env()?);
        let report = mail::send_due(&sender_pool, mailer.clone(), now).await?;
        println!(
            "{} sent, {} failed, {} to retry later (via {})",
            report.sent,
            report.failed,
            report.retrying,
            mailer.description()
        );
        anyhow::Ok(())
    })?;
    let mut conn = pool.get()?;
    print_counts(&mut conn, None)
}

fn print_counts(conn: &mut DbConn, campaign: Option<CampaignId>) -> anyhow::Result<()> {
    let counts = db::outbox::counts(conn, campaign)?;
    let count = |status: OutboxStatus| {
        counts
            .iter()
            .find(|c| c.status == status)
            .map(|c| c.messages)
            .unwrap_or(0)
    };
    println!(
        "queued {}, sent {}, failed {}",
        count(OutboxStatus::Queued),
        count(OutboxStatus::Sent),
        count(OutboxStatus::Failed)
    );
    Ok(())
}

pub fn status(conn: &mut DbConn, campaign: Option<CampaignId>) -> anyhow::Result<()> {
    print_counts(conn, campaign)?;
    for trouble in db::outbox::troubles(conn, campaign)? {
        let when = if trouble.status == OutboxStatus::Failed {
            "failed".to_owned()
        } else {
            format!(
                "retry at {} UTC",
                trouble.next_attempt_at.format("%Y-%m-%d %H:%M")
            )
        };
        println!(
            "#{} {} '{}' after {} attempt{}, {when}: {}",
            trouble.id,
            trouble.recipient,
            trouble.subject,
            trouble.attempts,
            if trouble.attempts == 1 { "" } else { "s" },
            trouble.last_error.unwrap_or_default()
        );
    }
    Ok(())
}

pub fn remind(
    conn: &mut DbConn,
    campaign: CampaignId,
    min_days: u32,
    public_url: &str,
) -> anyhow::Result<()> {
    let count = mail::campaign::remind(conn, campaign, min_days, public_url)?;
    println!("{count} reminders queued for campaign {campaign}");
    Ok(())
}

pub fn summary(
    conn: &mut DbConn,
    campaign: CampaignId,
    to: &[crate::domain::EmailAddress],
    unit_heads: bool,
    lang: Lang,
) -> anyhow::Result<()> {
    if to.is_empty() && !unit_heads {
        anyhow::bail!("give --to EMAIL[,EMAIL...] and/or --unit-heads");
    }
    let report = mail::campaign::send_summary(conn, campaign, to, unit_heads, lang)?;
    println!(
        "summaries queued for campaign {campaign}: {} organizers, {} unit heads",
        report.organizers, report.unit_heads
    );
    Ok(())
}
