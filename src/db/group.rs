//! Group commit: one writer task takes every request that queued while the previous group was
//! being written and commits them in one transaction, so that many submissions share one
//! fsync. A caller's answer comes back only once its group is durably committed.

use std::sync::Arc;

use tokio::sync::{mpsc, oneshot};

use super::{write_tx, Access, DbConn, DbError, Pool};

/// Writes a group of requests inside one transaction, answering each in order. An `Err` rolls
/// the whole group back; the writer then retries each request alone, so one bad request never
/// fails the others.
pub type GroupHandler<Req, Resp> =
    dyn Fn(&mut DbConn, &[Req]) -> Result<Vec<Resp>, DbError> + Send + Sync;

/// Runs after each committed group, in a transaction of its own, with the group's answers,
/// before the callers are answered. What it returns runs on the same connection right after
/// the callers are answered, before the next group: housekeeping a caller need not wait for
/// (SQLite's checkpoint after a release: measured as a quarter of a submission's CPU, and
/// with it off the callers' path they queue up a larger next group meanwhile).
pub type AfterCommit<Resp> = dyn Fn(&mut DbConn, &[Resp]) -> Option<Later> + Send + Sync;

/// Work left for after the callers are answered.
pub type Later = Box<dyn FnOnce(&mut DbConn) + Send>;

type Job<Req, Resp> = (Req, oneshot::Sender<Result<Resp, DbError>>);

pub struct GroupWriter<Req, Resp> {
    queue: mpsc::Sender<Job<Req, Resp>>,
}

impl<Req, Resp> Clone for GroupWriter<Req, Resp> {
    fn clone(&self) -> Self {
        GroupWriter {
            queue: self.queue.clone(),
        }
    }
}

impl<Req, Resp> GroupWriter<Req, Resp>
where
    Req: Send + 'static,
    Resp: Clone + Send + 'static,
{
    /// Starts `writers` writers on the current runtime, taking groups from one queue. One is
    /// right for SQLite (its writes take turns anyway); on PostgreSQL a few overlap their round
    /// trips and fsyncs. They end when every handle is dropped.
    pub fn spawn(
        pool: Pool,
        max_group: usize,
        writers: usize,
        handler: Arc<GroupHandler<Req, Resp>>,
        after_commit: Option<Arc<AfterCommit<Resp>>>,
    ) -> GroupWriter<Req, Resp> {
        let (queue, jobs) = mpsc::channel(max_group.max(1) * 4);
        let jobs = Arc::new(tokio::sync::Mutex::new(jobs));
        for _ in 0..writers.max(1) {
            tokio::spawn(run(
                pool.clone(),
                max_group.max(1),
                handler.clone(),
                after_commit.clone(),
                jobs.clone(),
            ));
        }
        GroupWriter { queue }
    }

    /// Queues `request` and waits until its group is committed (or failed).
    pub async fn write(&self, request: Req) -> Result<Resp, DbError> {
        let (answer, answered) = oneshot::channel();
        self.queue
            .send((request, answer))
            .await
            .map_err(|_| DbError::Pool("the writer has stopped".into()))?;
        answered
            .await
            .map_err(|_| DbError::Pool("the writer stopped before answering".into()))?
    }
}

async fn run<Req, Resp>(
    pool: Pool,
    max_group: usize,
    handler: Arc<GroupHandler<Req, Resp>>,
    after_commit: Option<Arc<AfterCommit<Resp>>>,
    jobs: Arc<tokio::sync::Mutex<mpsc::Receiver<Job<Req, Resp>>>>,
) where
    Req: Send + 'static,
    Resp: Clone + Send + 'static,
{
    loop {
        // One writer at a time takes what has queued; the others are writing meanwhile.
        let group = {
            let mut jobs = jobs.lock().await;
            let Some(first) = jobs.recv().await else {
                break;
            };
            let mut group = vec![first];
            while group.len() < max_group {
                match jobs.try_recv() {
                    Ok(job) => group.push(job),
                    Err(_) => break,
                }
            }
            group
        };
        let (requests, answers): (Vec<Req>, Vec<_>) = group.into_iter().unzip();
        // The callers are answered from inside the turn below; if the turn never runs (no
        // connection), they are answered here with the reason.
        let answers = Arc::new(std::sync::Mutex::new(Some(answers)));
        let answering = answers.clone();
        let handler = handler.clone();
        let after_commit = after_commit.clone();
        // The after-commit work runs before the callers hear back, on the same connection and
        // turn: once a caller has its answer, whatever its answer set off (a release) is done,
        // so what anyone reads next is settled. Its housekeeping runs after.
        let written = pool
            .run(Access::Write, move |conn| {
                let (outcomes, finish) = write_group(conn, &handler, after_commit, &requests);
                let later = finish.and_then(|finish| finish(conn));
                if let Some(answers) = take(&answering) {
                    for (answer, outcome) in answers.into_iter().zip(outcomes) {
                        let _ = answer.send(outcome);
                    }
                }
                if let Some(later) = later {
                    later(conn);
                }
                Ok::<_, DbError>(())
            })
            .await;
        if let Err(error) = written {
            let message = error.to_string();
            for answer in take(&answers).unwrap_or_default() {
                let _ = answer.send(Err(DbError::Pool(message.clone())));
            }
        }
    }
}

/// Takes the callers' answer channels out of their shared slot (once).
fn take<T>(slot: &std::sync::Mutex<Option<T>>) -> Option<T> {
    // A poisoned slot still holds the channels: a panic elsewhere must not strand callers.
    match slot.lock() {
        Ok(mut guard) => guard.take(),
        Err(poisoned) => poisoned.into_inner().take(),
    }
}

type Finish = Box<dyn FnOnce(&mut DbConn) -> Option<Later> + Send>;

fn write_group<Req, Resp>(
    conn: &mut DbConn,
    handler: &Arc<GroupHandler<Req, Resp>>,
    after_commit: Option<Arc<AfterCommit<Resp>>>,
    requests: &[Req],
) -> (Vec<Result<Resp, DbError>>, Option<Finish>)
where
    Resp: Clone + Send + 'static,
{
    let outcomes = match write_tx(conn, |conn| handler(conn, requests)) {
        Ok(answers) if answers.len() == requests.len() => answers.into_iter().map(Ok).collect(),
        Ok(_) => vec_of_errors(requests.len(), "the writer answered the wrong number"),
        Err(_) if requests.len() > 1 => requests
            .iter()
            .map(|request| {
                write_tx(conn, |conn| handler(conn, std::slice::from_ref(request))).and_then(
                    |mut answers| {
                        answers
                            .pop()
                            .ok_or(DbError::Missing("answer of the writer"))
                    },
                )
            })
            .collect(),
        Err(error) => vec![Err(error)],
    };
    let committed: Vec<Resp> = outcomes
        .iter()
        .filter_map(|o| o.as_ref().ok().cloned())
        .collect();
    let finish = match after_commit {
        Some(after) if !committed.is_empty() => {
            Some(Box::new(move |conn: &mut DbConn| after(conn, &committed)) as Finish)
        }
        _ => None,
    };
    (outcomes, finish)
}

fn vec_of_errors<Resp>(n: usize, what: &'static str) -> Vec<Result<Resp, DbError>> {
    (0..n).map(|_| Err(DbError::Missing(what))).collect()
}
