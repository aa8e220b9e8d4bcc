//! The command line's arguments, every command's: parsed by clap's derive, read by the
//! command modules (which import this one, never `main`).

use chrono::{DateTime, NaiveDate, Utc};
use clap::{Args, Parser, Subcommand, ValueEnum};
use hubspot_deals::types::{Filter, FilterOperator};
use hubspot_deals_fake::options::FakeOptions;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::path::PathBuf;

/// Work with HubSpot deals from the command line.
#[derive(Debug, Parser)]
#[command(name = "hubspot-deals", version, about)]
pub struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub global: Global,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes.
#[derive(Debug, Clone, Args)]
pub struct Global {
    /// The stored credentials to use (several portals keep apart by name).
    #[arg(
        long,
        global = true,
        default_value = "default",
        env = "HUBSPOT_PROFILE",
        hide_env_values = true
    )]
    pub profile: String,
    /// HubSpot's API base URL (a proxy, or a fake HubSpot). A stored profile's credentials
    /// go only to the origin they were logged in for.
    #[arg(long, global = true, env = "HUBSPOT_BASE_URL", hide_env_values = true)]
    pub base_url: Option<String>,
    /// Send a stored profile's credentials to a --base-url of another origin than the one
    /// it was logged in for.
    #[arg(long, global = true)]
    pub allow_other_origin: bool,
    /// The account's rate budget: free (100 calls per 10 s), professional, enterprise (190),
    /// unlimited, or a number of calls per 10 s.
    #[arg(long, global = true, env = "HUBSPOT_RATE_LIMIT", hide_env_values = true,
          default_value = "free", value_parser = parse_rate_limit)]
    pub budget: hubspot_deals::RateLimit,
    /// Share the budget with every other process naming the same Redis (redis://HOST:PORT,
    /// or rediss:// for TLS): their calls together stay within --budget. While Redis cannot
    /// be reached, each goes on at a share of the budget (--shared-budget-workers).
    #[arg(
        long,
        global = true,
        env = "HUBSPOT_DEALS_SHARED_BUDGET",
        hide_env_values = true
    )]
    pub shared_budget: Option<String>,
    /// The shared budget's name: one per HubSpot account (default: the profile's name).
    #[arg(long, global = true, requires = "shared_budget")]
    pub shared_budget_name: Option<String>,
    /// How many processes share the budget: each takes this share of it while Redis is down.
    #[arg(long, global = true, default_value_t = 2, requires = "shared_budget")]
    pub shared_budget_workers: u32,
    /// Take a URL with a password in the arguments (--db, --shared-budget), although every
    /// user of this machine can read it in the process list (better: the environment
    /// variable each names).
    #[arg(long, global = true)]
    pub allow_password_in_argument: bool,
    /// The arguments given on the command line (not from the environment or a default),
    /// by their ids (`db`, `shared_budget`).
    #[arg(skip)]
    pub on_command_line: Vec<&'static str>,
}

impl Global {
    /// Whether argument `id` was given on the command line.
    pub fn given_on_command_line(&self, id: &str) -> bool {
        self.on_command_line.contains(&id)
    }
}

impl Cli {
    /// The arguments of this process, noting which of those that may carry a password were
    /// typed on the command line (where the process list shows them) rather than read from
    /// the environment.
    pub fn from_command_line() -> Self {
        use clap::{CommandFactory, FromArgMatches};
        let matches = Self::command().get_matches();
        let mut cli = Self::from_arg_matches(&matches).unwrap_or_else(|e| e.exit());
        for id in ["db", "shared_budget"] {
            // Global arguments are in every level's matches; others in their command's.
            let mut level = Some(&matches);
            while let Some(m) = level {
                let typed = m.try_get_raw(id).ok().flatten().is_some()
                    && m.value_source(id) == Some(clap::parser::ValueSource::CommandLine);
                if typed && !cli.global.on_command_line.contains(&id) {
                    cli.global.on_command_line.push(id);
                }
                level = m.subcommand().map(|(_, sub)| sub);
            }
        }
        cli
    }
}

