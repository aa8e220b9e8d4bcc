//! `cargo xtask update-spec`: fetch HubSpot's OpenAPI documents of the registry's APIs,
//! normalize them, prove they generate, and write `spec/` atomically, printing what changed
//! in each API's surface.

use crate::normalize::registry::{self, Api};
use crate::{descriptions, diff, generate, normalize, surface};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

pub const USAGE: &str = "\
usage: cargo xtask update-spec [--document D] [--api-version V] [--from URL|PATH|DIR] [--check]

Fetches HubSpot's OpenAPI document of an API this project follows (src/registry.rs lists
them), normalizes it (spec/README.md lists how), keeps this project's own descriptions,
proves that Progenitor generates a client from it, and writes spec/D.json and
spec/D-surface.txt. Prints what changed in the API surface. With --document all, every
API's document: each is checked first, and nothing is written unless all of them normalize
and generate.

options:
  --document D      deals (default), all, or: pipelines, properties, associations,
                    association_labels, webhooks_journal, owners
  --api-version V   the version to move to (default: HubSpot's current one, or the API's
                    newest where it has no such version); v3, v4 or a date version
  --from URL|PATH   read the document from this URL or file instead of HubSpot's repository;
                    with --document all, a folder laid out as HubSpot's reference documents
                    are (hubspot-deals-spec/2026-09.json, hubspot-pipelines-spec/2026-09.json, …)
  --check           write nothing; exit 1 if the API structure in spec/ would change
                    (descriptions do not count)
  --spec-dir DIR    the spec/ directory to update (default: the workspace's spec/)
  -h, --help        show this help";

/// HubSpot's spec collection, where the registry's upstream locations are.
const COLLECTION: &str =
    "https://raw.githubusercontent.com/HubSpot/HubSpot-public-api-spec-collection/main";

/// Parsed command-line options.
#[derive(Debug, Clone)]
pub struct Options {
    document: String,
    api_version: Option<String>,
    from: Option<String>,
    check: bool,
    spec_dir: PathBuf,
}

/// The APIs generated from a document, in the registry's order.
fn documented() -> impl Iterator<Item = &'static Api> + Clone {
    registry::APIS.iter().filter(|api| api.document.is_some())
}

