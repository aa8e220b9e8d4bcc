//! `hubspot-deals owners`: the account's owners (who a deal's `hubspot_owner_id` names), a
//! table on a terminal, JSON lines otherwise.

use crate::args::{Global, OwnersArgs};
use crate::failure::Failure;
use crate::profile;
use crate::terminal::{as_json, table};
use futures_util::StreamExt;
use std::io::Write;
use std::process::ExitCode;

/// `owners`.
pub async fn owners(global: &Global, args: OwnersArgs) -> Result<ExitCode, Failure> {
    let client = profile::client(global)?;
    let mut all = hubspot_deals::owners::all(&client, args.archived);
    let json = as_json(args.json);
    let mut out = std::io::stdout().lock();
    let mut rows = vec![
        ["id", "name", "email", "user id", "type", "archived"]
            .map(String::from)
            .to_vec(),
    ];
    while let Some(owner) = all.next().await {
        let owner = owner?;
        if json {
            let line = crate::terminal::json_line(&owner)?;
            writeln!(out, "{line}").map_err(Failure::write)?;
            continue;
        }
        let name = [owner.first_name.as_deref(), owner.last_name.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let user = owner
            .user_id
            .or(owner.user_id_including_inactive)
            .map(|id| id.to_string())
            .unwrap_or_default();
        rows.push(vec![
            owner.id.clone(),
            name,
            owner.email.clone().unwrap_or_default(),
            user,
            owner.type_.to_string(),
            owner.archived.to_string(),
        ]);
    }
    if !json {
        table(&mut out, rows)?;
    }
    Ok(ExitCode::SUCCESS)
}
