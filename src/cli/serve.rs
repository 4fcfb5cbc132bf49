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
    #[arg(long, env = "KINERJA_BIND", default_value = "127.0.0.1:8080")]
    bind: String,
    /// The address respondents reach the server at (used in links); default: the bound
    /// address.
    #[arg(long, env = "KINERJA_PUBLIC_URL")]
    public_url: Option<String>,
    /// Load the demo data set first and print one working respondent link.
    #[arg(long)]
    demo: bool,
    /// Take client addresses from X-Forwarded-For (only behind a trusted reverse proxy).
    #[arg(long)]
    trust_proxy: bool,
    /// Requests to /r/ per client address per 10 minutes.
    #[arg(long, env = "KINERJA_RATE_LIMIT", default_value_t = 5000)]
    rate_limit: u32,
    /// Unknown links per client address per 10 minutes.
    #[arg(long, env = "KINERJA_RATE_LIMIT_MISSES", default_value_t = 30)]
    rate_limit_misses: u32,
    /// Database connections in the pool.
    #[arg(long, env = "KINERJA_DB_POOL", default_value_t = 8)]
    pool_size: u32,
    /// Seconds between passes of the background mail sender; 0 runs none.
    #[arg(long, env = "KINERJA_MAIL_INTERVAL", default_value_t = 10)]
    mail_interval: u64,
}

pub fn run(url: &DatabaseUrl, args: ServeArgs, console: &mut Console) -> anyhow::Result<()> {
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
    let config = ServerConfig {
        key,
        bind: args.bind,
        public_url: public_url.clone().unwrap_or_default(),
        trust_proxy: args.trust_proxy,
        limits: Limits {
            window: Duration::from_secs(600),
            requests: args.rate_limit,
            misses: args.rate_limit_misses,
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
            crate::mail::spawn_sender(sender_pool, mailer, Duration::from_secs(mail_interval))
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
