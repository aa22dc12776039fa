//! HTML building blocks: escaping, tables and the page around the sections.
//! Every text that comes from a user (patient ids, titles, explanations,
//! file stems) goes through [`escape`] before it is written.

use std::fmt::Write;

/// Escape text for HTML element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A table cell: text to escape, or markup already built from escaped
/// parts.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Plain text, escaped when written.
    Text(String),
    /// Markup, written as is.
    Markup(String),
}

impl Cell {
    /// A text cell.
    pub fn text(text: impl Into<String>) -> Cell {
        Cell::Text(text.into())
    }

    fn html(&self) -> String {
        match self {
            Cell::Text(t) => escape(t),
            Cell::Markup(m) => m.clone(),
        }
    }
}

/// A table: an id, a header row and body rows; each row may carry a
/// `data-key` attribute (the criteria file, the pair, the patient).
#[derive(Debug, Clone, Default)]
pub struct Table {
    /// The element id (a fixed word, not user input).
    pub id: String,
    /// Column headers.
    pub header: Vec<String>,
    /// Rows: the key and the cells.
    pub rows: Vec<(Option<String>, Vec<Cell>)>,
}

impl Table {
    /// An empty table with an id and headers.
    pub fn new(id: &str, header: &[&str]) -> Table {
        Table {
            id: id.to_string(),
            header: header.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
        }
    }

    /// Add a row.
    pub fn row(&mut self, key: Option<&str>, cells: Vec<Cell>) {
        self.rows.push((key.map(str::to_string), cells));
    }

    /// The table's markup.
    pub fn html(&self) -> String {
        let mut out = String::new();
        let id = if self.id.is_empty() {
            String::new()
        } else {
            format!(" id=\"{}\"", escape(&self.id))
        };
        let _ = write!(out, "<table{id}><thead><tr>");
        for h in &self.header {
            let _ = write!(out, "<th>{}</th>", escape(h));
        }
        out.push_str("</tr></thead><tbody>");
        for (key, cells) in &self.rows {
            match key {
                Some(k) => {
                    let _ = write!(out, "<tr data-key=\"{}\">", escape(k));
                }
                None => out.push_str("<tr>"),
            }
            for c in cells {
                let _ = write!(out, "<td>{}</td>", c.html());
            }
            out.push_str("</tr>");
        }
        out.push_str("</tbody></table>\n");
        out
    }
}

/// The style sheet, inline so that the page needs nothing else.
const CSS: &str = "
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2em;color:#222;max-width:1400px}
h1{font-size:1.5em}h2{font-size:1.25em;margin-top:2em;border-bottom:1px solid #ccc}h3{font-size:1.05em}
table{border-collapse:collapse;margin:.5em 0 1em;font-size:.9em}
th,td{border:1px solid #ccc;padding:.25em .5em;text-align:left;vertical-align:top}
th{background:#f3f3f3}
.note{color:#555;font-size:.85em}
.legend{display:flex;flex-wrap:wrap;gap:.4em 1.2em;font-size:.85em;margin:.5em 0}
.legend span{display:inline-flex;align-items:center;gap:.3em}
.swatch{display:inline-block;width:1.4em;height:.9em;border:1px solid #999}
.patient{margin:1em 0;break-inside:avoid}
.charts{display:flex;flex-wrap:wrap;gap:.5em}
figure{margin:0;width:430px}figcaption{font-size:.8em;color:#555}
#summary td:nth-child(4),#agreement td{white-space:nowrap}#summary td:nth-child(2){min-width:12em}
.wide{overflow-x:auto}
.confusions{display:flex;flex-wrap:wrap;gap:0 2em}.confusions h3{font-size:.9em}
svg text{font-family:system-ui,sans-serif}
";

/// The whole page: a title and the sections' markup.
pub fn page(title: &str, body: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}</body>\n</html>\n",
        escape(title)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_characters() {
        assert_eq!(escape("<b>&\"'"), "&lt;b&gt;&amp;&quot;&#39;");
    }

    #[test]
    fn table_escapes_text_cells_and_keys() {
        let mut t = Table::new("t", &["a"]);
        t.row(Some("<k>"), vec![Cell::text("<x>")]);
        let html = t.html();
        assert!(html.contains("data-key=\"&lt;k&gt;\""));
        assert!(html.contains("<td>&lt;x&gt;</td>"));
    }
}
