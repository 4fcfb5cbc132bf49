//! The command line: argument parsing and one small function per command, each calling the
//! library and printing its outcome.

mod campaign;
mod data;
mod mail;
mod serve;

use crate::db::CampaignId;
use std::path::PathBuf;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use crate::db::{self, DatabaseUrl, DbConn};
use crate::domain::Lang;
use crate::results::Format;

#[derive(Debug, Parser)]
#[command(
    name = "kinerja",
    version,
    about = "Survey and review assessment engine for Balanced Scorecard organisations"
)]
pub struct Cli {
    /// Database: postgres://... or postgresql://... for PostgreSQL, sqlite://PATH or a file path
    /// for SQLite.
    #[arg(
        long,
        global = true,
        env = "DATABASE_URL",
        default_value = "kinerja.db"
    )]
    pub database_url: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create or update the database schema (every command also does this on start).
    Migrate,
    /// Check and import survey and checklist templates (TOML).
    #[command(subcommand)]
    Template(TemplateCommand),
    /// Load and list the organisation's unit tree.
    #[command(subcommand)]
    Units(UnitsCommand),
    /// Create, list, open and close campaigns.
    #[command(subcommand)]
    Campaign(CampaignCommand),
    /// Load responses (paper, offline or exported answers) from CSV.
    #[command(subcommand)]
    Responses(ResponsesCommand),
    /// Per-unit statistics and the ranking of a campaign.
    Results {
        #[arg(long)]
        campaign: CampaignId,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Make personal links from a CSV with header email,unit (optional name,lang); prints
    /// email<TAB>unit<TAB>link per line.
    Invite {
        #[arg(long)]
        campaign: CampaignId,
        file: PathBuf,
        /// Revoke earlier unused links of the same people and units and issue new ones.
        #[arg(long)]
        reissue: bool,
        /// The address respondents reach the server at.
        #[arg(long, env = "KINERJA_PUBLIC_URL", default_value = DEFAULT_PUBLIC_URL)]
        public_url: String,
        /// Only print the links; queue no invitation emails.
        #[arg(long)]
        no_email: bool,
    },
    /// Email a new link to every invitee who has not submitted and was not reminded lately.
    Remind {
        #[arg(long)]
        campaign: CampaignId,
        /// Skip invitees reminded within this many days.
        #[arg(long, default_value_t = 3)]
        min_days: u32,
        #[arg(long, env = "KINERJA_PUBLIC_URL", default_value = DEFAULT_PUBLIC_URL)]
        public_url: String,
    },
    /// Deliver queued email and show the outbox.
    #[command(subcommand)]
    Mail(MailCommand),
    /// Email result summaries.
    #[command(subcommand)]
    Summary(SummaryCommand),
    /// Load a realistic demo data set (DJPb's unit tree, SFO surveys, a review) and show it.
    Demo,
    /// Run the respondent web service.
    Serve {
        #[arg(long, env = "KINERJA_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// The address respondents reach the server at (used in links).
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
    },
}

pub const DEFAULT_PUBLIC_URL: &str = "http://127.0.0.1:8080";

#[derive(Debug, Subcommand)]
pub enum TemplateCommand {
    /// Check template files without storing anything.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Check and store template files; a file with errors is not imported.
    Import {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// List stored templates.
    List,
}

#[derive(Debug, Subcommand)]
pub enum UnitsCommand {
    /// Build or update the tree from a CSV with header code,name,parent_code.
    Import { file: PathBuf },
    /// Print the tree.
    List,
}

#[derive(Debug, Subcommand)]
pub enum CampaignCommand {
    /// Create a campaign; prints its id alone on the last line.
    Create {
        /// Template id (the `id` in its TOML file).
        #[arg(long)]
        template: String,
        /// Template version; default: the latest imported.
        #[arg(long)]
        template_version: Option<i32>,
        #[arg(long)]
        period: String,
        #[arg(long)]
        title: String,
        /// Unit codes, comma-separated; default: every unit.
        #[arg(long, value_delimiter = ',')]
        units: Option<Vec<String>>,
        /// Anonymity threshold: units with fewer responses show no figures (default 5 for
        /// surveys, 1 for checklists).
        #[arg(long)]
        min_responses: Option<i64>,
        /// Create it closed to responses until `campaign open`.
        #[arg(long)]
        draft: bool,
        /// The last day (YYYY-MM-DD, UTC) on which links can be answered.
        #[arg(long)]
        closes: Option<chrono::NaiveDate>,
    },
    List,
    /// Per unit: invited, submitted and response rate.
    Progress {
        id: CampaignId,
        #[arg(long, value_enum, default_value = "table")]
        format: ProgressFormat,
    },
    /// Accept responses (again).
    Open {
        id: CampaignId,
    },
    /// Stop accepting responses.
    Close {
        id: CampaignId,
    },
}

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// One delivery pass over due messages (SMTP from KINERJA_SMTP_URL, else a folder).
    Send {
        /// Also retry messages that are waiting for their next attempt.
        #[arg(long)]
        now: bool,
    },
    /// Queued, sent and failed counts, and the errors of failed messages.
    Status {
        #[arg(long)]
        campaign: Option<CampaignId>,
    },
}

