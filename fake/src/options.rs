//! The fake's command-line options, declared once with `clap` so `fake-hubspot` and the
//! `hubspot-deals fake` command take the same flags.

use super::{FakeHubSpot, FakeHubSpotBuilder, Fault, FaultKind, Pipeline, RateLimits};
use std::str::FromStr;
use std::time::Duration;

/// How to run a fake HubSpot from the command line.
#[derive(Debug, Clone, clap::Args)]
#[non_exhaustive]
pub struct FakeOptions {
    /// Port on 127.0.0.1 (0 picks a free one).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Accept this private-app token with deal read and write scopes (repeatable).
    #[arg(long = "token", value_name = "TOKEN")]
    pub tokens: Vec<String>,
    /// Accept this token with only these scopes (repeatable), e.g. pat-ro=crm.objects.deals.read.
    #[arg(long = "scoped-token", value_name = "TOKEN=S1,S2", value_parser = pair)]
    pub scoped_tokens: Vec<(String, String)>,
    /// Enable OAuth at POST /oauth/v1/token for this client id (with --client-secret).
    #[arg(long, requires = "client_secret")]
    pub client_id: Option<String>,
    /// The OAuth app's client secret (with --client-id).
    #[arg(long, requires = "client_id")]
    pub client_secret: Option<String>,
    /// Accept this refresh token at the token endpoint (repeatable).
    #[arg(long = "refresh-token", value_name = "TOKEN")]
    pub refresh_tokens: Vec<String>,
    /// Make every refresh return a new refresh token and revoke the one it used.
    #[arg(long)]
    pub rotate_refresh_tokens: bool,
    /// Accept this single-use authorization code for this redirect URI (repeatable).
    #[arg(long = "auth-code", value_name = "CODE=REDIRECT", value_parser = pair)]
    pub auth_codes: Vec<(String, String)>,
    /// Register this redirect URL on the OAuth app (repeatable; with none, the authorize page
    /// at GET /oauth/authorize accepts any).
    #[arg(long = "redirect-uri", value_name = "URL")]
    pub redirect_uris: Vec<String>,
    /// Make the authorize page answer as if the person declined to install the app.
    #[arg(long)]
    pub deny_consent: bool,
    /// Lifetime of minted access tokens, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 1800)]
    pub token_lifetime: u64,
    /// free, professional, enterprise, unlimited, or a number of calls per 10 seconds.
    #[arg(long, value_name = "TIER|N", default_value = "free", value_parser = tier)]
    pub rate_limit: RateLimits,
    /// Calls per day per budget (default: the tier's).
    #[arg(long, value_name = "N")]
    pub daily_limit: Option<u32>,
    /// Search calls per second per budget (default: the tier's, 5).
    #[arg(long, value_name = "N")]
    pub search_limit: Option<u32>,
    /// Define a custom deal property (repeatable).
    #[arg(long = "property", value_name = "NAME")]
    pub properties: Vec<String>,
    /// Define a unique-value property for idProperty and upsert (repeatable).
    #[arg(long = "unique-property", value_name = "NAME")]
    pub unique_properties: Vec<String>,
    /// Add a pipeline with these stage ids (repeatable).
    #[arg(long = "pipeline", value_name = "ID=S1,S2", value_parser = pair)]
    pub pipelines: Vec<(String, String)>,
    /// New deals appear in search only after this many milliseconds.
    #[arg(long, value_name = "MILLIS", default_value_t = 0)]
    pub search_lag: u64,
    /// Inject a fault (repeatable): KIND, then optionally ,on=OP ,rate=R ,times=N; KIND is one
    /// of 500 502 503 504 429 429:SECONDS html502 slow:MILLIS drop truncate. Example:
    /// 503,on=get_page,rate=0.2
    #[arg(long = "fault", value_name = "SPEC")]
    pub faults: Vec<Fault>,
    /// Seed for fault draws, correlation ids, tokens and authorization codes, so a run
    /// repeats exactly (unseeded, tokens and codes differ on every run).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Post signed webhook events for every deal change to this http:// URL (with
    /// --webhook-secret).
    #[arg(long, value_name = "URL", requires = "webhook_secret")]
    pub webhook_url: Option<String>,
    /// The client secret webhook requests are signed with.
    #[arg(long, value_name = "SECRET", requires = "webhook_url")]
    pub webhook_secret: Option<String>,
    /// How long the webhooks journal keeps entries, in seconds (HubSpot: three days).
    #[arg(long, value_name = "SECONDS", default_value_t = 3 * 24 * 3600)]
    pub journal_retention: u64,
    /// Answers as HubSpot will on this day (YYYY-MM-DD): every version HubSpot retires before
    /// it (OAuth v1 on 2027-02-16, the v4 associations on 2027-03-30, the v3 CRM APIs in
    /// September 2027) is refused with 410 Gone. Without it, every version is served.
    #[arg(long, value_name = "DATE", value_parser = calendar_day)]
    pub as_of: Option<chrono::NaiveDate>,
    /// Append every request handled to FILE, one JSON line each (method, path, operation,
    /// status, …), for checking a run afterwards.
    #[arg(long, value_name = "FILE")]
    pub request_log: Option<std::path::PathBuf>,
}

