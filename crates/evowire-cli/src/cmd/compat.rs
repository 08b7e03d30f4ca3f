//! `evowire compat OLD NEW`: the compatibility report of two schema documents, for people
//! or (`--format json`) for programs.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use evowire_schema::{check_compatible_with, Change, CheckOptions, Report, Verdict};
use serde::Serialize;

use crate::cli::{Color, CompatArgs, Format};
use crate::cmd::{load_schema, Failure};
use crate::input;

pub fn run(args: &CompatArgs) -> Result<ExitCode, Failure> {
    if input::is_stdin(Some(&args.old)) && input::is_stdin(Some(&args.new)) {
        return Err(Failure::usage(
            "only one of the two documents can be read from standard input (`-`)",
        ));
    }
    let old = load_schema(&args.old)?;
    let new = load_schema(&args.new)?;
    let options = CheckOptions::new().with_max_depth(args.max_depth);
    let report = check_compatible_with(&old, &new, &options).map_err(Failure::usage)?;
    let stdout = io::stdout();
    let color = match args.color {
        Color::Always => true,
        Color::Never => false,
        Color::Auto => {
            stdout.is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::env::var_os("TERM").is_none_or(|t| t != "dumb")
        }
    };
    let mut out = stdout.lock();
    match args.format {
        Format::Text => write!(out, "{}", report.render(color))?,
        Format::Json => {
            serde_json::to_writer_pretty(&mut out, &JsonReport::new(&report))
                .map_err(io::Error::from)?;
            writeln!(out)?;
        }
    }
    out.flush()?;
    let fails = report.is_breaking() || (args.strict && !report.is_safe());
    Ok(if fails {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

/// The report as `--format json` writes it.
#[derive(Serialize)]
struct JsonReport<'a> {
    /// `compatible`, `conditional` or `breaking`: the worst change.
    result: &'static str,
    breaking: usize,
    conditional: usize,
    safe: usize,
    changes: Vec<JsonChange<'a>>,
}

#[derive(Serialize)]
struct JsonChange<'a> {
    path: &'a str,
    what: &'a str,
    /// `safe`, `conditional` or `breaking`: the worse direction.
    severity: &'static str,
    old_to_new: JsonVerdict<'a>,
    new_to_old: JsonVerdict<'a>,
}

#[derive(Serialize)]
struct JsonVerdict<'a> {
    severity: &'static str,
    /// The condition (`conditional`) or the reason (`breaking`).
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'a str>,
}

fn severity(v: &Verdict) -> &'static str {
    match v {
        Verdict::Safe => "safe",
        Verdict::SafeIf(_) => "conditional",
        Verdict::Breaking(_) => "breaking",
    }
}

impl<'a> JsonVerdict<'a> {
    fn new(v: &'a Verdict) -> Self {
        JsonVerdict {
            severity: severity(v),
            detail: match v {
                Verdict::Safe => None,
                Verdict::SafeIf(text) | Verdict::Breaking(text) => Some(text),
            },
        }
    }
}

impl<'a> JsonReport<'a> {
    fn new(report: &'a Report) -> Self {
        let changes: Vec<JsonChange<'a>> = report
            .changes
            .iter()
            .map(|c: &'a Change| JsonChange {
                path: &c.path,
                what: &c.what,
                severity: severity(c.worst()),
                old_to_new: JsonVerdict::new(&c.old_to_new),
                new_to_old: JsonVerdict::new(&c.new_to_old),
            })
            .collect();
        let count = |s: &str| changes.iter().filter(|c| c.severity == s).count();
        let (breaking, conditional, safe) =
            (count("breaking"), count("conditional"), count("safe"));
        JsonReport {
            result: if breaking > 0 {
                "breaking"
            } else if conditional > 0 {
                "conditional"
            } else {
                "compatible"
            },
            breaking,
            conditional,
            safe,
            changes,
        }
    }
}