fn parse_rate_limit(text: &str) -> Result<hubspot_deals::RateLimit, String> {
    use hubspot_deals::RateLimit;
    Ok(match text.to_ascii_lowercase().as_str() {
        "free" | "starter" => RateLimit::FREE_STARTER,
        "professional" => RateLimit::PROFESSIONAL,
        "enterprise" => RateLimit::ENTERPRISE,
        "unlimited" => RateLimit::unlimited(),
        number => RateLimit::per_ten_seconds(number.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
            format!("{text:?}: use free, professional, enterprise, unlimited or a number of calls per 10 s")
        })?),
    })
}

#[derive(Debug, Subcommand)]
/// The command groups.
pub enum Command {
    /// Log in, see who you are, log out.
    #[command(subcommand)]
    Auth(AuthCommand),
    /// Export, import, read, search and archive deals.
    #[command(subcommand)]
    Deals(DealsCommand),
    /// The deal pipelines and their stages (ids, labels, probabilities).
    Pipelines(PipelinesArgs),
    /// The deal properties: list them, or create one.
    #[command(subcommand)]
    Properties(PropertiesCommand),
    /// The account's owners: who a deal's `hubspot_owner_id` names.
    Owners(OwnersArgs),
    /// Mirror every deal into a database (SQLite or PostgreSQL), then apply what changed on
    /// each run.
    Sync(SyncArgs),
    /// Compare the mirror with HubSpot: every live deal and its modification time (one call
    /// per 100 deals); exit 1 on any drift, which --repair fixes.
    Verify(VerifyArgs),
    /// What the profile uses (credentials, HubSpot's API versions and when HubSpot ends
    /// them, scopes, budget); exit 1 when something it uses ends within 90 days.
    Doctor(DoctorArgs),
    /// Serve a fake HubSpot (the same options as `fake-hubspot`).
    Fake(Box<FakeArgs>),
}

/// `doctor`.
#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Check as of this day (YYYY-MM-DD) instead of today: will the profile still work then?
    #[arg(long, value_name = "DATE", value_parser = crate::doctor::parse_day)]
    pub on: Option<NaiveDate>,
}

/// `sync`.
#[derive(Debug, Args)]
pub struct SyncArgs {
    /// The database: sqlite:PATH, or postgres://USER:PASSWORD@HOST:PORT/DATABASE (password
    /// and port optional; a password is better kept in HUBSPOT_DEALS_DB).
    #[arg(
        long,
        default_value = "sqlite:hubspot-deals.sqlite",
        env = "HUBSPOT_DEALS_DB",
        hide_env_values = true
    )]
    pub db: String,
    /// The object types whose associations to keep (comma-separated).
    #[arg(long, value_delimiter = ',', default_values_t = ["contacts".to_string(), "companies".to_string()])]
    pub associations: Vec<String>,
    /// Compare the deals HubSpot has with the database's now (else once a day, and after
    /// the first load), marking those archived, merged or deleted since.
    #[arg(long)]
    pub reconcile: bool,
    /// Seconds before the last run's watermark a run starts reading changes (HubSpot's
    /// search index trails changes; deals changed in that window are read again).
    #[arg(long, default_value_t = 300)]
    pub overlap: u64,
    /// Keep going until interrupted: follow the webhooks journal when the profile has app
    /// credentials (auth login --client-credentials), else run again every --interval
    /// seconds. On PostgreSQL a second --watch stands by and takes over when the first dies.
    #[arg(long)]
    pub watch: bool,
    /// With --watch and no app credentials: seconds between runs.
    #[arg(long, default_value_t = 60, requires = "watch")]
    pub interval: u64,
    /// Keep every past value of these properties in deal_property_history (comma-separated;
    /// `all`: every property the account defines that HubSpot does not calculate).
    #[arg(long, value_delimiter = ',', value_name = "PROPERTIES")]
    pub history: Vec<String>,
    /// With --history all: calculated properties too.
    #[arg(long)]
    pub history_calculated: bool,
}

/// `verify`.
#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The database, as for sync.
    #[arg(
        long,
        default_value = "sqlite:hubspot-deals.sqlite",
        env = "HUBSPOT_DEALS_DB",
        hide_env_values = true
    )]
    pub db: String,
    /// Fix what differs: read the missing and stale deals again, reconcile the extra ones,
    /// then verify again.
    #[arg(long)]
    pub repair: bool,
    /// With --repair: the object types whose associations to keep, as for sync.
    #[arg(long, value_delimiter = ',', default_values_t = ["contacts".to_string(), "companies".to_string()])]
    pub associations: Vec<String>,
}

