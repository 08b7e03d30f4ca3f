//! Lists of names in messages, cut short: a document may hold any number of them.

use std::fmt::Display;

/// Names listed in full before a list is cut short with "… and N more".
pub(crate) const LISTED: usize = 8;

/// Joins the items with `sep`, each in backquotes, listing at most [`LISTED`] of them.
pub(crate) fn quoted<T: Display>(items: impl IntoIterator<Item = T>, sep: &str) -> String {
    let mut out = String::new();
    let mut more = 0usize;
    for (i, item) in items.into_iter().enumerate() {
        if i < LISTED {
            if i > 0 {
                out.push_str(sep);
            }
            out.push_str(&format!("`{item}`"));
        } else {
            more += 1;
        }
    }
    if more > 0 {
        out.push_str(&format!("{sep}… and {more} more"));
    }
    out
}
