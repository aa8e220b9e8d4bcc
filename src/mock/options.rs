//! Command-line options for running the fake as a process
//! (`cargo run --features mock --example fake_hubspot -- --help`).

use super::{FakeHubSpotBuilder, Fault, FaultKind, Pipeline, RateLimits};
use std::time::Duration;

/// What `--help` prints.
pub const USAGE: &str = "\
usage: fake_hubspot [options]

Serves a fake HubSpot CRM Deals API on 127.0.0.1 until killed. Counters and the request log
are at GET /__fake/stats as JSON.

options:
  --port N                    port on 127.0.0.1 (default 8080; 0 picks a free one)
  --token TOKEN               accept this private-app token with deal read and write scopes
                              (repeatable)
  --scoped-token TOKEN=S1,S2  accept this token with only these scopes (repeatable), e.g.
                              pat-ro=crm.objects.deals.read
  --client-id ID              enable OAuth at POST /oauth/v1/token for this client id
  --client-secret SECRET      ... and this client secret
  --refresh-token TOKEN       accept this refresh token at the token endpoint (repeatable)
  --auth-code CODE=REDIRECT   accept this single-use authorization code for this redirect URI
  --token-lifetime SECONDS    lifetime of minted access tokens (default 1800)
  --rate-limit TIER|N         free (default), professional, enterprise, unlimited, or calls
                              per 10 seconds
  --daily-limit N             calls per day per token
  --search-limit N            search calls per second per token (default 5)
  --property NAME             define a custom deal property (repeatable)
  --unique-property NAME      define a unique-value property for idProperty and upsert
  --pipeline ID=S1,S2,...     add a pipeline with these stage ids (repeatable)
  --search-lag MILLIS         new deals appear in search only after this delay
  --fault SPEC                inject a fault (repeatable); SPEC is KIND[,on=OP][,rate=R][,times=N]
                              with KIND one of 500 502 503 504 429 429:SECONDS (Retry-After)
                              html502 slow:MILLIS drop truncate, e.g. 503,on=get_page,rate=0.2
  --seed N                    seed for fault draws and correlation ids (default 24301)
  -h, --help                  show this help";

/// Parsed options: the fake's configuration and the port, or a request for help.
#[derive(Debug)]
pub enum Options {
    /// Start a fake configured like this.
    Run {
        /// The fake's configuration.
        builder: Box<FakeHubSpotBuilder>,
        /// A summary of what it accepts, to print on start.
        summary: Vec<String>,
    },
    /// Print [`USAGE`].
    Help,
}

fn number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value
        .parse()
        .map_err(|_| format!("{flag} takes a number, got {value:?}"))
}

fn split_pair<'a>(flag: &str, value: &'a str) -> Result<(&'a str, &'a str), String> {
    value
        .split_once('=')
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .ok_or_else(|| format!("{flag} takes NAME=VALUE, got {value:?}"))
}

/// Starts the fake as `fake_hubspot` does: returns it with the lines to print, or a one-line
/// reason to print and exit with (a bad flag, a busy port).
pub async fn start_from_args(
    args: &[String],
) -> Result<Option<(super::FakeHubSpot, Vec<String>)>, String> {
    let (builder, summary) = match Options::parse(args)? {
        Options::Help => return Ok(None),
        Options::Run { builder, summary } => (builder, summary),
    };
    let fake = builder.start().await.map_err(|e| match e.kind() {
        std::io::ErrorKind::AddrInUse => {
            format!(
                "the port is busy ({e}); choose another with --port, or --port 0 for any free one"
            )
        }
        _ => format!("cannot listen: {e}"),
    })?;
    let base = fake.base_url().to_string();
    let mut lines = vec![
        format!("fake HubSpot listening on {base}"),
        format!("  deals API at {base}/crm/v3/objects/deals and {base}/crm/v3/objects/0-3"),
    ];
    lines.extend(summary.into_iter().map(|line| format!("  {line}")));
    lines.push(format!("  stats and request log at {base}/__fake/stats"));
    Ok(Some((fake, lines)))
}

/// Parses a `--fault` spec such as `503,on=get_page,rate=0.2,times=3`.
pub fn parse_fault(spec: &str) -> Result<Fault, String> {
    let mut parts = spec.split(',');
    let kind = parts.next().unwrap_or_default();
    let millis = |v: &str| number::<u64>("--fault", v).map(Duration::from_millis);
    let kind = match kind {
        "500" | "502" | "503" | "504" => FaultKind::Status(number("--fault", kind)?),
        "429" => FaultKind::RateLimited { retry_after: None },
        "html502" => FaultKind::HtmlBadGateway,
        "drop" => FaultKind::DropConnection,
        "truncate" => FaultKind::TruncatedBody,
        other => match other.split_once(':') {
            Some(("429", seconds)) => FaultKind::RateLimited {
                retry_after: Some(Duration::from_secs(number("--fault", seconds)?)),
            },
            Some(("slow", ms)) => FaultKind::Slow(millis(ms)?),
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
            Some(("on", op)) => fault.on(op),
            Some(("rate", rate)) => {
                let rate: f64 = number("--fault rate", rate)?;
                if !(0.0..=1.0).contains(&rate) {
                    return Err(format!("--fault rate must be between 0 and 1, got {rate}"));
                }
                fault.rate(rate)
            }
            Some(("times", n)) => fault.times(number("--fault times", n)?),
            _ => {
                return Err(format!(
                    "unknown --fault part {part:?}; use on=OP, rate=R or times=N"
                ));
            }
        };
    }
    Ok(fault)
}

