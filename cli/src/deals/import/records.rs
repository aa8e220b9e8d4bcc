//! An import file's records, one at a time, each at most [`MAX_ROW_BYTES`]: JSONL lines, or
//! CSV records (which may span lines inside quotes). A record over the cap is read to its
//! end without being kept, and reported alone with its first bytes, so the next one is read
//! as usual. A failure to read the file itself (a directory, a disk error) is an error: the
//! caller ends the import, instead of reporting the same failure forever.

use std::io::{BufRead, ErrorKind};

/// The largest row an import reads, in bytes. HubSpot caps a property value at 65,536
/// characters (up to 256 KiB of UTF-8); a row of several long values stays well under this.
pub const MAX_ROW_BYTES: usize = 1024 * 1024;

/// How much of an oversized record is kept to show in the rejects file.
const EXCERPT: usize = 200;

/// One record as read.
#[derive(Debug, PartialEq, Eq)]
pub enum Record {
    /// Its bytes, without the line break that ends it.
    Whole(Vec<u8>),
    /// Over the cap: its length in bytes, and its first bytes.
    TooLong { bytes: u64, start: Vec<u8> },
}

/// The records of a file.
pub struct Records<R> {
    reader: R,
    /// CSV: a line break inside quotes does not end a record.
    csv: bool,
}

impl<R: BufRead> Records<R> {
    /// JSONL records (`csv` false: one per line) or CSV records.
    pub fn new(reader: R, csv: bool) -> Self {
        Self { reader, csv }
    }

    /// The next record; `None` at the end of the file.
    pub fn next_record(&mut self) -> Option<std::io::Result<Record>> {
        let mut kept = Vec::new();
        let mut bytes: u64 = 0;
        let mut quoted = false;
        loop {
            let available = match self.reader.fill_buf() {
                Ok(available) => available,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => return Some(Err(e)),
            };
            if available.is_empty() {
                // The end of the file: the last record had no line break.
                return (bytes > 0).then(|| Ok(finish(kept, bytes, self.csv)));
            }
            let mut end = None;
            for (i, byte) in available.iter().enumerate() {
                match byte {
                    b'"' if self.csv => quoted = !quoted,
                    b'\n' if !quoted => {
                        end = Some(i);
                        break;
                    }
                    _ => {}
                }
            }
            let taken = end.unwrap_or(available.len());
            let room = (MAX_ROW_BYTES + 1).saturating_sub(kept.len());
            kept.extend_from_slice(&available[..taken.min(room)]);
            bytes += taken as u64;
            self.reader.consume(taken + usize::from(end.is_some()));
            if end.is_some() {
                return Some(Ok(finish(kept, bytes, self.csv)));
            }
        }
    }
}

/// A record read whole (`kept` holds its first bytes, `bytes` its length).
fn finish(mut kept: Vec<u8>, bytes: u64, csv: bool) -> Record {
    if bytes > MAX_ROW_BYTES as u64 {
        kept.truncate(EXCERPT);
        return Record::TooLong { bytes, start: kept };
    }
    // JSONL lines may end with \r\n; the CSV parser reads its own line ends.
    if !csv && kept.last() == Some(&b'\r') {
        kept.pop();
    }
    Record::Whole(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &[u8], csv: bool, buffer: usize) -> Vec<Record> {
        let reader = std::io::BufReader::with_capacity(buffer, text);
        let mut records = Records::new(reader, csv);
        std::iter::from_fn(|| records.next_record().map(Result::unwrap)).collect()
    }

    fn whole(text: &str) -> Record {
        Record::Whole(text.as_bytes().to_vec())
    }

    #[test]
    fn lines_and_csv_records_with_line_breaks_in_quotes() {
        for buffer in [1, 3, 8192] {
            assert_eq!(
                all(b"{\"a\":1}\r\n\n{\"b\":2}", false, buffer),
                [whole("{\"a\":1}"), whole(""), whole("{\"b\":2}")]
            );
            assert_eq!(
                all(
                    b"id,note\n1,\"two\nlines, \"\"quoted\"\"\"\n2,x\n",
                    true,
                    buffer
                ),
                [
                    whole("id,note"),
                    whole("1,\"two\nlines, \"\"quoted\"\"\""),
                    whole("2,x")
                ]
            );
        }
        assert!(all(b"", false, 64).is_empty());
    }

    #[test]
    fn a_row_over_the_cap_is_reported_alone_and_the_next_is_read() {
        let mut text = b"{\"first\":1}\n".to_vec();
        text.extend(std::iter::repeat_n(b'x', MAX_ROW_BYTES + 10));
        text.extend_from_slice(b"\n{\"after\":2}\n");
        let records = all(&text, false, 8192);
        assert_eq!(records.len(), 3);
        assert_eq!(records[0], whole("{\"first\":1}"));
        let Record::TooLong { bytes, start } = &records[1] else {
            panic!("{:?}", records[1])
        };
        assert_eq!(*bytes, MAX_ROW_BYTES as u64 + 10);
        assert_eq!(start.len(), EXCERPT);
        assert_eq!(records[2], whole("{\"after\":2}"));
        // Exactly the cap is a row.
        let exact = vec![b'y'; MAX_ROW_BYTES];
        assert!(
            matches!(&all(&exact, false, 8192)[..], [Record::Whole(b)] if b.len() == MAX_ROW_BYTES)
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_file_that_cannot_be_read_is_an_error_not_a_row() {
        let directory = std::fs::File::open(std::env::temp_dir()).unwrap();
        let mut records = Records::new(std::io::BufReader::new(directory), false);
        let error = records.next_record().unwrap().unwrap_err();
        assert_eq!(error.raw_os_error(), Some(21), "EISDIR: {error}");
    }
}
