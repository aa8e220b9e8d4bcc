//! Deals written as JSONL (one object per line) or CSV (an `id` column and one per property),
//! with CSV cells a spreadsheet would run as a formula defused.

use crate::args::Format;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::HashMap;
use std::io::Write;

/// Deals to a JSONL or CSV writer.
pub enum Sink {
    Jsonl(Box<dyn Write>),
    Csv {
        out: Box<csv::Writer<Box<dyn Write>>>,
        columns: Vec<String>,
        keep_formulas: bool,
    },
}

/// A CSV cell a spreadsheet would take for a formula gets a leading `'`: HubSpot's values
/// are typed by anyone with access to the portal (CWE-1236). Numbers (`-12.5`) are left alone.
fn defused(cell: &str) -> Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && cell.parse::<f64>().is_err() {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// A cell as written: defused unless formulas are kept.
fn cell(value: &str, keep_formulas: bool) -> Cow<'_, str> {
    if keep_formulas {
        Cow::Borrowed(value)
    } else {
        defused(value)
    }
}

impl Sink {
    /// Deals as `format` to `out` (CSV: `columns` after `id`, the header row first when
    /// `header`).
    pub fn new(
        out: Box<dyn Write>,
        format: Format,
        columns: &[String],
        keep_formulas: bool,
        header: bool,
    ) -> std::io::Result<Self> {
        Ok(match format {
            Format::Jsonl => Self::Jsonl(out),
            Format::Csv => {
                let mut writer = csv::WriterBuilder::new()
                    .has_headers(false)
                    .from_writer(out);
                if header {
                    // Property names come from the account (or a hostile server) too.
                    let names = std::iter::once("id")
                        .chain(columns.iter().map(String::as_str))
                        .map(|name| cell(name, keep_formulas));
                    let names: Vec<Cow<'_, str>> = names.collect();
                    writer
                        .write_record(names.iter().map(|c| c.as_bytes()))
                        .map_err(std::io::Error::other)?;
                }
                Self::Csv {
                    out: Box::new(writer),
                    columns: columns.to_vec(),
                    keep_formulas,
                }
            }
        })
    }

    pub fn write(
        &mut self,
        id: &str,
        deal: &impl Serialize,
        properties: &HashMap<String, Option<String>>,
    ) -> std::io::Result<()> {
        match self {
            Self::Jsonl(out) => {
                serde_json::to_writer(&mut *out, deal)?;
                out.write_all(b"\n")
            }
            Self::Csv {
                out,
                columns,
                keep_formulas,
            } => {
                let mut record = Vec::with_capacity(columns.len() + 1);
                // The id is the server's text like any value.
                record.push(cell(id, *keep_formulas));
                for column in columns.iter() {
                    let value = properties
                        .get(column)
                        .and_then(|v| v.as_deref())
                        .unwrap_or("");
                    record.push(cell(value, *keep_formulas));
                }
                out.write_record(record.iter().map(|c| c.as_bytes()))
                    .map_err(std::io::Error::other)
            }
        }
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        match self {
            Self::Jsonl(out) => out.flush(),
            Self::Csv { out, .. } => out.flush(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::{Arc, Mutex};

    /// A writer whose bytes the test reads afterwards.
    #[derive(Clone, Default)]
    struct Shared(Arc<Mutex<Vec<u8>>>);

    impl Write for Shared {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    fn csv_of(id: &str, columns: &[&str], keep_formulas: bool) -> String {
        let out = Shared::default();
        let columns: Vec<String> = columns.iter().map(|c| c.to_string()).collect();
        let mut sink = Sink::new(
            Box::new(out.clone()),
            Format::Csv,
            &columns,
            keep_formulas,
            true,
        )
        .unwrap();
        let values = columns
            .iter()
            .map(|c| (c.clone(), Some("=2+2".to_string())))
            .collect();
        sink.write(id, &serde_json::json!({}), &values).unwrap();
        sink.flush().unwrap();
        drop(sink);
        String::from_utf8(out.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn the_id_column_and_the_header_are_defused_like_values() {
        let written = csv_of("=HYPERLINK(\"http://x\")", &["@evil", "amount"], false);
        assert_eq!(
            written,
            "id,'@evil,amount\n\"'=HYPERLINK(\"\"http://x\"\")\",'=2+2,'=2+2\n"
        );
        let kept = csv_of("=1", &["@evil"], true);
        assert_eq!(
            kept, "id,@evil\n=1,=2+2\n",
            "--keep-formulas keeps every cell"
        );
    }

    #[test]
    fn cells_a_spreadsheet_would_run_get_an_apostrophe() {
        for (cell, shown) in [
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("+1 555 0100", "'+1 555 0100"),
            ("-cmd|' /C calc'!A0", "'-cmd|' /C calc'!A0"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "'\t=1"),
            ("-1500.50", "-1500.50"),
            ("+42", "+42"),
            ("Acme = good", "Acme = good"),
            ("", ""),
        ] {
            assert_eq!(defused(cell), shown, "{cell:?}");
        }
    }
}
