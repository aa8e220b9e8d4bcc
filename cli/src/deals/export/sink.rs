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
                    let names = std::iter::once("id").chain(columns.iter().map(String::as_str));
                    writer.write_record(names).map_err(std::io::Error::other)?;
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
                record.push(Cow::Borrowed(id));
                for column in columns.iter() {
                    let value = properties
                        .get(column)
                        .and_then(|v| v.as_deref())
                        .unwrap_or("");
                    record.push(if *keep_formulas {
                        Cow::Borrowed(value)
                    } else {
                        defused(value)
                    });
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
