//! What the checker reports: each change with a verdict per direction.

use std::fmt;

/// Whether one direction of a change (a writer of one version, a reader of the other) works.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Every message decodes, with the same meaning.
    Safe,
    /// Messages decode if the condition holds (a `#[serde(default)]`, values that fit, an
    /// order of deployment, …).
    SafeIf(String),
    /// Messages fail to decode, or decode into wrong values.
    Breaking(String),
}

impl Verdict {
    /// True for [`Verdict::Breaking`].
    pub fn is_breaking(&self) -> bool {
        matches!(self, Verdict::Breaking(_))
    }

    pub(crate) fn rank(&self) -> u8 {
        match self {
            Verdict::Safe => 0,
            Verdict::SafeIf(_) => 1,
            Verdict::Breaking(_) => 2,
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Verdict::Safe => f.write_str("safe"),
            Verdict::SafeIf(cond) => write!(f, "safe if {cond}"),
            Verdict::Breaking(reason) => write!(f, "breaking: {reason}"),
        }
    }
}

/// One difference between the old and the new schema, judged in both directions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Where: the root type's name, then `.field`, `::Variant`, `[]` (elements), `[key]`,
    /// `[value]`, `?` (inside an `Option`).
    pub path: String,
    /// What changed, e.g. "field `qty: u32` added at the back".
    pub what: String,
    /// Old writers, new readers: can code built from the new schema read old messages?
    pub old_to_new: Verdict,
    /// New writers, old readers: can code built from the old schema read new messages?
    pub new_to_old: Verdict,
}

impl Change {
    /// The worse of the two directions.
    pub fn worst(&self) -> &Verdict {
        if self.new_to_old.rank() > self.old_to_new.rank() {
            &self.new_to_old
        } else {
            &self.old_to_new
        }
    }
}

/// The result of [`check_compatible`](crate::check_compatible): every change found, in schema order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// The changes. Empty when the two schemas are the same on the wire.
    pub changes: Vec<Change>,
}

impl Report {
    /// True if any change is [`Verdict::Breaking`] in either direction.
    pub fn is_breaking(&self) -> bool {
        self.changes.iter().any(|c| c.worst().is_breaking())
    }

    /// True if every change is [`Verdict::Safe`] in both directions (no conditions).
    pub fn is_safe(&self) -> bool {
        self.changes.iter().all(|c| c.worst() == &Verdict::Safe)
    }

    /// The changes that break at least one direction.
    pub fn breaking(&self) -> impl Iterator<Item = &Change> {
        self.changes.iter().filter(|c| c.worst().is_breaking())
    }

    /// The report as text for people, with ANSI colours if `color` is true. [`Display`]
    /// gives the same text without colours.
    ///
    /// [`Display`]: fmt::Display
    pub fn render(&self, color: bool) -> String {
        let paint = |code: &str, text: &str| {
            if color {
                format!("\x1b[{code}m{text}\x1b[0m")
            } else {
                text.to_string()
            }
        };
        let verdict = |v: &Verdict| match v {
            Verdict::Safe => paint("32", "safe"),
            Verdict::SafeIf(cond) => format!("{} {cond}", paint("33", "safe if")),
            Verdict::Breaking(reason) => format!("{}: {reason}", paint("1;31", "BREAKING")),
        };
        let mut out = String::new();
        for c in &self.changes {
            out.push_str(&format!("{}: {}\n", paint("1", &c.path), c.what));
            out.push_str(&format!(
                "    old writes, new reads: {}\n",
                verdict(&c.old_to_new)
            ));
            out.push_str(&format!(
                "    new writes, old reads: {}\n",
                verdict(&c.new_to_old)
            ));
        }
        let count = |rank: u8| {
            self.changes
                .iter()
                .filter(|c| c.worst().rank() == rank)
                .count()
        };
        let (safe, conditional, breaking) = (count(0), count(1), count(2));
        if self.changes.is_empty() {
            out.push_str("no changes on the wire\n");
        } else {
            out.push_str(&format!(
                "\n{} change{}: {breaking} breaking, {conditional} safe with conditions, {safe} safe\n",
                self.changes.len(),
                if self.changes.len() == 1 { "" } else { "s" }
            ));
        }
        out.push_str(&if breaking > 0 {
            paint(
                "1;31",
                "result: BREAKING, old and new code cannot read each other's messages",
            )
        } else if conditional > 0 {
            paint("33", "result: compatible if the conditions above hold")
        } else {
            paint("32", "result: compatible")
        });
        out.push('\n');
        out
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}
