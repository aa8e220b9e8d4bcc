//! What reaches a person's terminal: text from elsewhere (HubSpot's messages, deal values, a
//! redirect's parameters) with its control characters shown as escapes, so it can move no
//! cursor, retitle no window and hide no line; and secrets typed without echo.

use crate::failure::Failure;
use hubspot_deals::Secret;
use std::borrow::Cow;
use std::io::{BufRead, IsTerminal};

/// `text` with every control character (escape sequences, carriage returns, line breaks,
/// bells, C1 controls) written as a Rust escape (`\u{1b}`), for one line of a terminal.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            shown.extend(c.escape_default());
        } else {
            shown.push(c);
        }
    }
    Cow::Owned(shown)
}

/// `value` as one line of JSON for standard output, with DEL and the C1 controls
/// (U+007F to U+009F, which serde_json leaves raw) written as `\u` escapes: the same JSON
/// to any reader, and nothing a terminal obeys (`\u{9b}` starts a control sequence on many).
pub fn json_line(value: &impl serde::Serialize) -> Result<String, Failure> {
    let line = serde_json::to_string(value).map_err(Failure::write)?;
    if !line.chars().any(is_c1_or_del) {
        return Ok(line);
    }
    let mut escaped = String::with_capacity(line.len() + 16);
    for c in line.chars() {
        if is_c1_or_del(c) {
            escaped.push_str(&format!("\\u{:04x}", c as u32));
        } else {
            escaped.push(c);
        }
    }
    Ok(escaped)
}

/// DEL or a C1 control: the control characters outside JSON's own escapes.
fn is_c1_or_del(c: char) -> bool {
    ('\u{7f}'..='\u{9f}').contains(&c)
}

/// A secret from standard input: typed without echo after `prompt` when it is a terminal,
/// else its first line (piped from a file or a secret manager). `what` names it in errors.
pub fn read_secret(prompt: &str, what: &str, example: &str) -> Result<Secret, Failure> {
    let cannot = |e: std::io::Error| Failure::Usage(format!("cannot read {what}: {e}"));
    let text = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(prompt).map_err(cannot)?
    } else {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(cannot)?;
        line
    };
    let text = text.trim();
    if text.is_empty() {
        return Err(Failure::Usage(format!(
            "no {what} on standard input: pipe it in, e.g. `{example}`"
        )));
    }
    Ok(Secret::new(text))
}

/// Writes `rows` (the first is the header) as aligned columns, each at most 40 characters.
/// Cells come from HubSpot, typed by anyone with access to the portal: shown, never obeyed
/// by the terminal.
pub fn table(out: &mut impl std::io::Write, rows: Vec<Vec<String>>) -> Result<(), Failure> {
    let rows: Vec<Vec<String>> = rows
        .into_iter()
        .map(|row| row.iter().map(|c| printable(c).into_owned()).collect())
        .collect();
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .max()
                .unwrap_or(0)
                .min(40)
        })
        .collect();
    for row in rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| {
                let cell: String = cell.chars().take(*width).collect();
                format!("{cell:<width$}")
            })
            .collect();
        writeln!(out, "{}", line.join("  ").trim_end()).map_err(Failure::write)?;
    }
    Ok(())
}

/// Whether to print JSON lines rather than a table.
pub fn as_json(asked: bool) -> bool {
    asked || !std::io::stdout().is_terminal()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_not_obeyed() {
        assert!(matches!(printable("Deal 7: €1,000"), Cow::Borrowed(_)));
        assert_eq!(
            printable("\u{1b}[31mred\u{1b}]0;title\u{7}"),
            "\\u{1b}[31mred\\u{1b}]0;title\\u{7}"
        );
        assert_eq!(printable("a\r\nb\tc"), "a\\r\\nb\\tc");
        assert_eq!(printable("\u{9b}2J"), "\\u{9b}2J", "a C1 control");
    }

    #[test]
    fn json_lines_carry_no_c1_control_and_read_back_the_same() {
        let value = serde_json::json!({"dealname": "a\u{9b}2Jb\u{7f}c\u{1b}[0m€"});
        let line = json_line(&value).unwrap();
        assert!(!line.chars().any(|c| c.is_control()), "{line:?}");
        assert!(
            line.contains("\\u009b") && line.contains("\\u007f"),
            "{line}"
        );
        let back: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(back, value);
    }
}
