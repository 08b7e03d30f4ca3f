//! Typed request/reply against a real nats-server: answers, timeouts, no responders,
//! remote errors, and a queue group of three workers sharing 3,000 requests.

mod support;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use evowire_nats::{Error, Message, MessageType, ServeOptions};
use futures::StreamExt;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Get {
    id: u64,
    key: String,
}

impl Message for Get {
    const TYPE: MessageType = MessageType::new("test.Get", 1, 0);
}

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct Value {
    id: u64,
    value: Option<String>,
    worker: u32,
}

impl Message for Value {
    const TYPE: MessageType = MessageType::new("test.Value", 1, 0);
}

/// A newer request type the service does not know: another major version.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq)]
struct GetV2 {
    keys: Vec<String>,
}

impl Message for GetV2 {
    const TYPE: MessageType = MessageType::new("test.Get", 2, 0);
}

const TIMEOUT: Duration = Duration::from_secs(5);

#[tokio::test]
async fn request_is_answered_and_handler_errors_come_back_as_remote_errors() {
    let server = support::server();
    let (caller, service_client) = (server.client().await, server.client().await);
    let subject = support::unique("kv.get.");
    let service = service_client
        .serve(subject.as_str(), ServeOptions::new(), |req| async move {
            let get: Get = req.value;
            match get.key.as_str() {
                "fail" => Err(format!("key `{}` is cursed", get.key)),
                "missing" => Ok(Value {
                    id: get.id,
                    value: None,
                    worker: 0,
                }),
                key => Ok(Value {
                    id: get.id,
                    value: Some(key.to_uppercase()),
                    worker: 0,
                }),
            }
        })
        .await
        .unwrap();
    assert_eq!(service.subject(), subject);

    let answer: Value = caller
        .request(
            subject.as_str(),
            &Get {
                id: 1,
                key: "abc".into(),
            },
            TIMEOUT,
        )
        .await
        .unwrap();
    assert_eq!(
        answer,
        Value {
            id: 1,
            value: Some("ABC".into()),
            worker: 0
        }
    );
    let answer: Value = caller
        .request(
            subject.as_str(),
            &Get {
                id: 2,
                key: "missing".into(),
            },
            TIMEOUT,
        )
        .await
        .unwrap();
    assert_eq!(answer.value, None);

    let err = caller
        .request::<_, Value>(
            subject.as_str(),
            &Get {
                id: 3,
                key: "fail".into(),
            },
            TIMEOUT,
        )
        .await
        .unwrap_err();
    match &err {
        Error::Remote {
            subject: s,
            message,
        } => {
            assert_eq!(s, &subject);
            assert_eq!(message, "key `fail` is cursed");
        }
        other => panic!("expected a remote error, got {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        format!("remote error from `{subject}`: key `fail` is cursed")
    );

    // A request of an incompatible major version is refused by the service, at once.
    let err = caller
        .request::<_, Value>(
            subject.as_str(),
            &GetV2 {
                keys: vec!["a".into()],
            },
            TIMEOUT,
        )
        .await
        .unwrap_err();
    match err {
        Error::Remote { message, .. } => assert_eq!(
            message,
            format!(
                "bad request: incompatible message on `{subject}`: sender's test.Get is \
                 version 2.0, this receiver reads 1.0: major versions differ"
            )
        ),
        other => panic!("expected a remote error, got {other:?}"),
    }

    // A reply that is not the expected type is a decode/incompatible error at the caller.
    let err = caller
        .request::<_, Get>(
            subject.as_str(),
            &Get {
                id: 4,
                key: "x".into(),
            },
            TIMEOUT,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, Error::Incompatible { reason, .. }
            if reason == "message type `test.Value`, this receiver reads `test.Get`"),
        "{err:?}"
    );

    assert_eq!(service.stop().await, 5);
    // Stopped: nobody listens any more.
    let err = caller
        .request::<_, Value>(
            subject.as_str(),
            &Get {
                id: 5,
                key: "x".into(),
            },
            TIMEOUT,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NoResponders { .. }), "{err:?}");
}

#[tokio::test]
async fn request_without_responders_fails_at_once() {
    let server = support::server();
    let caller = server.client().await;
    let subject = support::unique("nobody.home.");
    let start = Instant::now();
    let err = caller
        .request::<_, Value>(
            subject.as_str(),
            &Get {
                id: 1,
                key: "k".into(),
            },
            TIMEOUT,
        )
        .await
        .unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "took {:?}",
        start.elapsed()
    );
    match &err {
        Error::NoResponders { subject: s } => assert_eq!(s, &subject),
        other => panic!("expected NoResponders, got {other:?}"),
    }
    assert_eq!(err.to_string(), format!("no responders on `{subject}`"));
}

