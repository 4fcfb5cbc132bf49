//! Delivering queued messages: claim with a lease, send, record the outcome. Failures wait
//! longer each time (1 min, 5 min, 30 min, 2 h, 12 h) and then fail for good; a permanent
//! rejection of an address (SMTP 5xx) fails that message at once and no other.

use crate::db::MessageId;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use lettre::message::{header, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::response::{Category, Detail};
use lettre::{AsyncTransport, Message};
use tokio::sync::watch;

use super::campaign::{self, OutreachError};
use super::{MailError, Mailer, MessageKind, Transport};
use crate::db::outbox::{self, Claimed};
use crate::db::{Access, DbError, Pool};

/// Waits after the 1st, 2nd, ... failed attempt; after the last, the message fails.
const RETRY_DELAYS_MINUTES: [i64; 5] = [1, 5, 30, 120, 720];
/// How long a claimed message is reserved for its sender.
const LEASE_SECONDS: i64 = 300;
/// The longest one delivery may take, whatever the server does (lettre's own timeout applies
/// to each read and write, not to the whole conversation). Well inside the lease, so a message
/// is never claimed by a second sender while the first is still sending it.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SendReport {
    pub sent: usize,
    /// Failed for good (a permanent rejection, or out of attempts).
    pub failed: usize,
    /// Failed this time; queued for a later attempt.
    pub retrying: usize,
}

struct Failure {
    permanent: bool,
    message: String,
}

/// Outbox bookkeeping writes (claims, outcomes), so it queues as a writer.
async fn blocking<T: Send + 'static>(
    pool: &Pool,
    work: impl FnOnce(&mut crate::db::DbConn) -> Result<T, DbError> + Send + 'static,
) -> Result<T, MailError> {
    Ok(pool.run(Access::Write, work).await?)
}

/// Sends every message that is due (all queued ones with `now`), until none is left.
pub async fn send_due(
    pool: &Pool,
    mailer: Arc<Mailer>,
    now: bool,
) -> Result<SendReport, MailError> {
    pass(pool, &mailer, now, None).await
}

/// One pass: claim a group, deliver it, record the outcomes; again until nothing is due or
/// `stop` says so. A stop takes effect between groups, so nothing stays claimed.
async fn pass(
    pool: &Pool,
    mailer: &Arc<Mailer>,
    now: bool,
    stop: Option<&watch::Receiver<bool>>,
) -> Result<SendReport, MailError> {
    let mut report = SendReport::default();
    // Claims come in id order; each pass tries a message at most once, even with `now`
    // (which would otherwise retry a failing message at once until it runs out of attempts).
    let mut after = MessageId(0);
    let limit = i64::try_from(mailer.parallel).unwrap_or(1);
    while !stop.is_some_and(|s| *s.borrow()) {
        // A date both backends compare correctly (SQLite compares timestamps as text).
        let due_by = if now {
            chrono::NaiveDate::from_ymd_opt(9999, 12, 31)
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .unwrap_or_else(crate::db::now)
        } else {
            crate::db::now()
        };
        let group = blocking(pool, move |conn| {
            outbox::claim(
                conn,
                due_by,
                after,
                chrono::Duration::seconds(LEASE_SECONDS),
                limit,
            )
        })
        .await?;
        let Some(last) = group.last() else {
            break;
        };
        after = last.id;
        // A group is as large as the deliveries allowed in flight (`Mailer::connections`).
        // Each outcome is recorded as soon as its delivery ends (with any others that ended
        // meanwhile, in one transaction), so a kill repeats at most the deliveries that had
        // ended but were not yet recorded: a few, never a whole group.
        let mut tasks = tokio::task::JoinSet::new();
        for message in group {
            let mailer = mailer.clone();
            tasks.spawn(async move {
                let result = tokio::time::timeout(DELIVERY_TIMEOUT, deliver(&mailer, &message))
                    .await
                    .unwrap_or_else(|_| {
                        Err(Failure {
                            permanent: false,
                            message: format!(
                                "no answer from the mail server within {} s",
                                DELIVERY_TIMEOUT.as_secs()
                            ),
                        })
                    });
                (message, result)
            });
        }
        while let Some(done) = tasks.join_next().await {
            let mut outcomes = Vec::new();
            let mut next = Some(done);
            while let Some(done) = next {
                let (message, result) = done.map_err(|e| MailError::Task(e.to_string()))?;
                outcomes.push(outcome_of(&message, result));
                next = tasks.try_join_next();
            }
            for outcome in &outcomes {
                tally(&mut report, outcome);
            }
            record(pool, outcomes).await?;
        }
    }
    Ok(report)
}

/// Records delivery outcomes in one transaction.
async fn record(pool: &Pool, outcomes: Vec<Recorded>) -> Result<(), MailError> {
    blocking(pool, move |conn| {
        crate::db::write_tx(conn, |conn| {
            for outcome in &outcomes {
                match outcome {
                    Recorded::Sent(id) => outbox::mark_sent(conn, *id)?,
                    Recorded::Failed {
                        id,
                        error,
                        retry_at,
                    } => outbox::mark_failed(conn, *id, error, *retry_at)?,
                }
            }
            Ok(())
        })
    })
    .await
}

