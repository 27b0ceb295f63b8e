//! The server started on port 0 and sent real requests over TCP: every route, every error
//! class of the contract, oversized, malformed and slow requests, load, and shutdown.

mod common;

use std::io::Write;
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use common::{Client, error, request};
use ffibench_server::{BODY_LIMIT, Config, Server};
use serde_json::json;

/// Short timeouts, so the tests of slow clients take a second, not ten.
const QUICK: Config = Config {
    workers: Some(2),
    header_read_timeout: Duration::from_millis(500),
    request_timeout: Duration::from_secs(1),
    shutdown_grace: Duration::from_secs(5),
};

#[expect(
    clippy::expect_used,
    reason = "a test's helper: its failure is the test's"
)]
fn start() -> Server {
    Server::bind_with(("127.0.0.1", 0), QUICK).expect("bind a free port on 127.0.0.1")
}

#[expect(
    clippy::expect_used,
    reason = "a test's helper: its failure is the test's"
)]
fn post(address: SocketAddr, path: &str, body: &str) -> common::Reply {
    request(address, "POST", path, Some(body.as_bytes())).expect("an answer")
}

#[test]
fn health_and_the_document() {
    let server = start();
    let address = server.local_addr();
    let reply = request(address, "GET", "/health", None).unwrap();
    assert_eq!((reply.status, reply.json()), (200, json!({"status": "ok"})));
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let head = request(address, "HEAD", "/health", None).unwrap();
    assert_eq!((head.status, head.body.len()), (200, 0));
    let document = request(address, "GET", "/openapi.json", None).unwrap();
    assert_eq!(document.status, 200);
    assert_eq!(document.body, ffibench_server::api::OPENAPI.as_bytes());
    assert_eq!(
        document.body,
        std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../python/ffibench/web/openapi.json"
        ))
        .unwrap()
    );
    assert_eq!(server.url(), format!("http://{address}"));
    server.shutdown();
}

#[test]
fn stats() {
    let server = start();
    let address = server.local_addr();
    let reply = post(address, "/stats", "[3, 1.5, -0.0, 0, 10]");
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(body["count"], json!(5));
    assert_eq!(body["sum"], json!(14.5));
    assert_eq!(body["mean"], json!(2.9));
    assert_eq!(body["max"], json!(10.0));
    // min keeps the first of equal values: -0.0 before 0.
    assert!(
        body["min"]
            .as_f64()
            .is_some_and(|min| min == 0.0 && min.is_sign_negative())
    );
    // Integers are read as float64, -0 as 0.
    let reply = post(address, "/stats", "[-0]");
    assert!(
        reply.json()["min"]
            .as_f64()
            .is_some_and(f64::is_sign_positive)
    );
    // The pairwise sum, bit for bit: 0.1 added 1000 times.
    let values = vec!["0.1"; 1000].join(",");
    let reply = post(address, "/stats", &format!("[{values}]"));
    let expected = ffibench_core::arrays::sum(&[0.1; 1000]);
    assert_eq!(reply.json()["sum"].as_f64(), Some(expected));
    let shape = error("wrong_shape", "expected a JSON array of numbers");
    for body in [
        "{}",
        "[1, true]",
        "[[1]]",
        "[\"1\"]",
        "null",
        "1",
        "[1, null]",
    ] {
        let reply = post(address, "/stats", body);
        assert_eq!((reply.status, reply.json()), (422, shape.clone()), "{body}");
    }
    let reply = post(address, "/stats", "[]");
    assert_eq!(
        (reply.status, reply.json()),
        (400, error("invalid_value", "the list is empty"))
    );
    let reply = post(address, "/stats", "[1.7e308, 1.7e308]");
    assert_eq!(
        (reply.status, reply.json()),
        (
            400,
            error("invalid_value", "the sum is beyond the float64 range")
        )
    );
}

