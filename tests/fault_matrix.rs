//! The fault matrix: every remote call of every resource gets a 500, a 429, a dropped
//! connection and an answer slower than the client's timeout, and each case must be
//! recovered within the same command: the provider sends the call again, or — for a create
//! whose answer came too late, so that what it made exists — its next convergence within
//! the same apply finds the object and adopts it.
//!
//! The calls are not listed by hand: a clean apply, refresh (plan) and destroy of each
//! resource are run first and the sandbox's request log gives each phase's distinct
//! `(service, method, path pattern)`. Then, for each kind of fault, every call of a phase
//! is armed at once with `times: 1` and the phase's command is run once: it must succeed.
//! A fault that fired is *recovered* when the same call is sent again later in that run (a
//! retry), and *adopted* when it is not, which is accepted only for a create (POST or
//! PATCH) under a late answer, whose object exists. After every run the sandbox may hold
//! only objects of the expected set, none twice; after the apply it holds exactly the
//! expected set and the plan is empty; after the destroy, nothing of it is left.
//!
//! Vault is a real OpenBao behind the sandbox's Vault port, which injects its faults as it
//! does for the emulated services.
//!
//! `request_timeout_seconds = 2` and a `slow` answer comes after 2.6 s (the request is
//! handled at once: the change is made, only the answer is late). The Kubernetes client
//! uses the same timeout. Terraform 1.0.3 only: the calls are the provider's, not
//! Terraform's. The table goes to `docs/fault-matrix.md` and its summary to CONTRIBUTING.md;
//! the test fails when either differs from this run (`FF_UPDATE_FAULT_MATRIX=1` rewrites
//! them).

use std::collections::BTreeMap;
use std::time::Instant;

use ff_e2e::faults::{Call, Subject, calls_of, difference, duplicates, inventory};
use ff_e2e::sandbox::Sandbox;
use ff_e2e::terraform::{Run, Workdir};
use ff_e2e::tools::{PINNED_TERRAFORM, TerraformBin, pinned_terraform, repo_root};
use serde_json::{Value, json};

/// The provider's `request_timeout_seconds` in the matrix.
const TIMEOUT_S: u32 = 2;
/// How late a `slow` answer comes.
const SLOW_MS: u64 = 2600;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Fault {
    Status500,
    RateLimit,
    Drop,
    Slow,
}

impl Fault {
    const ALL: [Fault; 4] = [Fault::Status500, Fault::RateLimit, Fault::Drop, Fault::Slow];

