//! `hubspot-deals fake`: the fake HubSpot, with the same options as `fake-hubspot`, and
//! `--seed-deals N` to fill it with realistic deals.

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

/// Serves until interrupted (Ctrl-C).
pub async fn serve(args: FakeArgs) -> Result<ExitCode, Failure> {
    let (builder, summary) = args.options.builder();
    let fake = builder
        .start()
        .await
        .map_err(|e| Failure::Usage(format!("cannot start the fake HubSpot: {e}")))?;
    if args.seed_deals > 0 {
        let pipeline = Pipeline::hubspot_default();
        fake.seed_deals((0..args.seed_deals).map(|i| seed_deal(i, &pipeline)))
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
    let _ = out.flush();
    let _ = tokio::signal::ctrl_c().await;
    Ok(ExitCode::SUCCESS)
}
