//! What an import checks against the account before sending: every column (CSV header) or
//! property (JSONL row) is one of the account's deal properties, every value is one its
//! property can hold (the library's `properties::check_value`), and a `dealstage` given by
//! its label becomes the stage's id.

use crate::failure::Failure;
use hubspot_deals::Client;
use hubspot_deals::properties::{check_value, types::Property};
use hubspot_deals::stages::Stages;
use std::collections::HashMap;

/// The account's deal properties and stages.
pub struct Checks {
    properties: HashMap<String, Property>,
    stages: Stages,
}

/// The edit distance between two names (insertions, deletions, substitutions).
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, x) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, y) in b.iter().enumerate() {
            let here = row[j + 1];
            row[j + 1] = (previous + usize::from(x != *y))
                .min(row[j] + 1)
                .min(here + 1);
            previous = here;
        }
    }
    row[b.len()]
}

impl Checks {
    /// Reads the account's deal properties and pipelines (two calls).
    pub async fn load(client: &Client) -> Result<Self, Failure> {
        let properties = client
            .properties()
            .list_properties()
            .send()
            .await?
            .into_inner()
            .results
            .into_iter()
            .map(|p| (p.name.clone(), p))
            .collect();
        let stages = Stages::load(client).await?;
        Ok(Self { properties, stages })
    }

    /// Names like `name` (a typo, another case), closest first.
    fn close_to(&self, name: &str) -> Vec<&str> {
        let wanted = name.to_ascii_lowercase();
        let mut close: Vec<(usize, &str)> = self
            .properties
            .keys()
            .map(|k| (distance(&wanted, k), k.as_str()))
            .filter(|(d, k)| *d <= 2 || k.contains(&wanted) && wanted.len() >= 4)
            .collect();
        close.sort();
        close.into_iter().take(3).map(|(_, k)| k).collect()
    }

    /// Why `name` is not a property, with the names it may have meant.
    fn unknown(&self, name: &str) -> String {
        let close = self.close_to(name);
        if close.is_empty() {
            format!("{name:?} is not a deal property of this account")
        } else {
            format!(
                "{name:?} is not a deal property of this account (did you mean {}?)",
                close.join(", ")
            )
        }
    }

    /// Refuses a CSV header with a column that is not a property (`id` aside), before
    /// anything is sent.
    pub fn header(&self, names: &[String]) -> Result<(), Failure> {
        let unknown: Vec<String> = names
            .iter()
            .filter(|n| n.as_str() != "id" && !self.properties.contains_key(n.as_str()))
            .map(|n| self.unknown(n))
            .collect();
        if unknown.is_empty() {
            return Ok(());
        }
        Err(Failure::Usage(format!(
            "the file's header has columns that are not deal properties; nothing was sent: {}. \
             Rename the columns, or create the properties (hubspot-deals properties create)",
            unknown.join("; ")
        )))
    }

    /// Checks a row's properties and turns a stage label into its id; `Err` is the reason
    /// the row is rejected (nothing of it is sent).
    pub fn row(&self, properties: &mut HashMap<String, String>) -> Result<(), String> {
        if let Some(stage) = properties.get("dealstage").filter(|s| !s.is_empty())
            && self.stages.get(stage).is_none()
        {
            let pipeline = properties.get("pipeline").map(String::as_str);
            let id = self
                .stages
                .id_for_label(pipeline.filter(|p| !p.is_empty()), stage)
                .map_err(|e| format!("dealstage: {e}"))?;
            properties.insert("dealstage".into(), id.to_string());
        }
        let mut names: Vec<&String> = properties.keys().collect();
        names.sort();
        for name in names {
            let Some(property) = self.properties.get(name) else {
                return Err(self.unknown(name));
            };
            check_value(property, &properties[name])?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::distance;

    #[test]
    fn distances_count_edits() {
        assert_eq!(distance("amount", "amount"), 0);
        assert_eq!(distance("amout", "amount"), 1);
        assert_eq!(distance("dealnmae", "dealname"), 2);
        assert_eq!(distance("", "abc"), 3);
    }
}