#[test]
fn words() {
    let server = start();
    let address = server.local_addr();
    let text = json!({"text": "The cat, the hat; THE end. Ünïcode ünïcode"}).to_string();
    let reply = post(address, "/words/top?k=2", &text);
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.json(),
        json!({"total": 8, "top": [{"word": "the", "count": 3}, {"word": "ünïcode", "count": 2}]})
    );
    let reply = post(address, "/words/top?other=1", &text);
    assert_eq!(reply.json()["top"].as_array().map(Vec::len), Some(5));
    let reply = post(address, "/words/top?k=0", &text);
    assert_eq!(reply.json(), json!({"total": 8, "top": []}));
    let shape = error(
        "wrong_shape",
        "expected an object with one field, text, a string",
    );
    for body in [
        r#"{"text": 1}"#,
        r#"{"text": "a", "k": 1}"#,
        r#"["a"]"#,
        "{}",
    ] {
        let reply = post(address, "/words/top", body);
        assert_eq!((reply.status, reply.json()), (422, shape.clone()), "{body}");
    }
    let bad_k = error(
        "invalid_value",
        "k must be an integer from 0 to 1000, given once",
    );
    for query in ["k=1001", "k=-1", "k=x", "k=1&k=1", "k="] {
        let reply = post(address, &format!("/words/top?{query}"), &text);
        assert_eq!(
            (reply.status, reply.json()),
            (400, bad_k.clone()),
            "{query}"
        );
    }
    // The body's shape is checked before k.
    let reply = post(address, "/words/top?k=x", "[]");
    assert_eq!(reply.status, 422);
}

