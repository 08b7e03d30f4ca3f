//! Receiving: the reader task, frame routing, and requests handed to the handler.

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use tokio::io::AsyncReadExt;
use tokio::sync::Semaphore;
use tracing::Instrument;

use super::lifecycle::Mode;
use super::sending::Deferral;
use super::{lock, BoxReader, Core, Phase, RawHandler};
use crate::error::{Error, Result};
use crate::frame::{self, control_frame, take_frame, Frame, TAG_PONG};
use crate::inbound::{Inbound, Run};

/// The request handler of a connection and the limit on handlers running at once.
pub(super) struct Requests {
    handler: Option<RawHandler>,
    permits: Arc<Semaphore>,
}

impl Requests {
    pub(super) fn new(handler: Option<RawHandler>, max_concurrent: usize) -> Self {
        Requests {
            handler,
            permits: Arc::new(Semaphore::new(max_concurrent)),
        }
    }
}

impl Core {
    /// No request handler is running.
    pub(super) fn handlers_idle(&self) -> bool {
        self.requests.permits.available_permits() == self.opts.max_concurrent_requests
    }

    /// Hands request `id` to the handler: answered inline when the handler is ready at once,
    /// else in a task of its own; refused without a handler or while closing.
    async fn dispatch_request(self: &Arc<Self>, id: u64, body: Bytes) {
        let Some(handler) = &self.requests.handler else {
            self.respond_error(id, "this peer serves no requests");
            return;
        };
        if lock(&self.out.state).mode != Mode::Open {
            self.respond_error(id, "connection is closing");
            return;
        }
        let permit = match self.requests.permits.clone().acquire_owned().await {
            Ok(p) => p,
            Err(_) => return,
        };
        let mut fut = handler(super::Reply::Queue(self.clone(), id), body);
        // Handlers that finish without waiting (the common fast case) answer inline,
        // which saves a task spawn and a wake-up; others continue in their own task.
        if futures::FutureExt::now_or_never(&mut fut).is_some() {
            drop(permit);
            self.handler_done();
            return;
        }
        let core = self.clone();
        tokio::spawn(
            async move {
                let _ = fut.await;
                drop(permit);
                core.handler_done();
            }
            .instrument(self.span.clone()),
        );
    }

    /// A closing writer waits for running handlers to finish: wake it after each one.
    fn handler_done(&self) {
        if lock(&self.out.state).mode == Mode::Closing {
            self.out.wake_writer.notify_one();
        }
    }
}

/// How much the reader asks for in one read, at least and at most.
const MIN_READ_CHUNK: usize = 8 * 1024;
const MAX_READ_CHUNK: usize = 64 * 1024;

/// How the read loop ended without an error.
enum ReadEnd {
    PeerClosed,
    Eof,
}

pub(super) async fn reader_task(
    core: Arc<Core>,
    mut io: BoxReader,
    leftover: BytesMut,
    inbound: Arc<Inbound>,
) {
    let linger = async {
        core.wait_phase(Phase::WriteDone).await;
        tokio::time::sleep(core.opts.close_timeout).await;
    };
    let result = tokio::select! {
        r = read_loop(&core, &mut io, leftover, &inbound) => Some(r),
        () = core.life.cancel.cancelled() => None,
        () = linger => {
            tracing::debug!("the peer did not answer our close frame in time");
            None
        }
    };
    match result {
        None => {}
        Some(Ok(ReadEnd::PeerClosed)) => {
            tracing::debug!("peer closed the connection");
            // The peer sends nothing more: its answers to our calls will not come.
            core.close_pending();
            core.begin_close();
            // Wait for our own close frame to go out before dropping the read half.
            tokio::select! {
                () = core.wait_phase(Phase::WriteDone) => {}
                () = core.life.cancel.cancelled() => {}
            }
        }
        Some(Ok(ReadEnd::Eof)) => {
            let closing = lock(&core.out.state).mode != Mode::Open;
            if closing {
                tracing::debug!("peer hung up after our close frame");
            } else {
                core.fail(Error::Disconnected);
            }
        }
        Some(Err(e @ (Error::FrameTooLarge { .. } | Error::Protocol(_)))) => {
            core.fail_with_notice(e);
            inbound.close();
            let _ =
                tokio::time::timeout(core.opts.close_timeout, core.wait_phase(Phase::WriteDone))
                    .await;
            core.life.cancel.cancel();
            core.task_done();
            return;
        }
        Some(Err(e)) => core.fail(e),
    }
    core.close_pending();
    inbound.close();
    core.task_done();
}