fn calendar_day(value: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .map_err(|e| format!("expected a day as YYYY-MM-DD, got {value:?} ({e})"))
}

fn pair(value: &str) -> Result<(String, String), String> {
    value
        .split_once('=')
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("expected NAME=VALUE, got {value:?}"))
}

fn tier(value: &str) -> Result<RateLimits, String> {
    Ok(match value {
        "free" => RateLimits::FREE,
        "professional" => RateLimits::PROFESSIONAL,
        "enterprise" => RateLimits::ENTERPRISE,
        "unlimited" => RateLimits::UNLIMITED,
        n => RateLimits {
            per_ten_seconds: n.parse().map_err(|_| {
                format!("expected free, professional, enterprise, unlimited or a number, got {n:?}")
            })?,
            ..RateLimits::FREE
        },
    })
}

impl FakeOptions {
    /// The fake these options describe, and a line per thing it accepts (tokens shown as
    /// labels, never whole).
    pub fn builder(&self) -> (FakeHubSpotBuilder, Vec<String>) {
        let mut summary = Vec::new();
        let mut builder = FakeHubSpot::builder().port(self.port);
        if let Some(seed) = self.seed {
            builder = builder.seed(seed);
        }
        for token in &self.tokens {
            summary.push(format!(
                "accepts private-app token {}",
                super::token_label(token)
            ));
            builder = builder.private_app_token(token);
        }
        for (token, scopes) in &self.scoped_tokens {
            summary.push(format!(
                "accepts private-app token {} with scopes {scopes}",
                super::token_label(token)
            ));
            builder = builder.token_with_scopes(token, scopes.split(','));
        }
        if let (Some(id), Some(secret)) = (&self.client_id, &self.client_secret) {
            summary.push(format!("accepts OAuth client {id} at POST /oauth/v1/token"));
            builder = builder.oauth_app(id, secret);
        }
        for token in &self.refresh_tokens {
            summary.push(format!(
                "accepts refresh token {}",
                super::token_label(token)
            ));
            builder = builder.refresh_token(token);
        }
        builder = builder.rotate_refresh_tokens(self.rotate_refresh_tokens);
        for (code, redirect) in &self.auth_codes {
            builder = builder.authorization_code(code, redirect);
        }
        for uri in &self.redirect_uris {
            builder = builder.redirect_uri(uri);
        }
        builder = builder.deny_consent(self.deny_consent);
        builder = builder.access_token_lifetime(Duration::from_secs(self.token_lifetime));
        for name in &self.properties {
            builder = builder.property(name);
        }
        for name in &self.unique_properties {
            builder = builder.unique_property(name);
        }
        for (id, stages) in &self.pipelines {
            builder = builder.pipeline(Pipeline::new(id, stages.split(',')));
        }
        builder = builder.search_indexing_lag(Duration::from_millis(self.search_lag));
        builder = builder.journal(
            super::JournalOptions::default().retention(Duration::from_secs(self.journal_retention)),
        );
        summary.push(format!(
            "keeps webhooks journal entries {} s",
            self.journal_retention
        ));
        if let (Some(url), Some(secret)) = (&self.webhook_url, &self.webhook_secret) {
            summary.push(format!("posts signed webhook events to {url}"));
            builder = builder.webhook_subscriber(super::WebhookSubscriber::new(url, secret));
        }
        if let Some(path) = &self.request_log {
            summary.push(format!("appends every request to {}", path.display()));
            builder = builder.request_log_file(path);
        }
        if let Some(day) = self.as_of {
            summary.push(format!(
                "answers as HubSpot will on {day}: versions retired by then are refused (410)"
            ));
            builder = builder.as_of(day);
        }
        for fault in &self.faults {
            summary.push(format!("injects fault {fault}"));
            builder = builder.fault(fault.clone());
        }
        let mut limits = self.rate_limit;
        limits.daily = self.daily_limit.unwrap_or(limits.daily);
        limits.search_per_second = self.search_limit.unwrap_or(limits.search_per_second);
        summary.push(format!(
            "enforces per budget: {} calls per 10 s, {} per day, {} searches per second",
            limits.per_ten_seconds, limits.daily, limits.search_per_second
        ));
        (builder.rate_limits(limits), summary)
    }

