//! `cargo xtask update-spec`: fetch HubSpot's deals document, normalize it, prove it
//! generates, and write `spec/` atomically, printing what changed in the API surface.

use crate::{descriptions, diff, generate, normalize, surface};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

pub const USAGE: &str = "\
usage: cargo xtask update-spec [--document D] [--api-version V] [--from URL|PATH] [--check]

Fetches HubSpot's CRM Deals OpenAPI document, normalizes it (spec/README.md lists how),
keeps this project's own descriptions, proves that Progenitor generates a client from it,
and writes spec/deals.json and spec/surface.txt. Prints what changed in the API surface.
With --document NAME (pipelines, properties, associations, association_labels,
webhooks_journal), the same for that API around deals, written to spec/NAME.json and
spec/NAME-surface.txt (its document comes --from a file or URL). With --document all,
every document from --from DIR, a folder laid out as HubSpot's reference documents are
(hubspot-deals-spec/v3.json, hubspot-pipelines-spec/v3.json, …): each is checked first, and
nothing is written unless all of them normalize and generate.

options:
  --document D      deals (default), all, or an API around deals (see above)
  --api-version V   v3 (default), 2025-09, 2026-03, 2026-09 or 2026-09-beta
  --from URL|PATH   read the document from this URL or file instead of HubSpot's repository
  --check           write nothing; exit 1 if the API structure in spec/ would change
                    (descriptions do not count)
  --spec-dir DIR    the spec/ directory to update (default: the workspace's spec/)
  -h, --help        show this help";

/// The versions HubSpot publishes: `v3`, and the date versions of the library's `limits`.
fn versions() -> impl Iterator<Item = &'static str> {
    std::iter::once("v3").chain(crate::limits::DATE_VERSIONS.iter().copied())
}

/// The rollout folder of HubSpot's spec collection a version lives in.
fn rollout(version: &str) -> &'static str {
    match version {
        "2026-09-beta" => "321895",
        _ => "424",
    }
}

const UPSTREAM: &str = "https://raw.githubusercontent.com/HubSpot/HubSpot-public-api-spec-collection/main/PublicApiSpecs/CRM/Deals/Rollouts";

/// Parsed command-line options.
#[derive(Debug)]
pub struct Options {
    document: String,
    api_version: String,
    from: Option<String>,
    check: bool,
    spec_dir: PathBuf,
}

impl Options {
    /// Parses the arguments after `update-spec`; `Ok(None)` means help was asked for.
    pub fn parse(args: &[String]) -> Result<Option<Self>, String> {
        let mut options = Options {
            document: "deals".into(),
            api_version: "v3".into(),
            from: None,
            check: false,
            spec_dir: Path::new(env!("CARGO_MANIFEST_DIR"))
                .parent()
                .unwrap_or(Path::new("."))
                .join("spec"),
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut value = |flag: &str| {
                args.next()
                    .cloned()
                    .ok_or_else(|| format!("{flag} needs a value"))
            };
            match arg.as_str() {
                "-h" | "--help" => return Ok(None),
                "--check" => options.check = true,
                "--api-version" => {
                    let version = value(arg)?;
                    if !versions().any(|v| v == version) {
                        let known: Vec<&str> = versions().collect();
                        return Err(format!(
                            "unknown --api-version `{version}`; use one of {}",
                            known.join(", ")
                        ));
                    }
                    options.api_version = version;
                }
                "--from" => options.from = Some(value(arg)?),
                "--document" => {
                    let document = value(arg)?;
                    let known = normalize::neighbours().map(|n| n.name);
                    if !["deals", "all"].contains(&document.as_str())
                        && !known.clone().any(|n| n == document)
                    {
                        let all: Vec<&str> = ["deals", "all"].into_iter().chain(known).collect();
                        return Err(format!(
                            "unknown --document `{document}`; use one of {}",
                            all.join(", ")
                        ));
                    }
                    options.document = document;
                }
                "--spec-dir" => options.spec_dir = PathBuf::from(value(arg)?),
                other => return Err(format!("unknown option `{other}`")),
            }
        }
        Ok(Some(options))
    }

    fn source(&self) -> String {
        self.from.clone().unwrap_or_else(|| {
            let rollout = rollout(&self.api_version);
            format!("{UPSTREAM}/{rollout}/{}/deals.json", self.api_version)
        })
    }
}

