//! `kinerja serve`

use std::io::Write as _;
use std::time::Duration;

use super::{Command, DEFAULT_PUBLIC_URL};
use crate::db::{self, DatabaseUrl};
use crate::web::ratelimit::Limits;
use crate::web::ServerConfig;

pub fn run(url: &DatabaseUrl, command: Command) -> anyhow::Result<()> {
    let Command::Serve {
        bind,
        public_url,
        demo,
        trust_proxy,
        rate_limit,
        rate_limit_misses,
        pool_size,
        mail_interval,
    } = command
    else {
        return Ok(());
    };
    let pool = db::Pool::open(url, pool_size)?;
    // Checked before anything starts; built again inside the runtime, which an SMTP pool needs.
    if mail_interval > 0 {
        crate::mail::Mailer::check_env()?;
    }
    let demo_link = if demo {
        let mut conn = pool.get()?;
        print!("{}", crate::demo::load(&mut conn)?);
        Some(crate::demo::respondent_link(&mut conn)?)
    } else {
        None
    };
    let key = crate::pending::server_key(&mut *pool.get()?, url)?;
    let config = ServerConfig {
        key,
        bind,
        public_url: public_url.clone().unwrap_or_default(),
        trust_proxy,
        limits: Limits {
            window: Duration::from_secs(600),
            requests: rate_limit,
            misses: rate_limit_misses,
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
        let served = crate::web::serve(pool, config, |addresses| {
            let address = addresses
                .first()
                .map(ToString::to_string)
                .unwrap_or_default();
            let base = public_url.clone().unwrap_or_else(|| {
                if address.is_empty() {
                    DEFAULT_PUBLIC_URL.to_owned()
                } else {
                    format!("http://{address}")
                }
            });
            if let Some(token) = &demo_link {
                println!("respondent link: {}/r/{token}", base.trim_end_matches('/'));
            }
            println!("listening on http://{address}");
            let _ = std::io::stdout().flush();
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