/// `owners`.
#[derive(Debug, Args)]
pub struct OwnersArgs {
    /// Only the archived owners (deactivated users).
    #[arg(long)]
    pub archived: bool,
    /// JSON even on a terminal.
    #[arg(long)]
    pub json: bool,
}

/// `pipelines`.
#[derive(Debug, Args)]
pub struct PipelinesArgs {
    /// JSON even on a terminal.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
/// `properties` commands.
pub enum PropertiesCommand {
    /// Every deal property with its type (a table on a terminal, JSON lines otherwise).
    List(PropertiesListArgs),
    /// Create a custom deal property.
    Create(CreatePropertyArgs),
}

/// `properties list`.
#[derive(Debug, Args)]
pub struct PropertiesListArgs {
    /// JSON even on a terminal.
    #[arg(long)]
    pub json: bool,
}

/// `properties create`.
#[derive(Debug, Args)]
pub struct CreatePropertyArgs {
    /// The property's internal name: lowercase letters, digits and `_`.
    pub name: String,
    /// Its type.
    #[arg(long = "type", value_parser = ["string", "number", "date", "datetime", "enumeration", "bool"])]
    pub kind: String,
    /// Its label (default: the name).
    #[arg(long)]
    pub label: Option<String>,
    /// How forms show it (default: the type's usual one: text, number, date, select,
    /// booleancheckbox).
    #[arg(long)]
    pub field_type: Option<String>,
    /// Make it unique, an id for upserts by an external id (a string or a number).
    #[arg(long)]
    pub unique: bool,
    /// An option of an enumeration, `value=Label` or `value` (repeatable).
    #[arg(long = "option")]
    pub options: Vec<String>,
    /// The property group (default: dealinformation).
    #[arg(long, default_value = "dealinformation")]
    pub group: String,
}

#[derive(Debug, Subcommand)]
/// `auth` commands.
pub enum AuthCommand {
    /// Log in with an OAuth app (in a browser), or with a private app's token.
    Login(LoginArgs),
    /// Who the stored credentials belong to, their scopes, when the access token expires.
    Status,
    /// Delete the stored credentials (and revoke the refresh token at HubSpot).
    Logout,
}

#[derive(Debug, Subcommand)]
/// `deals` commands.
pub enum DealsCommand {
    /// Every deal (or those matching filters, or changed since a time) to a file or stdout.
    Export(ExportArgs),
    /// Create, update or upsert deals from a JSONL or CSV file.
    Import(ImportArgs),
    /// One deal, by id.
    Get(GetArgs),
    /// Deals matching filters (`property OPERATOR value`) and/or a query.
    Search(SearchArgs),
    /// Archive deals, by id.
    Archive(ArchiveArgs),
    /// Print deal changes as JSON lines as they happen: from the webhooks journal when the
    /// profile holds app credentials (`auth login --client-credentials`), else by polling
    /// the deals changed since the last pass.
    Watch(WatchArgs),
}

/// `deals watch`.
#[derive(Debug, Args)]
pub struct WatchArgs {
    /// The properties whose changes to follow (comma-separated; default: every property in
    /// the journal, HubSpot's default properties when polling).
    #[arg(long, value_delimiter = ',')]
    pub properties: Vec<String>,
    /// Start after this journal offset (instead of the state file's, or from now).
    #[arg(long, conflicts_with = "since")]
    pub from_offset: Option<String>,
    /// Start with the deals changed since this time (RFC 3339, or a date), then follow.
    #[arg(long, value_parser = parse_time)]
    pub since: Option<DateTime<Utc>>,
    /// Where the position is kept, replaced atomically after each printed change, so a
    /// restart goes on from there.
    #[arg(long)]
    pub state: Option<PathBuf>,
    /// Stop once caught up, instead of waiting for more.
    #[arg(long)]
    pub once: bool,
    /// Seconds between polls of the deals changed (without app credentials).
    #[arg(long, default_value_t = 30)]
    pub poll_interval: u64,
}

/// A file format for deals.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated values with a header row.
    Csv,
}

impl Format {
    /// The format asked for, else the one the file's extension names, else JSONL.
    pub fn choose(asked: Option<Format>, file: Option<&PathBuf>) -> Format {
        asked.unwrap_or_else(|| {
            let csv = file
                .and_then(|f| f.extension())
                .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
            if csv { Format::Csv } else { Format::Jsonl }
        })
    }
}

