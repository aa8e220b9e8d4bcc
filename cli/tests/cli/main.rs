//! The built `hubspot-deals` binary against the fake HubSpot over loopback: logins, exports,
//! imports, resumes after a kill, and the error paths with their exit codes.

mod schema;
mod security;
mod shared_places;
mod sync;
mod watch;

use hubspot_deals_fake::{FakeHubSpot, FakeHubSpotBuilder, Fault, FaultKind, RateLimits};
use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const PAT: &str = "pat-na1-cli-0000-0000-000000000000";
const CLIENT_ID: &str = "cli-client";
const CLIENT_SECRET: &str = "cli-secret-123456";

/// A scratch folder for one test's files and credentials.
struct Scratch(PathBuf);

impl Scratch {
    fn new(name: &str) -> Self {
        let dir =
            std::env::temp_dir().join(format!("hubspot-deals-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Self(dir)
    }

    fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }

    /// The lines of the rejects file an import of `input` wrote beside it.
    fn rejects(&self, input: &str) -> String {
        std::fs::read_to_string(self.file(&format!("{input}.rejects.jsonl"))).unwrap()
    }

    /// The binary, with this folder's credentials and the fake's base URL.
    fn command(&self, fake: &FakeHubSpot) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_hubspot-deals"));
        command
            .current_dir(&self.0)
            .env("HUBSPOT_DEALS_CONFIG_DIR", self.file("config"))
            .env("HUBSPOT_BASE_URL", fake.base_url())
            .env_remove("HUBSPOT_ACCESS_TOKEN")
            .env_remove("HUBSPOT_SERVICE_KEY")
            .env_remove("HUBSPOT_CLIENT_ID")
            .env_remove("HUBSPOT_CLIENT_SECRET")
            .env_remove("HUBSPOT_REFRESH_TOKEN")
            .env_remove("HUBSPOT_PROFILE")
            .env("NO_COLOR", "1");
        command
    }

    fn run(&self, fake: &FakeHubSpot, args: &[&str]) -> Output {
        self.command(fake).args(args).output().unwrap()
    }

    /// Logs in with the private-app token, through standard input.
    fn login(&self, fake: &FakeHubSpot) {
        let mut child = self
            .command(fake)
            .args(["auth", "login", "--private-app-token"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        writeln!(child.stdin.take().unwrap(), "{PAT}").unwrap();
        let output = child.wait_with_output().unwrap();
        assert!(output.status.success(), "{}", text(&output.stderr));
    }
}

impl Scratch {
    /// Runs the binary with `args` and kills it (SIGKILL) once the file `appears` exists.
    fn run_killed(&self, fake: &FakeHubSpot, args: &[&str], appears: &str) {
        let child = self
            .command(fake)
            .args(args)
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        kill_when_exists(child, &self.file(appears));
    }

    /// Runs the binary with `args` (shell words) under a pseudo-terminal (`script`), as a
    /// person at a terminal would; what it drew.
    fn on_terminal(&self, fake: &FakeHubSpot, args: &str) -> Output {
        let binary = env!("CARGO_BIN_EXE_hubspot-deals");
        Command::new("script")
            .current_dir(&self.0)
            .env("HUBSPOT_DEALS_CONFIG_DIR", self.file("config"))
            .env("HUBSPOT_BASE_URL", fake.base_url())
            .args(["-qec", &format!("{binary} {args}"), "/dev/null"])
            .output()
            .unwrap()
    }

    /// Writes the CSV file `name`: `header`, then `count` rows made by `row`.
    fn csv(&self, name: &str, header: &str, count: usize, row: impl Fn(usize) -> String) {
        let mut text = format!("{header}\n");
        for i in 0..count {
            text.push_str(&row(i));
            text.push('\n');
        }
        std::fs::write(self.file(name), text).unwrap();
    }
}

/// A fake whose every answer takes `millis` (so a run can be killed midway).
async fn slow_fake(millis: u64) -> FakeHubSpot {
    let slow = Fault::new(FaultKind::Slow(Duration::from_millis(millis)));
    base().fault(slow).start().await.unwrap()
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

/// Asserts the exit code, showing what the command said when it differs.
fn exits(output: &Output, expected: i32) {
    assert_eq!(code(output), expected, "{}", text(&output.stderr));
}

/// The day every fake of this suite answers as HubSpot will: after OAuth v1 (2027-02-16),
/// the v4 associations (2027-03-30) and the v3 CRM APIs (September 2027) are retired, so a
/// command that still calls one fails here.
const AS_OF: &str = "2027-10-01";

/// The file every fake of this run appends its requests to, checked after the suite by
/// `.ci/current-paths` (no retired path anywhere in the whole run).
fn suite_requests() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cli-suite-requests-{}.jsonl", std::process::id()))
}

fn base() -> FakeHubSpotBuilder {
    FakeHubSpot::builder()
        .as_of(AS_OF.parse().unwrap())
        .request_log_file(suite_requests())
        .private_app_token(PAT)
        .oauth_app(CLIENT_ID, CLIENT_SECRET)
        .unique_property("erp_id")
        .rate_limits(RateLimits::UNLIMITED)
}

/// A fake holding `n` deals named `Deal i`.
async fn fake_with(n: usize, builder: FakeHubSpotBuilder) -> FakeHubSpot {
    let fake = builder.start().await.unwrap();
    fake.seed_deals((0..n).map(|i| {
        vec![
            ("dealname".to_string(), format!("Deal {i}, \"quoted\"")),
            ("amount".to_string(), format!("{}", i * 10)),
        ]
    }))
    .unwrap();
    fake
}

/// The ids in a JSONL export, in order.
fn jsonl_ids(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| {
            let deal: serde_json::Value = serde_json::from_str(line).unwrap();
            deal["id"].as_str().unwrap().to_string()
        })
        .collect()
}

fn all_unique(ids: &[String]) -> bool {
    ids.iter().collect::<BTreeSet<_>>().len() == ids.len()
}

#[tokio::test(flavor = "multi_thread")]
async fn private_app_login_then_export_jsonl_and_csv_match_the_fake() {
    let fake = fake_with(250, base()).await;
    let scratch = Scratch::new("export");
    scratch.login(&fake);
    let config = std::fs::read_to_string(scratch.file("config/credentials.json")).unwrap();
    assert!(config.contains(PAT));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(scratch.file("config/credentials.json"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "only the user reads it");
    }
    let status = scratch.run(&fake, &["auth", "status"]);
    exits(&status, 0);
    assert!(text(&status.stdout).contains("private app token"));
    assert!(!text(&status.stdout).contains(PAT), "no secret printed");

    let output = scratch.run(&fake, &["deals", "export", "--output", "deals.jsonl"]);
    exits(&output, 0);
    let ids = jsonl_ids(&scratch.file("deals.jsonl"));
    assert_eq!(ids.len(), 250);
    assert!(all_unique(&ids));

    let output = scratch.run(
        &fake,
        &[
            "deals",
            "export",
            "--properties",
            "dealname,amount",
            "--output",
            "deals.csv",
        ],
    );
    exits(&output, 0);
    let mut reader = csv::Reader::from_path(scratch.file("deals.csv")).unwrap();
    assert_eq!(reader.headers().unwrap(), vec!["id", "dealname", "amount"]);
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 250);
    let names: BTreeSet<String> = rows.iter().map(|r| r[1].to_string()).collect();
    assert!(
        names.contains("Deal 7, \"quoted\""),
        "quoting survives a round trip"
    );
    assert!(
        !scratch.file("deals.csv.checkpoint").exists(),
        "removed when done"
    );