#[tokio::test]
async fn request_times_out_when_the_listener_does_not_answer() {
    let server = support::server();
    let (caller, listener) = (server.client().await, server.client().await);
    let subject = support::unique("slow.");
    // Someone listens (so no "no responders") but never answers.
    let mut silent = listener.subscribe::<Get>(subject.as_str()).await.unwrap();

    let start = Instant::now();
    let err = caller
        .request::<_, Value>(
            subject.as_str(),
            &Get {
                id: 9,
                key: "k".into(),
            },
            Duration::from_millis(300),
        )
        .await
        .unwrap_err();
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(300) && took < Duration::from_secs(3),
        "{took:?}"
    );
    match &err {
        Error::Timeout { subject: s, after } => {
            assert_eq!(s, &subject);
            assert_eq!(*after, Duration::from_millis(300));
        }
        other => panic!("expected Timeout, got {other:?}"),
    }
    assert_eq!(
        err.to_string(),
        format!("request on `{subject}` timed out after 300ms")
    );
    // The request did arrive, with a reply subject.
    let got = silent.next().await.unwrap().unwrap();
    assert_eq!(
        got.value,
        Get {
            id: 9,
            key: "k".into()
        }
    );
    assert!(got.reply.is_some());
}

#[tokio::test]
async fn slow_handlers_run_concurrently_up_to_the_limit() {
    let server = support::server();
    let (caller, service_client) = (server.client().await, server.client().await);
    let subject = support::unique("concurrent.");
    let _service = service_client
        .serve(
            subject.as_str(),
            ServeOptions::new().with_max_concurrency(8),
            |req| async move {
                tokio::time::sleep(Duration::from_millis(200)).await;
                let get: Get = req.value;
                Ok::<_, String>(Value {
                    id: get.id,
                    value: None,
                    worker: 0,
                })
            },
        )
        .await
        .unwrap();

    // 8 requests of 200 ms each with 8 slots: about 200 ms, not 1.6 s.
    let start = Instant::now();
    let answers: Vec<Value> = futures::future::try_join_all((0..8).map(|id| {
        let (caller, subject) = (&caller, subject.as_str());
        async move {
            caller
                .request::<_, Value>(
                    subject,
                    &Get {
                        id,
                        key: String::new(),
                    },
                    TIMEOUT,
                )
                .await
        }
    }))
    .await
    .unwrap();
    let took = start.elapsed();
    assert_eq!(
        answers.iter().map(|v| v.id).collect::<Vec<_>>(),
        (0..8).collect::<Vec<_>>()
    );
    assert!(
        took < Duration::from_millis(1000),
        "8 concurrent requests took {took:?}"
    );
}

#[tokio::test]
async fn queue_group_of_three_workers_answers_3000_requests_exactly_once() {
    const REQUESTS: u64 = 3_000;
    let server = support::server();
    let subject = support::unique("work.");
    // Every handler invocation, by request id.
    let seen: Arc<Mutex<HashMap<u64, u32>>> = Arc::default();

    let mut workers = Vec::new();
    for worker in 0..3u32 {
        // One connection per worker, as if each were its own process.
        let client = server.client().await;
        let seen = seen.clone();
        let service = client
            .serve(
                subject.as_str(),
                ServeOptions::new().with_queue_group("workers"),
                move |req| {
                    let seen = seen.clone();
                    async move {
                        let get: Get = req.value;
                        *seen.lock().unwrap().entry(get.id).or_default() += 1;
                        Ok::<_, String>(Value {
                            id: get.id,
                            value: Some(get.key),
                            worker,
                        })
                    }
                },
            )
            .await
            .unwrap();
        workers.push((client, service));
    }

    let caller = server.client().await;
    let start = Instant::now();
    let answers: Vec<Value> = futures::stream::iter(0..REQUESTS)
        .map(|id| {
            let caller = &caller;
            let subject = subject.as_str();
            async move {
                caller
                    .request::<_, Value>(
                        subject,
                        &Get {
                            id,
                            key: format!("k{id}"),
                        },
                        TIMEOUT,
                    )
                    .await
            }
        })
        .buffer_unordered(64)
        .map(|r| r.expect("every request is answered"))
        .collect()
        .await;
    let took = start.elapsed();

    let mut per_worker = [0u64; 3];
    let mut ids: Vec<u64> = answers
        .iter()
        .map(|v| {
            assert_eq!(v.value.as_deref(), Some(format!("k{}", v.id).as_str()));
            per_worker[v.worker as usize] += 1;
            v.id
        })
        .collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        (0..REQUESTS).collect::<Vec<_>>(),
        "one answer per request"
    );

    let seen = seen.lock().unwrap();
    assert_eq!(seen.len() as u64, REQUESTS);
    assert!(
        seen.values().all(|&n| n == 1),
        "a request was handled twice"
    );
    let handled: Vec<u64> = workers.iter().map(|(_, s)| s.handled()).collect();
    assert_eq!(handled.iter().sum::<u64>(), REQUESTS);
    assert_eq!(
        handled, per_worker,
        "answers per worker match each service's count"
    );
    assert!(
        per_worker.iter().all(|&n| n > 0),
        "every worker got a share: {per_worker:?}"
    );
    println!("3 workers answered {REQUESTS} requests in {took:?}: {per_worker:?} per worker");
}
