//! Calls over QUIC: one bidirectional stream per call. The caller writes one request
//! frame and finishes its side; the other side answers with one response or error frame
//! and finishes its side.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use futures::stream::FuturesUnordered;
use futures::{FutureExt, StreamExt};
use quinn::{ReadError, RecvStream, SendStream, WriteError};
use serde::Serialize;
use tokio::sync::Notify;

use super::{code, connection_error};
use crate::core::{RawHandler, Reply};
use crate::error::{Error, Result};
use crate::frame::{
    encode_frame, id_header, Frame, LEN_PREFIX, TAG_ERROR, TAG_REQUEST, TAG_RESPONSE,
};
use crate::options::Options;

/// The most bytes taken from a stream at once.
const READ_CHUNK: usize = 64 * 1024;

/// The request id on a call stream: the stream pairs a request with its answer.
const CALL_ID: u64 = 0;

/// The answer frame of a call stream: `reply`'s value in a response frame of at most
/// `max` bytes, or its error (or the encoding's) in an error frame.
pub(crate) fn answer_frame<T: Serialize>(
    max: usize,
    reply: std::result::Result<T, String>,
) -> BytesMut {
    let message = match reply {
        Ok(resp) => {
            let mut out = BytesMut::new();
            let (h, n) = id_header(TAG_RESPONSE, CALL_ID);
            match encode_frame(&mut out, max, &h[..n], &resp) {
                Ok(()) => return out,
                Err(e) => format!("cannot send response: {e}"),
            }
        }
        Err(message) => message,
    };
    error_frame(&message)
}

/// An error answer frame carrying `message`.
fn error_frame(message: &str) -> BytesMut {
    let mut out = BytesMut::new();
    let (h, n) = id_header(TAG_ERROR, CALL_ID);
    if encode_frame(&mut out, usize::MAX, &h[..n], message).is_err() {
        out.clear();
    }
    out
}

/// The calls of one QUIC connection: what the caller side needs, and the count of calls
/// in flight that a graceful close waits for.
pub(crate) struct Calls {
    pub(crate) quic: quinn::Connection,
    pub(crate) opts: Options,
    /// The longest request the peer accepts, as its handshake announced.
    peer_max: usize,
    in_flight: AtomicUsize,
    idle: Notify,
}

impl Calls {
    pub(crate) fn new(quic: quinn::Connection, opts: Options, peer_max: usize) -> Self {
        Calls {
            quic,
            opts,
            peer_max,
            in_flight: AtomicUsize::new(0),
            idle: Notify::new(),
        }
    }

    /// Sends `req` on a stream of its own and returns the answer's body. A request longer
    /// than the peer accepts fails here with [`Error::FrameTooLarge`], unsent.
    pub(crate) async fn call<T: Serialize + ?Sized>(
        &self,
        req: &T,
        timeout: Option<Duration>,
    ) -> Result<Bytes> {
        let mut frame = BytesMut::new();
        let (h, n) = id_header(TAG_REQUEST, CALL_ID);
        encode_frame(&mut frame, self.peer_max, &h[..n], req)?;
        self.in_flight.fetch_add(1, Ordering::SeqCst);
        let _guard = InFlight(self);
        let max = self.opts.max_frame_length;
        bounded(timeout, "call", self.exchange(frame.freeze(), max)).await
    }

    async fn exchange(&self, request: Bytes, max: usize) -> Result<Bytes> {
        let (mut send, mut recv) = self
            .quic
            .open_bi()
            .await
            .map_err(|e| connection_error(e, &self.opts))?;
        let mut stream = Stream {
            recv: &mut recv,
            armed: true,
        };
        match send.write_chunk(request).await {
            // Stopped: the peer refuses the request (too long); its answer says why.
            Ok(()) | Err(WriteError::Stopped(_)) => {}
            Err(e) => return Err(write_error(e, &self.opts)),
        }
        let _ = send.finish();
        let answer = read_frame(stream.recv, max, &self.opts).await;
        stream.armed = false;
        match answer? {
            Frame::Response(_, body) => Ok(body),
            Frame::Error(_, message) => Err(Error::Remote(message)),
            other => Err(Error::Protocol(format!(
                "a call stream was answered with {}, not a response or an error",
                kind(&other)
            ))),
        }
    }

    /// Waits until no call of this side is in flight.
    pub(crate) async fn idle(&self) {
        crate::core::wait_for(&self.idle, || {
            (self.in_flight.load(Ordering::SeqCst) == 0).then_some(())
        })
        .await;
    }
}

/// Counts a call in flight while it lives.
struct InFlight<'a>(&'a Calls);

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        if self.0.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 {
            self.0.idle.notify_waiters();
        }
    }
}

/// The receiving side of a call whose answer is still expected: a call given up (timeout,
/// cancellation) tells the peer to stop sending the answer.
struct Stream<'a> {
    recv: &'a mut RecvStream,
    armed: bool,
}

impl Drop for Stream<'_> {
    fn drop(&mut self) {
        if self.armed {
            let _ = self.recv.stop(code::CANCELLED);
        }
    }
}

