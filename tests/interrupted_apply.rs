//! An apply killed in the middle of each resource's create: terraform and the provider
//! (their whole process group) get SIGKILL while the sandbox holds a request of the create
//! — one it has already carried out, so the object exists but neither the provider nor the
//! state ever hears of it. A second apply must converge by adopting what exists by the
//! deployment key: the sandbox then holds exactly what a clean apply makes (nothing twice),
//! the plan is empty, and destroy leaves nothing behind.
//!
//! The request to hold is not chosen by hand: it is the middle one of the writes a clean
//! apply of the resource sends (from the sandbox's request log).
//!
//! Every terraform: what is under test is the provider's adoption, but how terraform and its
//! providers are laid out in processes is each terraform's own (1.15.5 runs inside its
//! launcher's process), and the kill must leave none of them behind.

use std::time::{Duration, Instant};

use ff_e2e::faults::{Subject, difference, inventory, regex_escape};
use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::{Workdir, live_processes_of_group};
use ff_e2e::tools::{TerraformBin, terraforms};
use serde_json::{Value, json};

/// How long the held request waits for its answer: far longer than the test.
const HOLD_MS: u64 = 600_000;

fn config_of(subject: Subject, sandbox: &Sandbox, protection: bool) -> String {
    subject.config(sandbox, None, protection)
}

fn interrupted(tf: &TerraformBin, subject: Subject) {
    let ctx = format!("{} (terraform {})", subject.resource_type(), tf.version);
    let sandbox = Sandbox::start();
    subject.prepare(&sandbox);
    let baseline = inventory(&sandbox.state());
    let dir = Workdir::new(
        tf,
        &config_of(subject, &sandbox, false),
        subject.env(&sandbox),
    );

    // A clean apply shows what the create sends and makes; then back to nothing.
    sandbox.clear_requests();
    dir.apply();
    let log = sandbox.requests();
    let expected = difference(&baseline, &inventory(&sandbox.state()));
    dir.destroy().ok();
    assert_eq!(
        difference(&baseline, &inventory(&sandbox.state())),
        (vec![], vec![]),
        "{ctx}: a clean destroy leaves nothing"
    );

    // The middle write of the create.
    let writes: Vec<&Value> = log.iter().filter(|e| e["method"] != "GET").collect();
    assert!(writes.len() >= 3, "{ctx}: the create sends writes: {log:?}");
    let held = writes[writes.len() / 2];
    let same_before = log
        .iter()
        .take_while(|e| e["seq"] != held["seq"])
        .filter(|e| {
            e["service"] == held["service"]
                && e["method"] == held["method"]
                && e["path"] == held["path"]
        })
        .count();
    let what = format!(
        "{} {} {}",
        held["service"].as_str().unwrap_or_default(),
        held["method"].as_str().unwrap_or_default(),
        held["path"].as_str().unwrap_or_default()
    );
    let fault = sandbox.add_fault(json!({
        "service": held["service"],
        "method": held["method"],
        "path": format!("^{}$", regex_escape(held["path"].as_str().unwrap_or_default())),
        "kind": "latency",
        "latency_ms": HOLD_MS,
        "answer_late": true,
        "after": same_before,
        "times": 1,
    }));

    // Apply again from nothing, and kill everything while that request is held.
    dir.write("main.tf", &config_of(subject, &sandbox, true));
    sandbox.clear_requests();
    let mut apply = dir.spawn(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        let arrived = sandbox
            .requests()
            .iter()
            .any(|e| e["fault_id"].as_u64() == Some(fault));
        if arrived {
            break;
        }
        assert!(
            apply.is_running(),
            "{ctx}: the apply ended before sending {what}"
        );
        assert!(
            Instant::now() < deadline,
            "{ctx}: {what} was not sent within 180 s"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    // The provider is in terraform's process group: both are killed.
    let group: Vec<u32> = live_processes_of_group(apply.pid());
    assert!(
        group.len() >= 2,
        "{ctx}: terraform and the provider run in one process group: {group:?}"
    );
    assert!(apply.is_running(), "{ctx}: the apply is still waiting");
    let killed = apply.kill_group();
    sandbox.clear_faults();
    let made = difference(&baseline, &inventory(&sandbox.state())).0;
    eprintln!(
        "{ctx}: killed while {what} was held; {} of {} objects existed",
        made.len(),
        expected.0.len()
    );
    assert!(
        !made.is_empty(),
        "{ctx}: the killed apply had made something ({what} was carried out)"
    );
    assert_eq!(
        dir.resource(&subject.address()),
        Value::Null,
        "{ctx}: the state knows nothing of the interrupted create:\n{}",
        killed.output()
    );

    // The second apply adopts what exists and finishes.
    dir.apply();
    assert_eq!(
        difference(&baseline, &inventory(&sandbox.state())),
        expected,
        "{ctx}: after the second apply the sandbox holds exactly what a clean apply makes \
         (added, removed)"
    );
    dir.assert_plan_empty(&format!("{ctx}: after the second apply"));
    dir.write("main.tf", &config_of(subject, &sandbox, false));
    dir.apply();
    dir.destroy().ok();
    assert_eq!(
        difference(&baseline, &inventory(&sandbox.state())),
        (vec![], vec![]),
        "{ctx}: destroy leaves nothing behind"
    );
}

#[test]
fn deployment_create_killed_midway_is_finished_by_the_next_apply() {
    for tf in terraforms() {
        interrupted(&tf, Subject::Deployment);
    }
}

#[test]
fn auth0_setup_create_killed_midway_is_finished_by_the_next_apply() {
    for tf in terraforms() {
        interrupted(&tf, Subject::Auth0Setup);
    }
}

#[test]
fn platform_bootstrap_create_killed_midway_is_finished_by_the_next_apply() {
    for tf in terraforms() {
        interrupted(&tf, Subject::Bootstrap);
    }
}