    fn label(self) -> &'static str {
        match self {
            Fault::Status500 => "500",
            Fault::RateLimit => "429",
            Fault::Drop => "drop",
            Fault::Slow => "slow",
        }
    }

    /// The sandbox fault that hits `call` once.
    fn spec(self, call: &Call) -> Value {
        let mut spec = json!({
            "service": call.service,
            "method": call.method,
            "path": call.regex,
            "times": 1,
        });
        let kind = match self {
            Fault::Status500 => json!({"kind": "status", "status": 500}),
            Fault::RateLimit => json!({"kind": "rate_limit", "retry_after_s": 1}),
            Fault::Drop => json!({"kind": "drop"}),
            Fault::Slow => json!({"kind": "latency", "latency_ms": SLOW_MS, "answer_late": true}),
        };
        if let (Some(spec), Some(kind)) = (spec.as_object_mut(), kind.as_object()) {
            spec.extend(kind.clone());
        }
        spec
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Phase {
    Apply,
    Refresh,
    Destroy,
}

impl Phase {
    fn label(self) -> &'static str {
        match self {
            Phase::Apply => "apply",
            Phase::Refresh => "refresh",
            Phase::Destroy => "destroy",
        }
    }

    fn run(self, dir: &Workdir) -> Run {
        match self {
            Phase::Apply => dir.try_apply(),
            Phase::Refresh => dir.plan(),
            Phase::Destroy => dir.destroy(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Outcome {
    /// Sent again within the run, which went on.
    Recovered,
    /// A create whose answer came too late: not sent again, the next convergence of the
    /// same apply found what it made.
    Adopted,
}

impl Outcome {
    const ALL: [Outcome; 2] = [Outcome::Recovered, Outcome::Adopted];

    fn label(self) -> &'static str {
        match self {
            Outcome::Recovered => "recovered",
            Outcome::Adopted => "adopted",
        }
    }
}

/// One subject's matrix: `(phase, call) → fault → outcome`.
type Matrix = BTreeMap<(Phase, Call), BTreeMap<Fault, Outcome>>;

/// One resource under fault: its sandbox, working directory and what a clean run showed.
struct Bench {
    subject: Subject,
    sandbox: Sandbox,
    dir: Workdir,
    /// Everything the sandbox holds before the resource exists.
    baseline: Vec<String>,
    /// What a clean apply adds to and removes from the baseline.
    expected: (Vec<String>, Vec<String>),
    calls: BTreeMap<Phase, Vec<Call>>,
    /// Terraform runs, for the summary.
    runs: usize,
}

impl Bench {
    fn ctx(&self) -> String {
        format!(
            "{} (terraform {})",
            self.subject.resource_type(),
            self.dir.terraform.version
        )
    }

    fn new(tf: &TerraformBin, subject: Subject) -> Self {
        let sandbox = Sandbox::start();
        subject.prepare(&sandbox);
        let baseline = inventory(&sandbox.state());
        let dir = Workdir::new(
            tf,
            &subject.config(&sandbox, Some(TIMEOUT_S), true),
            subject.env(&sandbox),
        );
        let mut bench = Self {
            subject,
            sandbox,
            dir,
            baseline,
            expected: (Vec::new(), Vec::new()),
            calls: BTreeMap::new(),
            runs: 0,
        };
        bench.learn();
        bench
    }

    /// A clean apply, refresh and destroy: the calls of each phase and the expected objects.
    fn learn(&mut self) {
        let ctx = self.ctx();
        self.sandbox.clear_requests();
        self.dir.apply();
        self.calls
            .insert(Phase::Apply, calls_of(&self.sandbox.requests()));
        self.expected = difference(&self.baseline, &inventory(&self.sandbox.state()));
        assert!(
            !self.expected.0.is_empty(),
            "{ctx}: a clean apply made nothing"
        );
        self.sandbox.clear_requests();
        self.dir
            .assert_plan_empty(&format!("{ctx}: after a clean apply"));
        self.calls
            .insert(Phase::Refresh, calls_of(&self.sandbox.requests()));
        self.unprotect();
        self.sandbox.clear_requests();
        self.dir.destroy().ok();
        self.calls
            .insert(Phase::Destroy, calls_of(&self.sandbox.requests()));
        self.assert_back_to_baseline("after a clean destroy");
        self.runs += 4;
    }

    /// Let destroy delete (ff_deployment's deletion_protection), with an unfaulted apply.
    fn unprotect(&mut self) {
        if self.subject == Subject::Deployment {
            self.dir.write(
                "main.tf",
                &self.subject.config(&self.sandbox, Some(TIMEOUT_S), false),
            );
            self.dir.apply();
            self.runs += 1;
        }
    }

    fn protect(&mut self) {
        self.dir.write(
            "main.tf",
            &self.subject.config(&self.sandbox, Some(TIMEOUT_S), true),
        );
    }

    fn now(&self) -> Vec<String> {
        inventory(&self.sandbox.state())
    }

    fn assert_back_to_baseline(&self, when: &str) {
        let (added, removed) = difference(&self.baseline, &self.now());
        assert!(
            added.is_empty() && removed.is_empty(),
            "{}: {when}, the sandbox should hold what it held before the resource existed.\n\
             left behind (orphans): {added:#?}\nmissing: {removed:#?}",
            self.ctx()
        );
    }

    /// After a failed run: nothing twice, nothing unexpected, and the resource in the
    /// state whenever anything of it exists.
    fn assert_partial(&self, when: &str, output: &str) {
        let ctx = self.ctx();
        let now = self.now();
        let twice = duplicates(&now);
        assert!(
            twice.is_empty(),
            "{ctx}: {when}: duplicates in the sandbox: {twice:#?}"
        );
        let (added, _) = difference(&self.baseline, &now);
        let unexpected: Vec<&String> = added
            .iter()
            .filter(|a| !self.expected.0.contains(a))
            .collect();
        assert!(
            unexpected.is_empty(),
            "{ctx}: {when}: objects a clean apply does not make: {unexpected:#?}"
        );
        if !added.is_empty() {
            assert_ne!(
                self.dir.resource(&self.subject.address()),
                Value::Null,
                "{ctx}: {when}: the sandbox holds {added:#?}, but the state has no {} — \
                 nothing would destroy them. Output:\n{output}",
                self.subject.address()
            );
        }
    }

    /// Run one phase under one kind of fault at every call, once; the outcome of each call.
    fn phase(&mut self, phase: Phase, fault: Fault) -> Vec<(Call, Outcome)> {
        let ctx = format!("{} [{} {}]", self.ctx(), phase.label(), fault.label());
        let calls = self.calls[&phase].clone();
        self.sandbox.clear_faults();
        let mut armed: BTreeMap<u64, Call> = BTreeMap::new();
        for call in &calls {
            armed.insert(self.sandbox.add_fault(fault.spec(call)), call.clone());
        }
        self.sandbox.clear_requests();
        let started = Instant::now();
        let run = phase.run(&self.dir);
        let took = started.elapsed();
        self.runs += 1;
        let log = self.sandbox.requests();
        let mut fired: BTreeMap<u64, Outcome> = BTreeMap::new();
        let mut lost = Vec::new();
        for (i, entry) in log.iter().enumerate() {
            let Some(id) = entry["fault_id"].as_u64() else {
                continue;
            };
            let Some(call) = armed.get(&id) else {
                continue;
            };
            if fired.contains_key(&id) {
                continue;
            }
            let retried = log[i + 1..].iter().any(|later| {
                later["fault_id"].is_null() && later["path"] == entry["path"] && call.matches(later)
            });
            // Only a create whose answer came late made something to adopt.
            let made_something =
                fault == Fault::Slow && matches!(call.method.as_str(), "POST" | "PATCH");
            if retried {
                fired.insert(id, Outcome::Recovered);
            } else if made_something && phase == Phase::Apply {
                fired.insert(id, Outcome::Adopted);
            } else {
                fired.insert(id, Outcome::Recovered);
                lost.push(call.clone());
            }
        }
        if phase == Phase::Refresh {
            assert_ne!(
                run.code,
                2,
                "{ctx}: a fault made the plan show changes (the read took an error for a \
                 difference):\n{}",
                run.output()
            );
        }
        assert_eq!(
            run.code,
            0,
            "{ctx}: the {} failed after {took:.0?} — every case must be recovered within the \
             same command, without a second one:\n{}",
            phase.label(),
            run.output()
        );
        assert!(
            lost.is_empty(),
            "{ctx}: the run succeeded although these calls failed and were not sent again — \
             the provider went on as if they had worked: {lost:#?}\n{}",
            run.output()
        );
        self.assert_partial("after the run", &run.output());
        let missed: Vec<&Call> = armed
            .iter()
            .filter(|(id, _)| !fired.contains_key(id))
            .map(|(_, c)| c)
            .collect();
        assert!(
            missed.is_empty(),
            "{ctx}: calls of the clean run that were never made under faults: {missed:#?}"
        );
        self.sandbox.clear_faults();
        armed
            .into_iter()
            .map(|(id, call)| (call, fired[&id]))
            .collect()
    }

    /// Apply, refresh and destroy under one kind of fault.
    fn cycle(&mut self, fault: Fault, matrix: &mut Matrix) {
        let ctx = format!("{} [{}]", self.ctx(), fault.label());
        self.protect();
        let mut record = |phase: Phase, outcomes: Vec<(Call, Outcome)>| {
            for (call, outcome) in outcomes {
                matrix
                    .entry((phase, call))
                    .or_default()
                    .insert(fault, outcome);
            }
        };
        record(Phase::Apply, self.phase(Phase::Apply, fault));
        let (added, removed) = difference(&self.baseline, &self.now());
        let (mut want_added, mut want_removed) = self.expected.clone();
        want_added.sort();
        want_removed.sort();
        assert_eq!(
            (&added, &removed),
            (&want_added, &want_removed),
            "{ctx}: after the apply converged the sandbox should hold exactly what a clean \
             apply makes (first: added, second: removed)"
        );
        self.dir
            .assert_plan_empty(&format!("{ctx}: after the apply converged"));
        self.runs += 1;
        record(Phase::Refresh, self.phase(Phase::Refresh, fault));
        self.unprotect();
        record(Phase::Destroy, self.phase(Phase::Destroy, fault));
        self.assert_back_to_baseline(&format!("[{}] after destroy", fault.label()));
    }
}

/// The whole matrix of one subject, and how many terraform runs it took.
fn matrix_of(tf: &TerraformBin, subject: Subject) -> (Matrix, usize) {
    let started = Instant::now();
    let mut bench = Bench::new(tf, subject);
    let mut matrix = Matrix::new();
    for fault in Fault::ALL {
        bench.cycle(fault, &mut matrix);
    }
    eprintln!(
        "{}: {} cases in {} terraform runs, {:.0?}",
        subject.resource_type(),
        matrix.values().map(BTreeMap::len).sum::<usize>(),
        bench.runs,
        started.elapsed()
    );
    (matrix, bench.runs)
}

fn cell(outcomes: &BTreeMap<Fault, Outcome>, fault: Fault) -> &'static str {
    outcomes.get(&fault).map_or("—", |o| o.label())
}

/// The full table, one row per call.
fn table(results: &[(Subject, Matrix)]) -> String {
    let mut out = String::from(
        "| Resource | Phase | Call | 500 | 429 | drop | slow |\n|---|---|---|---|---|---|---|\n",
    );
    for (subject, matrix) in results {
        for ((phase, call), outcomes) in matrix {
            out.push_str(&format!(
                "| `{}` | {} | `{} {} {}` | {} | {} | {} | {} |\n",
                subject.resource_type(),
                phase.label(),
                call.service,
                call.method,
                call.path,
                cell(outcomes, Fault::Status500),
                cell(outcomes, Fault::RateLimit),
                cell(outcomes, Fault::Drop),
                cell(outcomes, Fault::Slow),
            ));
        }
    }
    out
}

/// Per resource, phase and fault: how many calls recovered and how many failed, then
/// converged.
fn summary(results: &[(Subject, Matrix)]) -> String {
    let mut out = String::from(
        "| Resource | Phase | Calls | 500 | 429 | drop | slow |\n|---|---|---|---|---|---|---|\n",
    );
    for (subject, matrix) in results {
        for phase in [Phase::Apply, Phase::Refresh, Phase::Destroy] {
            let rows: Vec<&BTreeMap<Fault, Outcome>> = matrix
                .iter()
                .filter(|((p, _), _)| *p == phase)
                .map(|(_, o)| o)
                .collect();
            let mut line = format!(
                "| `{}` | {} | {} |",
                subject.resource_type(),
                phase.label(),
                rows.len()
            );
            for fault in Fault::ALL {
                let counts: Vec<String> = Outcome::ALL
                    .iter()
                    .map(|outcome| {
                        let n = rows
                            .iter()
                            .filter(|o| o.get(&fault) == Some(outcome))
                            .count();
                        format!("{n} {}", outcome.label())
                    })
                    .collect();
                line.push_str(&format!(" {} |", counts.join(", ")));
            }
            out.push_str(&line);
            out.push('\n');
        }
    }
    out
}

const SUMMARY_START: &str =
    "<!-- fault-matrix-summary:start (generated by tests/fault_matrix.rs) -->";
const SUMMARY_END: &str = "<!-- fault-matrix-summary:end -->";

fn document(results: &[(Subject, Matrix)]) -> String {
    format!(
        "# Fault matrix\n\n\
         Generated by `tests/fault_matrix.rs` (`cargo test -p ff-e2e --test fault_matrix`); \
         do not edit. Every remote call a resource made in a clean apply, refresh (plan) and \
         destroy against ff-sandbox, with ids shown as `{{n}}`/`{{id}}`, got each fault once \
         (`times: 1`) with `request_timeout_seconds = {TIMEOUT_S}`:\n\n\
         - **500**: the service's own error body with status 500;\n\
         - **429**: the service's rate-limit answer with `Retry-After: 1`;\n\
         - **drop**: the connection closed without an answer, before the request is handled;\n\
         - **slow**: the request is handled, and the answer comes after {SLOW_MS} ms — \
         after the client gave up.\n\n\
         Vault is a real OpenBao behind the sandbox's Vault port. Every case was recovered \
         within the same command, which succeeded: **recovered**, the provider sent the \
         call again; **adopted**, a create whose answer came too late was not sent again, \
         and the resource's next convergence within the same apply found what it had made. \
         After every case the sandbox held exactly the objects of a clean apply (none \
         twice), the plan was empty, and destroy left nothing behind.\n\n\
         ## Summary\n\n{}\n## Every call\n\n{}",
        summary(results),
        table(results)
    )
}

/// Compare a generated file with the repository's, or write it with
/// `FF_UPDATE_FAULT_MATRIX=1`.
fn check_generated(path: &std::path::Path, generated: &str) -> Option<String> {
    if std::env::var("FF_UPDATE_FAULT_MATRIX").as_deref() == Ok("1") {
        std::fs::write(path, generated).expect("write the generated file");
        return None;
    }
    let current = std::fs::read_to_string(path).unwrap_or_default();
    (current != generated).then(|| {
        format!(
            "{} is not what this run generated; rerun with FF_UPDATE_FAULT_MATRIX=1 to write it.\n\
             --- generated ---\n{generated}",
            path.display()
        )
    })
}

fn readme_with_summary(readme: &str, summary: &str) -> String {
    match (readme.find(SUMMARY_START), readme.find(SUMMARY_END)) {
        (Some(start), Some(end)) if start < end => format!(
            "{}{SUMMARY_START}\n{summary}{}",
            &readme[..start],
            &readme[end..]
        ),
        _ => readme.to_string(),
    }
}

#[test]
fn fault_matrix_every_call_of_every_resource() {
    let Some(tf) = pinned_terraform() else {
        eprintln!(
            "FF_TERRAFORM_VERSIONS leaves out Terraform {PINNED_TERRAFORM}, the only one the \
             fault matrix runs on: not run"
        );
        return;
    };
    let tf = &tf;
    // While working on one resource: FF_FAULT_MATRIX_ONLY=ff_deployment (no file checks).
    if let Ok(only) = std::env::var("FF_FAULT_MATRIX_ONLY") {
        for subject in Subject::ALL
            .into_iter()
            .filter(|s| s.resource_type() == only)
        {
            let (matrix, _) = matrix_of(tf, subject);
            println!("{}", table(&[(subject, matrix)]));
        }
        return;
    }
    let started = Instant::now();
    // Two resources at a time, as the machine has two cores.
    let (first, bootstrap) = std::thread::scope(|scope| {
        let others = scope.spawn(|| {
            [Subject::Deployment, Subject::Auth0Setup]
                .into_iter()
                .map(|s| (s, matrix_of(tf, s)))
                .collect::<Vec<_>>()
        });
        let bootstrap = (Subject::Bootstrap, matrix_of(tf, Subject::Bootstrap));
        (
            others.join().expect("the matrix thread finished"),
            bootstrap,
        )
    });
    let mut results: Vec<(Subject, Matrix)> = Vec::new();
    let mut runs = 0;
    for (subject, (matrix, n)) in first.into_iter().chain([bootstrap]) {
        results.push((subject, matrix));
        runs += n;
    }
    let doc = document(&results);
    println!("{doc}");
    eprintln!(
        "fault matrix: {runs} terraform runs in {:.0?}",
        started.elapsed()
    );
    let root = repo_root();
    let mut stale = Vec::new();
    stale.extend(check_generated(&root.join("docs/fault-matrix.md"), &doc));
    let readme_path = root.join("CONTRIBUTING.md");
    let readme = std::fs::read_to_string(&readme_path).expect("CONTRIBUTING.md");
    assert!(
        readme.contains(SUMMARY_START) && readme.contains(SUMMARY_END),
        "CONTRIBUTING.md has the fault matrix summary markers"
    );
    stale.extend(check_generated(
        &readme_path,
        &readme_with_summary(&readme, &summary(&results)),
    ));
    assert!(stale.is_empty(), "{}", stale.join("\n\n"));
}