    let logout = scratch.run(&fake, &["auth", "logout"]);
    assert_eq!(code(&logout), 0);
    let after = scratch.run(&fake, &["deals", "export"]);
    assert_eq!(code(&after), 3, "not logged in is an auth error");
    assert!(text(&after.stderr).contains("hubspot-deals auth login"));
}

/// Starts `auth login` for OAuth on a free port; the authorize URL it prints, and what it
/// says after it (the thread reading it ends when the process does).
fn start_oauth_login(
    scratch: &Scratch,
    fake: &FakeHubSpot,
    extra: &[&str],
) -> (Child, String, std::thread::JoinHandle<String>) {
    let mut child = scratch
        .command(fake)
        .env("HUBSPOT_CLIENT_SECRET", CLIENT_SECRET)
        .args([
            "auth",
            "login",
            "--client-id",
            CLIENT_ID,
            "--no-browser",
            "--port",
            "0",
        ])
        .args(extra)
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    let url = loop {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "no authorize URL printed"
        );
        if line.starts_with("http") {
            break line.trim().to_string();
        }
    };
    // Keep reading stderr so the child never blocks on it.
    let rest = std::thread::spawn(move || {
        let mut rest = String::new();
        while stderr.read_line(&mut rest).unwrap_or(0) > 0 {}
        rest
    });
    (child, url, rest)
}

