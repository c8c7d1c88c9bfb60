//! Property test of the Entra ID token decoder used for AKS clusters: the authority
//! (`AZURE_AUTHORITY_HOST`, set once before anything else runs in this process) answers
//! arbitrary statuses and bodies, and `aks_token::token` returns a token or an error,
//! never panics — and never puts the client secret in its error.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ff_provider::backends::aks_token::{ArmCredentials, token};
use proptest::prelude::*;

fn serve(answer: Arc<Mutex<(u16, Vec<u8>)>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = format!("http://{}", listener.local_addr().expect("address"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
            let mut buf = [0u8; 8192];
            let _ = stream.read(&mut buf);
            let (status, body) = answer
                .lock()
                .map(|g| g.clone())
                .unwrap_or((500, Vec::new()));
            let head = format!(
                "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes());
            let _ = stream.write_all(&body);
        }
    });
    address
}

#[test]
fn entra_token_answers_never_panic() {
    let answer = Arc::new(Mutex::new((200u16, Vec::new())));
    let address = serve(answer.clone());
    // SAFETY: this test binary has this one test; nothing else reads the environment yet.
    unsafe { std::env::set_var("AZURE_AUTHORITY_HOST", &address) };
    let credentials = ArmCredentials {
        tenant_id: "t".into(),
        client_id: "c".into(),
        client_secret: "very-secret-value".into(),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let bodies = prop_oneof![
        prop::collection::vec(any::<u8>(), 0..64),
        "\\{(\"(access_token|error|error_description|expires_in|token_type)\": ?(\"[a-zA-Z0-9 :.]{0,12}\"|[0-9]{1,4}|null|\\[\\]|\\{\\}),? ?){0,5}\\}"
            .prop_map(String::into_bytes),
    ];
    let statuses = prop::sample::select(vec![200u16, 400, 401, 404, 500]);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 48,
        ..ProptestConfig::default()
    });
    runner
        .run(&(statuses, bodies), |(status, body)| {
            if let Ok(mut guard) = answer.lock() {
                *guard = (status, body);
            }
            let outcome = runtime.block_on(token(&credentials, "app", Duration::from_secs(5)));
            if let Err(e) = outcome {
                let text = format!("{e:#}");
                prop_assert!(!text.contains("very-secret-value"), "{}", text);
            }
            Ok(())
        })
        .expect("no panic and no secret in errors");
    // A well-formed answer decodes.
    if let Ok(mut guard) = answer.lock() {
        *guard = (
            200,
            br#"{"access_token":"eyJ.x.y","expires_in":3599}"#.to_vec(),
        );
    }
    let granted = runtime
        .block_on(token(&credentials, "app", Duration::from_secs(5)))
        .expect("decodes");
    assert_eq!(granted, "eyJ.x.y");
}