enum Recorded {
    Sent(MessageId),
    Failed {
        id: MessageId,
        error: String,
        /// None: failed for good.
        retry_at: Option<chrono::NaiveDateTime>,
    },
}

/// What to record for one delivery attempt.
fn outcome_of(message: &Claimed, result: Result<(), Failure>) -> Recorded {
    match result {
        Ok(()) => Recorded::Sent(message.id),
        Err(failure) => {
            let retry_at = retry_delay(message.attempts, failure.permanent)
                .map(|delay| crate::db::now() + delay);
            tracing::warn!(id = message.id.0, recipient = %message.recipient, error = %failure.message, "email not delivered");
            Recorded::Failed {
                id: message.id,
                error: failure.message,
                retry_at,
            }
        }
    }
}

/// How long to wait after a failed attempt, given the attempts made before it; None: the
/// message fails for good.
fn retry_delay(attempts_before: i32, permanent: bool) -> Option<chrono::Duration> {
    if permanent {
        return None;
    }
    let attempt = usize::try_from(attempts_before).ok()?;
    RETRY_DELAYS_MINUTES
        .get(attempt)
        .map(|minutes| chrono::Duration::minutes(*minutes))
}

fn tally(report: &mut SendReport, outcome: &Recorded) {
    match outcome {
        Recorded::Sent(_) => report.sent += 1,
        Recorded::Failed { retry_at: None, .. } => report.failed += 1,
        Recorded::Failed { .. } => report.retrying += 1,
    }
}

async fn deliver(mailer: &Mailer, message: &Claimed) -> Result<(), Failure> {
    let email = build(mailer, message).map_err(|message| Failure {
        permanent: true,
        message,
    })?;
    match &mailer.transport {
        Transport::Smtp(smtp) => smtp.send(email).await.map(|_| ()).map_err(|e| Failure {
            permanent: rejects_the_message(&e),
            message: smtp_error_text(&e),
        }),
        Transport::Folder(folder) => folder.send(email).await.map(|_| ()).map_err(|e| Failure {
            permanent: false,
            message: e.to_string(),
        }),
    }
}

/// A permanent (5xx) answer about this message: its mailbox or content (5x5z: 550 no such
/// user, 552, 553, 554) or a parameter's syntax (501). Other permanent answers concern the
/// server or our account (530 and 535 authentication, 500, 502-504 commands, 521): every
/// message would get them, so they are retried like a server that is down instead of failing
/// the whole outbox.
fn rejects_the_message(error: &lettre::transport::smtp::Error) -> bool {
    error.is_permanent()
        && error.status().is_some_and(|code| {
            code.category == Category::MailSystem
                || (code.category == Category::Syntax && code.detail == Detail::One)
        })
}

/// lettre's error with its cause chain, e.g. "permanent error (550): no such user".
fn smtp_error_text(error: &lettre::transport::smtp::Error) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        // lettre's message already ends with its cause's ("permanent error (550): no such
        // user"): a cause is added only when the text does not hold it yet.
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// A multipart/alternative message (plain text and HTML, UTF-8) with its stored Message-ID, so
/// a retry carries the same one.
fn build(mailer: &Mailer, message: &Claimed) -> Result<Message, String> {
    let to = Mailbox::from_str(&message.recipient).map_err(|e| format!("bad recipient: {e}"))?;
    let text = message.body_text.clone().unwrap_or_default();
    let html = message.body_html.clone().unwrap_or_default();
    // An invitee's messages come in the campaign's name and answers go to its contact; the
    // organizers' and other messages come from kinerja itself.
    let signed = [MessageKind::Invitation, MessageKind::Reminder]
        .iter()
        .any(|kind| kind.as_str() == message.kind);
    let mut builder = Message::builder().to(to);
    if signed {
        builder = builder.from(sender(&mailer.from, message.campaign_title.as_deref()));
        // The contact was checked when the campaign was created; one that no longer parses
        // costs the message its Reply-To, not its delivery.
        if let Some(contact) = message
            .campaign_contact
            .as_deref()
            .and_then(|c| Mailbox::from_str(c).ok())
        {
            builder = builder.reply_to(contact);
        }
    } else {
        builder = builder.from(mailer.from.clone());
    }
    builder
        .subject(message.subject.clone())
        .message_id(Some(message.message_id.clone()))
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(header::ContentType::TEXT_PLAIN)
                        .body(text),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(header::ContentType::TEXT_HTML)
                        .body(html),
                ),
        )
        .map_err(|e| e.to_string())
}

