//! An entry's content: where it may be fetched from, and how it is read within bounds.
//!
//! **Where.** A journal read hands out a URL for each entry's content. The feed fetches it
//! only over https, from a host of HubSpot's (`hubapi.com`, `hubspot.com`, and their
//! subdomains), the API's own host, the storage HubSpot hands out presigned URLs for
//! (`amazonaws.com`), or a host the program allows ([`Feed::allow_content_host`]); over plain
//! http or to loopback only when the client itself talks to a server on loopback (the fake
//! HubSpot). Anything else is refused before a byte is sent: a hostile or broken journal
//! cannot make the feed request arbitrary addresses. Which host HubSpot's URLs name is not
//! documented: an unexpected one is an error naming it, so it can be allowed.
//!
//! **How much.** At most [`MAX_CONTENT_BYTES`] bytes and [`MAX_EVENTS`] events an entry;
//! events are typed one at a time as the content is decoded (never a whole JSON tree of
//! the entry), so an entry costs about its size in memory.
//!
//! [`Feed::allow_content_host`]: super::Feed::allow_content_host

use super::change::{DealChange, JournalEntry, changes_of, time};
use serde::Deserialize;
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use std::fmt;

/// The largest entry content the feed reads, in bytes.
pub const MAX_CONTENT_BYTES: usize = 16 * 1024 * 1024;

/// The most events an entry's content may hold (HubSpot's webhooks send at most 100 events
/// a request; an entry with ten times that is refused as broken).
pub const MAX_EVENTS: usize = 1_000;

/// The most JSON values (objects, arrays, keys' values, items) an entry's content may hold:
/// 250 an event on average. Small values cost far more in memory than their bytes (a
/// content of 16 MB of `0,` would take about a gigabyte as values): the count, taken in one
/// pass over the bytes before anything is decoded, bounds that.
pub const MAX_VALUES: usize = 250 * MAX_EVENTS;

/// The hosts, and their subdomains, content may come from besides the API's own.
const HUBSPOT_HOSTS: [&str; 3] = ["hubapi.com", "hubspot.com", "amazonaws.com"];

/// Whether `url` may be fetched by a feed whose client calls `api` (its base URL), with the
/// program's `allowed` hosts; `Err` says why not (the URL itself is never repeated: it
/// grants access).
pub(crate) fn check_url(url: &str, api: &str, allowed: &[String]) -> Result<(), String> {
    let url = reqwest::Url::parse(url).map_err(|_| "its URL does not parse".to_string())?;
    let api = reqwest::Url::parse(api).ok();
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let api_host = api
        .as_ref()
        .and_then(|a| a.host_str())
        .map(str::to_ascii_lowercase);
    if api.as_ref().is_some_and(is_loopback) {
        // The client talks to a server on this machine (the fake): so must the content.
        return if is_loopback(&url) {
            Ok(())
        } else {
            Err(format!(
                "its URL names {host}, not this machine, while the API is on loopback"
            ))
        };
    }
    if url.scheme() != "https" {
        return Err(format!(
            "its URL is {}:, not https: (content travels encrypted or not at all)",
            url.scheme()
        ));
    }
    let within = |domain: &str| {
        host == domain
            || host
                .strip_suffix(domain)
                .is_some_and(|rest| rest.ends_with('.'))
    };
    let known = HUBSPOT_HOSTS.iter().any(|d| within(d))
        || api_host.as_deref() == Some(host.as_str())
        || allowed.iter().any(|d| within(&d.to_ascii_lowercase()));
    if known {
        Ok(())
    } else {
        Err(format!(
            "its URL names the host {host}, which is not HubSpot's; if HubSpot does serve \
             journal content from there, allow it with Feed::allow_content_host({host:?})"
        ))
    }
}

