//! Highlighting and cropping one text, as Meilisearch does: the crop window
//! holds the matches that best cover the query, then grows word by word.

use super::matcher::{Match, Tokens};

/// How one text is shown.
#[derive(Debug, Clone, Copy)]
pub struct Style<'a> {
    pub highlight: bool,
    /// Words to keep; `None` (or 0) keeps the whole text.
    pub crop: Option<usize>,
    pub pre_tag: &'a str,
    pub post_tag: &'a str,
    pub marker: &'a str,
}

/// `text` highlighted and cropped.
pub fn render(text: &str, tokens: &Tokens<'_>, matches: &[Match], style: Style<'_>) -> String {
    let (start, end) = match style.crop.filter(|&n| n > 0) {
        Some(n) if !tokens.words.is_empty() => window(text, tokens, matches, n),
        _ => (0, text.len()),
    };
    let mut out = String::new();
    if start > 0 {
        out.push_str(style.marker);
    }
    let mut at = start;
    if style.highlight {
        for m in matches.iter().filter(|m| m.byte_start >= start && m.byte_start < end) {
            let stop = (m.byte_start + m.byte_len).min(end);
            out.push_str(&text[at..m.byte_start]);
            out.push_str(style.pre_tag);
            out.push_str(&text[m.byte_start..stop]);
            out.push_str(style.post_tag);
            at = stop;
        }
    }
    out.push_str(&text[at..end]);
    if end < text.len() {
        out.push_str(style.marker);
    }
    out
}

/// Byte bounds of the crop window of `crop` words.
fn window(text: &str, tokens: &Tokens<'_>, matches: &[Match], crop: usize) -> (usize, usize) {
    let (mut first, mut last) = match best_interval(matches, crop) {
        Some((i, j)) => (matches[i].first, matches[j].last),
        None => (0, 0),
    };
    // A single phrase longer than the crop loses words from its end.
    if last - first + 1 > crop {
        last = first + crop - 1;
    }
    let mut remaining = crop - (last - first + 1);
    let n = tokens.words.len();
    while remaining > 0 && (first > 0 || last + 1 < n) {
        // Left first, then right, as Meilisearch grows the window.
        if first > 0 {
            first -= 1;
            remaining -= 1;
        }
        if remaining > 0 && last + 1 < n {
            last += 1;
            remaining -= 1;
        }
    }
    let start = if first == 0 { 0 } else { tokens.word(first).byte_start };
    let end = if last + 1 == n { text.len() } else { tokens.word(last).byte_end };
    (start, end)
}

/// The run of matches spanning fewer than `crop` words that covers the most
/// distinct terms, then lies closest together, then keeps query order; the
/// first such run wins ties.
fn best_interval(matches: &[Match], crop: usize) -> Option<(usize, usize)> {
    // (distinct terms, -distance, pairs in query order) and the interval.
    type Best = ((usize, i64, usize), (usize, usize));
    let mut best: Option<Best> = None;
    for i in 0..matches.len() {
        for j in i..matches.len() {
            if matches[j].last - matches[i].first >= crop {
                break;
            }
            let run = &matches[i..=j];
            let mut terms: Vec<usize> = run.iter().map(|m| m.term).collect();
            terms.sort_unstable();
            terms.dedup();
            let distance: i64 = run.windows(2).map(|w| (w[1].first - w[0].last).min(7) as i64).sum();
            let ordered = run.windows(2).filter(|w| w[1].term > w[0].term).count();
            let key = (terms.len(), -distance, ordered);
            if best.as_ref().is_none_or(|(k, _)| key > *k) {
                best = Some((key, (i, j)));
            }
        }
    }
    best.map(|(_, interval)| interval)
}
