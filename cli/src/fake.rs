//! `hubspot-deals fake`: the fake HubSpot, with the same options as `fake-hubspot`, and
//! `--seed-deals N` to fill it with realistic deals (with `--seed-properties N` custom
//! properties filled, and `--seed-associations` contacts and companies).

use crate::args::FakeArgs;
use crate::failure::Failure;
use hubspot_deals_fake::Pipeline;
use std::io::Write;
use std::process::ExitCode;

/// A deal's properties for seed number `i`, in a stage of `pipeline`: the same every run.
pub fn seed_deal(i: usize, pipeline: &Pipeline) -> Vec<(String, String)> {
    const COMPANIES: &[&str] = &[
        "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark", "Wayne", "Wonka",
    ];
    const PRODUCTS: &[&str] = &[
        "renewal",
        "expansion",
        "pilot",
        "enterprise plan",
        "support add-on",
    ];
    let day = 1 + (i * 7) % 28;
    let month = 1 + (i / 28) % 12;
    vec![
        (
            "dealname".into(),
            format!(
                "{} {} #{i}",
                COMPANIES[i % COMPANIES.len()],
                PRODUCTS[(i / 8) % PRODUCTS.len()]
            ),
        ),
        ("amount".into(), format!("{}", 500 + (i * 7919) % 99_500)),
        (
            "dealstage".into(),
            pipeline.stages[i % pipeline.stages.len()].clone(),
        ),
        ("pipeline".into(), pipeline.id.clone()),
        (
            "closedate".into(),
            format!("2026-{month:02}-{day:02}T12:00:00Z"),
        ),
    ]
}

/// The name of seeded custom property `n` (from 1).
fn seed_property(n: usize) -> String {
    format!("seed_custom_{n:03}")
}

/// The objects seeded deal `i` is associated with: one to three contacts and a company,
/// the same every run (contacts are shared by neighbouring deals, as in an account).
pub fn seed_associations(i: usize) -> Vec<(String, String)> {
    let mut associated: Vec<(String, String)> = (0..1 + i % 3)
        .map(|k| ("contacts".to_string(), (5_000_001 + i + k).to_string()))
        .collect();
    associated.push(("companies".into(), (7_000_001 + i % 97).to_string()));
    associated
}

/// Serves until interrupted (Ctrl-C).
pub async fn serve(args: FakeArgs) -> Result<ExitCode, Failure> {
    let (mut builder, summary) = args.options.builder();
    for n in 1..=args.seed_properties {
        builder = builder.property(seed_property(n));
    }
    let fake = builder
        .start()
        .await
        .map_err(|e| Failure::Usage(format!("cannot start the fake HubSpot: {e}")))?;
    if args.seed_deals > 0 {
        let pipeline = Pipeline::hubspot_default();
        let deals = (0..args.seed_deals).map(|i| {
            let mut properties = seed_deal(i, &pipeline);
            properties.extend(
                (1..=args.seed_properties)
                    .map(|n| (seed_property(n), format!("value {n} of deal {i}"))),
            );
            let associated = if args.seed_associations {
                seed_associations(i)
            } else {
                Vec::new()
            };
            (properties, associated)
        });
        fake.seed_associated_deals(deals)
            .map_err(|e| Failure::Usage(format!("cannot seed deals: {e}")))?;
    }
    // Written so a closed standard output (a caller that read the first line) stops nothing.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "fake HubSpot listening on {}", fake.base_url());
    for line in summary {
        let _ = writeln!(out, "  {line}");
    }
    if args.seed_deals > 0 {
        let _ = writeln!(out, "  holds {} deals", args.seed_deals);
    }
    if args.seed_properties > 0 {
        let _ = writeln!(
            out,
            "  defines {} custom deal properties",
            args.seed_properties
        );
    }
    if args.seed_associations {
        let _ = writeln!(out, "  associates each deal with contacts and a company");
    }
    let _ = out.flush();
    let _ = tokio::signal::ctrl_c().await;
    Ok(ExitCode::SUCCESS)
}