fn is_loopback(url: &reqwest::Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The entry at `offset` from its content's bytes, for a program that fetches content
/// itself (the [`Feed`](super::Feed) does this for its own): `{"publishedAt",
/// "journalEvents": [...]}` (or `events`, or a bare array of events), each event typed as it
/// is read, at most [`MAX_EVENTS`]; `Err` says what is wrong with the content.
///
/// ```
/// let content = br#"{"journalEvents": [{"action": "DELETE", "objectTypeId": "0-3", "objectId": 7}]}"#;
/// let entry = hubspot_deals::journal::content::decode("offset-1", content).unwrap();
/// assert_eq!(entry.changes[0].deal_id, Some(7));
/// ```
pub fn decode(offset: &str, bytes: &[u8]) -> Result<JournalEntry, String> {
    if bytes.len() > MAX_CONTENT_BYTES {
        return Err(format!(
            "the content is larger than {MAX_CONTENT_BYTES} bytes, which the feed does not read"
        ));
    }
    let values = values_in(bytes);
    if values > MAX_VALUES {
        return Err(format!(
            "the content holds about {values} JSON values, more than the {MAX_VALUES} the feed \
             reads"
        ));
    }
    let content: Content =
        serde_json::from_slice(bytes).map_err(|e| format!("the content cannot be read ({e})"))?;
    let changes = content.changes.ok_or_else(|| {
        "the content holds no events (expected journalEvents: an array)".to_string()
    })?;
    Ok(JournalEntry {
        offset: offset.to_string(),
        published_at: content.published_at,
        changes,
    })
}

/// About how many JSON values `bytes` hold: the separators and openings outside strings
/// (each value but the first follows a `,` or a `:`, or opens with `[` or `{`).
fn values_in(bytes: &[u8]) -> usize {
    let mut count = 1;
    let mut in_string = false;
    let mut escaped = false;
    for &byte in bytes {
        if in_string {
            match byte {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_string = false,
                _ => {}
            }
        } else {
            match byte {
                b'"' => in_string = true,
                b',' | b':' | b'[' | b'{' => count += 1,
                _ => {}
            }
        }
    }
    count
}

/// What decoding keeps of the content.
struct Content {
    published_at: Option<chrono::DateTime<chrono::Utc>>,
    changes: Option<Vec<DealChange>>,
}

impl<'de> Deserialize<'de> for Content {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ContentVisitor)
    }
}

struct ContentVisitor;

