//! Property values checked against their HubSpot type. Every value is a string on the wire;
//! HubSpot refuses one its property's type cannot read with a 400 naming the property.
//! Observed: a number property refuses scientific notation ("1.4210854715202004e-14 was not
//! a valid number.", code `INVALID_INTEGER`, even for a decimal property like `amount`), and
//! since April 2025 non-string values with leading or trailing spaces are refused. Where
//! HubSpot's exact grammar is not documented, the choices are in the README's table.

use crate::errors::PropertyProblem;
use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use std::collections::BTreeMap;

/// The standard deal properties of HubSpot's `number` type.
pub(crate) const NUMBERS: &[&str] = &["amount"];

/// The standard (writable) deal properties of HubSpot's `datetime` type.
pub(crate) const DATETIMES: &[&str] = &["closedate", "createdate"];

/// The problem with writing `value` to `name`, if its type cannot read it. An empty value
/// clears a property and is always accepted.
pub(crate) fn problem(name: &str, value: &str) -> Option<PropertyProblem> {
    if value.is_empty() {
        return None;
    }
    if NUMBERS.contains(&name) && !is_number(value) {
        return Some(PropertyProblem::invalid_value(
            name,
            "INVALID_INTEGER",
            format!("{value} was not a valid number."),
        ));
    }
    if DATETIMES.contains(&name) && !is_datetime(value) {
        return Some(PropertyProblem::invalid_value(
            name,
            "INVALID_LONG",
            format!(
                "{value} was not a valid date-time: give milliseconds since the epoch or ISO 8601."
            ),
        ));
    }
    None
}

/// The problem with writing `value` to a property created through the properties API, if
/// its type cannot read it: numbers, dates (`YYYY-MM-DD` or epoch milliseconds at midnight),
/// date-times, booleans (`true`/`false`) and enumerations (one of the options; checkboxes
/// take several joined by `;`).
pub(crate) fn custom_problem(
    name: &str,
    (kind, field_type, options): (&str, &str, &[(String, String)]),
    value: &str,
) -> Option<PropertyProblem> {
    if value.is_empty() {
        return None;
    }
    let invalid = |code, message: String| Some(PropertyProblem::invalid_value(name, code, message));
    match kind {
        "number" if !is_number(value) => invalid(
            "INVALID_INTEGER",
            format!("{value} was not a valid number."),
        ),
        "datetime" | "date" if !is_datetime(value) => invalid(
            "INVALID_LONG",
            format!("{value} was not a valid date: give milliseconds since the epoch or ISO 8601."),
        ),
        "bool" if value != "true" && value != "false" => {
            invalid("INVALID_BOOLEAN", format!("{value} was not true or false."))
        }
        "enumeration" => {
            let allowed: Vec<String> = options.iter().map(|(v, _)| v.clone()).collect();
            let several = field_type == "checkbox";
            let mut chosen = if several {
                value.split(';').collect::<Vec<_>>()
            } else {
                vec![value]
            };
            chosen.retain(|v| !allowed.iter().any(|a| a == v));
            chosen
                .first()
                .map(|bad| PropertyProblem::invalid_option(name, bad, &allowed))
        }
        _ => None,
    }
}

/// `values` as HubSpot keeps them: a date-time in any accepted form reads back as ISO 8601
/// in UTC with milliseconds (`2026-11-28T00:00:00.000Z`; the fake's choice of that exact
/// form for every datetime), so search compares it as a date; other values as given.
pub(crate) fn stored(mut values: BTreeMap<String, String>) -> BTreeMap<String, String> {
    for (name, value) in values.iter_mut() {
        if DATETIMES.contains(&name.as_str())
            && let Some(at) = datetime(value)
        {
            *value = at.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        }
    }
    values
}

/// A plain decimal: an optional sign, digits, an optional fraction; no exponent, no
/// thousands separators, no spaces.
fn is_number(value: &str) -> bool {
    let unsigned = value.strip_prefix(['-', '+']).unwrap_or(value);
    let (whole, fraction) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    !(whole.is_empty() && fraction.is_empty()) && digits(whole) && digits(fraction)
}

/// Milliseconds since the epoch, an ISO 8601 date (`2026-11-28`, taken as midnight UTC) or
/// an RFC 3339 date-time (`2026-11-28T09:30:00.000Z`).
fn is_datetime(value: &str) -> bool {
    datetime(value).is_some()
}

/// The instant a date or date-time value names (any form `is_datetime` accepts).
pub(crate) fn datetime(value: &str) -> Option<DateTime<Utc>> {
    let millis = value.strip_prefix('-').unwrap_or(value);
    if !millis.is_empty() && millis.bytes().all(|b| b.is_ascii_digit()) {
        return value
            .parse::<i64>()
            .ok()
            .and_then(DateTime::from_timestamp_millis);
    }
    if let Ok(date) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return Some(date.and_time(NaiveTime::MIN).and_utc());
    }
    DateTime::parse_from_rfc3339(value)
        .ok()
        .map(|at| at.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        for ok in ["1500", "1500.00", "-3", "+3", "0.5", ".5", "5.", "0"] {
            assert!(is_number(ok), "{ok}");
        }
        for bad in [
            "1.4210854715202004e-14",
            "abc",
            " 10",
            "10 ",
            "1,000",
            ".",
            "-",
            "1.2.3",
            "0x10",
        ] {
            assert!(!is_number(bad), "{bad}");
        }
    }

    #[test]
    fn datetimes() {
        for ok in [
            "1764326400000",
            "-1000",
            "2026-11-28",
            "2026-11-28T09:30:00Z",
            "2019-12-07T16:50:06.678Z",
            "2026-11-28T09:30:00+01:00",
        ] {
            assert!(is_datetime(ok), "{ok}");
        }
        for bad in [
            "tomorrow",
            "2026-13-01",
            "2026-11-28 ",
            "28/11/2026",
            "2026-11-28T09:30",
            "-",
            "99999999999999999999",
        ] {
            assert!(!is_datetime(bad), "{bad}");
        }
    }

    #[test]
    fn datetimes_are_kept_as_iso_8601_in_utc_with_milliseconds() {
        let given = [
            ("closedate", "1575737406678"),
            ("createdate", "2019-12-07"),
            ("amount", "1575737406678"),
        ];
        let values = given
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        let stored = stored(values);
        assert_eq!(stored["closedate"], "2019-12-07T16:50:06.678Z");
        assert_eq!(stored["createdate"], "2019-12-07T00:00:00.000Z");
        assert_eq!(stored["amount"], "1575737406678", "not a datetime");
        let offset = stored_one("closedate", "2019-12-07T17:50:06.678+01:00");
        assert_eq!(offset, "2019-12-07T16:50:06.678Z");
        assert_eq!(stored_one("closedate", ""), "", "clearing stays clearing");
    }

    fn stored_one(name: &str, value: &str) -> String {
        stored([(name.to_string(), value.to_string())].into())[name].clone()
    }

    #[test]
    fn problems_name_the_property_and_empty_values_clear() {
        let amount = problem("amount", "12 EUR").expect("refused");
        assert_eq!(
            (amount.name.as_str(), amount.code),
            ("amount", "INVALID_INTEGER")
        );
        assert_eq!(amount.message, "12 EUR was not a valid number.");
        let close = problem("closedate", "soon").expect("refused");
        assert_eq!(
            (close.name.as_str(), close.code),
            ("closedate", "INVALID_LONG")
        );
        assert!(problem("amount", "").is_none());
        assert!(problem("closedate", "").is_none());
        assert!(
            problem("dealname", "12 EUR").is_none(),
            "strings take anything"
        );
    }
}