impl Options {
    /// Parses the arguments (without the program name).
    pub fn parse(args: &[String]) -> Result<Self, String> {
        let mut builder = super::FakeHubSpot::builder().port(8080).seed(24301);
        let mut summary = Vec::new();
        let mut limits = RateLimits::FREE;
        let (mut client_id, mut client_secret) = (None, None);
        let mut args = args.iter();
        while let Some(flag) = args.next() {
            if flag == "-h" || flag == "--help" {
                return Ok(Self::Help);
            }
            let value = args.next().ok_or_else(|| match flag.starts_with("--") {
                true => format!("{flag} needs a value (see --help)"),
                false => format!("unexpected argument {flag:?} (see --help)"),
            })?;
            builder = match flag.as_str() {
                "--port" => builder.port(number(flag, value)?),
                "--token" => {
                    summary.push(format!(
                        "accepts private-app token {}",
                        super::token_label(value)
                    ));
                    builder.private_app_token(value)
                }
                "--scoped-token" => {
                    let (token, scopes) = split_pair(flag, value)?;
                    summary.push(format!(
                        "accepts private-app token {} with scopes {scopes}",
                        super::token_label(token)
                    ));
                    builder.token_with_scopes(token, scopes.split(','))
                }
                "--client-id" => {
                    client_id = Some(value.clone());
                    builder
                }
                "--client-secret" => {
                    client_secret = Some(value.clone());
                    builder
                }
                "--refresh-token" => {
                    summary.push(format!(
                        "accepts refresh token {}",
                        super::token_label(value)
                    ));
                    builder.refresh_token(value)
                }
                "--auth-code" => {
                    let (code, redirect) = split_pair(flag, value)?;
                    builder.authorization_code(code, redirect)
                }
                "--token-lifetime" => {
                    builder.access_token_lifetime(Duration::from_secs(number(flag, value)?))
                }
                "--rate-limit" => {
                    limits = match value.as_str() {
                        "free" => RateLimits::FREE,
                        "professional" => RateLimits::PROFESSIONAL,
                        "enterprise" => RateLimits::ENTERPRISE,
                        "unlimited" => RateLimits::UNLIMITED,
                        n => RateLimits {
                            per_ten_seconds: number(flag, n)?,
                            ..limits
                        },
                    };
                    builder
                }
                "--daily-limit" => {
                    limits.daily = number(flag, value)?;
                    builder
                }
                "--search-limit" => {
                    limits.search_per_second = number(flag, value)?;
                    builder
                }
                "--property" => builder.property(value),
                "--unique-property" => builder.unique_property(value),
                "--pipeline" => {
                    let (id, stages) = split_pair(flag, value)?;
                    builder.pipeline(Pipeline::new(id, stages.split(',')))
                }
                "--search-lag" => {
                    builder.search_indexing_lag(Duration::from_millis(number(flag, value)?))
                }
                "--fault" => {
                    summary.push(format!("injects fault {value}"));
                    builder.fault(parse_fault(value)?)
                }
                "--seed" => builder.seed(number(flag, value)?),
                other => return Err(format!("unknown option {other:?} (see --help)")),
            };
        }
        match (client_id, client_secret) {
            (Some(id), Some(secret)) => {
                summary.push(format!("accepts OAuth client {id} at POST /oauth/v1/token"));
                builder = builder.oauth_app(id, secret);
            }
            (None, None) => {}
            _ => return Err("--client-id and --client-secret go together".into()),
        }
        summary.push(format!(
            "enforces per token: {} calls per 10 s, {} per day, {} searches per second",
            limits.per_ten_seconds, limits.daily, limits.search_per_second
        ));
        Ok(Self::Run {
            builder: Box::new(builder.rate_limits(limits)),
            summary,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_faults() {
        let fault = parse_fault("503,on=get_page,rate=0.5,times=2").unwrap();
        assert_eq!(
            fault,
            Fault::new(FaultKind::Status(503))
                .on("get_page")
                .rate(0.5)
                .times(2)
        );
        assert_eq!(
            parse_fault("429:3").unwrap(),
            Fault::new(FaultKind::RateLimited {
                retry_after: Some(Duration::from_secs(3))
            })
        );
        assert_eq!(
            parse_fault("slow:250").unwrap(),
            Fault::new(FaultKind::Slow(Duration::from_millis(250)))
        );
        assert!(
            parse_fault("418")
                .unwrap_err()
                .contains("unknown fault kind")
        );
        assert!(
            parse_fault("503,rate=2")
                .unwrap_err()
                .contains("between 0 and 1")
        );
    }

    #[test]
    fn rejects_bad_flags_with_a_reason() {
        assert!(
            Options::parse(&args(&["--port", "x"]))
                .unwrap_err()
                .contains("--port takes a number")
        );
        assert!(
            Options::parse(&args(&["--bogus", "1"]))
                .unwrap_err()
                .contains("unknown option")
        );
        assert!(
            Options::parse(&args(&["--token"]))
                .unwrap_err()
                .contains("needs a value")
        );
        assert!(
            Options::parse(&args(&["--client-id", "a"]))
                .unwrap_err()
                .contains("go together")
        );
        assert!(matches!(
            Options::parse(&args(&["--help"])),
            Ok(Options::Help)
        ));
        let Ok(Options::Run { summary, .. }) =
            Options::parse(&args(&["--token", "pat-na1-abcdef123456"]))
        else {
            panic!("should parse")
        };
        assert!(summary.iter().any(|s| s.contains("…123456")), "{summary:?}");
        assert!(
            summary.iter().all(|s| !s.contains("pat-na1-abcdef")),
            "tokens are not printed whole"
        );
    }
}
