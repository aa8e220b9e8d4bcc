//! The rows of an import file, read one at a time: JSONL (`{"id": ..., "properties": {...}}`
//! or a flat object) or CSV (a header of property names), each record capped
//! ([`records`](super::records)). A malformed row is a row with its reason; a file that cannot
//! be read is an error.

use super::records::{MAX_ROW_BYTES, Record, Records};
use crate::args::Format;
use crate::failure::Failure;
use serde_json::Value;
use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};

/// A row as read: its id (if any), its properties and the input as it was; or why it is
/// malformed, with the input.
pub type Read = Result<(Option<String>, HashMap<String, String>, Value), (String, Value)>;

/// Reads rows one at a time.
pub struct Reader {
    records: Records<BufReader<File>>,
    path: PathBuf,
    /// CSV: the header row's names.
    header: Option<Vec<String>>,
}

impl Reader {
    pub fn open(path: &Path, format: Format) -> Result<Self, Failure> {
        let file = File::open(path)
            .map_err(|e| Failure::Usage(format!("cannot read {}: {e}", path.display())))?;
        let mut records = Records::new(BufReader::new(file), format == Format::Csv);
        let header = match format {
            Format::Jsonl => None,
            Format::Csv => {
                let no_header = |why: String| {
                    Failure::Usage(format!("{}: no CSV header row: {why}", path.display()))
                };
                let names = match records.next_record() {
                    None => return Err(no_header("the file is empty".into())),
                    Some(Err(e)) => return Err(Failure::file("read", path, e)),
                    Some(Ok(Record::TooLong { bytes, .. })) => {
                        return Err(no_header(format!("its first record is {bytes} bytes")));
                    }
                    Some(Ok(Record::Whole(bytes))) => {
                        csv_fields(&bytes).map_err(|e| no_header(e.to_string()))?
                    }
                };
                Some(names.iter().map(str::to_string).collect())
            }
        };
        Ok(Self {
            records,
            path: path.to_path_buf(),
            header,
        })
    }

    /// The CSV header's names (`None` for JSONL).
    pub fn header(&self) -> Option<&[String]> {
        self.header.as_deref()
    }

    /// The next row: its properties (with `id`, if any, apart), or why it is malformed; an
    /// error when the file cannot be read.
    pub fn next(&mut self) -> Option<Result<Read, Failure>> {
        loop {
            let record = match self.records.next_record()? {
                Ok(record) => record,
                Err(e) => return Some(Err(Failure::file("read", &self.path, e))),
            };
            let bytes = match record {
                Record::Whole(bytes) => bytes,
                Record::TooLong { bytes, start } => {
                    let shown = format!("{}…", String::from_utf8_lossy(&start));
                    return Some(Ok(Err((
                        format!(
                            "a row of {bytes} bytes, over the {} MiB a row may have",
                            MAX_ROW_BYTES / (1024 * 1024)
                        ),
                        Value::String(shown),
                    ))));
                }
            };
            let Some(header) = &self.header else {
                return Some(Ok(json_row(bytes)));
            };
            if bytes.iter().all(u8::is_ascii_whitespace) {
                continue; // a blank line between CSV records is not a row
            }
            return Some(Ok(csv_row(&bytes, header)));
        }
    }
}

/// A JSONL line as a row.
fn json_row(bytes: Vec<u8>) -> Read {
    let line = match String::from_utf8(bytes) {
        Ok(line) => line,
        Err(e) => {
            let shown = String::from_utf8_lossy(e.as_bytes()).into_owned();
            return Err(("not UTF-8 text".into(), Value::String(shown)));
        }
    };
    if line.trim().is_empty() {
        return Err(("an empty line".into(), Value::String(line)));
    }
    parse_json(&line)
}

/// The fields of one CSV record.
fn csv_fields(bytes: &[u8]) -> Result<csv::StringRecord, csv::Error> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes);
    let mut record = csv::StringRecord::new();
    reader.read_record(&mut record)?;
    Ok(record)
}

/// A CSV record as a row of `header`'s properties.
fn csv_row(bytes: &[u8], header: &[String]) -> Read {
    let record = match csv_fields(bytes) {
        Ok(record) => record,
        Err(e) => {
            let shown = Value::String(String::from_utf8_lossy(bytes).into_owned());
            let why = match e.kind() {
                csv::ErrorKind::Utf8 { .. } => "not UTF-8 text".to_string(),
                _ => format!("unreadable CSV: {e}"),
            };
            return Err((why, shown));
        }
    };
    let input = Value::Array(record.iter().map(|f| Value::String(f.into())).collect());
    if record.len() != header.len() {
        return Err((
            format!(
                "{} columns where the header has {}",
                record.len(),
                header.len()
            ),
            input,
        ));
    }
    let mut id = None;
    let mut properties = HashMap::new();
    for (name, value) in header.iter().zip(record.iter()) {
        if name == "id" {
            id = Some(value.to_string()).filter(|v| !v.is_empty());
        } else if !value.is_empty() {
            properties.insert(name.clone(), value.to_string());
        }
    }
    Ok((id, properties, input))
}

/// A JSONL row: `{"id": ..., "properties": {...}}` or a flat object of properties.
fn parse_json(line: &str) -> Read {
    let value: Value = serde_json::from_str(line)
        .map_err(|e| (format!("not JSON: {e}"), Value::String(line.to_string())))?;
    let Value::Object(object) = &value else {
        return Err(("not a JSON object".into(), value));
    };
    let text = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    };
    let id = object.get("id").and_then(text);
    let fields = match object.get("properties") {
        Some(Value::Object(properties)) => properties,
        Some(_) => return Err(("\"properties\" is not an object".into(), value.clone())),
        None => object,
    };
    let properties = fields
        .iter()
        .filter(|(name, _)| name.as_str() != "id" || object.contains_key("properties"))
        .filter_map(|(name, v)| text(v).map(|t| (name.clone(), t)))
        .collect();
    Ok((id, properties, value.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_rows_flat_or_with_properties() {
        let (id, properties, _) =
            parse_json(r#"{"id": "7", "properties": {"dealname": "A", "amount": 5}}"#).unwrap();
        assert_eq!(id.as_deref(), Some("7"));
        assert_eq!(properties["amount"], "5");
        let (id, properties, _) = parse_json(r#"{"dealname": "B", "id": 9}"#).unwrap();
        assert_eq!(id.as_deref(), Some("9"));
        assert!(!properties.contains_key("id"));
        assert!(
            parse_json("[1]")
                .unwrap_err()
                .0
                .contains("not a JSON object")
        );
        assert!(parse_json("{").unwrap_err().0.starts_with("not JSON"));
    }
}