async fn read_loop(
    core: &Arc<Core>,
    io: &mut BoxReader,
    mut buf: BytesMut,
    inbound: &Inbound,
) -> Result<ReadEnd> {
    let max = core.opts.max_frame_length;
    let mut batch = Vec::new();
    let mut chunk = MIN_READ_CHUNK;
    core.touch();
    loop {
        let end = handle_frames(core, &mut buf, max, &mut batch, inbound).await;
        // Messages parsed before a close frame or an error are delivered first.
        if !batch.is_empty() {
            inbound.push(&mut batch).await;
        }
        if let Some(end) = end? {
            return Ok(end);
        }
        // Read in chunks of 8 KiB while reads come in small, up to 64 KiB while they
        // fill the buffer (a stream of messages): fewer, larger reads and batches.
        if buf.capacity() - buf.len() < chunk / 2 {
            buf.reserve(chunk);
        }
        let room = buf.capacity() - buf.len();
        let n = io.read_buf(&mut buf).await?;
        chunk = if n == room {
            (chunk * 2).min(MAX_READ_CHUNK)
        } else {
            MIN_READ_CHUNK
        };
        if n == 0 {
            return if buf.is_empty() {
                Ok(ReadEnd::Eof)
            } else {
                Err(frame::truncated(&buf))
            };
        }
        core.touch();
    }
}

/// Handles every complete frame in `buf`; messages are collected in `batch`. Answers to
/// requests and pings that are ready at once are written together at the end.
async fn handle_frames(
    core: &Arc<Core>,
    buf: &mut BytesMut,
    max: usize,
    batch: &mut Vec<Run>,
    inbound: &Inbound,
) -> Result<Option<ReadEnd>> {
    let mut deferral = Deferral::new(core);
    loop {
        // Messages, the bulk of the traffic, leave as runs: no per-message split.
        let (len, count) = frame::message_run(buf, max);
        if count > 0 {
            batch.push(Run {
                frames: buf.split_to(len).freeze(),
                count,
            });
        }
        let Some(payload) = take_frame(buf, max)? else {
            break;
        };
        match Frame::parse(payload)? {
            Frame::Message(body) => batch.push(Run::single(&body)),
            Frame::Request(id, body) => {
                if core.requests.permits.available_permits() == 0 {
                    // About to wait for a handler slot: write the answers so far, and
                    // deliver the messages read so far (running handlers may be waiting
                    // for them).
                    deferral.end();
                    if !batch.is_empty() {
                        inbound.push(batch).await;
                    }
                } else {
                    // Only this task takes permits: the slot is there, nothing waits.
                    deferral.begin();
                }
                core.dispatch_request(id, body).await;
            }
            Frame::Response(id, body) => core.complete(id, Ok(body)),
            Frame::Error(0, message) => return Err(fatal_notice(message)),
            Frame::Error(id, message) => core.complete(id, Err(Error::Remote(message))),
            Frame::Close => return Ok(Some(ReadEnd::PeerClosed)),
            Frame::Ping(n) => {
                deferral.begin();
                let (h, len) = control_frame(TAG_PONG, n);
                let _ = core.push_internal::<()>(&h[..len], None);
            }
            Frame::Pong(n) => tracing::trace!(n, "pong"),
            Frame::Unknown(kind) => tracing::trace!(kind, "ignored a frame of unknown kind"),
        }
    }
    Ok(None)
}

/// The error a fatal notice from the peer (an error frame with id 0) ends the connection
/// with: [`Error::Refused`] when the client refused this side after the handshake,
/// [`Error::Remote`] for anything else the peer reports.
fn fatal_notice(message: String) -> Error {
    match message.strip_prefix(crate::handshake::CLIENT_REFUSAL) {
        Some(reason) => Error::Refused {
            reason: reason.to_string(),
        },
        None => Error::Remote(message),
    }
}