/// Who a message comes from: always the configured address (the one the mail server lets us
/// send as, and that SPF and DKIM vouch for), named after the campaign when it has a name, as
/// "Survei SFO 2026 via Kinerja DJPb": people recognise the survey, and still see who sends.
fn sender(configured: &Mailbox, name: Option<&str>) -> Mailbox {
    // One line: a title is a free text, and a header name must not carry line breaks.
    let name = name
        .map(|n| n.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|n| !n.is_empty());
    match (name, &configured.name) {
        (None, _) => configured.clone(),
        (Some(name), Some(own)) => {
            Mailbox::new(Some(format!("{name} via {own}")), configured.email.clone())
        }
        (Some(name), None) => Mailbox::new(Some(name), configured.email.clone()),
    }
}

/// How often the sender looks for scheduled reminders (at most; it looks at its first pass).
/// Reminders are due on days, so a minute late is on time, and the look costs a scan of each
/// scheduled campaign's invitations (measured: about 20 ms of CPU per reminder day for 60,000
/// invitations on SQLite), which every 10 s pass would repeat for nothing.
const REMINDER_INTERVAL: Duration = Duration::from_secs(60);

/// Queues the campaigns' scheduled reminders that are due now, batch by batch: each batch's
/// read (and the writing of its messages) and its write transaction take separate turns of the
/// pool, so respondents' submissions never wait for more than one short transaction.
async fn queue_due_reminders(
    pool: &Pool,
    public_url: &Arc<str>,
    stop: &watch::Receiver<bool>,
) -> Result<usize, OutreachError> {
    let now = crate::db::now();
    let mut queued = 0;
    while !*stop.borrow() {
        let url = public_url.clone();
        let due = pool
            .run(Access::Read, move |conn| {
                campaign::due_scheduled_reminders(conn, &url, now, campaign::SCHEDULED_BATCH)
            })
            .await?;
        let read = due.len();
        queued += pool
            .run(Access::Write, move |conn| {
                campaign::queue_scheduled_reminders(conn, due, now)
            })
            .await?;
        if read < campaign::SCHEDULED_BATCH {
            break;
        }
    }
    Ok(queued)
}

/// The background sender of `kinerja serve`: a pass every `interval` until `stop` turns true
/// (or its sender is dropped). Several instances may run one each: claims never overlap, and
/// neither do scheduled reminders. With `reminders` (the public address links start with),
/// a pass first queues the campaigns' scheduled reminders that are due (the first pass, then
/// once a minute), then delivers.
/// Stopping waits for the group in flight to be delivered and recorded, so nothing is left
/// claimed. [`spawn_sender`] runs it as a task with a handle to stop it.
pub async fn run_sender(
    pool: Pool,
    mailer: Arc<Mailer>,
    interval: Duration,
    reminders: Option<Arc<str>>,
    mut stop: watch::Receiver<bool>,
) {
    let mut reminders_checked: Option<tokio::time::Instant> = None;
    loop {
        if *stop.borrow() {
            break;
        }
        let reminders_due = reminders_checked.is_none_or(|at| at.elapsed() >= REMINDER_INTERVAL);
        if let Some(public_url) = reminders.as_ref().filter(|_| reminders_due) {
            reminders_checked = Some(tokio::time::Instant::now());
            match queue_due_reminders(&pool, public_url, &stop).await {
                Ok(0) => {}
                Ok(queued) => tracing::info!(queued, "scheduled reminders queued"),
                Err(error) => tracing::error!(%error, "scheduled reminders failed"),
            }
        }
        match pass(&pool, &mailer, false, Some(&stop)).await {
            Ok(report) if report != SendReport::default() => {
                tracing::info!(
                    sent = report.sent,
                    failed = report.failed,
                    retrying = report.retrying,
                    "mail sender pass"
                );
            }
            Ok(_) => {}
            Err(error) => tracing::error!(%error, "mail sender pass failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            changed = stop.changed() => {
                if changed.is_err() {
                    break;
                }
            }
        }
    }
    tracing::info!("mail sender stopped");
}

/// A sender loop running as a task; [`SenderHandle::stop`] ends it gracefully.
#[must_use = "dropping the handle stops the sender"]
pub struct SenderHandle {
    stop: watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

/// Starts [`run_sender`] on the current Tokio runtime (an actix-web `System` is one).
pub fn spawn_sender(
    pool: Pool,
    mailer: Arc<Mailer>,
    interval: Duration,
    reminders: Option<Arc<str>>,
) -> SenderHandle {
    let (stop, signal) = watch::channel(false);
    let task = tokio::spawn(run_sender(pool, mailer, interval, reminders, signal));
    SenderHandle { stop, task }
}

impl SenderHandle {
    /// Asks the loop to stop and waits until the group in flight is delivered and recorded.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        if let Err(error) = self.task.await {
            tracing::error!(%error, "mail sender task ended abnormally");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failed_attempts_wait_longer_each_time_then_fail() {
        let waits: Vec<Option<i64>> = (0..7)
            .map(|before| retry_delay(before, false).map(|d| d.num_minutes()))
            .collect();
        assert_eq!(
            waits,
            [Some(1), Some(5), Some(30), Some(120), Some(720), None, None]
        );
        assert_eq!(retry_delay(0, true), None, "a rejection fails at once");
    }
}
