//! Property values checked against their HubSpot type. Every value is a string on the wire;
//! HubSpot refuses one its property's type cannot read with a 400 naming the property.
//! Observed: a number property refuses scientific notation ("1.4210854715202004e-14 was not
//! a valid number.", code `INVALID_INTEGER`, even for a decimal property like `amount`), and
//! since April 2025 non-string values with leading or trailing spaces are refused. Where
//! HubSpot's exact grammar is not documented, the choices are in the README's table.

use super::errors::PropertyProblem;

/// The standard deal properties of HubSpot's `number` type.
const NUMBERS: &[&str] = &["amount"];

/// The standard (writable) deal properties of HubSpot's `datetime` type.
const DATETIMES: &[&str] = &["closedate", "createdate"];

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
    let millis = value.strip_prefix('-').unwrap_or(value);
    (!millis.is_empty() && millis.bytes().all(|b| b.is_ascii_digit()) && value.len() <= 19)
        || chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d").is_ok()
        || chrono::DateTime::parse_from_rfc3339(value).is_ok()
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
