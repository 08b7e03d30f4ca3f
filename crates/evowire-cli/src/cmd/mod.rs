//! The subcommands, one file each.

use std::fmt;
use std::io;
use std::path::Path;
use std::process::ExitCode;

use evowire_schema::{Container, Field, Schema, Type};

use crate::cli::Command;

mod compat;
mod demo;
mod dump;
mod encode;
mod json;

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

/// The decoder's own description of what is wrong with a malformed message, in its exact
/// words; `None` if the decoder accepts the bytes as one item.
pub fn decoder_error(bytes: &[u8]) -> Option<evowire::Error> {
    evowire::from_slice::<evowire::Value>(bytes).err()
}

/// Loads a schema document.
pub fn load_schema(path: &Path) -> Result<Schema, Failure> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| Failure::usage(format!("cannot read {}: {e}", path.display())))?;
    Schema::from_json(&text).map_err(|e| Failure::usage(format!("{}: {e}", path.display())))
}

/// The type a message is decoded as: the named type asked for, or the schema's root.
pub fn message_type(schema: &Schema, name: Option<&str>) -> Result<Type, Failure> {
    match name {
        None => Ok(schema.root.clone()),
        Some(name) if schema.types.contains_key(name) => Ok(Type::Named(name.to_string())),
        Some(name) => {
            let known: Vec<&str> = schema.types.keys().map(String::as_str).collect();
            Err(Failure::usage(format!(
                "the schema has no type `{name}` (it has: {})",
                known.join(", ")
            )))
        }
    }
}

/// Looks through newtype structs: `Meters(u32)` is `u32` on the wire.
pub fn resolve_newtypes<'a>(schema: &'a Schema, mut ty: &'a Type) -> &'a Type {
    for _ in 0..64 {
        match ty {
            Type::Named(name) => match schema.types.get(name) {
                Some(Container::Newtype(inner)) => ty = inner,
                _ => return ty,
            },
            _ => return ty,
        }
    }
    ty
}

/// How paths in messages start: the type's name, or `message`.
pub fn root_path(ty: &Type) -> String {
    match ty {
        Type::Named(name) => name.clone(),
        _ => "message".to_string(),
    }
}

/// The elements of a tuple or array type as positional fields named `0`, `1`, …; `None` for
/// any other type. `json` and `encode` walk tuples and arrays like structs of these fields.
pub fn positional_fields(ty: &Type) -> Option<Vec<Field>> {
    match ty {
        Type::Tuple(items) => Some(
            items
                .iter()
                .enumerate()
                .map(|(i, t)| Field::new(i.to_string(), t.clone()))
                .collect(),
        ),
        Type::Array { item, len } => Some(
            (0..*len)
                .map(|i| Field::new(i.to_string(), (**item).clone()))
                .collect(),
        ),
        _ => None,
    }
}
