//! `kinerja serve`

use std::io::Write as _;
use std::time::Duration;

use clap::Args;

use super::Console;
use crate::db::{self, DatabaseUrl};
use crate::web::ratelimit::Limits;
use crate::web::ServerConfig;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The address and port to listen on (0.0.0.0:8080 for every interface; port 0: any
    /// free port, printed at start).
    #[arg(
        long,
        value_name = "ADDR:PORT",
        env = "KINERJA_BIND",
        default_value = "127.0.0.1:8080"
    )]
    bind: String,
    /// The address respondents reach the server at (used in links); default: the bound
    /// address.
    #[arg(long, env = "KINERJA_PUBLIC_URL")]
    public_url: Option<String>,
    /// Load the demo data set first and print one working respondent link.
    #[arg(long)]
    demo: bool,
    /// Reverse proxies in front of the server (hops): the client's address is the N-th entry
    /// from the right of X-Forwarded-For (or of Forwarded's `for=`), each proxy having appended
    /// the address it saw; entries further left are the client's own and ignored. 0: the
    /// peer's address.
    #[arg(long, env = "KINERJA_TRUSTED_PROXIES", default_value_t = 0)]
    trusted_proxies: usize,
    /// Same as `--trusted-proxies 1` (one reverse proxy).
    #[arg(long, conflicts_with = "trusted_proxies")]
    trust_proxy: bool,
    /// Seconds a request body (a form post, an API upload) may take to arrive; a slower one is
    /// answered 408.
    #[arg(long, env = "KINERJA_BODY_TIMEOUT", default_value_t = 30)]
    body_timeout_secs: u64,
    /// Requests to /r/ per client address per 10 minutes.
    #[arg(long, env = "KINERJA_RATE_LIMIT", default_value_t = 5000)]
    rate_limit: u32,
    /// Unknown links per client address per 10 minutes.
    #[arg(long, env = "KINERJA_RATE_LIMIT_MISSES", default_value_t = 30)]
    rate_limit_misses: u32,
    /// Requests from one client address served at the same time (slow bodies included);
    /// more are answered 429 at once.
    #[arg(
        long,
        env = "KINERJA_MAX_CONCURRENT_PER_ADDRESS",
        default_value_t = 256
    )]
    max_concurrent_per_address: u32,
    /// Database connections in the pool.
    #[arg(long, env = "KINERJA_DB_POOL", default_value_t = 8)]
    pool_size: u32,
    /// Seconds between passes of the background mail sender, which also queues the
    /// campaigns' scheduled reminders (with --public-url); 0 runs none.
    #[arg(long, env = "KINERJA_MAIL_INTERVAL", default_value_t = 10)]
    mail_interval: u64,
}

pub fn run(url: &DatabaseUrl, args: ServeArgs, console: &mut Console) -> anyhow::Result<()> {
    // Every open connection holds a descriptor; the usual soft limit (1024) would let a few
    // hundred slow clients stop the server from accepting anyone else.
    match raise_fd_limit() {
        Ok(limit) => tracing::info!(limit, "open file limit"),
        Err(error) => tracing::warn!(%error, "could not raise the open file limit"),
    }
    let pool = db::Pool::open(url, args.pool_size)?;
    let mail_interval = args.mail_interval;
    // Checked before anything starts; built again inside the runtime, which an SMTP pool needs.
    if mail_interval > 0 {
        crate::mail::Mailer::check_env()?;
    }
    let demo_link = if args.demo {
        let mut conn = pool.get()?;
        write!(console.out, "{}", crate::demo::load(&mut conn)?)?;
        Some(crate::demo::respondent_link(&mut conn)?)
    } else {
        None
    };
    let key = crate::pending::server_key(&mut *pool.get()?, url)?;
    let public_url = args.public_url;
    // Scheduled reminders carry new links, which must start with the address respondents
    // reach: as for `kinerja remind`, there is no default that would be right.
    let reminders: Option<std::sync::Arc<str>> = match public_url
        .as_deref()
        .map(str::trim)
        .filter(|u| !u.is_empty())
    {
        Some(url) if mail_interval > 0 => Some(super::links::parse_public_url(url)?.into()),
        _ => None,
    };
    if mail_interval > 0 && reminders.is_none() {
        tracing::warn!(
            "scheduled reminders (campaign create --reminders) are off: they need --public-url \
             (or KINERJA_PUBLIC_URL), the address respondents reach the server at"
        );
    }
    let config = ServerConfig {
        key,
        bind: args.bind,
        public_url: public_url.clone().unwrap_or_default(),
        trusted_proxies: if args.trust_proxy {
            1
        } else {
            args.trusted_proxies
        },
        body_timeout: Duration::from_secs(args.body_timeout_secs),
        limits: Limits {
            window: Duration::from_secs(600),
            requests: args.rate_limit,
            misses: args.rate_limit_misses,
            concurrent: args.max_concurrent_per_address.max(1),
        },
    };
    let sender_pool = pool.clone();
    actix_web::rt::System::new().block_on(async move {
        let mailer = (mail_interval > 0)
            .then(crate::mail::Mailer::from_env)
            .transpose()?
            .map(std::sync::Arc::new);
        let sender = mailer.map(|mailer| {
            tracing::info!(via = mailer.description(), "mail sender running");
            crate::mail::spawn_sender(
                sender_pool,
                mailer,
                Duration::from_secs(mail_interval),
                reminders,
            )
        });
        // Printing the address must not stop the server: a supervisor that stopped reading
        // our output still wants the service, so these lines are best effort.
        let served = crate::web::serve(pool, config, |addresses| {
            let address = addresses
                .first()
                .map(ToString::to_string)
                .unwrap_or_default();
            let base = public_url.unwrap_or_else(|| format!("http://{address}"));
            if let Some(token) = &demo_link {
                let _ = writeln!(
                    console.out,
                    "respondent link: {}/r/{token}",
                    base.trim_end_matches('/')
                );
            }
            let _ = writeln!(console.out, "listening on http://{address}");
            let _ = console.out.flush();
        })
        .await;
        // The group of messages in flight is delivered and recorded before the process ends.
        if let Some(sender) = sender {
            sender.stop().await;
        }
        served?;
        anyhow::Ok(())
    })?;
    Ok(())
}

/// Raises the soft limit of open file descriptors to the hard limit; returns the new limit.
fn raise_fd_limit() -> std::io::Result<u64> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit and setrlimit only read or write the struct we pass, which lives
    // across the calls.
    unsafe {
        if libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max;
            if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
        }
    }
    Ok(limit.rlim_cur)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_open_file_limit_is_raised_to_the_hard_limit() {
        let raised = super::raise_fd_limit().expect("raise");
        let mut limit = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: as above, a struct of ours.
        assert_eq!(
            unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) },
            0
        );
        assert_eq!(limit.rlim_cur, limit.rlim_max);
        assert_eq!(raised, limit.rlim_cur);
    }
}
