//! Plain-text tables that line up with Chinese text (display width, not
//! bytes), and CSV output.

use unicode_width::UnicodeWidthStr;

/// A table: headers and rows of cells.
#[derive(Debug, Default, Clone)]
pub struct Table {
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows.
    pub rows: Vec<Vec<String>>,
    /// Columns aligned right (amounts, counts).
    pub right: Vec<usize>,
}

/// Longest cell shown, in display columns (longer cells are cut with `…`).
pub const MAX_CELL_WIDTH: usize = 60;

fn clip(cell: &str, max: usize) -> String {
    let cell: String = cell.chars().map(|c| if c.is_control() { ' ' } else { c }).collect();
    if cell.width() <= max {
        return cell;
    }
    let mut out = String::new();
    for c in cell.chars() {
        if (out.clone() + &c.to_string()).width() + 1 > max {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

impl Table {
    /// A table with these headers.
    pub fn new(headers: &[&str]) -> Table {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: Vec::new(),
            right: Vec::new(),
        }
    }

    /// Right-align these columns.
    pub fn right_align(mut self, columns: &[usize]) -> Table {
        self.right = columns.to_vec();
        self
    }

    /// Add a row.
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// Render; the last column is never clipped (long explanations).
    pub fn render(&self) -> String {
        let n = self.headers.len();
        let cells: Vec<Vec<String>> = std::iter::once(&self.headers)
            .chain(self.rows.iter())
            .map(|r| {
                (0..n)
                    .map(|i| {
                        let cell = r.get(i).map(String::as_str).unwrap_or("");
                        if i + 1 == n {
                            clip(cell, usize::MAX)
                        } else {
                            clip(cell, MAX_CELL_WIDTH)
                        }
                    })
                    .collect()
            })
            .collect();
        let widths: Vec<usize> = (0..n)
            .map(|i| cells.iter().map(|r| r[i].width()).max().unwrap_or(0))
            .collect();
        let mut out = String::new();
        for (k, row) in cells.iter().enumerate() {
            let mut line = String::new();
            for (i, cell) in row.iter().enumerate() {
                let pad = widths[i].saturating_sub(cell.width());
                if i > 0 {
                    line.push_str("  ");
                }
                if self.right.contains(&i) {
                    line.push_str(&" ".repeat(pad));
                    line.push_str(cell);
                } else {
                    line.push_str(cell);
                    if i + 1 < n {
                        line.push_str(&" ".repeat(pad));
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
            if k == 0 {
                let total: usize = widths.iter().sum::<usize>() + 2 * n.saturating_sub(1);
                out.push_str(&"-".repeat(total.min(160)));
                out.push('\n');
            }
        }
        out
    }

    /// As CSV (RFC 4180, UTF-8).
    pub fn to_csv(&self) -> anyhow::Result<String> {
        let mut writer = csv::Writer::from_writer(Vec::new());
        writer.write_record(&self.headers)?;
        for row in &self.rows {
            writer.write_record(row)?;
        }
        let bytes = writer.into_inner().map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(String::from_utf8(bytes)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligns_chinese() {
        let mut t = Table::new(&["村", "金额"]).right_align(&[1]);
        t.row(vec!["王桥村".into(), "1.00".into()]);
        t.row(vec!["ab".into(), "100.00".into()]);
        let text = t.render();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[2].width(), lines[3].width());
    }
}
