//! Query parameters as HubSpot reads them: lists repeat (`properties=a&properties=b`) or are
//! comma-separated; booleans are `true` or `false` in any letter case (HubSpot's Python SDK
//! sends `True`).

use crate::errors::ApiError;

#[derive(Debug, Default)]
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = raw
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default();
        Self { pairs }
    }

    /// The parameters as a map (the last value of a repeated name wins).
    pub fn pairs(&self) -> std::collections::HashMap<String, String> {
        self.pairs.iter().cloned().collect()
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of a list parameter, split on commas, without empty items.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_string)
            .collect()
    }

    pub fn flag(&self, name: &str) -> Result<bool, ApiError> {
        match self.get(name) {
            None => Ok(false),
            Some(value) if value.eq_ignore_ascii_case("false") => Ok(false),
            Some(value) if value.eq_ignore_ascii_case("true") => Ok(true),
            Some(other) => Err(ApiError::validation(format!(
                "Unable to parse query parameter {name}={other:?}: expected true or false"
            ))),
        }
    }

    /// A whole number in `1..=max`, or `default` when absent.
    pub fn limit(&self, default: u32, max: u32) -> Result<u32, ApiError> {
        match self.get("limit") {
            None => Ok(default),
            Some(raw) => match raw.parse::<i64>() {
                Ok(n) if (1..=i64::from(max)).contains(&n) => Ok(n as u32),
                Ok(n) => Err(ApiError::validation(format!(
                    "limit must be between 1 and {max}, got {n}"
                ))),
                Err(_) => Err(ApiError::validation(format!(
                    "Unable to parse query parameter limit={raw:?}"
                ))),
            },
        }
    }
}
