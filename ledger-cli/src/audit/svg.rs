//! Inline SVG charts for the HTML report: horizontal bars, a monthly
//! timeline and the fund-flow picture. Generated text only: no script, no
//! fonts or images from anywhere.

use std::fmt::Write as _;

/// Escape text for HTML and SVG.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const COLORS: [&str; 6] = ["#b22222", "#d2691e", "#4682b4", "#2e8b57", "#6a5acd", "#8b8b00"];

/// Horizontal bars: label, value; at most `max` bars (the rest summed as 其他).
pub fn bars(title: &str, rows: &[(String, u64)], max: usize, color: &str) -> String {
    let mut rows: Vec<(String, u64)> = rows.to_vec();
    rows.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    if rows.len() > max {
        let rest: u64 = rows[max..].iter().map(|r| r.1).sum();
        rows.truncate(max);
        rows.push(("其他".into(), rest));
    }
    let top = rows.iter().map(|r| r.1).max().unwrap_or(0).max(1);
    let (label_w, bar_w, row_h) = (190.0, 420.0, 22.0);
    let height = 30.0 + row_h * rows.len() as f64 + 10.0;
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg role="img" aria-label="{t}" viewBox="0 0 680 {height}" width="680" height="{height}" class="chart"><text x="0" y="18" class="ct">{t}</text>"#,
        t = esc(title)
    );
    for (i, (label, value)) in rows.iter().enumerate() {
        let y = 30.0 + row_h * i as f64;
        let w = bar_w * (*value as f64) / (top as f64);
        let _ = write!(
            out,
            r#"<text x="{lx}" y="{ty}" text-anchor="end" class="cl">{l}</text><rect x="{bx}" y="{y}" width="{w:.1}" height="{h}" fill="{color}"/><text x="{vx:.1}" y="{ty}" class="cv">{value}</text>"#,
            lx = label_w - 6.0,
            ty = y + 14.0,
            l = esc(label),
            bx = label_w,
            h = row_h - 6.0,
            vx = label_w + w + 4.0,
        );
    }
    out.push_str("</svg>");
    out
}

/// A monthly timeline: stacked bars of several series (yuan), with a legend.
pub fn timeline(title: &str, months: &[u32], series: &[(&str, Vec<u64>)]) -> String {
    let n = months.len().max(1);
    let (left, width, height) = (70.0, 600.0, 200.0);
    let bar = (width / n as f64).max(1.0);
    let top = (0..months.len())
        .map(|i| series.iter().map(|s| s.1.get(i).copied().unwrap_or(0)).sum::<u64>())
        .max()
        .unwrap_or(0)
        .max(1);
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg role="img" aria-label="{t}" viewBox="0 0 690 270" width="690" height="270" class="chart"><text x="0" y="16" class="ct">{t}</text>"#,
        t = esc(title)
    );
    let base = 30.0 + height;
    let _ = write!(
        out,
        r##"<line x1="{left}" y1="{base}" x2="{x2}" y2="{base}" stroke="#333"/><text x="{lx}" y="36" text-anchor="end" class="cv">{top_y}</text><text x="{lx}" y="{base}" text-anchor="end" class="cv">0</text>"##,
        x2 = left + width,
        lx = left - 4.0,
        top_y = yuan_short(top)
    );
    for (i, m) in months.iter().enumerate() {
        let x = left + bar * i as f64;
        let mut y = base;
        for (k, (_, values)) in series.iter().enumerate() {
            let v = values.get(i).copied().unwrap_or(0);
            let h = height * v as f64 / top as f64;
            if h > 0.0 {
                y -= h;
                let _ = write!(
                    out,
                    r#"<rect x="{x:.1}" y="{y:.1}" width="{w:.1}" height="{h:.1}" fill="{c}"/>"#,
                    w = (bar - 1.0).max(0.5),
                    c = COLORS[k % COLORS.len()]
                );
            }
        }
        let every = (n / 12).max(1);
        if i % every == 0 {
            let _ = write!(
                out,
                r#"<text x="{x:.1}" y="{ty}" class="cv">{}-{:02}</text>"#,
                m / 100,
                m % 100,
                ty = base + 14.0
            );
        }
    }
    for (k, (name, _)) in series.iter().enumerate() {
        let x = left + 130.0 * k as f64;
        let _ = write!(
            out,
            r#"<rect x="{x}" y="258" width="10" height="10" fill="{c}"/><text x="{tx}" y="267" class="cv">{n}</text>"#,
            c = COLORS[k % COLORS.len()],
            tx = x + 14.0,
            n = esc(name)
        );
    }
    out.push_str("</svg>");
    out
}

/// `12.3万` style short amounts from fen.
pub fn yuan_short(fen: u64) -> String {
    let yuan = fen as f64 / 100.0;
    if yuan >= 1e8 {
        format!("{:.2}亿", yuan / 1e8)
    } else if yuan >= 1e4 {
        format!("{:.1}万", yuan / 1e4)
    } else {
        format!("{yuan:.0}")
    }
}