impl Options {
    /// Parses the arguments after `update-spec`; `Ok(None)` means help was asked for.
    pub fn parse(args: &[String]) -> Result<Option<Self>, String> {
        let mut options = Options {
            document: "deals".into(),
            api_version: None,
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
                "--api-version" => options.api_version = Some(value(arg)?),
                "--from" => options.from = Some(value(arg)?),
                "--document" => options.document = value(arg)?,
                "--spec-dir" => options.spec_dir = PathBuf::from(value(arg)?),
                other => return Err(format!("unknown option `{other}`")),
            }
        }
        if options.document != "all" && !documented().any(|api| api.name == options.document) {
            let known: Vec<&str> = std::iter::once("all")
                .chain(documented().map(|api| api.name))
                .collect();
            return Err(format!(
                "unknown --document `{}`; use one of {}",
                options.document,
                known.join(", ")
            ));
        }
        if let Some(version) = &options.api_version {
            let known = |api: &Api| api.versions().iter().any(|v| v.name == version);
            let apis: Vec<&Api> = options.apis();
            if !apis.iter().any(|api| known(api)) {
                let mut all: Vec<&str> = Vec::new();
                for api in &apis {
                    for v in api.versions() {
                        if !all.contains(&v.name) {
                            all.push(v.name);
                        }
                    }
                }
                return Err(format!(
                    "unknown --api-version `{version}`; use one of {}",
                    all.join(", ")
                ));
            }
        }
        Ok(Some(options))
    }

    /// The APIs this run updates.
    fn apis(&self) -> Vec<&'static Api> {
        if self.document == "all" {
            documented().collect()
        } else {
            documented()
                .filter(|api| api.name == self.document)
                .collect()
        }
    }

    /// The version `api` moves to: the one asked for where it has it (with `--document all`,
    /// an API without it keeps its own newest), else its default.
    fn version(&self, api: &Api) -> Result<&'static str, String> {
        let Some(asked) = &self.api_version else {
            return Ok(api.default_version());
        };
        match api.versions().into_iter().find(|v| v.name == asked) {
            Some(version) => Ok(version.name),
            None if self.document == "all" => Ok(api.default_version()),
            None => Err(format!(
                "the {} API has no version {asked}; it has {}",
                api.title,
                api.versions()
                    .iter()
                    .map(|v| v.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        }
    }

    /// Where `api`'s document at `version` is read from.
    fn source(&self, api: &Api, version: &str) -> Result<String, String> {
        let document = api.document.ok_or("not generated")?;
        let file = api.file(version).unwrap_or_default();
        if self.document == "all" {
            let dir = self.from.as_ref().ok_or(
                "--document all needs --from DIR (a folder holding hubspot-deals-spec/, hubspot-pipelines-spec/, …)",
            )?;
            return Ok(Path::new(dir)
                .join(format!("hubspot-{}-spec", document.reference))
                .join(file)
                .display()
                .to_string());
        }
        if let Some(from) = &self.from {
            return Ok(from.clone());
        }
        match document.upstream {
            Some(upstream) => Ok(format!(
                "{COLLECTION}/{}",
                upstream.replace("{version}", version).replace(' ', "%20")
            )),
            None => Err(format!(
                "--document {} needs --from (HubSpot's {} document, a file or URL): its place in \
                 HubSpot's spec collection is not known here",
                api.name, api.title
            )),
        }
    }
}

/// One document, read, normalized and generated, ready to be written.
struct Prepared {
    api: &'static Api,
    source: String,
    document: String,
    surface: String,
    changes: Vec<diff::Change>,
    carried: usize,
}

/// Runs the task; `Err` is one line saying what went wrong, and `spec/` is then untouched.
pub fn run(options: &Options) -> Result<ExitCode, String> {
    let mut prepared = Vec::new();
    for api in options.apis() {
        let version = options.version(api)?;
        let source = options.source(api, version)?;
        prepared.push(prepare(options, api, source)?);
    }
    let mut changed = false;
    for document in &prepared {
        report(
            &format!("{} API surface", document.api.name),
            &document.changes,
            &document.source,
        );
        changed |= !document.changes.is_empty();
    }
    if options.check {
        return Ok(if changed {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        });
    }
    for document in &prepared {
        let (path, surface_path) = paths(&options.spec_dir, document.api);
        write_pair(
            (&path, &document.document),
            (&surface_path, &document.surface),
        )?;
        println!(
            "wrote {} ({} of our descriptions kept) and {}",
            path.display(),
            document.carried,
            surface_path.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `spec/{api}.json` and `spec/{api}-surface.txt`.
fn paths(spec_dir: &Path, api: &Api) -> (PathBuf, PathBuf) {
    (
        spec_dir.join(format!("{}.json", api.name)),
        spec_dir.join(format!("{}-surface.txt", api.name)),
    )
}

/// Reads `source`, normalizes it for `api`, puts our descriptions on it (HubSpot's prose
/// stays out of the repository), proves it generates, and compares it with `spec/`.
fn prepare(options: &Options, api: &'static Api, source: String) -> Result<Prepared, String> {
    let text = fetch(&source)?;
    let upstream: Value = serde_json::from_str(&text)
        .map_err(|e| format!("{source} is not JSON ({e}); is it an OpenAPI document?"))?;
    let normalized = normalize::normalize(&normalize::strip_descriptions(&upstream), api)
        .map_err(|e| format!("{source}: {e}"))?;
    let (path, _) = paths(&options.spec_dir, api);
    let current: Option<Value> = match std::fs::read_to_string(&path) {
        Ok(text) => Some(serde_json::from_str(&text).map_err(|e| {
            format!(
                "{} is not JSON ({e}); restore it from git first",
                path.display()
            )
        })?),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let mut next = normalized;
    let carried = current.as_ref().map_or(0, |doc| {
        descriptions::apply(&mut next, &descriptions::collect(doc))
    });
    // The operations' descriptions are the registry's, whatever the older document said.
    let next = normalize::normalize(&next, api).map_err(|e| format!("{source}: {e}"))?;
    let mut next = next;
    descriptions::fill_response_descriptions(&mut next);
    let next = normalize::canonical(&next);
    let source_code = generate::generate(&next, api).map_err(|e| format!("{source}: {e}"))?;
    let surface = surface::surface(&source_code)
        .map_err(|e| format!("{source}: the generated client does not parse: {e}"))?;
    let empty = serde_json::json!({});
    let changes = diff::api_changes(current.as_ref().unwrap_or(&empty), &next);
    let unnamed = generate::unnamed_schemas(&next, api);
    if api.name == registry::DEALS.name && !unnamed.is_empty() {
        println!(
            "{} schema(s) without a readable name in the registry (names) or spec/generate.rs (KEPT) keep HubSpot's name:",
            unnamed.len()
        );
        for name in &unnamed {
            println!("  {name}");
        }
    }
    let unknown = unknown_operations(&next, api);
    if !unknown.is_empty() {
        println!(
            "{} operation(s) of the {} document the registry has no row for (add them to src/registry.rs):",
            unknown.len(),
            api.name
        );
        for name in &unknown {
            println!("  {name}");
        }
    }
    let document = serde_json::to_string_pretty(&next).map_err(|e| e.to_string())? + "\n";
    Ok(Prepared {
        api,
        source,
        document,
        surface,
        changes,
        carried,
    })
}

/// The operations of a normalized document no registry row names.
pub fn unknown_operations(doc: &Value, _api: &Api) -> Vec<String> {
    let mut unknown = Vec::new();
    for item in doc["paths"]
        .as_object()
        .into_iter()
        .flat_map(|p| p.values())
    {
        for operation in item.as_object().into_iter().flat_map(|o| o.values()) {
            if let Some(name) = operation["operationId"].as_str()
                && !registry::APIS
                    .iter()
                    .any(|api| api.operations.iter().any(|o| o.name == name))
            {
                unknown.push(name.to_string());
            }
        }
    }
    unknown
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