#[test]
fn people() {
    let server = start();
    let address = server.local_addr();
    let ada = r#"{"name": "Ada", "age": 36, "salary": 5000}"#;
    let reply = request(address, "PUT", "/people/7", Some(ada.as_bytes())).unwrap();
    let stored = json!({"id": 7, "name": "Ada", "age": 36, "salary": 5000.0});
    assert_eq!((reply.status, reply.json()), (201, stored.clone()));
    let reply = request(address, "PUT", "/people/7", Some(ada.as_bytes())).unwrap();
    assert_eq!((reply.status, reply.json()), (200, stored.clone()));
    let reply = request(address, "GET", "/people/7", None).unwrap();
    assert_eq!((reply.status, reply.json()), (200, stored));
    let reply = request(address, "HEAD", "/people/7", None).unwrap();
    assert_eq!((reply.status, reply.body.len()), (200, 0));
    let reply = request(address, "DELETE", "/people/7", None).unwrap();
    assert_eq!((reply.status, reply.body.len()), (204, 0));
    let missing = error("not_found", "no person with id 7");
    let reply = request(address, "GET", "/people/7", None).unwrap();
    assert_eq!((reply.status, reply.json()), (404, missing.clone()));
    let reply = request(address, "DELETE", "/people/7", None).unwrap();
    assert_eq!((reply.status, reply.json()), (404, missing));
    let reply = request(
        address,
        "PUT",
        "/people/8",
        Some(br#"{"name": "", "age": 1, "salary": 1}"#),
    )
    .unwrap();
    assert_eq!(
        (reply.status, reply.json()),
        (
            400,
            error("invalid_value", "name must have 1 to 256 characters")
        )
    );
    let reply = request(
        address,
        "PUT",
        "/people/8",
        Some(br#"{"name": "B", "age": 1}"#),
    )
    .unwrap();
    assert_eq!(reply.status, 422);
    // Ids other than canonical decimals are no route, whatever the method.
    for path in [
        "/people/01",
        "/people/abc",
        "/people/",
        "/people/1/",
        "/people/-1",
    ] {
        for method in ["GET", "PUT", "DELETE", "PATCH"] {
            let reply = request(address, method, path, None).unwrap();
            assert_eq!(
                (reply.status, reply.json()),
                (404, error("not_found", "no such route")),
                "{method} {path}"
            );
        }
    }
    let reply = request(address, "PATCH", "/people/1", None).unwrap();
    assert_eq!(reply.status, 405);
}

#[test]
fn matmul() {
    let server = start();
    let address = server.local_addr();
    let reply = post(
        address,
        "/matmul",
        r#"{"a": [[1, 2], [3, 4]], "b": [[5, 6], [7, 8]]}"#,
    );
    assert_eq!(
        (reply.status, reply.json()),
        (200, json!({"c": [[19.0, 22.0], [43.0, 50.0]]}))
    );
    let reply = post(address, "/matmul", r#"{"a": [[1], [2]], "b": [[]]}"#);
    assert_eq!(reply.json(), json!({"c": [[], []]}));
    // A product large enough for the blocking pool: 64 x 64 of ones times itself.
    let ones = json!(vec![vec![1.0; 64]; 64]);
    let reply = post(
        address,
        "/matmul",
        &json!({"a": ones, "b": ones}).to_string(),
    );
    assert_eq!(reply.json(), json!({"c": vec![vec![64.0; 64]; 64]}));
    let reply = post(address, "/matmul", r#"{"a": [[1, 2]], "b": [[1, 2]]}"#);
    assert_eq!(
        (reply.status, reply.json()),
        (
            400,
            error("invalid_value", "a has 2 columns but b has 1 rows")
        )
    );
    let reply = post(address, "/matmul", r#"{"a": [[1e300]], "b": [[1]]}"#);
    assert_eq!(
        (reply.status, reply.json()),
        (
            400,
            error(
                "invalid_value",
                "a matrix entry's magnitude may be at most 1e150"
            )
        )
    );
    // at the bound, the largest sum of products is far from overflowing
    let reply = post(
        address,
        "/matmul",
        r#"{"a": [[1e150, -1e150]], "b": [[1e150], [1e150]]}"#,
    );
    assert_eq!(reply.status, 200);
    let reply = post(address, "/matmul", r#"{"a": [[1]], "b": [[1, 2], [3]]}"#);
    assert_eq!(reply.status, 422);
}

#[test]
fn routes_and_methods() {
    let server = start();
    let address = server.local_addr();
    let no_route = error("not_found", "no such route");
    let not_allowed = error("method_not_allowed", "method not allowed");
    for (method, path) in [
        ("GET", "/"),
        ("GET", "/nope"),
        ("POST", "/health/"),
        ("GET", "//health"),
    ] {
        let reply = request(address, method, path, None).unwrap();
        assert_eq!(
            (reply.status, reply.json()),
            (404, no_route.clone()),
            "{method} {path}"
        );
    }
    for (method, path, allow) in [
        ("POST", "/health", "GET,HEAD"),
        ("OPTIONS", "/health", "GET,HEAD"),
        ("GET", "/stats", "POST"),
        ("HEAD", "/stats", "POST"),
        ("PUT", "/matmul", "POST"),
        ("DELETE", "/words/top", "POST"),
        ("POST", "/people/1", "GET,HEAD,PUT,DELETE"),
    ] {
        let reply = request(address, method, path, None).unwrap();
        assert_eq!(reply.status, 405, "{method} {path}");
        if method != "HEAD" {
            assert_eq!(reply.json(), not_allowed, "{method} {path}");
        }
        assert_eq!(reply.header("allow"), Some(allow), "{method} {path}");
    }
    // Paths are matched percent-decoded, as WSGI servers decode them.
    let reply = request(address, "GET", "/%68ealth", None).unwrap();
    assert_eq!(reply.status, 200);
    let reply = request(address, "GET", "/people%2F1", None).unwrap();
    assert_eq!(reply.json(), error("not_found", "no person with id 1"));
    // Query parameters other than a route's own are ignored; so is a body sent to GET.
    let reply = request(address, "GET", "/health?x=1", Some(b"not json")).unwrap();
    assert_eq!(reply.status, 200);
}

#[test]
fn malformed_bodies() {
    let server = start();
    let address = server.local_addr();
    let malformed = error("malformed_json", "the body is not valid JSON");
    let deep = format!("{}{}", "[".repeat(101), "]".repeat(101));
    let bodies: Vec<&[u8]> = vec![
        b"",
        b"[1,",
        b"[1,]",
        b"[NaN]",
        b"\xff[1]",
        br#"{"text": "\ud800"}"#,
        deep.as_bytes(),
        b"[1e400",
    ];
    for path in ["/stats", "/words/top", "/matmul", "/people/1"] {
        let method = if path == "/people/1" { "PUT" } else { "POST" };
        for body in &bodies {
            let reply = request(address, method, path, Some(body)).unwrap();
            assert_eq!(
                (reply.status, reply.json()),
                (400, malformed.clone()),
                "{path} {}",
                String::from_utf8_lossy(body)
            );
        }
        // Valid JSON with a number beyond float64, whatever its shape.
        for body in [
            "[1e400]",
            r#"{"x": -1e400}"#,
            &format!("[{}]", "9".repeat(310)),
        ] {
            let reply = request(address, method, path, Some(body.as_bytes())).unwrap();
            assert_eq!(
                (reply.status, reply.json()),
                (
                    400,
                    error("invalid_value", "a number is beyond the float64 range")
                ),
                "{path} {body}"
            );
        }
    }
    // The deepest nesting allowed is JSON, of the wrong shape here.
    let deep = format!("{}{}", "[".repeat(100), "]".repeat(100));
    assert_eq!(post(address, "/stats", &deep).status, 422);
}

#[test]
fn bodies_over_the_limit_are_413() {
    let server = start();
    let address = server.local_addr();
    let too_large = error("too_large", "the body is over 1048576 bytes");
    // 2 MiB with a Content-Length: the whole body is sent before the answer is read.
    let big = vec![b' '; 2 << 20];
    let mut client = Client::connect(address).unwrap();
    let reply = client.request("POST", "/stats", Some(&big)).unwrap();
    assert_eq!((reply.status, reply.json()), (413, too_large.clone()));
    // The body was read to its end, so the connection carries the next request.
    let reply = client.request("GET", "/health", None).unwrap();
    assert_eq!(reply.status, 200);
    // Chunked, with no length declared: 413 once the limit is passed.
    let mut client = Client::connect(address).unwrap();
    client
        .send(b"POST /words/top HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n")
        .unwrap();
    for _ in 0..3 {
        client
            .send(format!("{:x}\r\n", 512 * 1024).as_bytes())
            .unwrap();
        client.send(&vec![b' '; 512 * 1024]).unwrap();
        client.send(b"\r\n").unwrap();
    }
    client.send(b"0\r\n\r\n").unwrap();
    let reply = client.read_reply("POST").unwrap();
    assert_eq!((reply.status, reply.json()), (413, too_large.clone()));
    // Exactly the limit is read (and is JSON: a number padded with spaces).
    let mut exact = vec![b' '; BODY_LIMIT];
    exact[0] = b'1';
    let reply = request(address, "POST", "/stats", Some(&exact)).unwrap();
    assert_eq!(reply.status, 422);
    // A client that waits for 100 Continue is answered without sending its body.
    let mut client = Client::connect(address).unwrap();
    client
        .send(b"PUT /people/1 HTTP/1.1\r\nHost: t\r\nContent-Length: 2000000\r\nExpect: 100-continue\r\n\r\n")
        .unwrap();
    let reply = client.read_reply("PUT").unwrap();
    assert_eq!((reply.status, reply.json()), (413, too_large));
    // Routes that read no body answer whatever body comes.
    let reply = request(address, "GET", "/health", Some(&big)).unwrap();
    assert_eq!(reply.status, 200);
    let reply = request(address, "PATCH", "/stats", Some(&big)).unwrap();
    assert_eq!(reply.status, 405);
}

#[test]
fn a_slow_client_does_not_hold_the_server() {
    let server = start();
    let address = server.local_addr();
    // A head trickled in a byte at a time, for longer than the header-read timeout.
    let slow = thread::spawn(move || {
        let mut stream = TcpStream::connect(address).unwrap();
        let started = Instant::now();
        for byte in b"GET /health HTTP/1.1\r\nHost: slow\r\nX-Long: aaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
            if stream.write_all(&[*byte]).is_err() {
                return Some(started.elapsed());
            }
            thread::sleep(Duration::from_millis(100));
        }
        None
    });
    // Meanwhile other clients are answered.
    for _ in 0..5 {
        assert_eq!(
            request(address, "GET", "/health", None).unwrap().status,
            200
        );
        thread::sleep(Duration::from_millis(50));
    }
    // The server closed the slow connection: writing to it failed before the head was done.
    assert!(slow.join().unwrap().is_some());

    // A body that stops coming: 408 once the request timeout passes, then the connection ends.
    let mut client = Client::connect(address).unwrap();
    client
        .send(b"POST /stats HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n[1,")
        .unwrap();
    let reply = client.read_reply("POST").unwrap();
    assert_eq!(reply.status, 408);
    assert_eq!(reply.json()["error"], json!("timeout"));
    assert!(client.closed_within(Duration::from_secs(10)).unwrap());

    // A connection that sends nothing, and one kept alive but idle, are closed as well.
    let mut silent = Client::connect(address).unwrap();
    assert!(silent.closed_within(Duration::from_secs(10)).unwrap());
    let mut idle = Client::connect(address).unwrap();
    assert_eq!(idle.request("GET", "/health", None).unwrap().status, 200);
    assert!(idle.closed_within(Duration::from_secs(10)).unwrap());
}

#[test]
fn many_connections_at_once() {
    let server = start();
    let address = server.local_addr();
    let barrier = Arc::new(Barrier::new(64));
    let answered = Arc::new(AtomicUsize::new(0));
    let threads: Vec<_> = (0..64)
        .map(|index| {
            let barrier = Arc::clone(&barrier);
            let answered = Arc::clone(&answered);
            thread::spawn(move || {
                let mut client = Client::connect(address).unwrap();
                barrier.wait();
                for round in 0..20 {
                    let reply = match (index + round) % 3 {
                        0 => client.request("GET", "/health", None),
                        1 => client.request("POST", "/stats", Some(b"[1, 2, 3]")),
                        _ => {
                            client.request("POST", "/words/top?k=1", Some(br#"{"text": "a b a"}"#))
                        }
                    }
                    .unwrap();
                    assert_eq!(reply.status, 200);
                    answered.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for thread in threads {
        thread.join().unwrap();
    }
    assert_eq!(answered.load(Ordering::Relaxed), 64 * 20);
}

#[test]
fn no_acknowledged_write_is_lost() {
    let server = start();
    let address = server.local_addr();
    let writers: Vec<_> = (0..8_u64)
        .map(|writer| {
            thread::spawn(move || {
                let mut client = Client::connect(address).unwrap();
                let mut acknowledged = Vec::new();
                for index in 0..100_u64 {
                    let id = writer * 1000 + index;
                    let body = format!(
                        r#"{{"name": "p{id}", "age": {}, "salary": {id}}}"#,
                        id % 151
                    );
                    let reply = client
                        .request("PUT", &format!("/people/{id}"), Some(body.as_bytes()))
                        .unwrap();
                    if reply.status == 201 {
                        acknowledged.push(id);
                    }
                }
                acknowledged
            })
        })
        .collect();
    let reader = thread::spawn(move || {
        let mut client = Client::connect(address).unwrap();
        (0..400)
            .map(|index| {
                client
                    .request("GET", &format!("/people/{index}"), None)
                    .unwrap()
                    .status
            })
            .all(|status| status == 200 || status == 404)
    });
    let acknowledged: Vec<u64> = writers
        .into_iter()
        .flat_map(|w| w.join().unwrap())
        .collect();
    assert!(reader.join().unwrap());
    assert_eq!(acknowledged.len(), 800);
    let mut client = Client::connect(address).unwrap();
    for id in acknowledged {
        let reply = client
            .request("GET", &format!("/people/{id}"), None)
            .unwrap();
        assert_eq!(reply.json()["name"], json!(format!("p{id}")));
    }
}

#[test]
fn shutdown_lets_requests_in_flight_finish() {
    let server = start();
    let address = server.local_addr();
    let mut client = Client::connect(address).unwrap();
    let mut idle = Client::connect(address).unwrap();
    assert_eq!(idle.request("GET", "/health", None).unwrap().status, 200);
    client
        .send(
            b"POST /stats HTTP/1.1\r\nHost: t\r\nContent-Length: 9\r\nExpect: 100-continue\r\n\r\n",
        )
        .unwrap();
    // 100 Continue: the handler is reading the body, the request is in flight.
    assert_eq!(client.read_reply("POST").unwrap().status, 100);
    let stopper = server.stopper();
    let stopping = thread::spawn(move || server.shutdown());
    // No new connection is accepted (once the stop is seen), and the idle one is closed...
    let deadline = Instant::now() + Duration::from_secs(5);
    while TcpStream::connect(address).is_ok() && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(10));
    }
    assert!(TcpStream::connect(address).is_err());
    assert!(idle.closed_within(Duration::from_secs(5)).unwrap());
    // ...but the request in flight is answered.
    client.send(b"[1, 2, 3]").unwrap();
    let reply = client.read_reply("POST").unwrap();
    assert_eq!(
        (reply.status, reply.json()["sum"].clone()),
        (200, json!(6.0))
    );
    stopping.join().unwrap();
    stopper.stop(); // stopping a stopped server does nothing
}

#[test]
fn bind_errors_and_workers() {
    let server = start();
    let taken = Server::bind(server.local_addr(), Some(1));
    assert_eq!(
        taken.map(|_| ()).map_err(|e| e.kind()),
        Err(std::io::ErrorKind::AddrInUse)
    );
    assert!(Server::bind("no-such-host.invalid:0", Some(1)).is_err());
    for workers in [0, ffibench_server::MAX_WORKERS + 1] {
        let refused = Server::bind(("127.0.0.1", 0), Some(workers));
        assert_eq!(
            refused.map(|_| ()).map_err(|e| e.kind()),
            Err(std::io::ErrorKind::InvalidInput)
        );
    }
    let one = Server::bind(("127.0.0.1", 0), Some(1)).unwrap();
    assert_eq!(
        request(one.local_addr(), "GET", "/health", None)
            .unwrap()
            .status,
        200
    );
    drop(one); // dropping stops it as shutdown does
}