/// Runs the task; `Err` is one line saying what went wrong, and `spec/` is then untouched.
pub fn run(options: &Options) -> Result<ExitCode, String> {
    if options.document == "all" {
        return run_all(options);
    }
    if let Some(neighbour) = normalize::neighbours().find(|n| n.name == options.document) {
        return run_neighbour(options, neighbour);
    }
    let source = options.source();
    let text = fetch(&source)?;
    let upstream: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{source} is not JSON ({e}); is it an OpenAPI document?"))?;
    let normalized = normalize::normalize(&upstream).map_err(|e| format!("{source}: {e}"))?;

    let deals_path = options.spec_dir.join("deals.json");
    let current: Option<Value> = match std::fs::read_to_string(&deals_path) {
        Ok(text) => Some(serde_json::from_str(&text).map_err(|e| {
            format!(
                "{} is not JSON ({e}); restore it from git first",
                deals_path.display()
            )
        })?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("cannot read {}: {e}", deals_path.display())),
    };

    // HubSpot's prose stays out of the repository: strip it and put ours back.
    let mut next = normalize::strip_descriptions(&normalized);
    let carried = current.as_ref().map_or(0, |doc| {
        descriptions::apply(&mut next, &descriptions::collect(doc))
    });
    descriptions::fill_response_descriptions(&mut next);
    let next = normalize::canonical(&next);

    let source_code = generate::generate(&next).map_err(|e| format!("{source}: {e}"))?;
    let surface = surface::surface(&source_code)
        .map_err(|e| format!("{source}: the generated client does not parse: {e}"))?;

    let empty = serde_json::json!({});
    let changes = diff::api_changes(current.as_ref().unwrap_or(&empty), &next);
    report("API surface", &changes, &source);

    let unnamed = generate::unnamed_schemas(&next);
    if !unnamed.is_empty() {
        println!(
            "{} schema(s) without a readable name in spec/generate.rs (NAMES or KEPT) keep HubSpot's name:",
            unnamed.len()
        );
        for name in &unnamed {
            println!("  {name}");
        }
    }

    if options.check {
        return Ok(checked(&changes));
    }
    let document = serde_json::to_string_pretty(&next).map_err(|e| e.to_string())? + "\n";
    write_pair(
        (&deals_path, &document),
        (&options.spec_dir.join("surface.txt"), &surface),
    )?;
    println!(
        "wrote {} ({carried} of our descriptions kept) and {}",
        deals_path.display(),
        options.spec_dir.join("surface.txt").display()
    );
    Ok(ExitCode::SUCCESS)
}