/// Answers the calls the peer opens on `quic` until the connection ends, in answer
/// frames of at most `peer_max` bytes (the peer's announced limit).
///
/// The streams are read and answered on this one task: the requests that arrive in one
/// packet are answered in one poll, so the connection sends their answers together
/// instead of a packet each. A handler that has to wait continues in a task of its own.
pub(crate) async fn serve_calls(
    quic: quinn::Connection,
    handler: Option<RawHandler>,
    opts: Options,
    peer_max: usize,
) {
    let mut answering = FuturesUnordered::new();
    loop {
        tokio::select! {
            accepted = quic.accept_bi() => match accepted {
                Ok((send, recv)) => answering.push(answer(send, recv, handler.clone(), &opts, peer_max)),
                Err(_) => break,
            },
            Some(()) = answering.next(), if !answering.is_empty() => {}
        }
    }
}

/// Reads the request of one call stream and writes its answer.
async fn answer(
    send: SendStream,
    mut recv: RecvStream,
    handler: Option<RawHandler>,
    opts: &Options,
    peer_max: usize,
) {
    let request = read_frame(&mut recv, opts.max_frame_length, opts);
    let request = bounded(opts.call_timeout, "reading a request", request).await;
    let answer = match request {
        Ok(Frame::Request(_, body)) => match &handler {
            Some(handler) => {
                let mut answer = handler(Reply::Frame(peer_max), body);
                match (&mut answer).now_or_never() {
                    Some(answer) => answer.unwrap_or_default(),
                    None => {
                        tokio::spawn(async move {
                            write_answer(send, answer.await.unwrap_or_default()).await;
                        });
                        return;
                    }
                }
            }
            None => error_frame("this peer serves no requests"),
        },
        Ok(other) => error_frame(&format!(
            "a call stream must carry a request frame, not {}",
            kind(&other)
        )),
        Err(e) => {
            tracing::debug!(error = %e, "bad request on a call stream");
            let _ = recv.stop(code::CANCELLED);
            error_frame(&format!("bad request: {e}"))
        }
    };
    write_answer(send, answer).await;
}

/// Writes `answer` on `send` and ends the stream.
async fn write_answer(mut send: SendStream, answer: BytesMut) {
    if send.write_chunk(answer.freeze()).await.is_ok() {
        let _ = send.finish();
    }
}

/// Runs `fut` within `timeout`, if any; past it, fails with [`Error::Timeout`] naming
/// `operation`.
async fn bounded<T>(
    timeout: Option<Duration>,
    operation: &'static str,
    fut: impl Future<Output = Result<T>>,
) -> Result<T> {
    match timeout {
        None => fut.await,
        Some(after) => tokio::time::timeout(after, fut)
            .await
            .unwrap_or(Err(Error::Timeout { operation, after })),
    }
}

/// Reads the one frame of a call stream: a length prefix within `max`, the payload, then
/// the end of the stream. The prefix is checked as soon as it is in, before any payload is
/// kept; a frame that arrives with its end in one piece (the common case) takes one read
/// for the bytes and one to see the end.
async fn read_frame(recv: &mut RecvStream, max: usize, opts: &Options) -> Result<Frame> {
    let mut prefix = [0u8; LEN_PREFIX];
    let mut have = 0;
    // Ordered reads only, into a buffer that grows with what arrives (never sized from
    // the prefix alone).
    let mut payload = BytesMut::new();
    let mut claimed = None;
    while let Some(chunk) = recv
        .read_chunk(READ_CHUNK, true)
        .await
        .map_err(|e| read_error(e, opts))?
    {
        let mut bytes = &chunk.bytes[..];
        let len = match claimed {
            Some(len) => len,
            None => {
                let take = bytes.len().min(LEN_PREFIX - have);
                let (head, rest) = bytes.split_at(take);
                if let Some(dst) = prefix.get_mut(have..have + take) {
                    dst.copy_from_slice(head);
                }
                have += take;
                bytes = rest;
                if have < LEN_PREFIX {
                    continue;
                }
                let len = u32::from_be_bytes(prefix) as usize;
                if len > max {
                    return Err(Error::FrameTooLarge { len, max });
                }
                *claimed.insert(len)
            }
        };
        if payload.len() + bytes.len() > len {
            return Err(Error::Protocol(format!(
                "bytes after the frame of {len} bytes on a call stream"
            )));
        }
        payload.extend_from_slice(bytes);
    }
    let Some(len) = claimed else {
        return Err(Error::Truncated {
            have,
            need: LEN_PREFIX,
        });
    };
    if payload.len() < len {
        return Err(Error::Truncated {
            have: LEN_PREFIX + payload.len(),
            need: LEN_PREFIX + len,
        });
    }
    Frame::parse(payload)
}

/// What kind of frame `frame` is, for error messages.
fn kind(frame: &Frame) -> String {
    match frame {
        Frame::Message(_) => "a message frame".into(),
        Frame::Request(..) => "a request frame".into(),
        Frame::Response(..) => "a response frame".into(),
        Frame::Error(..) => "an error frame".into(),
        Frame::Close => "a close frame".into(),
        Frame::Ping(_) => "a ping frame".into(),
        Frame::Pong(_) => "a pong frame".into(),
        Frame::Unknown(kind) => format!("a frame of unknown kind {kind}"),
    }
}

fn read_error(e: ReadError, opts: &Options) -> Error {
    match e {
        ReadError::ConnectionLost(e) => connection_error(e, opts),
        ReadError::Reset(code) => {
            Error::Protocol(format!("the peer reset the call stream (code {code})"))
        }
        other => Error::Io(other.into()),
    }
}

fn write_error(e: WriteError, opts: &Options) -> Error {
    match e {
        WriteError::ConnectionLost(e) => connection_error(e, opts),
        other => Error::Io(other.into()),
    }
}