/// What a browser does with the authorize URL: follows the fake's redirect to the listener.
async fn browse(url: &str) -> reqwest::Response {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::get(url).await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn oauth_login_end_to_end_then_a_revoked_refresh_token_says_log_in_again() {
    let fake = fake_with(3, base()).await;
    let scratch = Scratch::new("oauth");
    let (child, url, _) = start_oauth_login(&scratch, &fake, &[]);
    assert!(
        url.starts_with(&format!(
            "{}/oauth/authorize?client_id={CLIENT_ID}",
            fake.base_url()
        )),
        "{url}"
    );
    let page = browse(&url).await;
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("Logged in"));
    let output = child.wait_with_output().unwrap();
    assert_eq!(code(&output), 0);
    let status = scratch.run(&fake, &["auth", "status"]);
    let shown = text(&status.stdout);
    exits(&status, 0);
    assert!(
        shown.contains("scopes: crm.objects.deals.read crm.objects.deals.write"),
        "{shown}"
    );
    assert!(shown.contains("access token: expires"), "{shown}");
    let stored: serde_json::Value =
        serde_json::from_slice(&std::fs::read(scratch.file("config/credentials.json")).unwrap())
            .unwrap();
    let refresh = stored["profiles"]["default"]["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(!shown.contains(&refresh), "no secret printed");
    let export = scratch.run(&fake, &["deals", "export"]);
    exits(&export, 0);
    assert_eq!(text(&export.stdout).lines().count(), 3);

    assert!(fake.revoke_refresh_token(&refresh));
    // The access token stored in no file: a new process must refresh, and is refused.
    let export = scratch.run(&fake, &["deals", "export"]);
    exits(&export, 3);
    assert!(
        text(&export.stderr).contains("run `hubspot-deals auth login` again"),
        "{}",
        text(&export.stderr)
    );

    // Logging in again, then out: the new refresh token is revoked at HubSpot.
    let (child, url, _) = start_oauth_login(&scratch, &fake, &[]);
    browse(&url).await;
    exits(&child.wait_with_output().unwrap(), 0);
    let stored: serde_json::Value =
        serde_json::from_slice(&std::fs::read(scratch.file("config/credentials.json")).unwrap())
            .unwrap();
    let refresh = stored["profiles"]["default"]["refresh_token"]
        .as_str()
        .unwrap()
        .to_string();
    let logout = scratch.run(&fake, &["auth", "logout"]);
    exits(&logout, 0);
    assert!(text(&logout.stderr).contains("revoked at HubSpot"));
    let with_old = scratch
        .command(&fake)
        .env("HUBSPOT_CLIENT_ID", CLIENT_ID)
        .env("HUBSPOT_CLIENT_SECRET", CLIENT_SECRET)
        .env("HUBSPOT_REFRESH_TOKEN", &refresh)
        .args(["deals", "export"])
        .output()
        .unwrap();
    exits(&with_old, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn oauth_login_errors_a_person_can_act_on() {
    // Consent denied.
    let fake = base().deny_consent(true).start().await.unwrap();
    let scratch = Scratch::new("denied");
    let (child, url, _) = start_oauth_login(&scratch, &fake, &[]);
    browse(&url).await;
    let output = child.wait_with_output().unwrap();
    assert_eq!(code(&output), 3);
    assert!(
        !scratch.file("config/credentials.json").exists(),
        "nothing stored"
    );

    // A redirect URL the app does not have: HubSpot shows an error page; the login gives up.
    let fake = base()
        .redirect_uri("https://example.com/elsewhere")
        .start()
        .await
        .unwrap();
    let (child, url, _) = start_oauth_login(&scratch, &fake, &["--timeout", "2"]);
    assert_eq!(browse(&url).await.status(), 400);
    let output = child.wait_with_output().unwrap();
    assert_eq!(code(&output), 3);

    // The port is in use.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let output = scratch
        .command(&fake)
        .env("HUBSPOT_CLIENT_SECRET", CLIENT_SECRET)
        .args([
            "auth",
            "login",
            "--client-id",
            CLIENT_ID,
            "--no-browser",
            "--port",
            &port,
        ])
        .output()
        .unwrap();
    assert_eq!(code(&output), 2);
    assert!(
        text(&output.stderr).contains("is in use"),
        "{}",
        text(&output.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn import_rejects_malformed_rows_and_per_row_errors_and_goes_on() {
    let fake = fake_with(2, base()).await;
    let scratch = Scratch::new("import");
    scratch.login(&fake);
    std::fs::write(
        scratch.file("in.jsonl"),
        concat!(
            "{\"erp_id\": \"E-1\", \"dealname\": \"One\"}\n",
            "{not json\n",
            "{\"erp_id\": \"E-2\", \"dealname\": \"Two\", \"no_such_property\": \"x\"}\n",
            "{\"dealname\": \"No key\"}\n",
            "{\"erp_id\": \"E-3\", \"dealname\": \"Three\"}\n",
        ),
    )
    .unwrap();
    let output = scratch.run(
        &fake,
        &["deals", "import", "in.jsonl", "--id-property", "erp_id"],
    );
    exits(&output, 1);
    assert_eq!(fake.deal_count(), 4, "the two good rows were upserted");
    let rejects: Vec<serde_json::Value> = scratch
        .rejects("in.jsonl")
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let rows: Vec<u64> = rejects.iter().map(|r| r["row"].as_u64().unwrap()).collect();
    assert_eq!(
        rows,
        [2, 3, 4],
        "read errors and properties the account lacks, as read, before anything is sent"
    );
    assert_eq!(
        rejects[1]["error"].as_str().unwrap(),
        "\"no_such_property\" is not a deal property of this account"
    );
    assert_eq!(rejects[1]["input"]["erp_id"], "E-2");

    // Updates by id: one id does not exist (HubSpot answers 207 for it).
    std::fs::write(
        scratch.file("up.csv"),
        "id,dealname\n1001,Renamed\n999999,Ghost\n,No id\n",
    )
    .unwrap();
    let output = scratch.run(&fake, &["deals", "import", "up.csv", "--mode", "update"]);
    exits(&output, 1);
    let rejects = scratch.rejects("up.csv");
    assert_eq!(rejects.lines().count(), 2, "{rejects}");
    assert!(rejects.contains("\"row\":3,\"unknown\":false"), "{rejects}");
    assert!(rejects.contains("no id"), "{rejects}");
    assert!(rejects.contains("\"row\":2"), "{rejects}");
    // Updates by a unique property; an amount HubSpot cannot read rejects its row alone.
    std::fs::write(
        scratch.file("by-key.csv"),
        "erp_id,amount\nE-3,333\nE-1,12 EUR\n",
    )
    .unwrap();
    let output = scratch.run(
        &fake,
        &[
            "deals",
            "import",
            "by-key.csv",
            "--mode",
            "update",
            "--id-property",
            "erp_id",
        ],
    );
    exits(&output, 1);
    let rejects = scratch.rejects("by-key.csv");
    assert_eq!(rejects.lines().count(), 1, "{rejects}");
    assert!(rejects.contains("\"row\":2"), "{rejects}");
    assert!(
        rejects.contains("amount: \\\"12 EUR\\\" is not a plain number"),
        "checked against the property's type before sending: {rejects}"
    );
    let found = scratch.run(
        &fake,
        &[
            "deals",
            "search",
            "--query",
            "Three",
            "--properties",
            "amount,erp_id",
            "--json",
        ],
    );
    exits(&found, 0);
    let lines: Vec<serde_json::Value> = text(&found.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "the query finds one deal: {lines:?}");
    assert_eq!(lines[0]["properties"]["amount"], "333");
    assert_eq!(
        lines[0]["properties"]["erp_id"], "E-3",
        "the properties asked for"
    );
    let get = scratch.run(
        &fake,
        &["deals", "get", "1001", "--properties", "dealname", "--json"],
    );
    assert!(text(&get.stdout).contains("Renamed"));

    let dry = scratch.run(
        &fake,
        &[
            "deals",
            "import",
            "in.jsonl",
            "--id-property",
            "erp_id",
            "--dry-run",
        ],
    );
    assert_eq!(code(&dry), 1);
    assert!(
        text(&dry.stderr).contains("3 rows would be sent"),
        "{}",
        text(&dry.stderr)
    );
    let usage = scratch.run(&fake, &["deals", "import"]);
    assert_eq!(code(&usage), 2, "a usage error");
}

/// Waits until `path` exists (a checkpoint written), then kills the child.
fn kill_when_exists(mut child: Child, path: &Path) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !path.exists() {
        assert!(
            Instant::now() < deadline,
            "{} never appeared",
            path.display()
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "finished before it could be killed"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    std::thread::sleep(Duration::from_millis(50));
    child.kill().unwrap();
    child.wait().unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_export_resumes_with_no_deal_lost_or_repeated() {
    let slow = Fault::new(FaultKind::Slow(Duration::from_millis(40))).on("get_page");
    let fake = fake_with(3_000, base().fault(slow)).await;
    let scratch = Scratch::new("resume-export");
    scratch.login(&fake);
    let export = ["deals", "export", "--output", "all.jsonl"];
    scratch.run_killed(&fake, &export, "all.jsonl.checkpoint");
    let output = scratch.run(
        &fake,
        &["deals", "export", "--output", "all.jsonl", "--resume"],
    );
    exits(&output, 0);
    let ids = jsonl_ids(&scratch.file("all.jsonl"));
    assert_eq!(ids.len(), 3_000);
    assert!(all_unique(&ids), "no deal twice");
    let again = scratch.run(
        &fake,
        &["deals", "export", "--output", "all.jsonl", "--resume"],
    );
    assert_eq!(code(&again), 2, "nothing left to resume");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_import_resumes_without_duplicates() {
    let fake = slow_fake(60).await;
    let scratch = Scratch::new("resume-import");
    scratch.login(&fake);
    scratch.csv("rows.csv", "erp_id,dealname", 2_000, |i| {
        format!("K-{i},Row {i}")
    });
    let upsert = ["deals", "import", "rows.csv", "--id-property", "erp_id"];
    scratch.run_killed(&fake, &upsert, "rows.csv.import-state");
    let killed_at = fake.deal_count();
    assert!(killed_at < 2_000, "killed mid-run ({killed_at})");
    let output = scratch.run(&fake, &[&upsert[..], &["--resume"]].concat());
    exits(&output, 0);
    assert_eq!(
        fake.deal_count(),
        2_000,
        "every row once (upserts by erp_id)"
    );

    // Creates: rows that may have been sent when the run died are listed, never sent again.
    // (Another fake is another origin: the profile logs in for it.)
    let fake = slow_fake(60).await;
    scratch.login(&fake);
    scratch.csv("new.csv", "dealname", 2_000, |i| format!("Create {i}"));
    let create = ["deals", "import", "new.csv", "--mode", "create"];
    scratch.run_killed(&fake, &create, "new.csv.import-state");
    let output = scratch.run(&fake, &[&create[..], &["--resume"]].concat());
    assert!(matches!(code(&output), 0 | 1), "{}", text(&output.stderr));
    let export = scratch.run(&fake, &["deals", "export", "--properties", "dealname"]);
    let mut names: BTreeMap<String, usize> = BTreeMap::new();
    for line in text(&export.stdout).lines() {
        let deal: serde_json::Value = serde_json::from_str(line).unwrap();
        *names
            .entry(deal["properties"]["dealname"].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    assert!(names.values().all(|n| *n == 1), "no deal created twice");
    let rejects =
        std::fs::read_to_string(scratch.file("new.csv.rejects.jsonl")).unwrap_or_default();
    let mut covered: BTreeSet<String> = names.keys().cloned().collect();
    for line in rejects.lines() {
        let reject: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(reject["unknown"], true, "{line}");
        covered.insert(reject["input"][0].as_str().unwrap().to_string());
    }
    assert_eq!(
        covered.len(),
        2_000,
        "every row created once, or listed as unknown"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn on_a_terminal_the_progress_bar_draws_and_the_summary_prints() {
    let fake = fake_with(500, base()).await;
    let scratch = Scratch::new("terminal");
    scratch.login(&fake);
    let output = scratch.on_terminal(&fake, "deals export --output t.jsonl");
    let drawn = text(&output.stdout);
    assert_eq!(code(&output), 0, "{drawn}");
    assert!(
        drawn.contains("deals ("),
        "the bar with its count and rate: {drawn:?}"
    );
    assert!(
        drawn.contains("Exported 500 deals to t.jsonl."),
        "{drawn:?}"
    );
    let sync = scratch.on_terminal(&fake, "sync --budget unlimited --db sqlite:t.sqlite");
    let drawn = text(&sync.stdout);
    assert_eq!(code(&sync), 0, "{drawn}");
    assert!(drawn.contains("deals ("), "sync's bar: {drawn:?}");
    assert!(drawn.contains("500 deals added"), "{drawn:?}");
    let search = scratch.on_terminal(&fake, "deals search --filter 'amount LT 30'");
    let table = text(&search.stdout);
    assert!(
        table.contains("id") && table.contains("dealname"),
        "a table: {table:?}"
    );
    assert_eq!(
        table.lines().filter(|l| l.contains("Deal ")).count(),
        3,
        "{table:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn incremental_and_archived_exports_archive_and_missing_deals() {
    let fake = fake_with(20, base()).await;
    let scratch = Scratch::new("since");
    scratch.login(&fake);
    // Only what changes after `since` comes out.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let since = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
    tokio::time::sleep(Duration::from_millis(20)).await;
    std::fs::write(
        scratch.file("up.csv"),
        "id,dealname\n1003,Changed 3\n1007,Changed 7\n",
    )
    .unwrap();
    let output = scratch.run(&fake, &["deals", "import", "up.csv", "--mode", "update"]);
    exits(&output, 0);
    let output = scratch.run(
        &fake,
        &[
            "deals",
            "export",
            "--since",
            &since,
            "--output",
            "changed.jsonl",
        ],
    );
    exits(&output, 0);
    assert_eq!(jsonl_ids(&scratch.file("changed.jsonl")), ["1003", "1007"]);

    let output = scratch.run(&fake, &["deals", "archive", "1003", "1004"]);
    exits(&output, 0);
    assert_eq!(fake.archived_count(), 2);
    let output = scratch.run(&fake, &["deals", "export", "--archived"]);
    let archived: BTreeSet<String> = text(&output.stdout)
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        archived,
        BTreeSet::from(["1003".to_string(), "1004".to_string()])
    );
    let output = scratch.run(&fake, &["deals", "export"]);
    assert_eq!(text(&output.stdout).lines().count(), 18);

    let missing = scratch.run(&fake, &["deals", "get", "1003"]);
    assert_eq!(code(&missing), 4, "a HubSpot error");
    assert!(
        text(&missing.stderr).contains("no deal 1003"),
        "{}",
        text(&missing.stderr)
    );
    let bad = scratch.run(&fake, &["deals", "search", "--filter", "amount LIKE 3"]);
    assert_eq!(code(&bad), 2);
    assert!(text(&bad.stderr).contains("not a search operator"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_service_key_logs_in_from_standard_input_and_exports() {
    const KEY: &str = "service-key-0000-cccc-dddd";
    let fake = fake_with(3, base().private_app_token(KEY)).await;
    let scratch = Scratch::new("service-key");
    let mut login = scratch
        .command(&fake)
        .args(["auth", "login", "--service-key"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(login.stdin.take().unwrap(), "{KEY}").unwrap();
    let login = login.wait_with_output().unwrap();
    exits(&login, 0);
    assert!(text(&login.stderr).contains("Logged in with a Service Key"));
    let status = scratch.run(&fake, &["auth", "status"]);
    exits(&status, 0);
    assert!(
        text(&status.stdout).contains("kind: Service Key"),
        "{}",
        text(&status.stdout)
    );
    let export = scratch.run(&fake, &["deals", "export"]);
    exits(&export, 0);
    assert_eq!(text(&export.stdout).lines().count(), 3);
    for output in [&login, &status, &export] {
        let shown = format!("{}{}", text(&output.stdout), text(&output.stderr));
        assert!(
            !shown.contains("cccc-dddd"),
            "the key is never printed: {shown}"
        );
    }

    let wrong = Scratch::new("service-key-wrong");
    let mut refused = wrong
        .command(&fake)
        .args(["auth", "login", "--service-key"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(refused.stdin.take().unwrap(), "not-a-key-anyone-issued").unwrap();
    let refused = refused.wait_with_output().unwrap();
    exits(&refused, 3);
    assert!(
        text(&refused.stderr).contains("Development > Keys > Service keys"),
        "{}",
        text(&refused.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_environment_overrides_the_stored_credentials() {
    let fake = fake_with(5, base()).await;
    let scratch = Scratch::new("env");
    let refused = scratch.run(&fake, &["deals", "export"]);
    assert_eq!(code(&refused), 3, "no credentials at all");
    let output = scratch
        .command(&fake)
        .env("HUBSPOT_ACCESS_TOKEN", PAT)
        .args(["deals", "export"])
        .output()
        .unwrap();
    exits(&output, 0);
    assert_eq!(text(&output.stdout).lines().count(), 5);
    let status = scratch
        .command(&fake)
        .env("HUBSPOT_ACCESS_TOKEN", "pat-na1-wrong")
        .args(["auth", "status"])
        .output()
        .unwrap();
    exits(&status, 3);
    assert!(text(&status.stdout).contains("from the environment"));
    assert!(
        !text(&status.stderr).contains("pat-na1-wrong"),
        "no secret printed"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_readme_tries_the_command_line_on_the_fake_with_no_account() {
    let scratch = Scratch::new("readme");
    let mut fake = Command::new(env!("CARGO_BIN_EXE_hubspot-deals"))
        .args([
            "fake",
            "--port",
            "0",
            "--token",
            "pat-demo",
            "--seed-deals",
            "1000",
            "--seed-associations",
            "--seed-properties",
            "300",
            "--as-of",
            AS_OF,
            "--request-log",
        ])
        .arg(suite_requests())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(fake.stdout.take().unwrap());
    let mut first = String::new();
    lines.read_line(&mut first).unwrap();
    std::thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
    let base_url = first.split_whitespace().last().unwrap().to_string();
    let binary = || {
        let mut command = Command::new(env!("CARGO_BIN_EXE_hubspot-deals"));
        command
            .current_dir(&scratch.0)
            .env("HUBSPOT_DEALS_CONFIG_DIR", scratch.file("config"))
            .env_remove("HUBSPOT_BASE_URL")
            .env_remove("HUBSPOT_ACCESS_TOKEN");
        command
    };
    let mut login = binary()
        .args([
            "--base-url",
            &base_url,
            "auth",
            "login",
            "--private-app-token",
        ])
        .stdin(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    writeln!(login.stdin.take().unwrap(), "pat-demo").unwrap();
    assert!(login.wait().unwrap().success());
    let export = binary()
        .args(["deals", "export", "--output", "deals.csv"])
        .output()
        .unwrap();
    exits(&export, 0);
    let rows = csv::Reader::from_path(scratch.file("deals.csv"))
        .unwrap()
        .records()
        .count();
    assert_eq!(rows, 1000);
    // The seeded account: 300 custom properties (more than a URL holds) and associations.
    let wide = binary()
        .args([
            "deals",
            "export",
            "--properties",
            "all",
            "--associations",
            "contacts,companies",
            "--output",
            "wide.jsonl",
        ])
        .output()
        .unwrap();
    exits(&wide, 0);
    let wide = std::fs::read_to_string(scratch.file("wide.jsonl")).unwrap();
    let first: serde_json::Value = serde_json::from_str(wide.lines().next().unwrap()).unwrap();
    assert_eq!(wide.lines().count(), 1000);
    assert_eq!(
        first["properties"]["seed_custom_300"],
        "value 300 of deal 0"
    );
    assert_eq!(first["associations"]["contacts"][0]["id"], "5000001");
    assert_eq!(first["associations"]["companies"][0]["id"], "7000001");
    let search = binary()
        .args([
            "deals",
            "search",
            "--filter",
            "amount GT 50000",
            "--filter",
            "dealstage EQ closedwon",
        ])
        .output()
        .unwrap();
    exits(&search, 0);
    let found: Vec<serde_json::Value> = text(&search.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(!found.is_empty());
    assert!(found.iter().all(|d| {
        d["properties"]["dealstage"] == "closedwon"
            && d["properties"]["amount"]
                .as_str()
                .unwrap()
                .parse::<u64>()
                .unwrap()
                > 50_000
    }));
    let _ = fake.kill();
    let _ = fake.wait();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_import_checks_columns_values_and_stage_labels_against_the_account() {
    let fake = fake_with(0, base()).await;
    let scratch = Scratch::new("import-checks");
    scratch.login(&fake);
    std::fs::write(scratch.file("typo.csv"), "dealnmae,amount\nOne,10\n").unwrap();
    let typo = scratch.run(&fake, &["deals", "import", "typo.csv"]);
    exits(&typo, 2);
    assert!(
        text(&typo.stderr).contains(
            "\"dealnmae\" is not a deal property of this account (did you mean dealname?)"
        ),
        "{}",
        text(&typo.stderr)
    );
    assert_eq!(
        fake.counters().by_operation.get("batch_create"),
        None,
        "nothing sent"
    );

    std::fs::write(
        scratch.file("labels.csv"),
        "dealname,dealstage,amount\nWon,Closed Won,10\nBy id,closedlost,20\nNo stage,Negotiation,30\nBad amount,closedwon,1e3\n",
    )
    .unwrap();
    let output = scratch.run(&fake, &["deals", "import", "labels.csv"]);
    exits(&output, 1);
    let rejects = scratch.rejects("labels.csv");
    assert_eq!(rejects.lines().count(), 2, "{rejects}");
    assert!(
        rejects.contains("no deal stage is labelled \\\"Negotiation\\\""),
        "{rejects}"
    );
    assert!(
        rejects.contains("amount: \\\"1e3\\\" is not a plain number"),
        "{rejects}"
    );
    let export = scratch.run(
        &fake,
        &["deals", "export", "--properties", "dealname,dealstage"],
    );
    let stages: Vec<String> = text(&export.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .map(|d| {
            format!(
                "{}={}",
                d["properties"]["dealname"], d["properties"]["dealstage"]
            )
        })
        .collect();
    assert!(
        stages.contains(&"\"Won\"=\"closedwon\"".to_string()),
        "{stages:?}"
    );
    assert!(
        stages.contains(&"\"By id\"=\"closedlost\"".to_string()),
        "{stages:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_problem_in_every_row_is_not_sent_row_by_row_for_ever() {
    let fake = fake_with(0, base()).await;
    let scratch = Scratch::new("global-400");
    scratch.login(&fake);
    // Every batch is refused whole (upserts by a property that is not unique), which no
    // check before sending can see.
    scratch.csv("rows.csv", "description,dealname", 250, |i| {
        format!("K-{i},Row {i}")
    });
    let output = scratch.run(
        &fake,
        &[
            "deals",
            "import",
            "rows.csv",
            "--id-property",
            "description",
        ],
    );
    exits(&output, 1);
    let rejects = scratch.rejects("rows.csv");
    assert_eq!(rejects.lines().count(), 250, "every row listed");
    let calls = fake
        .counters()
        .by_operation
        .get("batch_upsert")
        .copied()
        .unwrap_or(0);
    assert!(
        calls <= 3 + 10,
        "3 batches, then 10 rows alone: {calls} calls"
    );
    assert_eq!(fake.deal_count(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_incremental_export_resumes_from_its_watermark() {
    let slow = Fault::new(FaultKind::Slow(Duration::from_millis(80))).on("search");
    let fake = fake_with(3_000, base().fault(slow)).await;
    let scratch = Scratch::new("resume-since");
    scratch.login(&fake);
    let since = [
        "deals",
        "export",
        "--since",
        "2020-01-01",
        "--output",
        "since.jsonl",
    ];
    scratch.run_killed(&fake, &since, "since.jsonl.checkpoint");
    let output = scratch.run(&fake, &[&since[..], &["--resume"]].concat());
    exits(&output, 0);
    let ids = jsonl_ids(&scratch.file("since.jsonl"));
    assert_eq!(ids.len(), 3_000);
    assert!(all_unique(&ids), "no deal twice");
    let other = scratch.run(
        &fake,
        &[
            "deals",
            "export",
            "--since",
            "2021-01-01",
            "--output",
            "since.jsonl",
            "--resume",
        ],
    );
    exits(&other, 2);
}

/// A fake holding `n` deals, every third one won.
async fn staged_fake(n: usize, builder: FakeHubSpotBuilder) -> FakeHubSpot {
    let fake = builder.start().await.unwrap();
    fake.seed_deals((0..n).map(|i| {
        let stage = if i % 3 == 0 {
            "closedwon"
        } else {
            "qualifiedtobuy"
        };
        vec![
            ("dealname".to_string(), format!("Deal {i}")),
            ("dealstage".to_string(), stage.to_string()),
        ]
    }))
    .unwrap();
    fake
}

/// The stages of a JSONL export's deals.
fn jsonl_stages(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| {
            let deal: serde_json::Value = serde_json::from_str(line).unwrap();
            deal["properties"]["dealstage"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_filtered_export_resumes_with_no_deal_lost_or_repeated() {
    let slow = Fault::new(FaultKind::Slow(Duration::from_millis(80))).on("search");
    let fake = staged_fake(6_000, base().fault(slow)).await;
    let scratch = Scratch::new("resume-filter");
    scratch.login(&fake);
    let won = [
        "deals",
        "export",
        "--filter",
        "dealstage EQ closedwon",
        "--properties",
        "dealstage",
        "--output",
        "won.jsonl",
    ];
    scratch.run_killed(&fake, &won, "won.jsonl.checkpoint");
    let output = scratch.run(&fake, &[&won[..], &["--resume"]].concat());
    exits(&output, 0);
    let ids = jsonl_ids(&scratch.file("won.jsonl"));
    assert_eq!(ids.len(), 2_000, "every won deal");
    assert!(all_unique(&ids), "no deal twice");
    assert!(
        jsonl_stages(&scratch.file("won.jsonl"))
            .iter()
            .all(|s| s == "closedwon")
    );
    // Another filter is another export: not a resume of this one.
    let other = scratch.run(
        &fake,
        &[
            "deals",
            "export",
            "--filter",
            "dealstage EQ closedlost",
            "--properties",
            "dealstage",
            "--output",
            "won.jsonl",
            "--resume",
        ],
    );
    exits(&other, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_incremental_export_takes_filters() {
    let fake = staged_fake(300, base()).await;
    let scratch = Scratch::new("since-filter");
    scratch.login(&fake);
    let output = scratch.run(
        &fake,
        &[
            "deals",
            "export",
            "--since",
            "2020-01-01",
            "--filter",
            "dealstage EQ closedwon",
            "--properties",
            "dealstage",
            "--output",
            "won.jsonl",
        ],
    );
    exits(&output, 0);
    let stages = jsonl_stages(&scratch.file("won.jsonl"));
    assert_eq!(stages.len(), 100);
    assert!(stages.iter().all(|s| s == "closedwon"));
    let archived = scratch.run(
        &fake,
        &["deals", "export", "--archived", "--filter", "amount GT 1"],
    );
    exits(&archived, 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn doctor_says_what_a_profile_uses_and_fails_within_90_days_of_an_end() {
    let scratch = Scratch::new("doctor");
    let fake = base().start().await.unwrap();
    scratch.login(&fake);
    let today = scratch.run(&fake, &["doctor"]);
    exits(&today, 0);
    let out = text(&today.stdout);
    assert!(out.contains("kind: private app token"), "{out}");
    assert!(out.contains("works: yes"), "{out}");
    for api in ["deals", "pipelines", "properties", "associations"] {
        assert!(
            out.lines()
                .any(|l| l.starts_with(api) && l.contains("2026-09") && l.contains("2028-03-08")),
            "{api}: {out}"
        );
    }
    assert!(
        !out.lines().any(|l| l.starts_with("oauth")),
        "no OAuth without it: {out}"
    );
    assert!(
        out.contains("properties create: crm.schemas.deals.write"),
        "{out}"
    );
    assert!(
        out.contains("ok: nothing this build calls ends within 90 days"),
        "{out}"
    );

    // On a day within 90 days of 2026-09's end of support, it says what ends and fails.
    let later = scratch.run(&fake, &["doctor", "--on", "2028-01-01"]);
    exits(&later, 1);
    let out = text(&later.stdout);
    assert!(
        out.contains("ends within 90 days of 2028-01-01: deals 2026-09"),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("deals") && l.ends_with("67")),
        "{out}"
    );
    let bad_day = scratch.run(&fake, &["doctor", "--on", "next week"]);
    exits(&bad_day, 2);
    assert!(text(&bad_day.stderr).contains("YYYY-MM-DD"));

    // An OAuth profile: the token endpoint, the OAuth version, and the scopes the token has
    // against what each command needs.
    let oauth = base()
        .refresh_token("doctor-refresh")
        .oauth_scopes(["crm.objects.deals.read", "crm.objects.deals.write"])
        .start()
        .await
        .unwrap();
    let run = scratch
        .command(&oauth)
        .env("HUBSPOT_CLIENT_ID", CLIENT_ID)
        .env("HUBSPOT_CLIENT_SECRET", CLIENT_SECRET)
        .env("HUBSPOT_REFRESH_TOKEN", "doctor-refresh")
        .args(["doctor"])
        .output()
        .unwrap();
    exits(&run, 0);
    let out = text(&run.stdout);
    assert!(
        out.contains(&format!(
            "token endpoint: {}/oauth/2026-09/token",
            oauth.base_url()
        )),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("oauth") && l.contains("2026-09")),
        "{out}"
    );
    assert!(
        out.contains("pipelines: crm.objects.deals.read (granted: yes)"),
        "{out}"
    );
    assert!(
        out.contains("properties create: crm.schemas.deals.write (granted: no, lacks crm.schemas.deals.write)"),
        "{out}"
    );
    assert!(
        out.contains("missing scopes: crm.schemas.deals.read crm.schemas.deals.write"),
        "{out}"
    );
    assert!(
        !out.contains("doctor-refresh") && !out.contains(CLIENT_SECRET),
        "no secret printed"
    );
}

/// Calls the fake's API directly (as another HubSpot user would), returning its JSON answer.
async fn fake_call(
    fake: &FakeHubSpot,
    method: &str,
    path: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let answer = reqwest::Client::new()
        .request(method, format!("{}{path}", fake.base_url()))
        .bearer_auth(PAT)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    serde_json::from_slice(&answer.bytes().await.unwrap()).unwrap_or(serde_json::Value::Null)
}

#[tokio::test(flavor = "multi_thread")]
async fn deals_get_shows_stage_timing_that_agrees_with_the_stage_history() {
    let fake = fake_with(0, base()).await;
    let scratch = Scratch::new("stage-timing");
    scratch.login(&fake);
    let deals = "/crm/objects/2026-09/deals";
    let created = fake_call(&fake, "POST", deals,
        serde_json::json!({"properties": {"dealname": "Moving", "dealstage": "appointmentscheduled"}})).await;
    let id = created["id"].as_str().unwrap().to_string();
    for stage in ["qualifiedtobuy", "appointmentscheduled", "contractsent"] {
        std::thread::sleep(Duration::from_millis(5));
        fake_call(
            &fake,
            "PATCH",
            &format!("{deals}/{id}"),
            serde_json::json!({"properties": {"dealstage": stage}}),
        )
        .await;
    }
    let shown = scratch.run(&fake, &["deals", "get", &id, "--stage-timing", "--json"]);
    exits(&shown, 0);
    let deal: serde_json::Value = serde_json::from_str(text(&shown.stdout).trim()).unwrap();
    let timing = deal["stageTiming"].as_array().unwrap();
    let stages: Vec<&str> = timing
        .iter()
        .map(|t| t["stageId"].as_str().unwrap())
        .collect();
    assert_eq!(
        stages,
        ["appointmentscheduled", "qualifiedtobuy", "contractsent"],
        "pipeline order"
    );
    assert_eq!(timing[0]["stageLabel"], "Appointment Scheduled");
    // The fake's own history of dealstage, oldest first.
    let read = fake_call(
        &fake,
        "GET",
        &format!("{deals}/{id}?propertiesWithHistory=dealstage"),
        serde_json::Value::Null,
    )
    .await;
    let mut history: Vec<(String, String)> = read["propertiesWithHistory"]["dealstage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["value"].as_str().unwrap().into(),
                h["timestamp"].as_str().unwrap().into(),
            )
        })
        .collect();
    history.reverse();
    let millis = |at: &str| {
        chrono::DateTime::parse_from_rfc3339(at)
            .unwrap()
            .timestamp_millis()
    };
    for row in timing {
        let stage = row["stageId"].as_str().unwrap();
        let last = history.iter().rposition(|(s, _)| s == stage).unwrap();
        assert_eq!(
            millis(row["enteredAt"].as_str().unwrap()),
            millis(&history[last].1),
            "{stage}"
        );
        match history.get(last + 1) {
            Some((_, left)) => {
                assert_eq!(
                    millis(row["exitedAt"].as_str().unwrap()),
                    millis(left),
                    "{stage}"
                );
                let stay = millis(left) - millis(&history[last].1);
                assert_eq!(row["latestTimeInMs"], stay, "{stage}");
            }
            None => assert!(row["exitedAt"].is_null(), "{stage}: still there"),
        }
    }
    let stays: i64 = (0..history.len() - 1)
        .filter(|i| history[*i].0 == "appointmentscheduled")
        .map(|i| millis(&history[i + 1].1) - millis(&history[i].1))
        .sum();
    assert_eq!(
        timing[0]["cumulativeTimeInMs"], stays,
        "both stays together"
    );
    let missing = scratch.run(&fake, &["deals", "get", "424242", "--stage-timing"]);
    exits(&missing, 4);
    assert!(
        text(&missing.stderr).contains("no deal 424242"),
        "{}",
        text(&missing.stderr)
    );
}