/// One node of the fund-flow picture.
#[derive(Debug, Clone)]
pub struct Node {
    /// Label.
    pub label: String,
    /// Money through it (fen).
    pub amount: u64,
}

/// The fund-flow picture: columns of nodes and ribbons between them
/// (column, from index, to index, fen). Each column is scaled to its own
/// total (a village's money is a sliver of the district's), so the
/// ribbons' ends have the thickness of their share at each column.
pub fn flow(title: &str, columns: &[(&str, Vec<Node>)], links: &[(usize, usize, usize, u64)]) -> String {
    let (width, height, node_w, gap) = (690.0, 480.0, 12.0, 4.0);
    let top_y = 40.0;
    let avail = height - top_y - 10.0;
    let ncol = columns.len().max(2);
    let gap_x = (width - 130.0) / (ncol - 1) as f64;
    let mut pos: Vec<Vec<(f64, f64, f64)>> = Vec::new(); // x, y, h
    let mut scales = Vec::new();
    for (c, (_, nodes)) in columns.iter().enumerate() {
        let total: u64 = nodes.iter().map(|n| n.amount).sum();
        // Each node at least 12 px (its label), the rest by money.
        let fixed = 12.0 * nodes.len() as f64 + gap * nodes.len().saturating_sub(1) as f64;
        let scale = if total == 0 {
            0.0
        } else {
            (avail - fixed).max(10.0) / total as f64
        };
        scales.push(scale);
        let x = 10.0 + gap_x * c as f64;
        let mut y = top_y;
        let mut col = Vec::new();
        for n in nodes {
            let h = 12.0 + n.amount as f64 * scale;
            col.push((x, y, h));
            y += h + gap;
        }
        pos.push(col);
    }
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg role="img" aria-label="{t}" viewBox="0 0 {width} {height}" width="{width}" height="{height}" class="chart"><text x="0" y="16" class="ct">{t}</text>"#,
        t = esc(title)
    );
    for (c, (name, _)) in columns.iter().enumerate() {
        let _ = write!(
            out,
            r#"<text x="{x:.1}" y="32" class="cl">{n}</text>"#,
            x = 10.0 + gap_x * c as f64,
            n = esc(name)
        );
    }
    let mut out_used: Vec<Vec<f64>> = pos.iter().map(|c| vec![0.0; c.len()]).collect();
    let mut in_used: Vec<Vec<f64>> = pos.iter().map(|c| vec![0.0; c.len()]).collect();
    for (c, from, to, amount) in links {
        if *amount == 0 {
            continue;
        }
        let (Some(a), Some(b)) = (
            pos.get(*c).and_then(|col| col.get(*from)).copied(),
            pos.get(c + 1).and_then(|col| col.get(*to)).copied(),
        ) else {
            continue;
        };
        let w1 = (*amount as f64 * scales.get(*c).copied().unwrap_or(0.0)).max(0.5);
        let w2 = (*amount as f64 * scales.get(c + 1).copied().unwrap_or(0.0)).max(0.5);
        let (Some(ou), Some(iu)) = (
            out_used.get_mut(*c).and_then(|v| v.get_mut(*from)),
            in_used.get_mut(c + 1).and_then(|v| v.get_mut(*to)),
        ) else {
            continue;
        };
        // Ribbons start below the node's fixed 12 px label band.
        let (y1, y2) = (a.1 + 6.0 + *ou, b.1 + 6.0 + *iu);
        *ou += w1;
        *iu += w2;
        let (x1, x2) = (a.0 + node_w, b.0);
        let mid = (x1 + x2) / 2.0;
        let _ = write!(
            out,
            r##"<path d="M{x1:.1},{y1:.1} C{mid:.1},{y1:.1} {mid:.1},{y2:.1} {x2:.1},{y2:.1} L{x2:.1},{y2b:.1} C{mid:.1},{y2b:.1} {mid:.1},{y1b:.1} {x1:.1},{y1b:.1} Z" fill="#4682b4" fill-opacity="0.3"/>"##,
            y1b = y1 + w1,
            y2b = y2 + w2,
        );
    }
    for (c, (_, nodes)) in columns.iter().enumerate() {
        for (i, n) in nodes.iter().enumerate() {
            let Some((x, y, h)) = pos.get(c).and_then(|col| col.get(i)).copied() else {
                continue;
            };
            let _ = write!(
                out,
                r##"<rect x="{x:.1}" y="{y:.1}" width="{node_w}" height="{h:.1}" fill="#1f4e79"/><text x="{tx:.1}" y="{ty:.1}" class="cv">{l} {a}</text>"##,
                tx = x + node_w + 3.0,
                ty = y + h / 2.0 + 4.0,
                l = esc(&n.label),
                a = yuan_short(n.amount)
            );
        }
    }
    out.push_str("</svg>");
    out
}
