//! The subcommands, one file each.

use std::fmt;
use std::io;
use std::path::Path;
use std::process::ExitCode;

use evowire_schema::{Schema, Type};

use crate::cli::Command;
use crate::input;

mod compat;
mod decode;
mod demo;
mod dump;
mod emit;
mod encode;
mod json;
pub mod shape;
mod tree;

/// Runs a subcommand. `Ok` carries the exit status of a command that ran to its end.
pub fn run(command: Command) -> Result<ExitCode, Failure> {
    match command {
        Command::Dump(args) => dump::run(&args),
        Command::Json(args) => json::run(&args),
        Command::Encode(args) => encode::run(&args),
        Command::Compat(args) => compat::run(&args),
        Command::Demo(args) => demo::run(&args),
    }
}

/// Why a command stopped, and with which exit status.
#[derive(Debug)]
pub struct Failure {
    code: u8,
    message: String,
    broken_pipe: bool,
}

impl Failure {
    /// Exit status 1: the input was read, and the answer is no (a malformed message, …).
    pub fn rejected(message: impl fmt::Display) -> Self {
        Failure {
            code: 1,
            message: message.to_string(),
            broken_pipe: false,
        }
    }

    /// Exit status 2: the command could not do its job (usage, unreadable or invalid files).
    pub fn usage(message: impl fmt::Display) -> Self {
        Failure {
            code: 2,
            message: message.to_string(),
            broken_pipe: false,
        }
    }

    pub fn code(&self) -> u8 {
        self.code
    }

    /// A reader of our output went away (`evowire dump big.bin | head`): not an error.
    pub fn is_broken_pipe(&self) -> bool {
        self.broken_pipe
    }
}

impl From<io::Error> for Failure {
    fn from(e: io::Error) -> Self {
        Failure {
            code: 2,
            broken_pipe: e.kind() == io::ErrorKind::BrokenPipe,
            message: format!("cannot write the output: {e}"),
        }
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// A walker's error in words: as the format crate says it, with a pointer to
/// `--max-depth` when the depth bound was hit.
pub fn walk_error(e: &evowire::Error) -> String {
    match (e.kind(), e.offset()) {
        (evowire::ErrorKind::DepthExceeded, Some(offset)) => {
            format!("{} (see --max-depth) at byte offset {offset}", e.message())
        }
        _ => e.to_string(),
    }
}

/// Loads a schema document from a file, or from standard input for `-`.
pub fn load_schema(path: &Path) -> Result<Schema, Failure> {
    let name = if input::is_stdin(Some(path)) {
        "standard input".to_string()
    } else {
        path.display().to_string()
    };
    let bytes = input::read_all(Some(path))?;
    let text = String::from_utf8(bytes)
        .map_err(|e| Failure::usage(format!("{name}: not a schema document: {e}")))?;
    // serde would also take a struct written as an array; a document is an object.
    match text.trim_start().chars().next() {
        Some('{') => {}
        first => {
            let found = match first {
                None => "nothing",
                Some('[') => "an array",
                Some('"') => "a string",
                Some('-' | '0'..='9') => "a number",
                Some(_) => "something else",
            };
            return Err(Failure::usage(format!(
                "{name}: not a schema document: expected a JSON object, found {found}"
            )));
        }
    }
    Schema::from_json(&text).map_err(|e| Failure::usage(format!("{name}: {e}")))
}

/// The type a message is decoded as: the named type asked for, or the schema's root.
pub fn message_type(schema: &Schema, name: Option<&str>) -> Result<Type, Failure> {
    match name {
        None => Ok(schema.root.clone()),
        Some(name) if schema.types.contains_key(name) => Ok(Type::Named(name.to_string())),
        Some(name) => {
            // At most a few names: a document may hold thousands of types.
            const SHOWN: usize = 8;
            let known: Vec<&str> = schema
                .types
                .keys()
                .take(SHOWN)
                .map(String::as_str)
                .collect();
            let more = schema.types.len().saturating_sub(SHOWN);
            let more = if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            };
            Err(Failure::usage(format!(
                "the schema has no type `{name}` (it has: {}{more})",
                known.join(", ")
            )))
        }
    }
}

/// How paths in messages start: the type's name, or `message`.
pub fn root_path(ty: &Type) -> String {
    match ty {
        Type::Named(name) => name.clone(),
        _ => "message".to_string(),
    }
}