/// How to log in.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Read a private app's access token from standard input (never from an argument, which
    /// shells keep in their history).
    #[arg(long, conflicts_with_all = ["client_id", "service_key", "client_credentials"])]
    pub private_app_token: bool,
    /// Store the app's client credentials (--client-id, the secret from
    /// HUBSPOT_CLIENT_SECRET or standard input) beside the profile's credentials, for the
    /// webhooks journal (`deals watch`); asks for the journal's scopes.
    #[arg(long, requires_all = ["client_id", "portal_id"], conflicts_with = "service_key")]
    pub client_credentials: bool,
    /// The portal (HubSpot account id) the app's journal is read for.
    #[arg(long, requires = "client_credentials")]
    pub portal_id: Option<i64>,
    /// Read a Service Key (HubSpot: Development > Keys > Service keys, the successor of
    /// private apps) from standard input.
    #[arg(long, conflicts_with = "client_id")]
    pub service_key: bool,
    /// The OAuth app's client id.
    #[arg(
        long,
        env = "HUBSPOT_CLIENT_ID",
        hide_env_values = true,
        required_unless_present_any = ["private_app_token", "service_key"]
    )]
    pub client_id: Option<String>,
    /// Not taken: a secret in the arguments is in the process list for every user to read.
    /// The client secret comes from HUBSPOT_CLIENT_SECRET, else standard input.
    #[arg(long, hide = true)]
    pub client_secret: Option<String>,
    /// The scopes to ask for (space- or comma-separated).
    #[arg(long, value_delimiter = ',', num_args = 1..,
          default_values_t = ["crm.objects.deals.read".to_string(),
                              "crm.objects.deals.write".to_string(), "oauth".to_string()])]
    pub scopes: Vec<String>,
    /// The port of the redirect URL http://localhost:PORT/callback.
    #[arg(long, default_value_t = 3000)]
    pub port: u16,
    /// Print the authorize URL without opening a browser.
    #[arg(long)]
    pub no_browser: bool,
    /// How long to wait for the redirect, in seconds.
    #[arg(long, default_value_t = 300)]
    pub timeout: u64,
    /// The authorize page (default: HubSpot's, or the base URL's /oauth/authorize).
    #[arg(long)]
    pub authorize_url: Option<String>,
}

/// What to export, and where.
#[derive(Debug, Args)]
pub struct ExportArgs {
    /// The properties to export (comma-separated; default HubSpot's default properties;
    /// `all`: every property the account defines, however many).
    #[arg(long, value_delimiter = ',')]
    pub properties: Vec<String>,
    /// The object types whose associated ids to add (comma-separated: contacts,companies,
    /// line_items): JSONL gets `associations` with each object's id and labels, CSV an
    /// `associated_TYPE` column of ids joined by `;`. Read 1,000 deals a call per type.
    #[arg(long, value_delimiter = ',')]
    pub associations: Vec<String>,
    /// Export archived deals instead.
    #[arg(long, conflicts_with_all = ["since", "filters"])]
    pub archived: bool,
    /// Only deals matching this filter, `property OPERATOR value` (repeatable; all must
    /// hold), as `deals search` takes them; past HubSpot's 10,000-result cap.
    #[arg(long = "filter", value_name = "FILTER", value_parser = parse_filter)]
    pub filters: Vec<Filter>,
    /// Only deals changed since this time (RFC 3339, or a date: 2026-01-31).
    #[arg(long, value_parser = parse_time)]
    pub since: Option<DateTime<Utc>>,
    /// jsonl or csv (default: the output file's extension, else jsonl).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// The file to write (default: standard output).
    #[arg(long, short)]
    pub output: Option<PathBuf>,
    /// Continue an interrupted export into --output from its checkpoint.
    #[arg(long, requires = "output")]
    pub resume: bool,
    /// Write CSV cells exactly as HubSpot has them, even those a spreadsheet would run as a
    /// formula (by default they get a leading `'`; numbers are left alone).
    #[arg(long)]
    pub keep_formulas: bool,
    /// Add each deal's stage and pipeline labels (`dealstage_label`, `pipeline_label`) from
    /// the pipelines API.
    #[arg(long)]
    pub stage_labels: bool,
}