impl<'de> Visitor<'de> for ContentVisitor {
    type Value = Content;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object with journalEvents, or an array of events")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Content, A::Error> {
        Ok(Content {
            published_at: None,
            changes: Some(Events.visit_seq(seq)?),
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Content, A::Error> {
        let mut content = Content {
            published_at: None,
            changes: None,
        };
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "publishedAt" => content.published_at = time(&map.next_value::<Value>()?),
                "journalEvents" | "events" if content.changes.is_none() => {
                    content.changes = Some(map.next_value_seed(Events)?);
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(content)
    }
}

/// The events of an entry, typed one at a time, at most [`MAX_EVENTS`].
struct Events;

impl<'de> DeserializeSeed<'de> for Events {
    type Value = Vec<DealChange>;

    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Events {
    type Value = Vec<DealChange>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of events")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut changes = Vec::new();
        let mut events = 0;
        while let Some(event) = seq.next_element::<Value>()? {
            events += 1;
            if events > MAX_EVENTS {
                return Err(de::Error::custom(format!(
                    "more than {MAX_EVENTS} events in one entry, which the feed does not read"
                )));
            }
            changes.extend(changes_of(&event));
        }
        Ok(changes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const API: &str = "https://api.hubapi.com";

    /// A content whose counted values are exactly `values`, of padding.
    fn with_values(values: usize) -> String {
        // 1, the object, `:` and `[` of journalEvents, the `,` between the fields, `:` and
        // `[` of padding: 7, then a comma before each of the padding's items but the first.
        format!(
            r#"{{"journalEvents":[],"padding":[{}0]}}"#,
            "0,".repeat(values - 7)
        )
    }

    #[test]
    fn the_bounds_are_the_documented_ones_and_inclusive() {
        assert_eq!(MAX_CONTENT_BYTES, 16 * 1024 * 1024);
        assert_eq!(values_in(with_values(MAX_VALUES).as_bytes()), MAX_VALUES);
        assert!(
            decode("o", with_values(MAX_VALUES).as_bytes()).is_ok(),
            "at the bound"
        );
        assert!(decode("o", with_values(MAX_VALUES + 1).as_bytes()).is_err());
        // Exactly MAX_CONTENT_BYTES is read; one byte more is not.
        let mut at_cap = br#"{"journalEvents":[],"pad":""#.to_vec();
        at_cap.resize(MAX_CONTENT_BYTES - 2, b'x');
        at_cap.extend_from_slice(br#""}"#);
        assert_eq!(at_cap.len(), MAX_CONTENT_BYTES);
        assert!(decode("o", &at_cap).is_ok());
        at_cap.insert(30, b'x');
        assert!(
            decode("o", &at_cap)
                .unwrap_err()
                .contains("larger than 16777216 bytes")
        );
    }

    #[test]
    fn content_comes_only_over_https_from_hubspots_hosts_or_those_allowed() {
        for ok in [
            "https://api.hubapi.com/journal/content/1",
            "https://webhooks-journal.s3.us-east-1.amazonaws.com/x?X-Amz-Signature=1",
            "https://files.hubspot.com/a",
        ] {
            assert_eq!(check_url(ok, API, &[]), Ok(()), "{ok}");
        }
        for (bad, why) in [
            ("http://api.hubapi.com/journal/1", "not https"),
            ("https://169.254.169.254/latest/meta-data", "not HubSpot's"),
            ("https://evilhubapi.com/x", "not HubSpot's"),
            ("https://hubapi.com.evil.example/x", "not HubSpot's"),
            ("https://127.0.0.1/x", "not HubSpot's"),
            ("not a url", "does not parse"),
        ] {
            let refused = check_url(bad, API, &[]).unwrap_err();
            assert!(refused.contains(why), "{bad}: {refused}");
            assert!(
                !refused.contains("meta-data"),
                "the URL is not repeated: {refused}"
            );
        }
        let allowed = ["content.example".to_string()];
        assert_eq!(
            check_url("https://eu.content.example/x", API, &allowed),
            Ok(())
        );
        // Against the fake on loopback: loopback only.
        let fake = "http://127.0.0.1:4321";
        assert_eq!(
            check_url("http://127.0.0.1:4321/__fake/journal/1", fake, &[]),
            Ok(())
        );
        assert!(check_url("https://api.hubapi.com/x", fake, &[]).is_err());
        assert!(check_url("http://10.0.0.1/x", fake, &[]).is_err());
    }

    #[test]
    fn content_is_typed_event_by_event_and_bounded() {
        let event = r#"{"action": "DELETE", "objectTypeId": "0-3", "objectId": 7}"#;
        let entry = decode(
            "o-1",
            format!(r#"{{"offset": "o-1", "publishedAt": 1700000000000, "extra": {{"a": [1]}}, "journalEvents": [{event}, {event}]}}"#)
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(entry.changes.len(), 2);
        assert_eq!(entry.changes[0].deal_id, Some(7));
        assert!(entry.published_at.is_some());
        assert_eq!(
            decode("o", format!("[{event}]").as_bytes())
                .unwrap()
                .changes
                .len(),
            1
        );
        assert!(
            decode("o", br#"{"offset": "o"}"#)
                .unwrap_err()
                .contains("no events")
        );
        let many = vec![event; MAX_EVENTS + 1].join(",");
        let refused =
            decode("o", format!(r#"{{"journalEvents": [{many}]}}"#).as_bytes()).unwrap_err();
        assert!(refused.contains("more than 1000 events"), "{refused}");
        // Small values, which cost far more in memory than their bytes, are counted first.
        let dense = format!(
            r#"{{"journalEvents": [{event}], "padding": [{}0]}}"#,
            "0,".repeat(MAX_VALUES)
        );
        let refused = decode("o", dense.as_bytes()).unwrap_err();
        assert!(refused.contains("JSON values"), "{refused}");
        assert_eq!(
            values_in(br#"{"a": "x,y:[{", "b": [1, 2]}"#),
            values_in(br#"{"a": "xyz", "b": [1, 2]}"#),
            "separators in strings do not count"
        );
        assert_eq!(
            values_in(br#"["\"", 1]"#),
            3,
            "an escaped quote does not end the string"
        );
        // The first list of events counts; a second (`events` after `journalEvents`) does not.
        let both = format!(r#"{{"journalEvents": [{event}], "events": [{event}, {event}]}}"#);
        assert_eq!(decode("o", both.as_bytes()).unwrap().changes.len(), 1);
        // What was expected, said when the content is something else.
        let said = decode("o", br#""text""#).unwrap_err();
        assert!(
            said.contains("an object with journalEvents, or an array of events"),
            "{said}"
        );
        let said = decode("o", br#"{"journalEvents": 5}"#).unwrap_err();
        assert!(said.contains("an array of events"), "{said}");
        let exactly = vec![event; MAX_EVENTS].join(",");
        assert_eq!(
            decode("o", format!("[{exactly}]").as_bytes())
                .unwrap()
                .changes
                .len(),
            MAX_EVENTS
        );
    }
}