    /// Starts the fake; returns it with the lines to print, or a one-line reason (a busy port).
    pub async fn start(&self) -> Result<(FakeHubSpot, Vec<String>), String> {
        let (builder, summary) = self.builder();
        let fake = builder.start().await.map_err(|e| match e.kind() {
            std::io::ErrorKind::AddrInUse => format!(
                "port {} is busy ({e}); choose another with --port, or --port 0 for any free one",
                self.port
            ),
            _ => format!("cannot listen on 127.0.0.1:{}: {e}", self.port),
        })?;
        let base = fake.base_url().to_string();
        let mut lines = vec![
            format!("fake HubSpot listening on {base}"),
            format!("  deals API at {base}/crm/v3/objects/deals and {base}/crm/v3/objects/0-3"),
        ];
        lines.extend(summary.into_iter().map(|line| format!("  {line}")));
        lines.push(format!("  stats and request log at {base}/__fake/stats"));
        Ok((fake, lines))
    }
}

impl FromStr for Fault {
    type Err = String;

    /// Parses a spec such as `503,on=get_page,rate=0.2,times=3`.
    fn from_str(spec: &str) -> Result<Self, String> {
        let mut parts = spec.split(',');
        let kind = parts.next().unwrap_or_default();
        let number = |what: &str, value: &str| {
            value
                .parse::<u64>()
                .map_err(|_| format!("{what} takes a whole number, got {value:?}"))
        };
        let kind = match kind {
            "500" | "502" | "503" | "504" => FaultKind::Status(number("a status", kind)? as u16),
            "429" => FaultKind::RateLimited { retry_after: None },
            "html502" => FaultKind::HtmlBadGateway,
            "drop" => FaultKind::DropConnection,
            "truncate" => FaultKind::TruncatedBody,
            other => match other.split_once(':') {
                Some(("429", seconds)) => FaultKind::RateLimited {
                    retry_after: Some(Duration::from_secs(number("429:", seconds)?)),
                },
                Some(("slow", ms)) => FaultKind::Slow(Duration::from_millis(number("slow:", ms)?)),
                _ => {
                    return Err(format!(
                        "unknown fault kind {other:?}; use 500, 502, 503, 504, 429, 429:SECONDS, html502, slow:MILLIS, drop or truncate"
                    ));
                }
            },
        };
        let mut fault = Fault::new(kind);
        for part in parts {
            fault = match part.split_once('=') {
                Some(("on", operation)) => {
                    if !crate::faults::is_target(operation) {
                        return Err(format!(
                            "unknown operation {operation:?} in on={operation}; use one of {}",
                            crate::faults::targets().join(", ")
                        ));
                    }
                    fault.on(operation)
                }
                Some(("rate", rate)) => {
                    let rate: f64 = rate
                        .parse()
                        .map_err(|_| format!("rate takes a number, got {rate:?}"))?;
                    if !(0.0..=1.0).contains(&rate) {
                        return Err(format!("rate must be between 0 and 1, got {rate}"));
                    }
                    fault.rate(rate)
                }
                Some(("times", n)) => fault.times(number("times", n)? as u32),
                _ => {
                    return Err(format!(
                        "unknown fault part {part:?}; use on=OP, rate=R or times=N"
                    ));
                }
            };
        }
        Ok(fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        options: FakeOptions,
    }

    fn parse(args: &[&str]) -> Result<FakeOptions, String> {
        Cli::try_parse_from(std::iter::once("fake-hubspot").chain(args.iter().copied()))
            .map(|cli| cli.options)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn parses_faults() {
        let fault: Fault = "503,on=get_page,rate=0.5,times=2".parse().unwrap();
        assert_eq!(
            fault,
            Fault::new(FaultKind::Status(503))
                .on("get_page")
                .rate(0.5)
                .times(2)
        );
        assert_eq!(
            "429:3".parse::<Fault>().unwrap(),
            Fault::new(FaultKind::RateLimited {
                retry_after: Some(Duration::from_secs(3))
            })
        );
        assert_eq!(
            "slow:250".parse::<Fault>().unwrap(),
            Fault::new(FaultKind::Slow(Duration::from_millis(250)))
        );
        assert!(
            "418"
                .parse::<Fault>()
                .unwrap_err()
                .contains("unknown fault kind")
        );
        assert!(
            "503,rate=2"
                .parse::<Fault>()
                .unwrap_err()
                .contains("between 0 and 1")
        );
        assert!(
            "503,on=get_pages"
                .parse::<Fault>()
                .unwrap_err()
                .contains("unknown operation \"get_pages\"")
        );
        assert!("503,on=oauth_token".parse::<Fault>().is_ok());
    }

    #[test]
    fn rejects_bad_flags_with_a_reason() {
        assert!(
            parse(&["--port", "x"])
                .unwrap_err()
                .contains("invalid value 'x'")
        );
        assert!(parse(&["--bogus", "1"]).unwrap_err().contains("--bogus"));
        assert!(
            parse(&["--token"])
                .unwrap_err()
                .contains("a value is required")
        );
        assert!(
            parse(&["--client-id", "a"])
                .unwrap_err()
                .contains("--client-secret")
        );
        assert!(
            parse(&["--rate-limit", "lots"])
                .unwrap_err()
                .contains("or a number")
        );
        assert!(
            parse(&["--fault", "418"])
                .unwrap_err()
                .contains("unknown fault kind")
        );
        let options = parse(&[
            "--token",
            "pat-na1-abcdef123456",
            "--rate-limit",
            "professional",
            "--daily-limit",
            "7",
        ])
        .unwrap();
        let (_, summary) = options.builder();
        assert!(summary.iter().any(|s| s.contains("…123456")), "{summary:?}");
        assert!(
            summary.iter().all(|s| !s.contains("pat-na1-abcdef")),
            "tokens are not printed whole"
        );
        assert!(
            summary
                .iter()
                .any(|s| s.contains("190 calls per 10 s, 7 per day")),
            "{summary:?}"
        );
        assert!(
            summary
                .iter()
                .any(|s| s.contains("journal entries 259200 s"))
        );
        let (_, summary) = parse(&["--journal-retention", "60"]).unwrap().builder();
        assert!(summary.iter().any(|s| s.contains("journal entries 60 s")));
        assert!(
            parse(&["--journal-retention", "soon"])
                .unwrap_err()
                .contains("--journal-retention")
        );
    }
}