/// A time: RFC 3339, or a date (midnight UTC).
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Ok(time.with_timezone(&Utc));
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
        .ok_or_else(|| format!("{text:?} is not a time: use 2026-01-31 or 2026-01-31T08:00:00Z"))
}

/// What to import, and how.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file of deals: JSONL (one object per line, either flat properties or
    /// `{"id": ..., "properties": {...}}`) or CSV (a header row of property names; an `id`
    /// column for updates).
    pub file: PathBuf,
    /// jsonl or csv (default: the file's extension, else jsonl).
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// create, update or upsert (default: upsert with --id-property, else create).
    #[arg(long, value_enum)]
    pub mode: Option<Mode>,
    /// The unique property rows are matched by (upsert: required; update: instead of `id`).
    #[arg(long)]
    pub id_property: Option<String>,
    /// Read and check every row, send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Continue an interrupted import of the same file.
    #[arg(long)]
    pub resume: bool,
    /// Where rejected rows go (default: FILE.rejects.jsonl).
    #[arg(long)]
    pub rejects: Option<PathBuf>,
}

/// How rows change HubSpot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// New deals (a row sent twice makes two deals).
    Create,
    /// Existing deals, by id or by --id-property.
    Update,
    /// Created or updated by the unique --id-property (safe to send again).
    Upsert,
}

/// One deal.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// The deal's id.
    pub id: String,
    /// The properties to show (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub properties: Vec<String>,
    /// Also show when the deal entered and left each stage it has been in, and how long it
    /// stayed (HubSpot's stage-calculated properties; JSON: `stageTiming`).
    #[arg(long)]
    pub stage_timing: bool,
    /// JSON even on a terminal.
    #[arg(long)]
    pub json: bool,
}

/// A search.
#[derive(Debug, Args)]
pub struct SearchArgs {
    /// A filter, `property OPERATOR value` (repeatable; all must hold). Operators: EQ NEQ LT
    /// LTE GT GTE, BETWEEN (`amount BETWEEN 10 20`), IN and NOT_IN (`dealstage IN a,b`),
    /// HAS_PROPERTY and NOT_HAS_PROPERTY (no value), CONTAINS_TOKEN and NOT_CONTAINS_TOKEN.
    #[arg(long = "filter", value_name = "FILTER", value_parser = parse_filter)]
    pub filters: Vec<Filter>,
    /// Text to search for in the default searchable properties.
    #[arg(long)]
    pub query: Option<String>,
    /// The properties to show (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub properties: Vec<String>,
    /// At most this many deals.
    #[arg(long, default_value_t = 100)]
    pub limit: usize,
    /// JSON even on a terminal.
    #[arg(long)]
    pub json: bool,
}

/// Deals to archive.
#[derive(Debug, Args)]
pub struct ArchiveArgs {
    /// The deals' ids.
    #[arg(required = true)]
    pub ids: Vec<String>,
}

/// `property OPERATOR [value]` as a search filter.
pub fn parse_filter(text: &str) -> Result<Filter, String> {
    let mut parts = text.trim().splitn(3, char::is_whitespace);
    let (Some(property), Some(operator)) = (parts.next(), parts.next()) else {
        return Err(format!(
            "{text:?}: write a filter as `property OPERATOR value`"
        ));
    };
    let value = parts.next().map(str::trim).unwrap_or("");
    let operator: FilterOperator = serde_json::from_value(Value::String(operator.to_uppercase()))
        .map_err(|_| format!("{operator:?} is not a search operator (EQ, NEQ, LT, LTE, GT, GTE, BETWEEN, IN, NOT_IN, HAS_PROPERTY, NOT_HAS_PROPERTY, CONTAINS_TOKEN, NOT_CONTAINS_TOKEN)"))?;
    let mut filter = Filter {
        property_name: property.to_string(),
        operator,
        value: None,
        values: Vec::new(),
        high_value: None,
    };
    match operator {
        FilterOperator::HasProperty | FilterOperator::NotHasProperty => {}
        FilterOperator::In | FilterOperator::NotIn => {
            filter.values = value
                .split(',')
                .map(|v| v.trim().to_string())
                .filter(|v| !v.is_empty())
                .collect();
            if filter.values.is_empty() {
                return Err(format!("{text:?}: IN needs values, comma-separated"));
            }
        }
        FilterOperator::Between => {
            let mut bounds = value.split_whitespace();
            let (Some(low), Some(high), None) = (bounds.next(), bounds.next(), bounds.next())
            else {
                return Err(format!(
                    "{text:?}: BETWEEN needs two values, `property BETWEEN low high`"
                ));
            };
            filter.value = Some(low.into());
            filter.high_value = Some(high.into());
        }
        _ if value.is_empty() => return Err(format!("{text:?}: {operator} needs a value")),
        _ => filter.value = Some(value.to_string()),
    }
    Ok(filter)
}

