//! `evowire json`: decode messages into JSON by walking their schema and their bytes
//! together.
//!
//! The JSON follows serde_json's conventions for the same Rust types: structs are objects
//! (fields in schema order), tuples and sequences arrays, `None` and `()` null, enums
//! `"Unit"` or `{"Variant": body}`, bytes arrays of numbers, maps objects when their keys
//! are strings, numbers, chars or bools (arrays of `[key, value]` otherwise). Three forms
//! keep values exact: integers beyond 64 bits are strings, floats that are no JSON number
//! are `"NaN"`, `"inf"`, `"-inf"` or their bits (`"f64:0x7ff8000000000001"`), and `Some(x)`
//! is `{"some": x}` when `x` itself could be `null`. Decoding follows the format's reader
//! rules: integers may be varint or fixed-width, missing trailing fields and absent fields
//! take their defaults (left out of the object), items a newer writer added are skipped,
//! unknown variant indices reach the `#[serde(other)]` fallback. Each such event is noted
//! on stderr, as is every item `evowire encode` would write in another form.
//!
//! Each message is walked twice over the same bytes: once to check it against the schema
//! and collect its notes, then to write it. A message that does not fit prints nothing,
//! and memory stays at the size of the input whatever the size of the JSON.

use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use crate::cli::JsonArgs;
use crate::cmd::decode::{Decoder, Job, Notes, Stop};
use crate::cmd::emit::Emitter;
use crate::cmd::{load_schema, message_type, root_path, Failure};
use crate::input::{self, Framing};

pub fn run(args: &JsonArgs) -> Result<ExitCode, Failure> {
    let schema = load_schema(&args.schema)?;
    let ty = message_type(&schema, args.ty.as_deref())?;
    let bytes = input::read_message(args.input.as_deref(), args.hex)?;
    let root = root_path(&ty);
    let job = Job {
        schema: &schema,
        ty: &ty,
        root: &root,
        max_depth: args.messages.max_depth,
    };
    let stdout = io::stdout();
    let mut run = Run {
        job,
        notes: Notes::new(!args.quiet),
        out: Emitter::new(BufWriter::new(stdout.lock()), !args.compact),
    };
    let result = match args.messages.framing() {
        Framing::One => run.one(&bytes),
        Framing::Concat => run.concatenated(&bytes),
        Framing::Frames => input::frames(&bytes).try_for_each(|frame| {
            let frame = frame.map_err(Stop::Bad)?;
            run.one(frame.bytes).map_err(|e| e.context(&frame.label()))
        }),
    };
    let flushed = run.out.get_mut().flush();
    run.notes.print(&mut io::stderr().lock())?;
    flushed?;
    match result {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(Stop::Io(e)) => Err(e.into()),
        Err(Stop::Bad(message)) => Err(Failure::rejected(input::with_hex_hint(
            message, &bytes, args.hex,
        ))),
    }
}

/// A run of the command: what to read, the notes so far, where the JSON goes.
struct Run<'s, W> {
    job: Job<'s>,
    notes: Notes,
    out: Emitter<W>,
}

impl<W: Write> Run<'_, W> {
    /// Exactly one message in `bytes`: checked, then written.
    fn one(&mut self, bytes: &[u8]) -> Result<(), Stop> {
        let job = self.job;
        let mut off = Emitter::off();
        let mut check = Decoder::new(job, bytes, &mut off, Some(&mut self.notes));
        let mark = check.mark();
        if let Err(e) = check.message(job).and_then(|()| Ok(check.walker.end()?)) {
            check.rollback(mark);
            return Err(e);
        }
        Decoder::new(job, bytes, &mut self.out, None).message(job)
    }

    /// Messages written back to back: two walkers in step, the first checking each
    /// message before the second writes it.
    fn concatenated(&mut self, bytes: &[u8]) -> Result<(), Stop> {
        let job = self.job;
        let mut off = Emitter::off();
        let mut check = Decoder::new(job, bytes, &mut off, Some(&mut self.notes));
        let mut write = Decoder::new(job, bytes, &mut self.out, None);
        let mut n = 0u64;
        loop {
            let start = check.walker.offset();
            let mark = check.mark();
            let checked = match check.walker.next_message() {
                Ok(false) => return Ok(()),
                Ok(true) => check.message(job),
                Err(e) => Err(e.into()),
            };
            n += 1;
            if let Err(e) = checked {
                check.rollback(mark);
                return Err(match input::message_label(n, start) {
                    Some(label) => e.context(&label),
                    None => e,
                });
            }
            write.walker.next_message()?;
            write.message(job)?;
        }
    }
}
