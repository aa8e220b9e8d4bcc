//! `deals archive`: deals archived by id, through the batch helper (100 a call), each
//! failure named.

use crate::args::{ArchiveArgs, Global};
use crate::failure::Failure;
use crate::profile;
use crate::terminal::printable;
use futures_util::StreamExt;
use hubspot_deals::batch::Outcome;
use std::collections::HashMap;
use std::process::ExitCode;

/// `deals archive`.
pub async fn archive(global: &Global, args: ArchiveArgs) -> Result<ExitCode, Failure> {
    let client = profile::client(global)?;
    let mut stream = client.deals().archive_all(args.ids.clone()).stream();
    let mut failed: HashMap<String, String> = HashMap::new();
    while let Some(item) = stream.next().await {
        match item.outcome {
            Outcome::Done(()) => {}
            Outcome::Failed(failure) => {
                failed.insert(args.ids[item.index].clone(), failure.to_string());
            }
            Outcome::Unknown(error) => {
                failed.insert(args.ids[item.index].clone(), error.to_string());
            }
            _ => {
                failed.insert(
                    args.ids[item.index].clone(),
                    "an outcome this version does not know".into(),
                );
            }
        }
    }
    for (id, why) in &failed {
        eprintln!("deal {} not archived: {}", printable(id), printable(why));
    }
    eprintln!(
        "Archived {} of {} deals.",
        args.ids.len() - failed.len(),
        args.ids.len()
    );
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(4)
    })
}