/// The fake's options, and how many deals to start with.
#[derive(Debug, Args)]
pub struct FakeArgs {
    #[command(flatten)]
    pub options: FakeOptions,
    /// Start with this many deals (names, amounts, stages and close dates that vary).
    #[arg(long, default_value_t = 0)]
    pub seed_deals: usize,
    /// Define this many custom deal properties (`seed_custom_001`, …), which the seeded
    /// deals fill: an account with a few hundred is what a 414 needs.
    #[arg(long, default_value_t = 0, requires = "seed_deals")]
    pub seed_properties: usize,
    /// Associate each seeded deal with one to three contacts and a company.
    #[arg(long, requires = "seed_deals")]
    pub seed_associations: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use hubspot_deals::RateLimit;

    #[test]
    fn budgets_by_tier_or_number() {
        assert_eq!(parse_rate_limit("free"), Ok(RateLimit::FREE_STARTER));
        assert_eq!(
            parse_rate_limit("Professional"),
            Ok(RateLimit::PROFESSIONAL)
        );
        assert_eq!(parse_rate_limit("unlimited"), Ok(RateLimit::unlimited()));
        assert_eq!(parse_rate_limit("150"), Ok(RateLimit::per_ten_seconds(150)));
        assert_eq!(parse_rate_limit("1"), Ok(RateLimit::per_ten_seconds(1)));
        assert!(
            parse_rate_limit("0")
                .unwrap_err()
                .contains("a number of calls")
        );
        assert!(parse_rate_limit("lots").is_err());
    }

    #[test]
    fn the_format_follows_the_file_unless_asked() {
        let csv = PathBuf::from("out.CSV");
        assert_eq!(Format::choose(None, Some(&csv)), Format::Csv);
        assert_eq!(
            Format::choose(Some(Format::Jsonl), Some(&csv)),
            Format::Jsonl
        );
        assert_eq!(Format::choose(None, None), Format::Jsonl);
    }

    #[test]
    fn times_are_rfc_3339_or_dates() {
        assert_eq!(
            parse_time("2026-01-31").unwrap().to_rfc3339(),
            "2026-01-31T00:00:00+00:00"
        );
        assert_eq!(
            parse_time("2026-01-31T08:00:00+01:00")
                .unwrap()
                .to_rfc3339(),
            "2026-01-31T07:00:00+00:00"
        );
        assert!(parse_time("yesterday").unwrap_err().contains("2026-01-31"));
    }

    #[test]
    fn filters_read_as_property_operator_value() {
        let filter = parse_filter("amount gt 1000").unwrap();
        assert_eq!(
            (filter.property_name.as_str(), filter.operator),
            ("amount", FilterOperator::Gt)
        );
        assert_eq!(filter.value.as_deref(), Some("1000"));
        let filter = parse_filter("dealname CONTAINS_TOKEN *@hubspot.com").unwrap();
        assert_eq!(filter.value.as_deref(), Some("*@hubspot.com"));
        let filter = parse_filter("dealstage IN closedwon, contractsent").unwrap();
        assert_eq!(filter.values, ["closedwon", "contractsent"]);
        let filter = parse_filter("amount BETWEEN 10 20").unwrap();
        assert_eq!(
            (filter.value.as_deref(), filter.high_value.as_deref()),
            (Some("10"), Some("20"))
        );
        assert!(
            parse_filter("closedate HAS_PROPERTY")
                .unwrap()
                .value
                .is_none()
        );
        assert!(
            parse_filter("amount LIKE 3")
                .unwrap_err()
                .contains("not a search operator")
        );
        assert!(
            parse_filter("amount GT")
                .unwrap_err()
                .contains("needs a value")
        );
        assert!(
            parse_filter("amount")
                .unwrap_err()
                .contains("property OPERATOR value")
        );
    }
}
