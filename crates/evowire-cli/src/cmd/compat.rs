//! `evowire compat OLD NEW`: the compatibility report of two schema documents.

use std::io::{self, IsTerminal, Write};
use std::process::ExitCode;

use evowire_schema::check_compatible;

use crate::cli::{Color, CompatArgs};
use crate::cmd::{load_schema, Failure};

pub fn run(args: &CompatArgs) -> Result<ExitCode, Failure> {
    let old = load_schema(&args.old)?;
    let new = load_schema(&args.new)?;
    let report = check_compatible(&old, &new);
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
    write!(out, "{}", report.render(color))?;
    out.flush()?;
    Ok(if report.is_breaking() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}
