//! What the command line holds against a hostile neighbour: credentials that stay with their
//! origin, a login listener that survives stray requests, files only the user reads, input
//! that cannot loop or balloon, and text from elsewhere that cannot drive the terminal.

use super::*;
use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// Waits for `child` at most `seconds` (a guard against a hang, not a speed); its output.
fn finish_within(mut child: Child, seconds: u64) -> Output {
    let deadline = Instant::now() + Duration::from_secs(seconds);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            panic!("still running after {seconds} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// A query parameter of `url`.
fn parameter(url: &str, name: &str) -> String {
    let query = url.split_once('?').unwrap().1;
    form_urlencoded::parse(query.as_bytes())
        .find(|(key, _)| key == name)
        .unwrap_or_else(|| panic!("no {name} in {url}"))
        .1
        .into_owned()
}

/// Logs in with OAuth against `fake`, as a browser would.
async fn oauth_login(scratch: &Scratch, fake: &FakeHubSpot) {
    let (child, url, _) = start_oauth_login(scratch, fake, &[]);
    browse(&url).await;
    exits(&child.wait_with_output().unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn stored_credentials_never_follow_another_base_url() {
    let ours = fake_with(3, base()).await;
    let elsewhere = fake_with(3, base()).await;
    let scratch = Scratch::new("origin");
    oauth_login(&scratch, &ours).await;
    let token_requests = |fake: &FakeHubSpot| fake.counters().token_requests;

    // A base URL left over in the environment: refused before anything is sent.
    for args in [
        &["deals", "export"][..],
        &["auth", "status"],
        &["auth", "logout"],
    ] {
        let output = scratch.run(&elsewhere, args);
        exits(&output, 2);
        let said = text(&output.stderr);
        assert!(said.contains("never sent to another origin"), "{said}");
        assert!(said.contains("--allow-other-origin"), "{said}");
    }
    assert_eq!(elsewhere.counters().requests, 0, "no secret went elsewhere");
    assert!(
        scratch.file("config/credentials.json").exists(),
        "a refused logout deletes nothing"
    );

    // Said out loud, the profile's credentials go there (which does not know them).
    let output = scratch
        .command(&elsewhere)
        .args(["--allow-other-origin", "deals", "export"])
        .output()
        .unwrap();
    exits(&output, 3);
    assert_eq!(token_requests(&elsewhere), 1);

    // The profile's own origin still works, and credentials paired with a base URL in the
    // environment go where it says.
    exits(&scratch.run(&ours, &["deals", "export"]), 0);
    let paired = scratch
        .command(&elsewhere)
        .env("HUBSPOT_ACCESS_TOKEN", PAT)
        .args(["deals", "export"])
        .output()
        .unwrap();
    exits(&paired, 0);
    assert_eq!(text(&paired.stdout).lines().count(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_token_never_goes_over_plain_http_to_another_host() {
    let fake = fake_with(1, base()).await;
    let scratch = Scratch::new("plain-http");
    let output = scratch
        .command(&fake)
        .env("HUBSPOT_ACCESS_TOKEN", PAT)
        .env("HUBSPOT_BASE_URL", "http://192.0.2.10:8080")
        .args(["deals", "get", "1"])
        .output()
        .unwrap();
    exits(&output, 2);
    let said = text(&output.stderr);
    assert!(said.contains("use https"), "{said}");
    assert!(!said.contains(PAT), "{said}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_login_listener_outlasts_stray_and_hostile_requests() {
    let fake = fake_with(1, base()).await;
    let scratch = Scratch::new("listener");
    let (child, url, _) = start_oauth_login(&scratch, &fake, &[]);
    let callback = parameter(&url, "redirect_uri");
    let port: u16 = callback
        .trim_end_matches("/callback")
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // A connection that sends a byte now and then and never ends its request, and one that
    // sends nothing: neither may hold up the real redirect.
    let stop = Arc::new(AtomicBool::new(false));
    let drip = {
        let stop = stop.clone();
        let mut slow = TcpStream::connect(("127.0.0.1", port)).unwrap();
        std::thread::spawn(move || {
            while !stop.load(Ordering::SeqCst) && slow.write_all(b"X").is_ok() {
                std::thread::sleep(Duration::from_millis(200));
            }
        })
    };
    let _idle = TcpStream::connect(("127.0.0.1", port)).unwrap();
    // A redirect that is not this login's, carrying escape codes: a 400, and it goes on.
    let forged = browse(&format!(
        "{callback}?state=not-mine&error=x&error_description=%1b%5b2J%1b%5d0%3Bpwned%07"
    ))
    .await;
    assert_eq!(forged.status(), 400);
    assert_eq!(
        browse(&format!("{callback}?code=forged")).await.status(),
        400
    );
    // The real one.
    let page = browse(&url).await;
    assert_eq!(page.status(), 200);
    let output = finish_within(child, 60);
    stop.store(true, Ordering::SeqCst);
    drip.join().unwrap();
    exits(&output, 0);
    assert!(scratch.file("config/credentials.json").exists());

    // A refusal with this login's state: the login ends, its text shown, never obeyed.
    let (child, url, stderr) = start_oauth_login(&scratch, &fake, &[]);
    let callback = parameter(&url, "redirect_uri");
    let state = parameter(&url, "state");
    browse(&format!(
        "{callback}?state={state}&error=access_denied&error_description=%1b%5b2Jgone"
    ))
    .await;
    let output = finish_within(child, 60);
    exits(&output, 3);
    let said = stderr.join().unwrap();
    assert!(
        !said.contains('\u{1b}'),
        "no escape code reaches the terminal: {said:?}"
    );
    assert!(said.contains("\\u{1b}[2Jgone"), "{said}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_client_secret_is_never_an_argument() {
    let fake = fake_with(1, base()).await;
    let scratch = Scratch::new("secret-arg");
    let output = scratch.run(
        &fake,
        &[
            "auth",
            "login",
            "--client-id",
            CLIENT_ID,
            "--client-secret",
            CLIENT_SECRET,
        ],
    );
    exits(&output, 2);
    assert!(text(&output.stderr).contains("process list"));
    assert!(!scratch.file("config/credentials.json").exists());
    // From standard input instead.
    let mut child = scratch
        .command(&fake)
        .args([
            "auth",
            "login",
            "--client-id",
            CLIENT_ID,
            "--no-browser",
            "--port",
            "0",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{CLIENT_SECRET}").unwrap();
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    while !line.starts_with("http") {
        line.clear();
        assert!(stderr.read_line(&mut line).unwrap() > 0, "no authorize URL");
    }
    browse(line.trim()).await;
    assert!(finish_within(child, 60).status.success());
    let stored = std::fs::read_to_string(scratch.file("config/credentials.json")).unwrap();
    assert!(stored.contains(CLIENT_SECRET));
}

#[tokio::test(flavor = "multi_thread")]
async fn importing_something_that_cannot_be_read_ends_with_the_reason() {
    let fake = fake_with(0, base()).await;
    let scratch = Scratch::new("import-dir");
    scratch.login(&fake);
    std::fs::create_dir(scratch.file("rows.jsonl")).unwrap();
    let child = scratch
        .command(&fake)
        .args(["deals", "import", "rows.jsonl", "--id-property", "erp_id"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let output = finish_within(child, 60);
    exits(&output, 4);
    let said = text(&output.stderr);
    assert!(
        said.contains("rows.jsonl") && said.contains("Is a directory"),
        "{said}"
    );
    let rejects = std::fs::metadata(scratch.file("rows.jsonl.rejects.jsonl"));
    assert!(rejects.is_err(), "no reject for a file that is not rows");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dry_run_leaves_nothing_to_resume() {
    let fake = fake_with(0, base()).await;
    let scratch = Scratch::new("dry-resume");
    scratch.login(&fake);
    scratch.csv("rows.csv", "erp_id,dealname", 250, |i| {
        format!("K-{i},Row {i}")
    });
    let import = ["deals", "import", "rows.csv", "--id-property", "erp_id"];
    exits(
        &scratch.run(&fake, &[&import[..], &["--dry-run"]].concat()),
        0,
    );
    assert!(!scratch.file("rows.csv.import-state").exists(), "no state");
    let resumed = scratch.run(&fake, &[&import[..], &["--resume"]].concat());
    exits(&resumed, 2);
    assert!(text(&resumed.stderr).contains("nothing to resume"));
    exits(&scratch.run(&fake, &import), 0);
    assert_eq!(fake.deal_count(), 250, "every row sent, none skipped");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_resume_of_another_file_is_refused() {
    let fake = slow_fake(60).await;
    let scratch = Scratch::new("resume-other");
    scratch.login(&fake);
    scratch.csv("rows.csv", "erp_id,dealname", 2_000, |i| {
        format!("K-{i},Row {i}")
    });
    let import = ["deals", "import", "rows.csv", "--id-property", "erp_id"];
    scratch.run_killed(&fake, &import, "rows.csv.import-state");
    scratch.csv("rows.csv", "erp_id,dealname", 2_000, |i| {
        format!("K-{i},Other {i}")
    });
    let resumed = scratch.run(&fake, &[&import[..], &["--resume"]].concat());
    exits(&resumed, 2);
    assert!(
        text(&resumed.stderr).contains("not the file the interrupted import read"),
        "{}",
        text(&resumed.stderr)
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_oversized_row_is_rejected_alone_and_a_batch_too_large_is_split() {
    let fake = fake_with(0, base()).await;
    let scratch = Scratch::new("huge-rows");
    scratch.login(&fake);
    let huge = "x".repeat(2 * 1024 * 1024);
    std::fs::write(
        scratch.file("in.jsonl"),
        format!(
            "{{\"erp_id\": \"E-1\", \"dealname\": \"One\"}}\n\
             {{\"erp_id\": \"E-2\", \"dealname\": \"{huge}\"}}\n\
             {{\"erp_id\": \"E-3\", \"dealname\": \"Three\"}}\n"
        ),
    )
    .unwrap();
    let output = scratch.run(
        &fake,
        &["deals", "import", "in.jsonl", "--id-property", "erp_id"],
    );
    exits(&output, 1);
    assert_eq!(fake.deal_count(), 2, "the rows around it were upserted");
    let rejects = scratch.rejects("in.jsonl");
    let [reject] = rejects.lines().collect::<Vec<_>>()[..] else {
        panic!("{rejects}")
    };
    let reject: serde_json::Value = serde_json::from_str(reject).unwrap();
    assert_eq!(reject["row"], 2);
    assert!(
        reject["error"].as_str().unwrap().contains("over the 1 MiB"),
        "{reject}"
    );
    assert!(
        reject["input"].as_str().unwrap().len() < 1_000,
        "an excerpt"
    );

    // A hundred rows of 180 KB: a batch over the body HubSpot takes (413), each row fine.
    let name = "y".repeat(180_000);
    scratch.csv("big.csv", "erp_id,dealname", 100, |i| {
        format!("B-{i},{name}")
    });
    let output = scratch.run(
        &fake,
        &["deals", "import", "big.csv", "--id-property", "erp_id"],
    );
    exits(&output, 0);
    assert_eq!(fake.deal_count(), 102, "every row, each sent alone");
    assert_eq!(fake.counters().by_status.get(&413), Some(&1));
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn files_with_deal_data_are_the_users_alone() {
    use std::os::unix::fs::PermissionsExt;
    let fake = fake_with(3, base()).await;
    let scratch = Scratch::new("modes");
    scratch.login(&fake);
    exits(
        &scratch.run(&fake, &["deals", "export", "--output", "deals.csv"]),
        0,
    );
    std::fs::write(scratch.file("in.jsonl"), "{not json\n").unwrap();
    exits(&scratch.run(&fake, &["deals", "import", "in.jsonl"]), 1);
    for file in [
        "deals.csv",
        "in.jsonl.rejects.jsonl",
        "config/credentials.json",
    ] {
        let mode = std::fs::metadata(scratch.file(file))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600, "{file}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_checkpoint_that_does_not_match_its_file_is_refused() {
    let slow = Fault::new(FaultKind::Slow(Duration::from_millis(40))).on("get_page");
    let fake = fake_with(3_000, base().fault(slow)).await;
    let scratch = Scratch::new("bad-checkpoint");
    scratch.login(&fake);
    let export = ["deals", "export", "--output", "deals.jsonl"];
    scratch.run_killed(&fake, &export, "deals.jsonl.checkpoint");
    let checkpoint = scratch.file("deals.jsonl.checkpoint");
    let mut found: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&checkpoint).unwrap()).unwrap();
    found["bytes"] = 1_000_000_000u64.into();
    std::fs::write(&checkpoint, found.to_string()).unwrap();
    let before = std::fs::metadata(scratch.file("deals.jsonl"))
        .unwrap()
        .len();
    let resumed = scratch.run(&fake, &[&export[..], &["--resume"]].concat());
    exits(&resumed, 2);
    assert!(
        text(&resumed.stderr).contains("the file changed"),
        "{}",
        text(&resumed.stderr)
    );
    assert_eq!(
        std::fs::metadata(scratch.file("deals.jsonl"))
            .unwrap()
            .len(),
        before,
        "the file is left as it was, not padded"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn csv_cells_a_spreadsheet_would_run_are_defused_unless_asked() {
    let fake = base().start().await.unwrap();
    fake.seed_deals([
        vec![(
            "dealname".to_string(),
            "=HYPERLINK(\"http://evil\",\"x\")".to_string(),
        )],
        vec![
            ("dealname".to_string(), "Refund".to_string()),
            ("amount".to_string(), "-250.5".to_string()),
        ],
    ])
    .unwrap();
    let scratch = Scratch::new("formulas");
    scratch.login(&fake);
    let export = [
        "deals",
        "export",
        "--properties",
        "dealname,amount",
        "--format",
        "csv",
    ];
    let defused = text(&scratch.run(&fake, &export).stdout);
    assert!(defused.contains("\"'=HYPERLINK("), "{defused}");
    assert!(
        defused.contains(",-250.5"),
        "numbers stay numbers: {defused}"
    );
    let raw = text(
        &scratch
            .run(&fake, &[&export[..], &["--keep-formulas"]].concat())
            .stdout,
    );
    assert!(raw.contains("\"=HYPERLINK("), "{raw}");
}

#[tokio::test(flavor = "multi_thread")]
async fn text_from_elsewhere_never_drives_the_terminal() {
    let fake = base().start().await.unwrap();
    fake.seed_deals([vec![(
        "dealname".to_string(),
        "\u{1b}]0;owned\u{7}\u{1b}[2JAcme".to_string(),
    )]])
    .unwrap();
    let scratch = Scratch::new("escapes");
    scratch.login(&fake);
    let table = scratch.on_terminal(&fake, "deals get 1001");
    let shown = text(&table.stdout);
    assert!(shown.contains("\\u{1b}[2JAcme"), "{shown:?}");
    assert!(!shown.contains("\u{1b}]0;owned"), "{shown:?}");
    let missing = scratch.run(&fake, &["deals", "get", "\u{1b}[31mred"]);
    assert_ne!(code(&missing), 0);
    assert!(
        !text(&missing.stderr).contains('\u{1b}'),
        "{:?}",
        text(&missing.stderr)
    );
}
