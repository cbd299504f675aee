//! A client of `GET /api/events` that reads the stream as it arrives, the way an `EventSource` does.

use std::time::Duration;

use reqwest::{header, StatusCode};
use serde_json::Value;

use super::Api;

/// How long a test waits for an event or an end that must come: far longer than any machine, loaded or idle,
/// needs, so only a missing one fails. How soon they come is a speed, measured by `make live-bench`.
pub const EVENTUALLY: Duration = Duration::from_secs(10);

/// One server-sent event.
#[derive(Debug, Clone, PartialEq)]
pub struct SseEvent {
    /// `event:`; "message" when absent.
    pub name: String,
    /// `id:`, if any.
    pub id: Option<String>,
    /// `data:`, parsed as JSON.
    pub data: Value,
}

impl SseEvent {
    /// The `version` its data carries.
    pub fn version(&self) -> i64 {
        self.data["version"].as_i64().expect("a version")
    }
}

/// What reading the stream gave.
#[derive(Debug)]
pub enum Read {
    /// An event.
    Event(SseEvent),
    /// A comment line (a keep-alive).
    Comment,
    /// The server ended the stream.
    Ended,
    /// Nothing arrived in time.
    Silent,
}

/// An open stream.
pub struct EventStream {
    response: reqwest::Response,
    buffer: String,
    ended: bool,
}

impl EventStream {
    /// Opens `api`'s stream and checks that it is one.
    pub async fn open(api: &Api) -> Self {
        Self::open_with(api, &[]).await
    }

    /// Opens `api`'s stream with extra headers (such as `Last-Event-ID`) and checks that it is one.
    pub async fn open_with(api: &Api, headers: &[(&str, &str)]) -> Self {
        let response = Self::request(api, headers).await;
        assert_eq!(response.status(), StatusCode::OK);
        let kind = response.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap_or_default();
        assert!(kind.starts_with("text/event-stream"), "{kind}");
        Self {
            response,
            buffer: String::new(),
            ended: false,
        }
    }

    /// Opens the stream and reads its `hello`; answers the stream and the version `hello` gave.
    pub async fn greeted(api: &Api) -> (Self, i64) {
        let mut stream = Self::open(api).await;
        let hello = stream.event().await;
        assert_eq!(hello.name, "hello", "{hello:?}");
        assert_eq!(
            hello.id.as_deref(),
            Some(hello.version().to_string().as_str())
        );
        let version = hello.version();
        (stream, version)
    }

    /// The raw answer to `GET /api/events` with extra headers.
    pub async fn request(api: &Api, headers: &[(&str, &str)]) -> reqwest::Response {
        let mut request = api.raw(reqwest::Method::GET, "/api/events");
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        request.send().await.expect("request completes")
    }

    /// The next event, skipping keep-alive comments; fails the test after [`EVENTUALLY`] without one.
    pub async fn event(&mut self) -> SseEvent {
        self.event_within(EVENTUALLY).await
    }

    /// The next event within `limit`, skipping keep-alive comments.
    pub async fn event_within(&mut self, limit: Duration) -> SseEvent {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.read(left).await {
                Read::Event(event) => return event,
                Read::Comment => continue,
                other => panic!("expected an event within {limit:?}, got {other:?}"),
            }
        }
    }

    /// Whether the next event is the creation of `todo`, a todo made after whatever this stream must not
    /// hear: a stream's events keep their order, so anything heard wrongly would come first. Unlike a quiet
    /// spell, this cannot pass because the wrong event was slow.
    pub async fn next_is_creation_of(&mut self, todo: &serde_json::Value) -> bool {
        let next = self.event().await;
        if next.name == "todo_created" && next.data["todo"] == *todo {
            return true;
        }
        eprintln!("unexpected event: {next:?}");
        false
    }

    /// Whether the server ends the stream within `limit`; events before the end are skipped.
    pub async fn ends_within(&mut self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.read(left).await {
                Read::Ended => return true,
                Read::Silent => return false,
                Read::Event(_) | Read::Comment => continue,
            }
        }
    }

    /// The next thing on the stream, waiting at most `limit`.
    pub async fn read(&mut self, limit: Duration) -> Read {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                return parse(&block);
            }
            if self.ended {
                return Read::Ended;
            }
            match tokio::time::timeout(limit, self.response.chunk()).await {
                Err(_) => return Read::Silent,
                Ok(Ok(Some(chunk))) => self.buffer.push_str(&String::from_utf8_lossy(&chunk)),
                Ok(Ok(None)) | Ok(Err(_)) => self.ended = true,
            }
        }
    }
}

fn parse(block: &str) -> Read {
    let mut name = "message".to_owned();
    let mut id = None;
    let mut data = String::new();
    let mut fields = 0;
    for line in block.lines() {
        if line.is_empty() || line.starts_with(':') {
            continue;
        }
        let (field, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        fields += 1;
        match field {
            "event" => name = value.to_owned(),
            "id" => id = Some(value.to_owned()),
            "data" => data.push_str(value),
            _ => {}
        }
    }
    if fields == 0 {
        return Read::Comment;
    }
    let data = serde_json::from_str(&data).unwrap_or_else(|_| panic!("JSON data: {data:?}"));
    Read::Event(SseEvent { name, id, data })
}