/// `update-spec --document NAME` for an API around deals: normalize, prove it generates,
/// compare, and write `spec/NAME.json` with `spec/NAME-surface.txt` as a pair.
fn run_neighbour(options: &Options, neighbour: &normalize::Neighbour) -> Result<ExitCode, String> {
    let Some(source) = options.from.clone() else {
        return Err(format!(
            "--document {} needs --from (HubSpot's {} document, a file or URL)",
            neighbour.name, neighbour.name
        ));
    };
    let text = fetch(&source)?;
    let upstream: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{source} is not JSON ({e}); is it an OpenAPI document?"))?;
    let next = normalize::normalize_neighbour(&upstream, neighbour)
        .map_err(|e| format!("{source}: {e}"))?;
    let source_code = generate::generate(&next).map_err(|e| format!("{source}: {e}"))?;
    let surface = surface::surface(&source_code)
        .map_err(|e| format!("{source}: the generated client does not parse: {e}"))?;
    let path = options.spec_dir.join(format!("{}.json", neighbour.name));
    let current: Value = match std::fs::read_to_string(&path) {
        Ok(text) => serde_json::from_str(&text).map_err(|e| {
            format!(
                "{} is not JSON ({e}); restore it from git first",
                path.display()
            )
        })?,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => serde_json::json!({}),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let changes = diff::api_changes(&current, &next);
    report(
        &format!("{} API surface", neighbour.name),
        &changes,
        &source,
    );
    if options.check {
        return Ok(checked(&changes));
    }
    let document = serde_json::to_string_pretty(&next).map_err(|e| e.to_string())? + "\n";
    let surface_path = options
        .spec_dir
        .join(format!("{}-surface.txt", neighbour.name));
    write_pair((&path, &document), (&surface_path, &surface))?;
    println!("wrote {} and {}", path.display(), surface_path.display());
    Ok(ExitCode::SUCCESS)
}

/// `update-spec --document all --from DIR`: every document from a folder laid out as
/// HubSpot's reference documents are. All are checked before any is written.
fn run_all(options: &Options) -> Result<ExitCode, String> {
    let Some(dir) = options.from.clone() else {
        return Err("--document all needs --from DIR (a folder holding hubspot-deals-spec/, hubspot-pipelines-spec/, …)".into());
    };
    let dir = PathBuf::from(dir);
    let mut each: Vec<Options> = vec![Options {
        document: "deals".into(),
        api_version: options.api_version.clone(),
        from: Some(
            dir.join("hubspot-deals-spec")
                .join(format!("{}.json", options.api_version))
                .display()
                .to_string(),
        ),
        check: true,
        spec_dir: options.spec_dir.clone(),
    }];
    for neighbour in normalize::neighbours() {
        let file = neighbour
            .upstream
            .files
            .first()
            .copied()
            .unwrap_or("v3.json");
        each.push(Options {
            document: neighbour.name.into(),
            api_version: options.api_version.clone(),
            from: Some(
                dir.join(format!("hubspot-{}-spec", neighbour.upstream.api))
                    .join(file)
                    .display()
                    .to_string(),
            ),
            check: true,
            spec_dir: options.spec_dir.clone(),
        });
    }
    let mut changed = false;
    for document in &each {
        changed |= run(document)? != ExitCode::SUCCESS;
    }
    if options.check {
        return Ok(if changed {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        });
    }
    for mut document in each {
        document.check = false;
        run(&document)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Prints the structural changes `update-spec` found (or that there are none).
fn report(what: &str, changes: &[diff::Change], source: &str) {
    if changes.is_empty() {
        println!("{what}: no structural change ({source})");
    } else {
        println!("{what}: {} change(s) ({source}):", changes.len());
        for change in changes {
            println!("  {change}");
        }
    }
}

/// `--check`'s exit: 1 when the structure would change.
fn checked(changes: &[diff::Change]) -> ExitCode {
    if changes.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// Reads a document from a URL (http or https) or a file path.
fn fetch(source: &str) -> Result<String, String> {
    if !(source.starts_with("http://") || source.starts_with("https://")) {
        return std::fs::read_to_string(source).map_err(|e| format!("cannot read {source}: {e}"));
    }
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::blocking::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .build()
        .map_err(|e| format!("cannot build an HTTP client: {e}"))?;
    let response = client
        .get(source)
        .send()
        .map_err(|e| format!("cannot fetch {source}: {}", error_chain(&e)))?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("{source} answered HTTP {status}"));
    }
    response
        .text()
        .map_err(|e| format!("cannot read the body of {source}: {}", error_chain(&e)))
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// Writes `content` to a temporary file beside `path`; returns its path.
fn temporary(path: &Path, content: &str) -> Result<PathBuf, String> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("spec");
    let temporary = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&temporary, content).map_err(|e| {
        let _ = std::fs::remove_file(&temporary);
        format!("cannot write {}: {e}", temporary.display())
    })?;
    Ok(temporary)
}

/// Writes the document and its surface as a pair: both go to temporary files first, then are
/// renamed into place (so a reader never sees a half-written file), the document first; if
/// the surface cannot take its place, the previous document is put back, so `spec/` never
/// holds a document with another document's surface.
fn write_pair(document: (&Path, &str), surface: (&Path, &str)) -> Result<(), String> {
    let previous = std::fs::read(document.0).ok();
    let document_tmp = temporary(document.0, document.1)?;
    let surface_tmp = temporary(surface.0, surface.1).inspect_err(|_| {
        let _ = std::fs::remove_file(&document_tmp);
    })?;
    let cleanup = || {
        let _ = std::fs::remove_file(&document_tmp);
        let _ = std::fs::remove_file(&surface_tmp);
    };
    if let Err(e) = std::fs::rename(&document_tmp, document.0) {
        cleanup();
        return Err(format!("cannot write {}: {e}", document.0.display()));
    }
    if let Err(e) = std::fs::rename(&surface_tmp, surface.0) {
        cleanup();
        let restored = match &previous {
            Some(bytes) => std::fs::write(document.0, bytes).is_ok(),
            None => std::fs::remove_file(document.0).is_ok(),
        };
        return Err(format!(
            "cannot write {}: {e}; {}",
            surface.0.display(),
            if restored {
                format!("{} was put back as it was", document.0.display())
            } else {
                format!(
                    "{} could not be put back: restore it from git",
                    document.0.display()
                )
            }
        ));
    }
    Ok(())
}
