//! Deal property definitions: the client Progenitor generates from `spec/properties.json`
//! (HubSpot's properties API with the object type pinned to deals), through the same runtime
//! as deals (auth, rate limit, retries, errors).
//!
//! ```no_run
//! # async fn run(client: hubspot_deals::Client) -> Result<(), hubspot_deals::Error> {
//! let all = client.properties().list_properties().send().await?.into_inner();
//! for property in &all.results {
//!     println!("{}: {}", property.name, property.type_);
//! }
//! # Ok(()) }
//! ```

generated_client!(
    "properties_client.rs",
    properties,
    "Deal property definitions ([`crate::properties`]), through this client's runtime."
);

/// Whether `value` is one `property` can hold, by the rules HubSpot applies to a write:
/// `number` a plain decimal (no exponent, separators or spaces), `date` and `datetime`
/// milliseconds since the epoch, `YYYY-MM-DD` or RFC 3339, `bool` `true` or `false`,
/// `enumeration` one of the options (several joined by `;` for a checkbox). An empty value
/// clears a property and always passes. `Err` says what is wrong, naming the property.
///
/// ```
/// use hubspot_deals::properties::{check_value, types::Property};
/// let amount: Property = serde_json::from_value(serde_json::json!({
///     "name": "amount", "label": "Amount", "type": "number", "fieldType": "number",
///     "description": "", "groupName": "dealinformation", "options": []
/// })).unwrap();
/// assert!(check_value(&amount, "1500.50").is_ok());
/// assert!(check_value(&amount, "1.5e3").unwrap_err().contains("not a plain number"));
/// ```
pub fn check_value(property: &types::Property, value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Ok(());
    }
    let name = &property.name;
    let problem = match property.type_.as_str() {
        "number" if !is_number(value) => {
            Some("is not a plain number (digits, an optional sign and decimal point)".to_string())
        }
        "date" | "datetime" if !is_date(value) => {
            Some("is not a date (milliseconds since the epoch, YYYY-MM-DD or RFC 3339)".to_string())
        }
        "bool" if value != "true" && value != "false" => Some("is not true or false".to_string()),
        "enumeration" => {
            let allowed: Vec<&str> = property.options.iter().map(|o| o.value.as_str()).collect();
            let chosen: Vec<&str> = if property.field_type == "checkbox" {
                value.split(';').collect()
            } else {
                vec![value]
            };
            chosen.iter().find(|v| !allowed.contains(v)).map(|bad| {
                format!(
                    "has {bad:?}, not one of its options ({})",
                    allowed.join(", ")
                )
            })
        }
        _ => None,
    };
    match problem {
        Some(problem) if problem.starts_with("has") => Err(format!("{name} {problem}")),
        Some(problem) => Err(format!("{name}: {value:?} {problem}")),
        None => Ok(()),
    }
}

fn is_number(value: &str) -> bool {
    let unsigned = value.strip_prefix(['-', '+']).unwrap_or(value);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    !(whole.is_empty() && fraction.is_empty()) && digits(whole) && digits(fraction)
}

fn is_date(value: &str) -> bool {
    let millis = value.strip_prefix('-').unwrap_or(value);
    (!millis.is_empty() && millis.bytes().all(|b| b.is_ascii_digit()))
        || chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok()
        || chrono::DateTime::parse_from_rfc3339(value).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn property(kind: &str, field_type: &str, options: &[&str]) -> types::Property {
        let options: Vec<serde_json::Value> = options
            .iter()
            .map(
                |v| serde_json::json!({"value": v, "label": v, "hidden": false, "displayOrder": 0}),
            )
            .collect();
        serde_json::from_value(serde_json::json!({
            "name": "p", "label": "P", "type": kind, "fieldType": field_type,
            "description": "", "groupName": "g", "options": options
        }))
        .unwrap()
    }

    #[test]
    fn values_are_checked_by_type_as_hubspot_does() {
        let number = property("number", "number", &[]);
        for good in ["1", "-2.5", "+3", ".5", "7."] {
            assert!(check_value(&number, good).is_ok(), "{good}");
        }
        for bad in ["1e3", "1,000", " 1", "abc", "."] {
            assert!(check_value(&number, bad).is_err(), "{bad}");
        }
        let date = property("datetime", "date", &[]);
        for good in ["1767225600000", "2026-01-01", "2026-01-01T10:00:00Z"] {
            assert!(check_value(&date, good).is_ok(), "{good}");
        }
        assert!(check_value(&date, "01/02/2026").is_err());
        let flag = property("bool", "booleancheckbox", &[]);
        assert!(check_value(&flag, "true").is_ok() && check_value(&flag, "yes").is_err());
        let tier = property("enumeration", "select", &["gold", "silver"]);
        assert!(check_value(&tier, "gold").is_ok());
        let error = check_value(&tier, "bronze").unwrap_err();
        assert_eq!(
            error,
            "p has \"bronze\", not one of its options (gold, silver)"
        );
        assert!(
            check_value(&tier, "gold;silver").is_err(),
            "a select takes one"
        );
        let boxes = property("enumeration", "checkbox", &["a", "b"]);
        assert!(check_value(&boxes, "a;b").is_ok() && check_value(&boxes, "a;c").is_err());
        let text = property("string", "text", &[]);
        assert!(check_value(&text, "anything at all").is_ok());
        assert!(check_value(&number, "").is_ok(), "an empty value clears");
    }
}
