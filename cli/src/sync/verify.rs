//! `verify`: the mirror compared with HubSpot, deal by deal (`hubspot_deals::mirror::verify`:
//! every live deal and its modification time, one call per 100 deals); exit 1 on any drift.
//! `--repair` fixes it (`mirror::repair`) and verifies again.

use super::{failure, open, refuse_password_in_db};
use crate::args::{Global, VerifyArgs};
use crate::failure::Failure;
use crate::profile;
use hubspot_deals::mirror::{self, Drift, Options};
use std::process::ExitCode;

/// How many ids of each kind are shown.
const SHOWN: usize = 20;

/// `verify`.
pub async fn verify(global: &Global, args: VerifyArgs) -> Result<ExitCode, Failure> {
    refuse_password_in_db(global, &args.db)?;
    let client = profile::client(global)?;
    let (mut sink, name) = open(&args.db, false).await?;
    let drift = mirror::verify(&client, &mut sink)
        .await
        .map_err(|e| failure(&name, e))?;
    println!("{}", said(&name, &drift));
    if drift.is_none() {
        return Ok(ExitCode::SUCCESS);
    }
    if !args.repair {
        eprintln!("{name}: `hubspot-deals verify --repair` fixes it");
        return Ok(ExitCode::from(1));
    }
    let mut options = Options::default();
    options.associated = args.associations;
    let repaired = mirror::repair(&client, &mut sink, &drift, &options)
        .await
        .map_err(|e| failure(&name, e))?;
    eprintln!(
        "{name}: repaired: {} deals written, {} archived or deleted, {} erased",
        repaired.deals, repaired.gone, repaired.erased
    );
    let after = mirror::verify(&client, &mut sink)
        .await
        .map_err(|e| failure(&name, e))?;
    println!("{}", said(&name, &after));
    Ok(if after.is_none() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// The drift in words: a line of counts, then up to [`SHOWN`] ids of each kind.
fn said(name: &str, drift: &Drift) -> String {
    let mut text = format!(
        "{name}: {} live deals at HubSpot, {} held live: {} missing, {} extra, {} stale",
        drift.live_at_hubspot,
        drift.held_live,
        drift.missing.len(),
        drift.extra.len(),
        drift.stale.len()
    );
    for (kind, ids) in [
        ("missing", &drift.missing),
        ("extra", &drift.extra),
        ("stale", &drift.stale),
    ] {
        if ids.is_empty() {
            continue;
        }
        let shown: Vec<&str> = ids.iter().take(SHOWN).map(String::as_str).collect();
        text.push_str(&format!("\n  {kind}: {}", shown.join(" ")));
        if ids.len() > SHOWN {
            text.push_str(&format!(" … and {} more", ids.len() - SHOWN));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_drift_is_counted_and_at_most_twenty_ids_of_a_kind_shown() {
        let mut drift = Drift::default();
        drift.live_at_hubspot = 30;
        drift.held_live = 8;
        drift.missing = (1..=22).map(|i| i.to_string()).collect();
        drift.stale = vec!["7".into()];
        let text = said("db", &drift);
        assert!(text.starts_with(
            "db: 30 live deals at HubSpot, 8 held live: 22 missing, 0 extra, 1 stale"
        ));
        assert!(text.contains("\n  missing: 1 2 ") && text.contains(" 20 … and 2 more"));
        assert!(text.contains("\n  stale: 7") && !text.contains("extra:"));
        drift.missing.truncate(SHOWN);
        assert!(
            !said("db", &drift).contains("more"),
            "twenty ids: all shown, no more"
        );
    }
}