#[derive(Debug, Subcommand)]
pub enum SummaryCommand {
    /// Queue the ranking for organizers and, with --unit-heads, each unit's page for its head.
    Send {
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
    },
}

fn parse_lang(code: &str) -> Result<Lang, String> {
    Lang::parse(code).ok_or_else(|| format!("'{code}' is not a language: use id or en"))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ProgressFormat {
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum ResponsesCommand {
    /// Import a CSV with header unit,<item id>...; all lines or none.
    Import {
        #[arg(long)]
        campaign: CampaignId,
        file: PathBuf,
    },
}

/// Runs one command.
pub fn run(cli: Cli) -> anyhow::Result<()> {
    if let Command::Template(TemplateCommand::Validate { files }) = &cli.command {
        // Validation needs no database.
        return data::validate_templates(files);
    }
    let url = DatabaseUrl::parse(&cli.database_url)?;
    if let Command::Serve { .. } = &cli.command {
        return serve::run(&url, cli.command);
    }
    if let Command::Mail(MailCommand::Send { now }) = &cli.command {
        return mail::send(&url, *now);
    }
    let mut conn = db::connect(&url)?;
    match cli.command {
        Command::Migrate => {
            println!("database {url} is up to date");
            Ok(())
        }
        Command::Template(TemplateCommand::Validate { .. }) => Ok(()),
        Command::Template(TemplateCommand::Import { files }) => {
            data::import_templates(&mut conn, &files)
        }
        Command::Template(TemplateCommand::List) => data::list_templates(&mut conn),
        Command::Units(UnitsCommand::Import { file }) => data::import_units(&mut conn, &file),
        Command::Units(UnitsCommand::List) => data::list_units(&mut conn),
        Command::Campaign(command) => campaign::run(&mut conn, &url, command),
        Command::Responses(ResponsesCommand::Import { campaign, file }) => {
            data::import_responses(&mut conn, campaign, &file)
        }
        Command::Results { campaign, format } => print_results(&mut conn, campaign, format),
        Command::Invite {
            campaign,
            file,
            reissue,
            public_url,
            no_email,
        } => {
            let options = data::InviteOptions {
                reissue,
                send_email: !no_email,
                public_url,
            };
            data::invite(&mut conn, campaign, &file, &options)
        }
        Command::Remind {
            campaign,
            min_days,
            public_url,
        } => mail::remind(&mut conn, campaign, min_days, &public_url),
        Command::Mail(MailCommand::Status { campaign }) => mail::status(&mut conn, campaign),
        Command::Mail(MailCommand::Send { .. }) => Ok(()),
        Command::Summary(SummaryCommand::Send {
            campaign,
            to,
            unit_heads,
            lang,
        }) => mail::summary(&mut conn, campaign, &to, unit_heads, lang),
        Command::Serve { .. } => Ok(()),
        Command::Demo => {
            let summary = crate::demo::load(&mut conn)?;
            print!("{summary}");
            Ok(())
        }
    }
}

fn print_results(conn: &mut DbConn, campaign: CampaignId, format: Format) -> anyhow::Result<()> {
    let results = crate::results::compute(conn, campaign)?;
    print!("{}", crate::results::render(&results, format));
    Ok(())
}

fn open_file(path: &std::path::Path) -> anyhow::Result<std::io::BufReader<std::fs::File>> {
    let file =
        std::fs::File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
    Ok(std::io::BufReader::with_capacity(1 << 20, file))
}
